"""The PDF corpus (../shared/corpus): Shanghai Putuo 部门/单位预算 and 决算, Jiangsu 部门预算.

Each PDF is read and parsed once per session (``corpus_document``); a test
skips with a reason when the corpus folder is absent. Expected values were
read off the PDFs' own text; amounts are asserted in 万元, with the figure as
printed and its unit kept beside (Putuo budget tables are in 元).
"""
from __future__ import annotations

from functools import cache

import pytest

from conftest import corpus_document, corpus_pdf, corpus_source
from index.model import Document, DocumentKind, DocumentScope, Measure, Row, Table, TableKind
from index.parse.document import parse_document
from index.narrative.passages import cut_passages

K = TableKind
PUTUO_2025 = "01_putuo_gov_office_2025_dept_budget.pdf"
PUTUO_2025_UNIT = "02_putuo_gov_office_2025_unit_budget.pdf"
WANLI_2024 = "05_putuo_wanli_street_2024_dept_budget.pdf"
FINANCE_2024 = "09_putuo_finance_2024_dept_final.pdf"
WANLI_2023 = "14_putuo_wanli_street_2023_dept_budget.pdf"
JIANGSU_2017 = "18_jiangsu_npc_office_2017_dept_budget.pdf"
JIANGSU_2018 = "19_jiangsu_npc_office_2018_dept_budget.pdf"
JIANGSU_2019_TEXT = "20_jiangsu_npc_2019_dept_budget_narrative.pdf"
JIANGSU_2019_TABLES = "21_jiangsu_npc_2019_dept_budget_tables.pdf"

PUTUO_OFFICE = "上海市普陀区人民政府办公室"
WANLI = "上海市普陀区人民政府万里街道办事处"
JIANGSU_NPC = "江苏省人大常委会办公厅"
BUDGET, FINAL = DocumentKind.BUDGET, DocumentKind.FINAL
DEPT, UNIT = DocumentScope.DEPARTMENT, DocumentScope.UNIT


def table(name: str, kind: TableKind, title_part: str = "") -> Table:
    return next(t for t in corpus_document(name).tables if t.kind is kind and title_part in t.name)


def row(t: Table, label: str, panel: str | None = None) -> Row:
    return next(r for r in t.rows if r.label == label and (panel is None or r.panel == panel))


def coded(t: Table, code: str, panel: str | None = None) -> Row:
    return next(r for r in t.rows if r.subject and r.subject.code == code and (panel is None or r.panel == panel))


def cell(r: Row, measure: Measure):
    return next(c for c in r.cells if c.measure is measure)


# ---------------------------------------------------------------- identity

@pytest.mark.parametrize("name,department,year,kind,scope,region", [
    (PUTUO_2025, PUTUO_OFFICE, 2025, BUDGET, DEPT, "上海市普陀区"),
    (PUTUO_2025_UNIT, PUTUO_OFFICE, 2025, BUDGET, UNIT, "上海市普陀区"),
    (WANLI_2024, WANLI, 2024, BUDGET, DEPT, "上海市普陀区"),
    (FINANCE_2024, "上海市普陀区财政局", 2024, FINAL, DEPT, "上海市普陀区"),
    (WANLI_2023, WANLI, 2023, BUDGET, DEPT, "上海市普陀区"),
    (JIANGSU_2017, JIANGSU_NPC, 2017, BUDGET, DEPT, "江苏省"),
    (JIANGSU_2018, JIANGSU_NPC, 2018, BUDGET, DEPT, "江苏省"),
    (JIANGSU_2019_TEXT, JIANGSU_NPC, 2019, BUDGET, DEPT, "江苏省"),
    (JIANGSU_2019_TABLES, JIANGSU_NPC, 2019, BUDGET, DEPT, "江苏省"),
])
def test_document_identity_is_read_from_the_pdf(name, department, year, kind, scope, region):
    meta = corpus_document(name).meta
    assert (meta.department, meta.year, meta.kind, meta.scope, meta.region) == (
        department, year, kind, scope, region)


def test_department_and_unit_versions_are_two_documents():
    dept, unit = corpus_document(PUTUO_2025).meta, corpus_document(PUTUO_2025_UNIT).meta
    assert dept.doc_id == "2025-预算-部门-上海市普陀区人民政府办公室"
    assert unit.doc_id == "2025-预算-单位-上海市普陀区人民政府办公室"


def test_narrative_and_tables_pdfs_of_one_year_are_one_document():
    text, tables = corpus_document(JIANGSU_2019_TEXT), corpus_document(JIANGSU_2019_TABLES)
    assert text.meta.doc_id == tables.meta.doc_id == "2019-预算-部门-江苏省人大常委会办公厅"
    assert text.tables == [] and len(tables.tables) == 12


# ---------------------------------------------------------------- tables found

PUTUO_BUDGET_KINDS = [
    ("表1", K.SUMMARY), ("表2", K.INCOME), ("表3", K.EXPENDITURE), ("表4", K.FISCAL_SUMMARY),
    ("表5", K.GENERAL_EXPENDITURE), ("表6", K.GOV_FUND), ("表7", K.STATE_CAPITAL),
    ("表8", K.GENERAL_BASIC), ("表9", K.THREE_PUBLIC),
]
JIANGSU_KINDS = [
    K.SUMMARY, K.INCOME, K.EXPENDITURE, K.FISCAL_SUMMARY, K.FISCAL_EXPENDITURE, K.FISCAL_BASIC,
    K.GENERAL_EXPENDITURE, K.GENERAL_BASIC, K.THREE_PUBLIC, K.GOV_FUND, K.RUNNING_COSTS, K.PROCUREMENT,
]


@pytest.mark.parametrize("name", [PUTUO_2025, PUTUO_2025_UNIT, WANLI_2024, WANLI_2023])
def test_putuo_budget_has_nine_tables_numbered_from_its_contents(name):
    tables = [t for t in corpus_document(name).tables if t.kind is not K.PERFORMANCE_TARGET]
    assert [(t.number, t.kind) for t in tables] == PUTUO_BUDGET_KINDS
    assert [t.unit for t in tables] == ["元"] * 8 + ["万元"]


def test_putuo_2023_budget_adds_five_performance_target_forms():
    forms = [t for t in corpus_document(WANLI_2023).tables if t.kind is K.PERFORMANCE_TARGET]
    assert [t.page for t in forms] == [31, 32, 33, 34, 35]
    assert forms[0].rows[0].project == "新建万里街道社区公共服务中心"
    # 项目资金（元）: the form's amounts are in 元 with no unit line; they stay texts, not 万元 cells
    assert not [c for t in forms for r in t.rows for c in r.cells if c.original_unit != "分"]
    assert any("4,100,000.00" in r.texts.values() for r in forms[0].rows)


def test_putuo_final_has_nine_tables_numbered_from_its_contents():
    unit_list, *tables = corpus_document(FINANCE_2024).tables
    assert (unit_list.kind, unit_list.page, [r.label for r in unit_list.rows][:2]) == (
        K.OTHER, 5, ["上海市普陀区财政局（本级）", "上海市普陀区财政局财政所"])  # 决算单位构成, kept as printed
    assert [(t.number, t.kind, t.page) for t in tables] == [
        ("表一", K.SUMMARY, 6), ("表二", K.INCOME, 8), ("表三", K.EXPENDITURE, 10),
        ("表四", K.FISCAL_SUMMARY, 12), ("表五", K.GENERAL_EXPENDITURE, 15), ("表六", K.GENERAL_BASIC, 16),
        ("表七", K.THREE_PUBLIC, 18), ("表八", K.GOV_FUND, 19), ("表九", K.STATE_CAPITAL, 20),
    ]
    assert {t.unit for t in tables} == {"万元"}


@pytest.mark.parametrize("name,numbers", [
    (JIANGSU_2018, [f"公开{n:02d}表" for n in range(1, 13)]),
    (JIANGSU_2019_TABLES, [f"公开表{n}" for n in "一二三四五六七八九十"] + ["公开表十一", "公开表十二"]),
])
def test_jiangsu_has_twelve_numbered_tables(name, numbers):
    tables = corpus_document(name).tables
    assert [t.number for t in tables] == numbers
    assert [t.kind for t in tables] == JIANGSU_KINDS


def test_jiangsu_2017_tables_are_found_in_printed_order_without_numbers_on_the_pages():
    tables = corpus_document(JIANGSU_2017).tables
    assert [t.name for t in tables] == [
        "收支预算总表", "收入预算总表", "支出预算总表", "财政拨款支出预算表", "财政拨款收支预算总表",
        "财政拨款基本支出预算表", "财政拨款政府性基金支出预算表", "一般公共预算支出预算表",
        "一般公共预算基本支出预算表", "一般公共预算机关运行经费支出预算表",
        "“三公”经费、会议费、培训费支出预算表", "2017年政府采购预算表",
    ]
    # numbers from the 目录: by title, else by kind ('七、政府性基金支出预算表', '十二、政府采购支出预算表';
    # '十一、…' wraps over two lines); 表四 is printed fifth
    assert [t.number for t in tables] == [
        "表一", "表二", "表三", "表五", "表四", "表六", "表七", "表八", "表九", "表十", "表十一", "表十二"]


# ---------------------------------------------------------------- values, 万元

def test_putuo_amounts_in_yuan_are_stored_in_wan_yuan_with_the_printed_figure_kept():
    total = cell(row(table(PUTUO_2025, K.SUMMARY), "收入总计", "收入"), Measure.TOTAL)
    assert total.value == pytest.approx(9101.677535)
    assert (total.raw, total.original_value, total.original_unit) == ("91,016,775.35", 91016775.35, "元")
    assert total.page == 8


def test_putuo_expenditure_by_function_in_wan_yuan():
    admin = coded(table(PUTUO_2025, K.EXPENDITURE), "2010301")
    assert admin.label == "行政运行"
    assert admin.value(Measure.TOTAL) == pytest.approx(1202.950184)  # narrative: 1,202.95万元
    assert admin.value(Measure.BASIC) == pytest.approx(1191.950184)
    assert admin.value(Measure.PROJECT) == pytest.approx(11.0)
    assert admin.cells[0].page == 11


def test_putuo_income_table_total_row_spans_the_code_columns():
    income = table(WANLI_2023, K.INCOME)
    assert row(income, "合计").value(Measure.TOTAL) == pytest.approx(16497.864)
    assert row(income, "合计").value(Measure.FISCAL) == pytest.approx(16497.864)


def test_putuo_general_expenditure_repeating_its_header_on_each_page_is_one_table():
    general = table(WANLI_2024, K.GENERAL_EXPENDITURE)
    assert general.page == 22
    assert coded(general, "2120101").value(Measure.TOTAL) == pytest.approx(1660.3248)  # 16,603,248 元
    assert coded(general, "2210201").value(Measure.TOTAL) == pytest.approx(350.3499)
    assert row(general, "合计").value(Measure.TOTAL) == pytest.approx(15621.1123)


def test_putuo_header_rows_repeated_on_continuation_pages_are_not_rows():
    general = table(WANLI_2024, K.GENERAL_EXPENDITURE)
    assert not {"项目", "功能分类科目编码", "类"} & {r.label for r in general.rows}
    assert all(r.cells and not r.texts for r in general.rows)


def test_putuo_fiscal_summary_panels():
    fiscal = table(PUTUO_2025, K.FISCAL_SUMMARY)
    assert row(fiscal, "一、一般公共预算资金", "收入").value(Measure.FISCAL) == pytest.approx(9101.677535)
    general = row(fiscal, "一、一般公共服务支出", "支出")
    assert general.value(Measure.GENERAL_BUDGET) == pytest.approx(8209.679742)
    assert general.value(Measure.GOV_FUND) is None


def test_putuo_basic_expenditure_by_economic_subject_splits_personnel_and_public():
    basic = table(PUTUO_2025, K.GENERAL_BASIC)
    salary = coded(basic, "30101")
    assert salary.label == "基本工资"
    assert salary.value(Measure.PERSONNEL) == pytest.approx(254.0192)
    assert coded(basic, "30217").value(Measure.PUBLIC) == pytest.approx(18.5)  # 公务接待费 185,000.00 元


def test_putuo_unit_summary_splits_expenditure_into_personnel_public_and_project():
    general = row(table(PUTUO_2025_UNIT, K.SUMMARY), "一、一般公共服务支出", "支出")
    assert general.value(Measure.PERSONNEL) == pytest.approx(1381.939988)
    assert general.value(Measure.PUBLIC) == pytest.approx(186.739754)
    assert general.value(Measure.PROJECT) == pytest.approx(6641.0)


@pytest.mark.parametrize("name", [PUTUO_2025, WANLI_2024])
def test_putuo_empty_fund_tables_keep_their_note(name):
    fund = table(name, K.GOV_FUND)
    assert fund.is_empty
    assert "为空表" in fund.note


@pytest.mark.parametrize("name,items", [
    (PUTUO_2025, {"合计": 867.5, "因公出国(境)费": 839.0, "公务接待费": 28.5, "机关运行经费预算数": 213.28}),
    (WANLI_2024, {"合计": 47.91, "因公出国(境)费": 0.0, "公务接待费": 1.35, "公务用车购置及运行费": 46.56,
                  "公务用车购置费": 25.0, "公务用车运行费": 21.56}),
])
def test_putuo_three_public_table_in_wan_yuan_is_read_item_by_item(name, items):
    three = table(name, K.THREE_PUBLIC)
    assert three.unit == "万元"
    assert {label: row(three, label).value(Measure.TOTAL) for label in items} == items


def test_putuo_three_public_table_with_contradicting_empty_note_keeps_its_values():
    three = table(WANLI_2024, K.THREE_PUBLIC)
    assert "为空表" in three.note and not three.is_empty


def test_final_summary_reads_both_panels_and_the_continuation_page():
    summary = table(FINANCE_2024, K.SUMMARY)
    assert row(summary, "一、一般公共预算财政拨款收入", "收入").value(Measure.TOTAL) == 2940.05
    assert row(summary, "八、社会保障和就业支出", "支出").value(Measure.TOTAL) == 326.71
    assert row(summary, "年初结转和结余", "收入").value(Measure.TOTAL) == 49.14
    assert cell(row(summary, "总计", "支出"), Measure.TOTAL).page == 7


def test_final_income_total_shares_its_grid_row_with_the_code_header():
    income = table(FINANCE_2024, K.INCOME)
    total = row(income, "合计")
    assert (total.value(Measure.TOTAL), total.value(Measure.FISCAL)) == (2946.25, 2940.05)
    assert coded(income, "2010601").value(Measure.TOTAL) == 1511.90
    assert [r.label for r in income.rows].count("类") == 0


def test_final_expenditure_and_general_expenditure_agree():
    expenditure, general = table(FINANCE_2024, K.EXPENDITURE), table(FINANCE_2024, K.GENERAL_EXPENDITURE)
    assert row(expenditure, "合计").value(Measure.BASIC) == 2336.91
    assert coded(expenditure, "2010601").value(Measure.PROJECT) == 8.37
    assert row(general, "合计").value(Measure.TOTAL) == 2940.05
    assert coded(general, "2210201").value(Measure.TOTAL) == 187.19


def test_final_basic_table_panels_are_named_by_their_total_rows():
    basic = table(FINANCE_2024, K.GENERAL_BASIC)
    assert coded(basic, "30102", "人员经费").value(Measure.PERSONNEL) == 1238.58
    assert coded(basic, "30228", "公用经费").value(Measure.PUBLIC) == 24.42
    assert row(basic, "人员经费合计").value(Measure.PERSONNEL) == 2152.26
    assert row(basic, "公用经费合计").value(Measure.PUBLIC) == 184.65


def test_final_three_public_table_has_budget_and_final_columns():
    three = table(FINANCE_2024, K.THREE_PUBLIC)
    assert row(three, "合计").value(Measure.ADJUSTED_BUDGET) == 0.95
    assert row(three, "公务接待费").value(Measure.ADJUSTED_BUDGET) == 0.95
    assert row(three, "合计").value(Measure.FINAL) is None  # printed blank


def test_final_fiscal_summary_totals():
    fiscal = table(FINANCE_2024, K.FISCAL_SUMMARY)
    assert row(fiscal, "总计", "收入").value(Measure.TOTAL) == 2961.68
    assert row(fiscal, "年末财政拨款结转和结余", "支出").value(Measure.GENERAL_BUDGET) == 21.63


def test_jiangsu_summary_has_three_panels():
    summary = table(JIANGSU_2019_TABLES, K.SUMMARY)
    assert row(summary, "一、财政拨款", "收入").value(Measure.TOTAL) == 18330.37
    assert row(summary, "一、一般公共服务支出", "支出").value(Measure.TOTAL) == 13907.78
    assert row(summary, "三、单位预留机动经费", "支出").value(Measure.TOTAL) == 2557.89


def test_jiangsu_label_wrapped_over_a_page_break_is_one_row():
    summary = table(JIANGSU_2017, K.SUMMARY)
    assert row(summary, "八、社会保障和就业支出", "支出").value(Measure.TOTAL) == 1608.51
    assert row(summary, "当年收入小计", "收入").value(Measure.TOTAL) == 13649.07


def test_jiangsu_caption_wrapped_in_a_narrow_box_does_not_hide_the_table():
    summary = table(JIANGSU_2018, K.SUMMARY)
    assert summary.number == "公开01表"
    assert row(summary, "收入合计", "收入").value(Measure.TOTAL) == 15897.44


def test_jiangsu_expenditure_summary_is_one_unlabelled_row():
    total = table(JIANGSU_2019_TABLES, K.EXPENDITURE).rows[0]
    assert total.label == "合计"
    assert (total.value(Measure.TOTAL), total.value(Measure.BASIC), total.value(Measure.PROJECT)) == (
        18330.37, 9312.90, 6459.58)


def test_jiangsu_income_items_named_over_two_columns_are_rows_not_projects():
    income = table(JIANGSU_2019_TABLES, K.INCOME)
    assert row(income, "一般公共预算资金").value(Measure.TOTAL) == 18330.37
    assert row(income, "公共财政拨款(补助)资金").value(Measure.TOTAL) == 18330.37
    assert all(r.project is None for r in income.rows)


def test_jiangsu_subject_codes_in_one_column():
    general = table(JIANGSU_2019_TABLES, K.GENERAL_EXPENDITURE)
    assert row(general, "合计").value(Measure.TOTAL) == 18330.37
    assert coded(general, "2010104").value(Measure.TOTAL) == 1469.73  # 人大会议
    assert coded(general, "2210202").value(Measure.TOTAL) == 2548.30  # 提租补贴
    basic = table(JIANGSU_2019_TABLES, K.GENERAL_BASIC)
    assert row(basic, "合计").value(Measure.TOTAL) == 9312.90


def test_jiangsu_fiscal_tables_beside_the_general_budget_ones_are_their_own_kind():
    fiscal = table(JIANGSU_2018, K.FISCAL_EXPENDITURE, "财政拨款支出预算表")
    assert fiscal.number == "公开05表"
    assert coded(fiscal, "2010101").value(Measure.TOTAL) == 6372.32


@pytest.mark.parametrize("name,items", [
    (JIANGSU_2019_TABLES, {"合计": 2600.71, "“三公”经费": 767.6, "因公出国(境)费": 199.25, "公务接待费": 384.75,
                           "公务用车运行维护费": 183.6, "会议费": 1469.73, "培训费": 363.38}),
    (JIANGSU_2017, {"合计": 2542.6, "“三公”经费": 833.6, "因公出国(境)费": 222.5, "公务用车购置费": 0.0}),
])
def test_jiangsu_three_public_meeting_and_training_items(name, items):
    three = table(name, K.THREE_PUBLIC)
    assert {label: row(three, label).value(Measure.TOTAL) for label in items} == items


def test_jiangsu_running_costs_and_procurement():
    running = table(JIANGSU_2019_TABLES, K.RUNNING_COSTS, "机关运行经费")
    assert row(running, "合计").value(Measure.TOTAL) == 1642.08
    procurement = table(JIANGSU_2019_TABLES, K.PROCUREMENT, "政府采购")
    assert row(procurement, "合计").value(Measure.TOTAL) == 2416.43


def test_jiangsu_empty_fund_table_keeps_its_note():
    fund = table(JIANGSU_2017, K.GOV_FUND)
    assert fund.is_empty and "无政府性基金支出" in fund.note


# ---------------------------------------------------------------- pages and passages

def test_every_value_and_passage_keeps_its_page():
    document = corpus_document(PUTUO_2025)
    assert all(c.page for t in document.tables for r in t.rows for c in r.cells)
    passages = cut_passages(document)
    assert passages and all(p.page for p in passages)
    explained = next(p for p in passages if "比2024年预算减少2,389.52万元" in p.text)
    assert explained.page == 6


def test_economic_code_printed_without_its_leading_zero_is_padded():
    basic = table(WANLI_2024, K.GENERAL_BASIC)
    allowance = coded(basic, "30102")  # printed '301 | 2'
    assert allowance.label == "津贴补贴"
    assert allowance.value(Measure.PERSONNEL) == pytest.approx(1662.381)


ALL = [PUTUO_2025, PUTUO_2025_UNIT, WANLI_2024, FINANCE_2024, WANLI_2023, JIANGSU_2017, JIANGSU_2018,
       JIANGSU_2019_TEXT, JIANGSU_2019_TABLES]


def test_corpus_tables_add_up_except_where_the_source_rounds():
    """Parents = sum of children, totals = their parts (tests/test_consistency.py), on every corpus table."""
    from test_consistency import parent_child_discrepancies, split_discrepancies

    found = {
        (name, t.number, *d)
        for name in ALL for t in corpus_document(name).tables if any(r.subject for r in t.rows)
        for d in parent_child_discrepancies(t) + split_discrepancies(t)
    }
    # p16: the twelve 302 items add up to 171.09; the printed subtotal is 171.07 (公用经费合计 184.65 holds)
    assert found == {
        (FINANCE_2024, "表六", "302", "public", 171.07, 171.09),
        (FINANCE_2024, "表六", "302", "total", 171.07, 171.09),
    }


# ---------------------------------------------------------------- ingestion

def test_folder_of_narrative_and_tables_pdfs_ingests_as_one_document(tmp_path):
    import shutil

    import duckdb

    from index.config import Settings
    from index.ingest import ingest_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in (JIANGSU_2019_TEXT, JIANGSU_2019_TABLES):
        shutil.copy(corpus_pdf(name), folder / name)
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    report = ingest_paths([folder], settings, refresh=False)
    doc_id = "2019-预算-部门-江苏省人大常委会办公厅"
    assert [(e.status, e.detail) for e in report.entries] == [("loaded", doc_id), ("loaded", doc_id)]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM source_files WHERE doc_id = ?", [doc_id]).fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM tables").fetchone() == (12,)
        meeting = con.execute(
            "SELECT value, page FROM cells WHERE subject_code = '2010104' AND table_id = 7").fetchone()
        assert meeting[0] == 1469.73
        linked = con.execute(
            "SELECT count(*) FROM variances WHERE subject_code IS NOT NULL AND agrees").fetchone()[0]
        assert linked >= 3  # the narrative's subjects are linked to the tables of the other file


# ---------------------------------------------------------------- variances and budget execution

@cache
def jiangsu_2019() -> Document:
    """The 2019 narrative and tables PDFs joined into one document, as ingestion does."""
    from index.read.parts import join_sources

    return parse_document(join_sources([corpus_source(JIANGSU_2019_TEXT), corpus_source(JIANGSU_2019_TABLES)]))


def test_jiangsu_subject_written_from_its_kuan_links_to_the_tables_pdf():
    from index.narrative.variances import extract_variances

    meeting = next(v for v in extract_variances(jiangsu_2019()) if "人大会议" in v.subject)
    assert (meeting.subject_code, meeting.amount, meeting.direction, meeting.change_amount, meeting.change_pct) == (
        "2010104", 1469.73, "增加", 164.48, 12.6)
    assert meeting.agrees is True


def test_putuo_item_against_last_years_execution_is_a_variance_checked_against_the_table():
    from index.narrative.variances import extract_variances

    variances = extract_variances(corpus_document(WANLI_2023))
    pension = next(v for v in variances if v.subject_code == "2080506")
    # p7 item 16 repeats item 15's figures: "2023年预算安排441.25万元" where the table says 2,206,272 元
    assert (pension.amount, pension.change_pct, pension.direction) == (441.25, 60.54, "增加")
    assert pension.change_amount == pytest.approx(441.25 - 132.59)
    assert pension.linked_value == pytest.approx(220.6272) and pension.agrees is False
    assert sum(1 for v in variances if v.agrees) >= 25


def test_year_with_a_gloss_still_compares():
    from index.narrative.variances import extract_variances

    income = next(v for v in extract_variances(corpus_document(WANLI_2023)) if v.subject == "财政拨款收入")
    assert (income.amount, income.direction, income.change_amount) == (16497.86, "增加", 1421.25)


def test_final_execution_items_link_to_the_general_expenditure_table():
    from index.narrative.variances import extract_executions

    executions = extract_executions(corpus_document(FINANCE_2024))
    overall = executions[0]
    assert (overall.initial_budget, overall.final_amount, overall.completion_pct) == (2993.92, 2940.05, 98.2)
    admin = next(e for e in executions if e.subject_code == "2010601")
    assert (admin.initial_budget, admin.final_amount, admin.agrees) == (1560.05, 1511.89, True)


def test_reason_given_once_for_several_statements_is_shared():
    from index.narrative.variances import extract_variances

    statements = [v for v in extract_variances(corpus_document(PUTUO_2025)) if v.line_start in (63, 65)]
    assert [(v.subject, v.change_amount, v.reason) for v in statements] == [
        ("财政拨款收入", 2389.52, "项目调整"), ("财政拨款支出预算", 2389.52, "项目调整"),
        ("一般公共预算拨款支出预算", 2389.52, "项目调整"),
    ]
