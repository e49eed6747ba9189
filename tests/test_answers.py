"""Answers over the three seed documents: values, routes, SQL, citations and number checks.

The database is built from data/ into tmp (tables and passages, no embedding
index); passages are retrieved by ``KeywordRetriever``, a stand-in for
``index.search.retriever.NarrativeRetriever`` with the same ``retrieve`` signature.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.answer import Answer
from assistant.assistant import Assistant
from assistant.checks import CellValues, NarrativeLinks, check_figures, numbers_with_units
from assistant.cli import main
from assistant.engines.passages import PassageEngine
from assistant.router import Router, RuleSelector
from assistant.engines.figures import Figure
from assistant.engines.sql import SqlEngine
from assistant.engines.sql_guard import connect_guarded
from assistant.question.catalog import Catalog
from assistant.question.parse import parse_question
from index.config import Settings
from index.ingest import ingest_paths
from index.model import Passage
from index.search.retriever import read_passages
from conftest import corpus_pdf


@dataclass(frozen=True)
class Scored:
    passage: Passage
    score: float


class KeywordRetriever:
    """Ranks passages by shared character bigrams with the query (a fast stand-in for the hybrid retriever)."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def retrieve(self, query: str, doc_ids: list[str] | None = None, k: int = 5) -> list[Scored]:
        grams = _bigrams(query)
        scored = [
            Scored(p, len(grams & _bigrams(p.text)) / (1 + len(p.text) ** 0.5))
            for p in self.passages if doc_ids is None or p.doc_id in doc_ids
        ]
        return sorted(scored, key=lambda s: -s.score)[:k]


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff0-9]", "", text)
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


@pytest.fixture(scope="module")
def settings(seeded_data) -> Settings:
    return Settings.from_env({}, data_dir=seeded_data)


@pytest.fixture(scope="module")
def assistant(settings) -> Assistant:
    return keyword_assistant(settings)


def keyword_assistant(settings: Settings) -> Assistant:
    """An Assistant over a data folder, with keyword retrieval over its passages (no embedding model)."""
    connection = connect_guarded(settings.db_path)
    catalog = Catalog.load(connection)
    retriever = KeywordRetriever(read_passages(settings.db_path))
    router = Router(RuleSelector(), SqlEngine(connection=connection, catalog=catalog),
                    PassageEngine(connection=connection, catalog=catalog, load_retriever=lambda: retriever))
    return Assistant(catalog, router, CellValues.load(connection), NarrativeLinks.load(connection))


def corpus_assistant(folder: Path, name: str) -> Assistant:
    """``keyword_assistant`` over one corpus file loaded into ``folder``."""
    settings = Settings.from_env({}, data_dir=folder)
    ingest_paths([corpus_pdf(name)], settings, refresh=False)
    return keyword_assistant(settings)


def numbers(text: str) -> list[float]:
    return [value for value, _ in numbers_with_units(text)]


@pytest.mark.parametrize("question, expected", [
    ("轮台县人社局2024年行政运行预算是多少？", [209.44]),
    ("许昌市人社局2023年住房公积金决算多少？", [344.92]),
    ("巴州人社局2024年三公经费是多少？", [19.00]),
    ("许昌市人社局三公经费决算是多少？", [12.60]),
    ("巴音郭楞州人社局培训支出预算", [5.40]),
    ("轮台县人社局基本支出是多少？", [336.25]),
    ("轮台县人社局社保补贴预算多少？", [1600.00]),
    ("许昌市人社局本年收入合计是多少？", [11684.56]),
    ("巴州人社局2024年一般公共预算基本支出里的办公费安排了多少？", [4.80]),  # the basic table's own total column
    ("许昌市人社局2023年基本支出中的公务接待费是多少？", [2.00]),  # the economic subject, not the 三公 line
])
def test_lookup_answers_the_table_value_with_unit_document_and_sql(assistant, question, expected):
    answer = assistant.ask(question)
    assert answer.route == "sql"
    assert numbers(answer.answer) == expected
    assert "万元" in answer.answer and "人力资源和社会保障局" in answer.answer
    assert answer.sql.startswith("SELECT") and answer.rows
    assert [(c.value, c.status) for c in answer.checks] == [(v, "match") for v in expected]


def test_a_question_asking_where_an_amount_goes_lists_the_rows_under_its_total(assistant):
    answer = assistant.ask("轮台县人社局2024年一般公共预算项目支出是多少？列在哪些科目？")
    assert answer.route == "sql"
    assert numbers(answer.answer)[:2] == [1767.25, 1757.25]
    assert "其中 社会保险补贴（2080704）：1600.00 万元" in answer.answer
    assert all(c.status == "match" for c in answer.checks)


def test_a_fund_asked_after_qizhong_is_the_part_of_the_amount_not_a_restriction_of_it(assistant):
    answer = assistant.ask("轮台县人社局2024年收入预算是多少？其中一般公共预算拨款多少？")
    assert numbers(answer.answer)[:2] == [2140.09, 2103.50]
    assert "其中一般公共预算：2103.50 万元" in answer.answer


def test_a_count_the_narrative_does_not_state_is_declined(assistant):
    answer = assistant.ask("巴州人社局2024年公务接待了多少批次？")
    assert answer.route == "none" and "批次" in answer.reason


def test_a_fact_named_only_by_the_heading_above_its_passage_is_answered(assistant):
    answer = assistant.ask("巴州人社局的主要职能有哪些？")
    assert answer.route == "passages" and answer.citations
    assert any("职能" in c.section for c in answer.citations)


def test_words_inside_a_quoted_name_name_nothing_of_their_own(assistant):
    answer = assistant.ask("轮台县人社局“三支一扶人员经费”项目的绩效目标是什么？")
    assert "人员经费：" not in answer.answer and not answer.sql


def test_compare_answers_each_document_in_the_order_named(assistant):
    answer = assistant.ask("许昌市人社局和轮台县人社局的行政运行分别是多少？")
    assert answer.route == "sql"
    assert numbers(answer.answer) == [4062.49, 209.44, 3853.05]
    assert answer.answer.index("许昌市") < answer.answer.index("轮台县")
    assert "4062.49 − 209.44 = 3853.05 万元" in answer.answer


def test_rank_lists_projects_from_highest(assistant):
    answer = assistant.ask("巴州人社局的项目支出按金额从高到低排列")
    assert answer.route == "sql"
    assert numbers(answer.answer)[:3] == [1400.00, 120.00, 113.00]  # 849 + 551: one project under two subjects
    assert "2024年中央就业补助资金项目（2 行相加）" in answer.answer


def test_rank_of_subjects_names_the_largest_first(assistant):
    answer = assistant.ask("轮台县人社局哪个科目的支出最多？")
    assert answer.route == "sql"
    assert numbers(answer.answer) == [1600.00]
    assert "社会保险补贴" in answer.answer


def test_share_shows_its_formula_and_is_marked_computed(assistant):
    answer = assistant.ask("轮台县人社局基本支出占总支出的比例是多少？")
    assert "336.25 ÷ 2140.09 = 15.71%" in answer.answer
    assert ("computed", "336.25 ÷ 2140.09 = 15.71%") in [(c.status, c.source) for c in answer.checks]


def test_change_quotes_the_variance_and_cites_its_passage(assistant):
    answer = assistant.ask("轮台县人社局住房公积金比上年减少多少？")
    assert answer.route == "both"
    assert {17.71, 4.17, 19.06} <= set(numbers(answer.answer))
    assert answer.citations[0].lines == "545"
    assert "住房公积金" in answer.citations[0].text


def test_explain_gives_the_amount_from_the_table_and_the_reason_from_the_passage(assistant):
    answer = assistant.ask("轮台县人社局2024年行政运行预算为什么增加？")
    assert answer.route == "both"
    assert "209.44 万元" in answer.answer and "取暖费" in answer.answer
    assert answer.citations[0].lines == "517"
    assert ("match", 209.44) in [(c.status, c.value) for c in answer.checks]


def test_explain_of_a_narrative_only_figure_routes_to_passages(assistant):
    answer = assistant.ask("巴州人社局机关运行经费比上年减少的原因？")
    assert answer.route == "passages" and answer.sql is None
    assert "水电费" in answer.answer
    assert answer.citations[0].lines == "716"


def test_initial_budget_and_final_amount_come_from_the_final_accounts_narrative(assistant):
    answer = assistant.ask("许昌市人社局行政运行年初预算数和决算数各是多少？")
    assert answer.route == "both"
    assert {3709.08, 4062.49, 109.53} <= set(numbers(answer.answer))
    assert answer.citations[0].lines == "2975"


def test_define_quotes_the_glossary_entry(assistant):
    answer = assistant.ask("什么是机关运行经费？")
    assert answer.route == "passages"
    assert len(answer.citations) == 1
    assert answer.citations[0].text.lstrip("十八七、 ").startswith("机关运行经费")
    assert "名词解释" in answer.citations[0].section


def test_fact_from_the_narrative_is_quoted_with_its_lines(assistant):
    answer = assistant.ask("轮台县人社局编制数和实有人数是多少？")
    assert answer.route == "passages"
    assert "编制数19" in answer.answer and "实有人数29人" in answer.answer
    assert answer.citations[0].lines == "79-81"
    assert answer.citations[0].title.startswith("轮台县人力资源和社会保障局")


@pytest.mark.parametrize("question", [
    "巴州人社局2030年的预算是多少？",
    "北京市财政局2024年三公经费是多少？",
    "轮台县人社局2022年决算是多少？",
])
def test_out_of_scope_questions_route_none_with_an_honest_message(assistant, question):
    answer = assistant.ask(question)
    assert answer.route == "none"
    assert answer.answer.startswith("无法回答：没有载入")
    assert answer.sql is None and not answer.citations


QUESTIONS = [
    "轮台县人社局2024年行政运行预算是多少？", "巴州人社局项目支出占总支出的比例", "巴州人社局培训支出预算比上年增长多少？",
    "许昌市人社局创业担保贷款贴息及奖补决算数和年初预算数各是多少？", "轮台县人社局基本支出为什么减少？",
    "巴州人社局编制数和实有人数是多少？", "许昌市人社局2023年机关运行经费支出多少，比上年增长多少？",
    "轮台县人社局项目支出按金额从高到低排列", "巴州人社局和轮台县人社局2024年的住房公积金预算分别是多少？",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_number_stated_is_checked_and_computed_ones_show_their_formula(assistant, question):
    answer = assistant.ask(question)
    checked = {(round(c.value, 2), c.unit) for c in answer.checks}
    for value, unit in numbers_with_units(answer.answer):
        assert (round(value, 2), unit) in checked, f"{value} {unit} not checked in {answer.answer!r}"
    for check in answer.checks:
        assert check.status != "computed" or check.source in answer.answer


def test_a_quoted_number_that_differs_from_its_table_row_is_a_mismatch_showing_both(assistant):
    doc = assistant.catalog.documents[0]
    figure = Figure(doc, "行政运行预算数", 209.40, source="说明第 517 行", expected=209.44)
    [check] = check_figures([figure], assistant.cells, assistant.links)
    assert (check.status, check.expected) == ("mismatch", 209.44)
    assert check.source == "说明第 517 行；表中为 209.44"


def test_a_quoted_change_rate_is_checked_by_the_audits_recomputation(assistant):
    answer = assistant.ask("轮台县人社局2024年行政运行预算为什么增加？")
    [rate] = [c for c in answer.checks if c.unit == "%" and abs(c.value - 49.26) < 1e-6]
    assert rate.status == "match"
    assert "增减率 = 69.12 ÷ 上年数" in rate.source


def test_answer_json_has_the_contract_fields(assistant):
    data = assistant.ask("轮台县人社局2024年三公经费一共多少？").to_dict()
    assert set(data) >= {"question", "route", "answer", "sql", "rows", "citations", "checks"}
    assert json.loads(json.dumps(data, ensure_ascii=False))["route"] == "sql"


def test_cli_ask_reads_questions_from_stdin_and_prints_one_json_line_each(settings, monkeypatch, capsys):
    questions = ["轮台县人社局2024年三公经费一共多少？", "北京市财政局2024年三公经费是多少？", "许昌市人社局2023年本年支出合计是多少？"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["--data-dir", str(settings.data_dir), "ask", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [a["question"] for a in lines] == questions
    assert [a["route"] for a in lines] == ["sql", "none", "sql"]
    assert "2.77 万元" in lines[0]["answer"] and "11915.10 万元" in lines[2]["answer"]


def test_cli_sql_prints_rows_and_refuses_writes_with_the_guard_message(settings, capsys):
    assert main(["--data-dir", str(settings.data_dir), "sql", "--json",
                 "SELECT count(*) AS n FROM documents"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == [{"n": 3}]
    assert main(["--data-dir", str(settings.data_dir), "sql", "DELETE FROM cells"]) == 1
    assert capsys.readouterr().err.strip() == "错误：拒绝执行该 SQL：只允许只读的 SELECT 查询，不允许 DELETE"


def test_an_empty_question_is_answered_without_a_route(assistant):
    assert assistant.ask("   ") == Answer(question="", route="none", answer="请输入一个问题。", reason="空问题")


def test_engines_plug_into_llama_index_as_query_engines(assistant):
    from llama_index.core.base.base_query_engine import BaseQueryEngine

    from assistant.router import as_query_engine

    engine = as_query_engine(assistant.router.sql_engine, assistant.catalog)
    assert isinstance(engine, BaseQueryEngine)
    response = engine.query("轮台县人社局2024年住房公积金预算多少？")
    assert "17.71" in str(response)
    assert response.metadata["sql"].startswith("SELECT")
    passages = as_query_engine(assistant.router.passage_engine, assistant.catalog).query("什么是三公经费？")
    assert "公务接待费" in str(passages)


def test_a_pdf_of_another_template_answers_by_its_printed_row_not_the_grand_total(tmp_path):
    answer = corpus_assistant(tmp_path, "18_jiangsu_npc_office_2017_dept_budget.pdf").ask("江苏人大办公厅2017年三公经费是多少？")
    assert answer.route == "sql"
    assert numbers(answer.answer) == [833.60]  # the 合计 of that table (2542.60) also counts 会议费 and 培训费


def test_a_score_printed_on_a_projects_row_is_answered_from_the_table_with_its_unit(tmp_path):
    answer = corpus_assistant(tmp_path, "n15_guangdong_Foshan_RailTransitBureau_2019_dept_final.pdf").ask(
        "佛山市轨道交通局“轨道交通工程质量安全行业监管技术服务”项目自评打了几分？")
    assert answer.route == "sql" and "99.71 分" in answer.answer
    assert [(c.value, c.unit, c.status) for c in answer.checks] == [(99.71, "分", "match")]


def test_a_projects_self_evaluation_form_is_no_single_score(assistant):
    """许昌 项目支出绩效自评表: the project's name heads every indicator row; the narrative states its score."""
    answer = assistant.ask("许昌市人社局“省级下达考务费”项目的自评得分是多少？")
    assert answer.route == "passages" and "99.96" in answer.answer


@pytest.mark.parametrize("question, expected", [
    ("轮台县人社局人员经费和公用经费分别是多少？", [320.35, 15.90]),
    ("巴州人社局基本支出和项目支出各多少？", [1583.14, 4876.08]),
    ("许昌人社局三公经费预算和决算分别是多少？", [12.60, 12.60]),
    ("许昌市人社局2023年度收入总计", [11917.39]),
])
def test_several_measures_in_one_question_are_each_answered(assistant, question, expected):
    answer = assistant.ask(question)
    assert answer.route == "sql"
    assert numbers(answer.answer) == expected


def test_share_of_income_divides_by_the_income_total(assistant):
    answer = assistant.ask("巴州人社局的收入中一般公共预算占比多少？")
    assert "1914.14 ÷ 6459.22 = 29.63%" in answer.answer


def test_which_department_spends_most_ranks_the_documents_not_the_subjects(assistant):
    answer = assistant.ask("哪个部门的三公经费最多？")
    assert answer.route == "sql"
    ranking = [line for line in answer.answer.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert [line.split("：")[1].split(" ")[0] for line in ranking] == ["19.00", "12.60", "2.77"]
    assert ranking[0].startswith("1. 巴音郭楞蒙古自治州人力资源和社会保障局")


def test_a_subject_the_document_does_not_carry_is_said_to_be_absent(assistant):
    answer = assistant.ask("轮台县人社局2024年会议费预算是多少？")
    assert answer.route == "none"
    assert "轮台县人力资源和社会保障局2024年预算的表格中没有“会议费”的数额，说明中也没有提到" in answer.answer
    assert not answer.checks and not answer.citations


def test_two_amounts_of_one_document_asked_against_each_other_give_their_difference_with_its_formula(assistant):
    answer = assistant.ask("轮台县人社局2024年基本支出比项目支出多多少？")
    assert answer.route == "sql"
    assert "基本支出比项目支出少：336.25 − 1803.84 = -1467.59 万元" in answer.answer
    assert [(c.value, c.status) for c in answer.checks] == [(336.25, "match"), (1803.84, "match"), (1467.59, "computed")]


@pytest.fixture(scope="module")
def shenzhen(tmp_path_factory) -> Assistant:
    return corpus_assistant(tmp_path_factory.mktemp("shenzhen"),
                            "n12_guangdong_Shenzhen_PlanningNaturalResources_BaoanBranch_2026_dept_budget.pdf")


@pytest.mark.parametrize("question, expected", [
    ("深圳市规划和自然资源局宝安管理局2026年三公经费是多少？", 17.20),
    ("宝安管理局2026年公务用车购置费是多少？", 12.00),
])
def test_three_public_items_printed_once_per_year_are_read_in_this_years_row(shenzhen, question, expected):
    """深圳 表9 (p35): one unit, its figures printed in a 2025年, a 2026年 and an 增减变化金额 row under 年度."""
    answer = shenzhen.ask(question)
    assert answer.route == "sql" and numbers(answer.answer) == [expected]
    assert "2026年/" in answer.answer and [c.status for c in answer.checks] == ["match"]


def test_a_share_inside_a_named_whole_divides_by_that_whole(assistant):
    """"X里，Y占百分之几": X is the denominator (not 支出合计), the part read with X's fund."""
    answer = assistant.ask("巴州人社局一般公共预算基本支出里，公用经费占百分之几？")
    assert "94.21 ÷ 1583.14 = 5.95%" in answer.answer


@pytest.mark.parametrize("question, expected", [
    ("许昌市人社局“农林水支出—一般行政管理事务”决算多少？", [2.50]),
    ("许昌市人社局“人力资源和社会保障管理事务/一般行政管理事务”支出决算是多少？", [550.21]),
])
def test_a_classification_path_picks_the_row_under_its_named_class(assistant, question, expected):
    """一般行政管理事务 is printed under 20801 and 21305: the path names which."""
    answer = assistant.ask(question)
    assert answer.route == "sql" and numbers(answer.answer.split("SQL")[0]) == expected


def test_a_second_subject_asked_in_its_own_clause_gets_its_own_change(assistant):
    answer = assistant.ask("巴州人社局三公经费比上年减少多少？公务用车运行费为什么减少？")
    assert "三公经费预算比上年减少：3.00 万元" in answer.answer  # the narrative prints no 三公 amount: the change names it
    assert "公务用车运行费比上年减少：3.00 万元" in answer.answer and "减少一辆公务用车" in answer.answer


@pytest.fixture(scope="module")
def fuzhou(tmp_path_factory) -> Assistant:
    return corpus_assistant(tmp_path_factory.mktemp("fuzhou"), "n21_fujian_Fuzhou_CangshanEcoEnvBureau_2026_unit_budget.pdf")


@pytest.mark.parametrize("question, expected", [
    ("福州市仓山生态环境局2026年人员经费是多少？", 931.80),  # the narrative (p. 9): 人员经费 931.8 万元
    ("福州市仓山生态环境局2026年公用经费是多少？", 58.33),  # 990.13 − 931.80
])
def test_personnel_and_public_funds_add_up_economic_classes_when_no_column_prints_them(fuzhou, question, expected):
    answer = fuzhou.ask(question)
    assert answer.route == "sql" and "按经济分类计" in answer.answer
    assert numbers(answer.answer.split("SQL")[0])[-1] == expected


def test_why_the_whole_budget_changed_quotes_the_totals_change_and_reason(tmp_path):
    answer = corpus_assistant(tmp_path, "n16_guangdong_Zhuhai_TransportMunicipalProjectsCenter_2026_dept_budget.pdf").ask(
        "珠海市政府投资交通市政项目工务中心2026年预算为啥比上年多？")
    assert "比上年增加：6816.11 万元" in answer.answer and "政府投资项目的需求" in answer.answer


def test_a_why_question_gets_its_items_change_only_when_items_end_in_zhichu(tmp_path):
    """江苏 prints "人大事务（款）人大会议（项）支出…": the item is 人大会议, not 支出 (which matched every item)."""
    answer = corpus_assistant(tmp_path, "20_jiangsu_npc_2019_dept_budget_narrative.pdf").ask(
        "江苏省人大常委会办公厅2019年人大会议支出为什么增加？")
    assert numbers(answer.answer.split("说明原文")[0])[:3] == [1469.73, 164.48, 12.60]
    assert not {"行政运行", "人大立法", "人大监督", "代表工作"} & set(re.findall(r"- (\S+?)预算数", answer.answer))


def test_a_passage_question_naming_several_documents_cites_each_of_them(assistant):
    answer = assistant.ask("轮台县人社局和许昌市人社局的主要职能分别是什么？")
    assert answer.route == "passages"
    assert {c.doc.split("-")[-1] for c in answer.citations} == {"轮台县人力资源和社会保障局", "许昌市人力资源和社会保障局"}


@pytest.fixture(scope="module")
def xian_tables(tmp_path_factory) -> Assistant:
    return corpus_assistant(tmp_path_factory.mktemp("xian"), "n31_shaanxi_Xian_WorkSafetyBureau_2019_dept_budget_tables.pdf")


@pytest.mark.parametrize("question, expected", [
    ("西安市安全生产监督管理局下属的西安市安全生产执法监察支队2019年收入是多少？", 837.77),  # 表2, its unit row
    ("西安市安监局的西安市安全生产应急救援中心2019年支出合计是多少？", 270.98),  # 表3
    ("西安市安监局下属的西安市安全生产执法监察支队2019年支出是多少？", 837.77),  # 表3: the bare word names the total
])
def test_a_unit_of_a_consolidated_budget_is_answered_from_its_own_row(xian_tables, question, expected):
    answer = xian_tables.ask(question)
    assert answer.route == "sql" and numbers(answer.answer.split("SQL")[0]) == [expected]


def test_a_unit_the_tables_do_not_print_is_declined_not_answered_with_the_departments_total(xian_tables):
    answer = xian_tables.ask("西安市安全生产监督管理局下属的西安市安全生产科学研究所2019年收入多少？")
    assert answer.route == "none" and "西安市安全生产科学研究所" in answer.answer


def test_a_units_fund_and_a_units_part_of_a_fund_read_the_funds_column_of_its_row(xian_tables):
    answer = xian_tables.ask("西安市安监局下属的西安市安全生产应急救援中心2019年收入是多少？其中一般公共预算拨款多少？")
    assert "收入合计：270.98 万元" in answer.answer and "其中一般公共预算：270.98 万元" in answer.answer
    assert "一般公共预算拨款/小计" in answer.answer


def test_a_quoted_name_starting_with_the_documents_place_is_read_whole(tmp_path):
    """“江苏省第十二届…经费”: 江苏省 is the document's place, and part of the printed project name here."""
    answer = corpus_assistant(tmp_path, "18_jiangsu_npc_office_2017_dept_budget.pdf").ask(
        "江苏人大办公厅2017年“江苏省第十二届人代会五次会议经费”的政府采购预算是多少？")
    assert "江苏省第十二届人代会五次会议经费：950.00 万元" in answer.answer


@pytest.fixture(scope="module")
def chongqing(tmp_path_factory) -> Assistant:
    return corpus_assistant(tmp_path_factory.mktemp("chongqing"), "n08_chongqing_WaterResourcesBureau_2026_dept_budget.pdf")


def test_a_funds_income_line_is_the_part_of_the_grand_total(chongqing):
    answer = chongqing.ask("重庆市水利局2026年收支总计是多少？其中政府性基金预算资金多少？")
    assert "其中政府性基金预算：44134.59 万元" in answer.answer  # 收支总表 p12: 二、政府性基金预算资金


@pytest.mark.parametrize("question, expected", [
    ("重庆市水利局2026年政府采购里服务类采购多少？", 8941.32),  # 政府采购预算明细表: 服务 总计
    ("重庆市水利局2026年货物类采购预算是多少？", 2703.49),
])
def test_procurement_by_goods_works_and_services(chongqing, question, expected):
    assert expected in numbers(chongqing.ask(question).answer.split("SQL")[0])


def test_three_public_parts_by_their_everyday_names(tmp_path):
    answer = corpus_assistant(tmp_path, "n02_central_NationalPublicComplaintsBureau_2024_dept_final.pdf").ask(
        "国家信访局2024年三公经费决算多少？出国、接待、公车三块各是多少？")
    assert {"因公出国(境)费", "公务接待费", "公务用车购置及运行费"} <= set(re.findall(r"- (\S+?)(?:决算数)?：", answer.answer))


def test_a_count_no_passage_states_is_declined_not_quoted_from_unrelated_text(tmp_path):
    answer = corpus_assistant(tmp_path, "01_putuo_gov_office_2025_dept_budget.pdf").ask(
        "上海市普陀区政府办2025年部门预算里，有多少编制？实际在岗多少人？")
    assert answer.route == "none"  # its 预算编制说明 compiles a budget; it counts no staff


def test_economic_classes_printed_by_name_without_codes_make_personnel_and_public_funds(tmp_path):
    shenzhen_health = corpus_assistant(tmp_path, "n11_guangdong_Shenzhen_HealthCommission_2026_dept_budget.pdf")
    answer = shenzhen_health.ask("深圳市卫健委本级2026年公用经费是多少？")
    assert "637.40 万元" in answer.answer  # the narrative (p9): 公用经费 637.40 万元
    share = shenzhen_health.ask("深圳市卫健委本级2026年基本支出里人员经费占多少？")
    assert "26339.93 ÷ 26977.33 = 97.64%" in share.answer


def test_an_english_question_names_a_department_by_its_english_place_and_organisation(assistant):
    answer = assistant.ask("What was the 三公经费 of the Xuchang Human Resources and Social Security Bureau in 2023?")
    assert answer.route == "sql" and numbers(answer.answer.split("SQL")[0]) == [12.60]


def test_a_document_without_tables_answers_from_its_narrative_beside_the_others_tables(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    ingest_paths([corpus_pdf("n29_shaanxi_Xian_DevelopmentReformCommission_2019_dept_budget.pdf"),
                  corpus_pdf("n31_shaanxi_Xian_WorkSafetyBureau_2019_dept_budget_tables.pdf")], settings, refresh=False)
    answer = keyword_assistant(settings).ask("西安市发改委2019年和西安市安监局2019年政府采购预算各是多少？")
    assert answer.route == "both" and "192.13 万元" in answer.answer  # 安监局 表12
    assert "政府采购预算共890.65万元" in answer.answer  # 发改委 publishes no tables: its narrative says it


def test_a_name_no_table_prints_is_quoted_where_the_narrative_writes_it(assistant):
    """Whatever the retriever ranks first, the passages that print the question's own particular words."""
    parsed = parse_question("巴州人社局2024年事业单位初任培训的费用是多少？", assistant.catalog)
    quoted = assistant.router.passage_engine.quoting(parsed, parsed.doc_ids)
    assert [p.line_start for p in quoted] == [570]  # "开展事业单位初任培训费用36.00万元"
    common = parse_question("巴州人社局2024年的支出预算是多少？", assistant.catalog)
    assert assistant.router.passage_engine.quoting(common, common.doc_ids) == []  # words printed everywhere


def test_what_an_amount_is_for_is_quoted_beside_the_tables_amount(assistant):
    answer = assistant.ask("轮台县人社局2024年社保补贴安排了多少？主要用来干什么？")
    assert answer.route == "both" and 1600.00 in numbers(answer.answer) and answer.citations


def test_a_table_answer_cites_the_narrative_sentence_that_states_the_same_cell(assistant):
    answer = assistant.ask("轮台县人社局基本支出是多少？")
    assert answer.route == "sql" and numbers(answer.answer.split("SQL")[0]) == [336.25]  # the text stays the table's
    assert answer.citations and "336.25" in answer.citations[0].text.replace(" ", "")


def test_a_units_column_is_read_on_its_row(tmp_path):
    answer = corpus_assistant(tmp_path, "n18_zhejiang_Huzhou_HealthCommission_2026_dept_budget.pdf").ask(
        "湖州市卫健委下属的湖州市中心血站2026年收入总计是多少？其中事业收入多少？")
    assert "湖州市中心血站收入合计：3666.11 万元" in answer.answer  # 表02 p28, its row
    assert "湖州市中心血站事业收入：2121.11 万元" in answer.answer  # not the department's 事业收入


def test_a_part_the_tables_do_not_split_is_quoted_from_the_narrative(tmp_path):
    answer = corpus_assistant(tmp_path, "19_jiangsu_npc_office_2018_dept_budget.pdf").ask(
        "江苏省人大常委会办公厅2018年政府采购预算多少？其中服务类多少？")
    assert "政府采购预算：2064.25 万元" in answer.answer and answer.route == "both"
    assert "政府采购支出预算总额2064.25万元" in answer.citations[0].text.replace(" ", "")
