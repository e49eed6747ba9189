"""The Streamlit app under AppTest, and the plain helpers behind its pages (browse, charts).

Answers come from tests/fake_assistant.py (put in place of assistant.factory);
the database is the real one, built once from the three seeds without the
narrative index and copied into each test's data folder.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote, urlencode

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from assistant.answer import Answer, Citation, NumberCheck
from ui import browse, charts, frames, uploads
from ui.pages.chat import MAX_QUESTION_CHARS
from index.config import Settings
from index.errors import BudgetError
from index.ingest import ingest_paths
from tests import fake_assistant
from conftest import BAZHOU, LUNTAI, ROOT, SEEDS, copy_data

APP = str(ROOT / "app.py")
LUNTAI_ID = "2024-预算-部门-轮台县人力资源和社会保障局"
LUNTAI_LABEL = "轮台县人力资源和社会保障局 2024 预算"
QUESTION = "轮台县人社局2024年三公经费一共多少？"


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    """Cached resources outlive an AppTest run (streamlit issue #9139): start and end each test clean."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def seeded(seeded_data) -> Path:
    """A data folder holding the three seeds and their database (no narrative index); copy before changing it."""
    return seeded_data


@pytest.fixture(scope="module")
def luntai_only(tmp_path_factory) -> Path:
    """A data folder holding only the 轮台 document and its database."""
    folder = tmp_path_factory.mktemp("luntai")
    shutil.copy(LUNTAI, folder)
    report = ingest_paths([folder], Settings.from_env(data_dir=folder), refresh=False)
    assert not report.failed, report.entries
    return folder


def data_copy(source: Path, tmp_path: Path) -> Path:
    return copy_data(source, tmp_path)


@pytest.fixture
def app(seeded, tmp_path, monkeypatch) -> AppTest:
    """The app over a copy of the seeded folder, answering with the fake assistant."""
    monkeypatch.setenv("BUDGET_DATA_DIR", str(data_copy(seeded, tmp_path)))
    monkeypatch.setitem(sys.modules, "assistant.factory", fake_assistant)
    return AppTest.from_file(APP, default_timeout=60).run()


def answer_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.chat_message[-1].markdown)


def documents_in(data_dir: Path) -> list[str]:
    with duckdb.connect(str(data_dir / "budget.duckdb"), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]


# ---------------------------------------------------------------- the app


def test_sidebar_lists_the_loaded_documents(app):
    sidebar = "\n".join(m.value for m in app.sidebar.markdown)
    assert not app.exception
    assert "轮台县人力资源和社会保障局" in sidebar
    assert "2024 · 预算 · 部门 · 13 表" in sidebar
    assert "2023 · 决算 · 部门" in sidebar


def test_question_shows_answer_sql_rows_chart_and_citations(app):
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    assert [m.name for m in app.chat_message] == ["user", "assistant"]
    assert app.chat_message[0].markdown[0].value == QUESTION
    text = answer_text(app)
    assert "轮台县人力资源和社会保障局2024年预算：  \n- 三公经费：2.77 万元（表10 财政拨款“三公”经费支出情况表 第 420 行）" in text
    assert app.code[0].value == fake_assistant.SQL
    rows = app.table[0].value
    assert list(rows.columns) == ["项目", "金额（万元）"]
    assert list(rows["项目"]) == ["因公出国（境）费", "公务用车购置费", "公务用车运行费", "公务接待费"]
    assert list(rows["金额（万元）"]) == [0.0, 0.0, 2.64, 0.13]
    assert [b.proto.label for b in app.get("download_button")] == ["下载 CSV", "下载 Markdown（回答、引用、核对与 SQL）"]
    assert len(app.get("vega_lite_chart")) == 1
    assert "十、“三公”经费预算情况说明 · 第 741 行** :gray-badge[出处 1]" in text
    assert ":orange-background[轮台县人力资源和社会保障局部门 2024 年财政拨款“三公”经费数为 2.77 万元，" in text
    assert ":blue-badge[计算] 2.77 万元 — 2.64 + 0.13 + 0 + 0" in text


def test_both_route_shows_each_number_check_with_its_status(app):
    app.chat_input[0].set_value("轮台县人社局2024年行政运行预算为什么增加？").run()
    text = answer_text(app)
    assert ":green-badge[一致] 209.44 万元 — 表5 行政运行 合计 :gray-badge[出处 2]" in text
    assert ":orange-badge[未核实] 69.12 万元" in text
    assert ":red-badge[不一致] 49.3 %，表中为 49.26" in text
    assert "表格 + 段落 · 问原因，也问金额" in app.chat_message[-1].caption[0].value


def test_history_keeps_earlier_answers(app):
    app.chat_input[0].set_value(QUESTION).run()
    app.chat_input[0].set_value("什么是三公经费？").run()
    assert [m.name for m in app.chat_message] == ["user", "assistant", "user", "assistant"]
    assert "2.77 万元" in "\n".join(m.value for m in app.chat_message[1].markdown)
    assert "公务接待费" in answer_text(app)


def test_clicking_an_example_question_asks_it(app):
    example = app.sidebar.button(key="example-0")
    assert example.label == "许昌市人力资源和社会保障局2023年三公经费一共多少？"
    example.click().run()
    assert not app.exception
    assert app.chat_message[0].markdown[0].value == example.label
    assert "2.77 万元" in answer_text(app)


def test_a_budget_error_is_shown_with_its_message(app):
    app.chat_input[0].set_value(fake_assistant.FAILING_QUESTION).run()
    assert [e.value for e in app.chat_message[-1].error] == ["无法理解这个问题"]


def test_the_chat_box_takes_at_most_the_question_cap(app):
    assert app.chat_input[0].proto.max_chars == MAX_QUESTION_CHARS == 500


def asked_questions(at: AppTest) -> list[str]:
    return at.session_state["assistant"][1].questions


def test_a_link_with_a_question_asks_it_once_on_opening(seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGET_DATA_DIR", str(data_copy(seeded, tmp_path)))
    monkeypatch.setitem(sys.modules, "assistant.factory", fake_assistant)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = QUESTION
    at.run()
    assert not at.exception
    assert "2.77 万元" in answer_text(at)
    at.run()
    assert asked_questions(at) == [QUESTION]
    assert at.code[-1].value == "?q=" + quote(QUESTION)


def test_chosen_documents_limit_the_question_and_go_into_its_link(app):
    app.multiselect(key="doc").set_value([LUNTAI_ID]).run()
    app.chat_input[0].set_value("三公经费一共多少？").run()
    assert not app.exception
    assert asked_questions(app) == ["轮台县人力资源和社会保障局2024年预算：三公经费一共多少？"]
    assert app.chat_message[0].caption[0].value == "按所选文件提问：轮台县人力资源和社会保障局2024年预算：三公经费一共多少？"
    assert app.code[-1].value == "?" + urlencode({"q": "三公经费一共多少？", "doc": LUNTAI_LABEL})


def test_an_asked_question_is_put_in_the_address(app):
    app.chat_input[0].set_value(QUESTION).run()
    assert app.query_params["q"] == QUESTION


def test_the_source_of_a_quote_shows_its_lines_with_the_sentence_marked(app):
    app.chat_input[0].set_value(QUESTION).run()
    pills = app.get("button_group")[-1]
    assert [o.content for o in pills.proto.options] == ["1 · 引文 1"]
    pills.set_value(1).run()
    assert not app.exception
    captions = [c.value for c in app.chat_message[-1].caption]
    assert "000\\_483341c397df5066.txt · 第 741 行" in captions
    excerpt = app.chat_message[-1].markdown[-1].value
    assert excerpt.startswith(":gray[739]  十、关于轮台县人力资源和社会保障局部门 2024 年财政拨款“三公”经费预算情况说明")
    assert ":gray[741]  :orange-background[**轮台县人力资源和社会保障局部门 2024 年财政拨款“三公”经费数为 2.77 万元，" in excerpt


def hostile_answer(question: str) -> Answer:
    """An answer carrying Markdown and Streamlit directives in every text a document or file name fills."""
    return Answer(
        question=question, route="passages", answer="见 **原文** [链接](http://x)",
        citations=[Citation(fake_assistant.LUNTAI, "<b>标题</b>", "# 第一部分 > *重点*", ":red[红字] $x$", "741")],
        checks=[NumberCheck(2.77, "万元", "unverified", ":material/home: `代码` [x](y)")],
        reason="因为 **粗体** :red[红]",
    )


def test_document_text_in_an_answer_is_shown_literally(app, monkeypatch):
    monkeypatch.setattr(fake_assistant, "sql_answer", hostile_answer)
    app.chat_input[0].set_value(QUESTION).run()
    assert not app.exception
    text = answer_text(app)
    assert "见 \\*\\*原文\\*\\* \\[链接\\](http://x)" in text
    assert "**\\<b\\>标题\\</b\\> · \\# 第一部分 \\> \\*重点\\* · 第 741 行**" in text
    assert "\\:red\\[红字\\] \\$x\\$" in text
    assert "— \\:material/home: \\`代码\\` \\[x\\](y)" in text
    assert app.chat_message[-1].caption[0].value.startswith("段落检索 · 因为 \\*\\*粗体\\*\\* \\:red\\[红\\]")


def test_an_upload_with_a_name_too_long_is_refused_with_a_message(app):
    data_dir = Path(Settings.from_env().data_dir)
    files = sorted(p.name for p in data_dir.iterdir())
    app.sidebar.file_uploader[0].set_value(("预" * 100 + ".txt", b"x", "text/plain")).run()
    assert not app.exception
    [error] = [e.value for e in app.sidebar.error]
    assert "文件名太长（304 字节，上限 240 字节），请改短文件名后再上传" in error
    assert sorted(p.name for p in data_dir.iterdir()) == files


def test_upload_loads_the_document_and_lists_it(luntai_only, tmp_path, monkeypatch):
    data_dir = data_copy(luntai_only, tmp_path)
    refreshed = []
    monkeypatch.setattr("index.search.retriever.refresh_index", lambda settings: refreshed.append(settings.data_dir))
    monkeypatch.setenv("BUDGET_DATA_DIR", str(data_dir))
    monkeypatch.setitem(sys.modules, "assistant.factory", fake_assistant)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.file_uploader[0].set_value(("巴州人社局2024.txt", BAZHOU.read_bytes(), "text/plain")).run()
    assert not at.exception
    assert [s.value for s in at.sidebar.success] == [
        "已载入 巴州人社局2024.txt → 2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"
    ]
    assert (data_dir / "巴州人社局2024.txt").read_bytes() == BAZHOU.read_bytes()
    assert len(documents_in(data_dir)) == 2
    assert refreshed == [data_dir]
    assert "巴音郭楞蒙古自治州人力资源和社会保障局" in "\n".join(m.value for m in at.sidebar.markdown)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("会议纪要.txt", "关于召开年度工作会议的通知\n请各科室准时参加。\n".encode(),
         "会议纪要.txt: 不是可识别的部门预算/决算公开文件（"),
        ("空文件.txt", b"", "空文件.txt: 无法读取（文件为空）"),
        ("乱码.md", bytes(range(256)) * 4, "乱码.md: 无法读取（"),
    ],
)
def test_failed_upload_shows_the_error_and_changes_nothing(app, name, content, message):
    data_dir = Path(Settings.from_env().data_dir)
    files = sorted(p.name for p in data_dir.iterdir())
    before = documents_in(data_dir)
    app.sidebar.file_uploader[0].set_value((name, content, "text/plain")).run()
    assert not app.exception
    errors = [e.value for e in app.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert not app.sidebar.success
    assert sorted(p.name for p in data_dir.iterdir()) == files
    assert documents_in(data_dir) == before


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("预算.docx", 10, "预算.docx: 不是可识别的部门预算/决算公开文件（不支持的文件类型 .docx，只支持 .txt、.md、.pdf、.html 和 .htm）"),
        ("预算", 10, "预算: 不是可识别的部门预算/决算公开文件（不支持的文件类型 （无扩展名），只支持 .txt、.md、.pdf、.html 和 .htm）"),
        ("预算.pdf", 51 * 1024 * 1024, "预算.pdf: 无法读取（文件大小 51 MB 超过上限 50 MB）"),
    ],
)
def test_upload_of_another_type_or_too_large_is_refused_before_saving(name, size, message, tmp_path):
    with pytest.raises(BudgetError) as refused:
        uploads.check_upload(name, size, Settings.from_env(data_dir=tmp_path))
    assert refused.value.user_message == message


def test_upload_with_the_name_of_another_file_gets_a_name_of_its_own(tmp_path):
    (tmp_path / "预算.txt").write_bytes(b"old")
    assert uploads.upload_path("预算.txt", b"old", tmp_path) == tmp_path / "预算.txt"
    assert uploads.upload_path("../预算.txt", b"new", tmp_path).name.startswith("预算-")
    assert uploads.upload_path("a/b:c.txt", b"x", tmp_path) == tmp_path / "b_c.txt"


# ---------------------------------------------------------------- browse


@pytest.fixture
def connection(seeded):
    with duckdb.connect(str(seeded / "budget.duckdb"), read_only=True) as con:
        yield con


def test_loaded_documents_are_counted(connection):
    luntai = next(d for d in browse.loaded_documents(connection) if d.doc_id == LUNTAI_ID)
    assert (luntai.department, luntai.year, luntai.kind) == ("轮台县人力资源和社会保障局", 2024, "预算")
    assert luntai.n_tables >= 11
    assert luntai.n_passages > 0


def test_document_labels_are_short_and_unique(connection):
    documents = browse.loaded_documents(connection)
    assert browse.document_labels(documents)[LUNTAI_ID] == LUNTAI_LABEL
    twin = replace(next(d for d in documents if d.doc_id == LUNTAI_ID), doc_id="2024-预算-单位-轮台县人力资源和社会保障局",
                   scope="单位")
    labels = browse.document_labels([*documents, twin])
    assert (labels[LUNTAI_ID], labels[twin.doc_id]) == (LUNTAI_LABEL + " 部门", LUNTAI_LABEL + " 单位")


def test_example_questions_name_a_loaded_document(connection):
    questions = browse.example_questions(browse.loaded_documents(connection))
    assert questions[1] == "什么是三公经费？"
    assert questions[0].endswith("年三公经费一共多少？")
    assert "各部门的三公经费分别是多少？" in questions


def test_three_public_table_renders_as_printed(connection):
    tables = browse.document_tables(connection, LUNTAI_ID)
    table_id = int(tables[tables["kind"] == "three_public"]["table_id"].iloc[0])
    [(panel, frame)] = browse.table_frames(connection, LUNTAI_ID, table_id)
    assert panel is None
    first = frame.iloc[0]
    assert 2.77 in list(first.values)


def test_variances_sort_by_the_size_of_the_change(connection):
    frame = browse.sort_by_change(browse.variances(connection, LUNTAI_ID))
    changes = list(frame["change_amount"].abs())
    assert changes == sorted(changes, reverse=True)
    assert 69.12 in list(frame["change_amount"])


def test_a_variance_row_links_to_its_passage(connection):
    frame = browse.variances(connection, LUNTAI_ID)
    row = frame[frame["change_amount"] == 69.12].iloc[0].to_dict()
    passage = browse.row_passage(connection, row)
    assert "行政运行" in passage["text"]
    assert "517" in passage["lines"]


def test_sections_come_in_document_order(connection):
    sections = browse.document_sections(connection, LUNTAI_ID)
    assert list(sections["line_start"]) == sorted(sections["line_start"])
    assert sections["text"].str.contains("三公").any()


def test_quoted_sentence_is_the_one_with_the_answer_numbers():
    text = "一、总体情况。轮台县人社局“三公”经费数为 2.77 万元，其中公务接待费 0.13 万元。比上年减少 0.13 万元。"
    before, sentence, after = browse.quoted_sentence(text, "三公经费一共多少？", "三公经费合计 2.77 万元。")
    assert sentence == "轮台县人社局“三公”经费数为 2.77 万元，其中公务接待费 0.13 万元。"
    assert before + sentence + after == text


def test_rows_csv_opens_in_a_spreadsheet_with_chinese():
    data = frames.safe_csv(pd.DataFrame(fake_assistant.THREE_PUBLIC_ROWS))
    assert data.startswith('\ufeff"item","value"\n"因公出国（境）费",0.0'.encode("utf-8"))


# ---------------------------------------------------------------- charts


def test_ranking_of_three_public_items_gets_a_bar_chart():
    plan = charts.plan_chart(fake_assistant.THREE_PUBLIC_ROWS)
    assert plan.kind == "ranking"
    assert list(plan.data["项目"]) == ["因公出国（境）费", "公务用车购置费", "公务用车运行费", "公务接待费"]
    spec = charts.build_chart(plan).to_dict()
    assert spec["mark"]["type"] == "bar"


def test_one_row_gets_no_chart():
    assert charts.plan_chart([{"subject_name": "行政运行", "total": 209.44}]) is None


def test_rows_without_an_amount_get_no_chart():
    assert charts.plan_chart([{"item": "甲", "line": 3}, {"item": "乙", "line": 4}, {"item": "丙", "line": 5}]) is None


def test_comparison_across_documents_gets_a_chart_per_document():
    rows = [
        {"department": "轮台县人力资源和社会保障局", "year": 2024, "total": 2.77},
        {"department": "巴音郭楞蒙古自治州人力资源和社会保障局", "year": 2024, "total": 11.5},
    ]
    plan = charts.plan_chart(rows)
    assert plan.kind == "comparison"
    assert list(plan.data["万元"]) == [2.77, 11.5]


def test_budget_against_final_gets_grouped_bars():
    rows = [
        {"subject": "行政运行", "initial_budget": 300.0, "final_amount": 320.5},
        {"subject": "机关服务", "initial_budget": 50.0, "final_amount": 41.0},
    ]
    plan = charts.plan_chart(rows)
    assert plan.kind == "budget_vs_final"
    assert set(plan.data["系列"]) == {"年初预算数", "决算数"}
    assert "yOffset" in charts.build_chart(plan).to_dict()["encoding"]


def test_three_public_totals_of_three_departments_are_compared_by_department():
    rows = [
        {"department": department, "table_number": "表10", "row_label": "合计", "column_path": "合计",
         "measure": "total", "amount": amount, "line": line, "doc_id": doc_id}
        for department, amount, line, doc_id in [
            ("许昌市人力资源和社会保障局", 5.91, 2001, "2023-决算-部门-许昌市人力资源和社会保障局"),
            ("巴音郭楞蒙古自治州人力资源和社会保障局", 11.5, 700, "2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"),
            ("轮台县人力资源和社会保障局", 2.77, 420, LUNTAI_ID),
        ]
    ]
    plan = charts.plan_chart(rows)
    assert plan.kind == "comparison"
    assert list(plan.data["项目"]) == ["许昌市人力资源和社会保障局", "巴音郭楞蒙古自治州人力资源和社会保障局",
                                     "轮台县人力资源和社会保障局"]
    assert list(plan.data["万元"]) == [5.91, 11.5, 2.77]
