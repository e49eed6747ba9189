"""The plain helpers behind the app's pages, without Streamlit: escaping, readable tables, safe CSV,
sharing, sources (cells and sentences found again on their PDF page or text lines) and comparison."""
from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pandas as pd
import pdfplumber
import pytest
from PIL import Image

from assistant.answer import Answer, Citation, NumberCheck
from index.config import Settings
from index.errors import BudgetError
from index.ingest import ingest_paths
from conftest import corpus_pdf
from ui import charts, compare, excerpts, frames, pdf_highlight, provenance, share, sources, uploads
from ui.markdown import escape, label, text_markdown

LUNTAI = "2024-预算-部门-轮台县人力资源和社会保障局"
BAZHOU = "2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"
XUCHANG = "2023-决算-部门-许昌市人力资源和社会保障局"
NARRATIVE_2019 = "20_jiangsu_npc_2019_dept_budget_narrative.pdf"
TABLES_2019 = "21_jiangsu_npc_2019_dept_budget_tables.pdf"


@pytest.fixture(scope="module")
def connection(seeded_data):
    with duckdb.connect(str(seeded_data / "budget.duckdb"), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def wanli(tmp_path_factory) -> Path:
    """The 万里街道 2023 and 2024 budgets (Shanghai template, tables in 元), loaded without the narrative index."""
    folder = tmp_path_factory.mktemp("wanli")
    for name in ("14_putuo_wanli_street_2023_dept_budget.pdf", "05_putuo_wanli_street_2024_dept_budget.pdf"):
        shutil.copy(corpus_pdf(name), folder)
    report = ingest_paths([folder], Settings.from_env({}, data_dir=folder), refresh=False)
    assert not report.failed, report.entries
    return folder


# ---------------------------------------------------------------- markdown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("**粗体** _斜体_ `代码`", "\\*\\*粗体\\*\\* \\_斜体\\_ \\`代码\\`"),
        ("[链接](http://x) <b>标签</b>", "\\[链接\\](http://x) \\<b\\>标签\\</b\\>"),
        (":red[红] :material/home: 时间 10:30", "\\:red\\[红\\] \\:material/home: 时间 10:30"),
        ("$x$ 与 &lt;b&gt; | ~~删~~", "\\$x\\$ 与 \\&lt;b\\&gt; \\| \\~\\~删\\~\\~"),
        ("# 标题", "\\# 标题"),
        ("- 列表\n1. 编号\n2) 编号\n---\n===", "\\- 列表\n1\\. 编号\n2\\) 编号\n\\---\n\\==="),
        ("2.77 万元（表10 第 420 行）: 一致", "2.77 万元（表10 第 420 行）: 一致"),
    ],
)
def test_document_text_is_shown_literally_in_markdown(text, shown):
    assert escape(text) == shown


def test_a_label_is_one_escaped_line_cut_at_its_limit():
    assert label("表3 *支出*\n总表") == "表3 \\*支出\\* 总表"
    assert label("甲" * 300, limit=10) == "甲" * 9 + "…"


def test_answer_text_keeps_its_list_and_escapes_the_rest():
    assert text_markdown("轮台：\n- 三公经费：2.77 万元\n说明 *原文*") == "轮台：  \n- 三公经费：2.77 万元\n\n说明 \\*原文\\*  "


# ---------------------------------------------------------------- readable tables and CSV


def test_rows_become_readable_blank_signed_separated_with_the_unit_in_the_header():
    rows = pd.DataFrame({
        "subject": ["一般公共预算", "行政运行", None],
        "amount": [341.25, 209.44, None],
        "change_amount": [7825.98, 69.12, None],
        "change_pct": [95.82, 49.26, None],
        "direction": ["减少", "增加", None],
        "line_start": [461, 517, None],
        "agrees": [True, None, False],
    })
    table = frames.readable(rows)
    assert list(table.frame.columns) == ["科目", "金额（万元）", "增减额（万元）", "增减率（%）", "增减", "起始行", "与表格一致"]
    assert table.frame.iloc[0].tolist() == ["一般公共预算", "341.25", "−7,825.98", "−95.82", "减少", "461", "是"]
    assert table.frame.iloc[1].tolist() == ["行政运行", "209.44", "+69.12", "+49.26", "增加", "517", ""]
    assert table.frame.iloc[2].tolist() == ["", "", "", "", "", "", "否"]
    assert table.numeric == ["金额（万元）", "增减额（万元）", "增减率（%）", "起始行"]


def test_a_static_table_keeps_numbers_right_aligned_and_escapes_text():
    table = frames.readable(pd.DataFrame({"item": ["**公务接待费**"], "value": [12345.6]}))
    html = frames.table_styler(table).to_html()
    assert "12,345.60" in html and "\\*\\*公务接待费\\*\\*" in html
    assert pd.api.types.is_numeric_dtype(table.values["金额（万元）"])


def test_a_table_in_another_unit_says_so_and_a_result_with_several_units_names_none():
    assert list(frames.readable(pd.DataFrame({"value": [92.0], "unit": ["分"]})).frame.columns) == ["金额（分）"]
    mixed = frames.readable(pd.DataFrame({"value": [92.0, 2.5], "unit": ["分", "万元"]}))
    assert list(mixed.frame.columns) == ["金额", "单位"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_neutralises_cells_a_spreadsheet_would_run(cell):
    data = frames.safe_csv(pd.DataFrame({"项目": [cell], "金额": [-7825.98]}))
    read = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert read.iloc[0].tolist() == ["'" + cell, -7825.98]  # a negative amount is a number, not a formula


def test_audit_csv_is_neutralised_too():
    from ui.audit_report import render_findings
    from index.audit.findings import COLUMNS

    frame = pd.DataFrame([{c: None for c in COLUMNS} | {"doc_id": "d", "statement": "=1+1", "kind": "parent_sum",
                                                        "status": "mismatch"}])
    assert "'=1+1" in render_findings(frame, "csv")


# ---------------------------------------------------------------- sharing


def test_a_permalink_holds_the_question_and_the_chosen_documents():
    labels = ["轮台县人力资源和社会保障局 2024 预算", "巴音郭楞蒙古自治州人力资源和社会保障局 2024 预算"]
    link = share.permalink("http://127.0.0.1:8501/", "三公经费 & 公务接待费？", labels)
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("http://127.0.0.1:8501/?q=")
    assert query == {"q": ["三公经费 & 公务接待费？"], "doc": labels}
    assert share.permalink(None, "问题") == "?q=%E9%97%AE%E9%A2%98"
    assert share.permalink("http://h:8501", "问题") == "http://h:8501/?q=%E9%97%AE%E9%A2%98"


def test_a_question_limited_to_documents_names_those_it_does_not_name_yet(connection):
    from ui import browse

    documents = {d.doc_id: d for d in browse.loaded_documents(connection)}
    assert share.scoped_question("三公经费一共多少？", [documents[LUNTAI]]) == \
        "轮台县人力资源和社会保障局2024年预算：三公经费一共多少？"
    named = "轮台县人力资源和社会保障局的三公经费？"
    assert share.scoped_question(named, [documents[LUNTAI]]) == named


def test_an_answer_exports_as_markdown_with_citations_checks_and_sql():
    answer = Answer(
        question="三公经费*多少*？", route="sql", answer="轮台：\n- 三公经费：2.77 万元",
        sql="SELECT `x` FROM three_public_items", rows=[{"item": "公务接待费", "value": 0.13}],
        citations=[Citation(LUNTAI, "轮台县人社局 2024 年部门预算", "十、“三公”经费", "“三公”经费数为 2.77 万元。", "741", 3)],
        checks=[NumberCheck(2.77, "万元", "match", "表10 第 420 行"), NumberCheck(49.3, "%", "mismatch", "复算", 49.26)],
        reason="问的是金额",
    )
    text = share.answer_markdown(answer, "http://h/?q=x")
    assert text.startswith("# 三公经费\\*多少\\*？\n")
    assert "链接：<http://h/?q=x>" in text
    assert "| 项目 | 金额（万元） |\n| --- | --- |\n| 公务接待费 | 0.13 |" in text
    assert "```sql\nSELECT `x` FROM three_public_items\n```" in text
    assert "1. **轮台县人社局 2024 年部门预算 · 十、“三公”经费 · 第 741 行 · 第 3 页**" in text
    assert "   > “三公”经费数为 2.77 万元。" in text
    assert "- 一致：2.77 万元 — 表10 第 420 行" in text
    assert "- 不一致：49.3 %（表中为 49.26） — 复算" in text


# ---------------------------------------------------------------- where numbers and quotes came from


def test_a_checked_table_number_points_at_its_cell(connection):
    check = NumberCheck(2.77, "万元", "match", "表10 财政拨款“三公”经费支出情况表 第 420 行")
    ref = provenance.check_source(connection, check, [LUNTAI])
    assert (ref.kind, ref.line, ref.needle, ref.row_label, ref.position) == ("cell", 420, "2.77", "合计", 0)
    assert ref.row_values == ("2.77", "2.77")


def test_an_audit_link_points_at_the_cell_its_message_names(connection):
    check = NumberCheck(209.44, "万元", "match", "文中 209.44 万元 = 表5 一般公共预算支出情况表“行政运行”合计 209.44 万元")
    ref = provenance.check_source(connection, check, [LUNTAI])
    assert (ref.kind, ref.line, ref.row_label) == ("cell", 282, "行政运行")


def test_a_number_quoted_from_the_narrative_points_at_its_sentence(connection):
    ref = provenance.check_source(connection, NumberCheck(69.12, "万元", "unverified", "说明第 517 行；表中无对应单元格"),
                                  [LUNTAI])
    assert (ref.kind, ref.line, ref.focus) == ("text", 517, "69.12")
    assert ref.needle.startswith("2. 社会保障和就业支出(类)")


def test_a_formula_has_no_single_source(connection):
    assert provenance.check_source(connection, NumberCheck(2.77, "万元", "computed", "2.64 + 0.13"), [LUNTAI]) is None


def test_the_cell_of_a_text_document_is_marked_in_its_line(connection, seeded_data):
    ref = provenance.check_source(connection, NumberCheck(209.44, "万元", "match", "表5 一般公共预算支出情况表 第 282 行"),
                                  [LUNTAI])
    view = sources.source_view(connection, ref, seeded_data)
    assert view.found and view.image is None and view.where == "第 282 行"
    marked = [line for line in view.lines if line.marks]
    assert [(line.number, [line.text[a:b] for a, b in line.marks]) for line in marked] == [(282, ["209.44"])]
    assert line_field(marked[0]) == 4  # the 合计 column, not the 基本支出 one printing the same value
    assert [line.number for line in view.lines] == [280, 281, 282, 283, 284]


def line_field(line: excerpts.ExcerptLine) -> int:
    start = line.marks[0][0]
    return line.text[:start].count("\t")


def test_a_citation_marks_its_sentence_over_the_lines_it_spans():
    lines = [(10, "一、部门职能。本部门负责"), (11, "就业和社会保障工作，"), (12, "并承担培训。下一句。")]
    shown = excerpts.excerpt(lines, 10, 12, "本部门负责就业和社会保障工作，并承担培训。")
    assert [[line.text[a:b] for a, b in line.marks] for line in shown] == [["本部门负责"], ["就业和社会保障工作，"],
                                                                           ["并承担培训。"]]
    assert "orange-background" in excerpts.excerpt_markdown(shown)


def test_a_number_in_a_text_line_is_marked_only_where_it_stands_alone():
    shown = excerpts.excerpt([(5, "合计 12,103.50 其中 2,103.50")], 5, 5, "2,103.50", cell=True)
    assert [shown[0].text[a:b] for a, b in shown[0].marks] == ["2,103.50"]
    assert shown[0].marks[0][0] == len("合计 12,103.50 其中 ")


def test_an_upload_with_a_name_too_long_for_the_file_system_is_refused_with_a_message(tmp_path):
    with pytest.raises(BudgetError) as refused:
        uploads.check_upload("预" * 100 + ".pdf", 10, Settings.from_env({}, data_dir=tmp_path))
    assert refused.value.user_message == "预" * 40 + "…: 无法读取（文件名太长（304 字节，上限 240 字节），请改短文件名后再上传）"


# ---------------------------------------------------------------- PDF pages


@pytest.fixture(scope="module")
def split_2019(tmp_path_factory):
    """The 2019 江苏 budget as two files (narrative, tables) registered as one document, in memory."""
    folder = tmp_path_factory.mktemp("split")
    con = duckdb.connect()
    con.execute("CREATE TABLE source_files (sha256 VARCHAR, doc_id VARCHAR, path VARCHAR)")
    for name in (TABLES_2019, NARRATIVE_2019):
        path = Path(shutil.copy(corpus_pdf(name), folder))
        con.execute("INSERT INTO source_files VALUES (?, 'doc', ?)",
                    [hashlib.sha256(path.read_bytes()).hexdigest(), f"/elsewhere/{name}"])
    yield con, folder
    con.close()


def test_a_page_of_a_split_publication_maps_back_to_its_file(split_2019):
    con, folder = split_2019
    narrative, tables = sources.document_parts(con, "doc", folder)
    assert (narrative.path.name, narrative.page_offset) == (NARRATIVE_2019, 0)
    assert (tables.path.name, tables.page_offset) == (TABLES_2019, 19)
    assert sources.part_of([narrative, tables], 27, 1) == tables
    assert sources.part_of([narrative, tables], 19, 1) == narrative


def test_a_cell_is_found_on_its_page_and_told_apart_from_the_same_value_elsewhere(split_2019):
    _, folder = split_2019
    with pdfplumber.open(folder / TABLES_2019) as pdf:
        page = pdf.pages[7]  # 公开表八: 公务用车运行维护费 183.60, a value also in 公开表九
        [box] = pdf_highlight.cell_boxes(page, "183.60", ("183.60",), "公务用车运行维护费", 0, "30231")
        label_box = page.search("公务用车运行维护费")[0]
        assert abs((box.top + box.bottom) / 2 - (label_box["top"] + label_box["bottom"]) / 2) < 3
        assert box.x0 > label_box["x1"]


def test_a_sentence_running_on_to_the_next_page_is_marked_where_it_starts():
    path = corpus_pdf("n02_central_NationalPublicComplaintsBureau_2024_dept_final.pdf")
    sentence = "9.社会保障和就业（类）行政事业单位离退休（款）机关事业单位基本养老保险缴费支出（项）。"
    with pdfplumber.open(path) as pdf:
        boxes = pdf_highlight.sentence_boxes(pdf.pages[21], sentence)
    assert len(boxes) >= 1


def test_the_page_image_is_marked_where_the_value_is_printed(tmp_path):
    path = Path(shutil.copy(corpus_pdf(TABLES_2019), tmp_path))
    with pdfplumber.open(path) as pdf:
        box = pdf_highlight.cell_boxes(pdf.pages[8], "767.60", ("2,600.71", "767.60", "199.25"), "“三公”经费")[0]
    png = pdf_highlight.draw_marks(pdf_highlight.render_page(path, 9, 110), [box], 110)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    red, green, blue = image.getpixel((int((box.x0 + box.x1) / 2 * 110 / 72), int(box.top * 110 / 72) - 2))
    assert red > 180 and green < 120 and blue < 120  # the red outline just above the number


def test_a_pdf_view_is_kept_on_disk_and_read_back(tmp_path):
    path = Path(shutil.copy(corpus_pdf(TABLES_2019), tmp_path))
    con = duckdb.connect()
    con.execute("CREATE TABLE source_files AS SELECT ? AS sha256, 'doc' AS doc_id, ? AS path",
                [hashlib.sha256(path.read_bytes()).hexdigest(), str(path)])
    ref = provenance.SourceRef("767.6 万元", "doc", "cell", 178, 178, 9, "767.60", "“三公”经费",
                               ("2,600.71", "767.60", "199.25"))
    first = sources.source_view(con, ref, tmp_path)
    cached = sorted(p.name for p in (tmp_path / sources.CACHE_DIR).iterdir())
    second = sources.source_view(con, ref, tmp_path)
    assert first.found and first.where == "第 9 页" and first.page_image == second.page_image
    assert first.image == second.image and len(first.image) < len(first.page_image)  # the part around the mark
    assert len(cached) == 4  # the page, the marked page, the part around the mark, and what was found


# ---------------------------------------------------------------- comparison


def test_comparison_reads_the_standard_quantities_of_each_template(connection):
    frame = compare.compare_frame(connection, [LUNTAI, BAZHOU, XUCHANG])
    value = frame.set_index(["quantity", "doc_id"])["value"]
    assert value[("收支总计", LUNTAI)] == 2140.09 and value[("财政拨款", LUNTAI)] == 2103.5
    assert (value[("基本支出", LUNTAI)], value[("项目支出", LUNTAI)]) == (336.25, 1803.84)
    assert (value[("人员经费", BAZHOU)], value[("公用经费", BAZHOU)]) == (1488.94, 94.21)
    assert (value[("三公经费", LUNTAI)], value[("三公经费", BAZHOU)]) == (2.77, 19.0)
    assert value[("三公经费", XUCHANG)] == 12.6  # the 决算数, not the 预算数 beside it
    assert value[("公务接待费", LUNTAI)] == 0.13 and pd.isna(value[("因公出国（境）费", LUNTAI)])
    source = frame.set_index(["quantity", "doc_id"])["source"]
    assert value[("机关运行经费", LUNTAI)] == 15.9 and source[("机关运行经费", LUNTAI)] == "说明第 771 行（引自文字）"
    assert frame["change"].isna().all()  # three departments: no year on year change


def test_comparison_of_two_years_of_one_department_gives_the_change(wanli):
    with duckdb.connect(str(wanli / "budget.duckdb"), read_only=True) as con:
        doc_ids = [row[0] for row in con.execute("SELECT doc_id FROM documents ORDER BY year").fetchall()]
        frame = compare.compare_frame(con, doc_ids)
    later = frame[frame["doc_id"] == doc_ids[1]].set_index("quantity")
    assert later.loc["三公经费", "value"] == 47.91 and later.loc["三公经费", "change"] == 25.0
    assert later.loc["机关运行经费", "change"] == -342.91
    assert later.loc["公务用车购置费", "value"] == 25.0
    wide = compare.wide_frame(frame)
    assert list(wide.columns) == ["项目", "上海市普陀区人民政府万里街道办事处 2023 预算", "上海市普陀区人民政府万里街道办事处 2024 预算",
                                  "上海市普陀区人民政府万里街道办事处 2024 预算 增减"]
    assert charts.comparison_chart(frame, "对比").to_dict()["mark"]["type"] == "bar"


@pytest.mark.parametrize(
    ("row_label", "column_path", "name"),
    [
        ("合计", "“三公”经费预算数/公务用车购置及运行费/购置费", "公务用车购置及运行费/购置费"),
        ("合计", "财政拨款“三公”经费/合计/决算数", "财政拨款三公经费/合计"),
        ("合计", "三公经费预(决)算数(财政拨款)/其中:公务用车运行费", "公务用车运行费"),
        ("其中：（1）公务用车购置费", "预算数", "公务用车购置费"),
        ("“三公”经费", "“三公”经费/小计", "三公经费"),
    ],
)
def test_a_cell_is_named_by_its_row_or_on_a_total_row_by_its_column(row_label, column_path, name):
    assert compare.cell_name(row_label, column_path) == name
