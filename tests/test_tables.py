"""Table parsing on the three seed documents (tab-separated, markdown, one cell per line) and messy inputs."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import BAZHOU, LUNTAI, XUCHANG, corpus_pdf, paged_lines
from index.parse.codes import join_code, make_subject, split_leading_code
from index.errors import DocumentParseError
from index.model import Line, Measure, SubjectSystem, Table, TableKind
from index.amounts import parse_number
from index.parse.tables import cell_coverage, parse_tables
from index.parse.templates import column_measure

K = TableKind


def read_lines(path: Path) -> list[Line]:
    return [Line(i, text) for i, text in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1)]


@lru_cache(maxsize=None)
def parsed(path: Path) -> tuple[tuple[Table, ...], tuple[str, ...]]:
    tables, warnings = parse_tables(read_lines(path), path.name)
    return tuple(tables), tuple(warnings)


def table(path: Path, number: str) -> Table:
    return next(t for t in parsed(path)[0] if t.number == number)


def row(t: Table, label: str, panel: str | None = None):
    return next(r for r in t.rows if r.label == label and (panel is None or r.panel == panel))


def coded(t: Table, code: str, panel: str | None = None):
    return next(r for r in t.rows if r.subject and r.subject.code == code and (panel is None or r.panel == panel))


BUDGET_TABLES = [
    ("表1", "收支总体情况表", K.SUMMARY),
    ("表2", "收入总体情况表", K.INCOME),
    ("表3", "支出总体情况表", K.EXPENDITURE),
    ("表4", "财政拨款收支预算总体情况表", K.FISCAL_SUMMARY),
    ("表5", "一般公共预算支出情况表", K.GENERAL_EXPENDITURE),
    ("表6", "一般公共预算基本支出情况表", K.GENERAL_BASIC),
    ("表7", "一般公共预算项目支出情况表", K.GENERAL_PROJECT),
    ("表8", "政府性基金预算支出情况表", K.GOV_FUND),
    ("表9", "国有资本经营预算支出情况表", K.STATE_CAPITAL),
    ("表10", "财政拨款“三公”经费支出情况表", K.THREE_PUBLIC),
    ("表11", "上年结转结余情况明细表", K.CARRYOVER),
]
FINAL_TABLES = [
    ("公开01表", "收入支出决算总表", K.SUMMARY),
    ("公开02表", "收入决算表", K.INCOME),
    ("公开03表", "支出决算表", K.EXPENDITURE),
    ("公开04表", "财政拨款收入支出决算总表", K.FISCAL_SUMMARY),
    ("公开05表", "一般公共预算财政拨款支出决算表", K.GENERAL_EXPENDITURE),
    ("公开06表", "一般公共预算财政拨款基本支出决算明细表", K.GENERAL_BASIC),
    ("公开07表", "政府性基金预算财政拨款收入支出决算表", K.GOV_FUND),
    ("公开08表", "国有资本经营预算财政拨款支出决算表", K.STATE_CAPITAL),
    ("公开09表", "财政拨款“三公”经费支出决算表", K.THREE_PUBLIC),
]


def test_luntai_has_eleven_numbered_tables_and_two_performance_targets():
    tables = parsed(LUNTAI)[0]
    assert len(tables) == 13
    for t, (number, name, kind) in zip(tables, BUDGET_TABLES):
        assert t.number == number and t.name.endswith(name) and t.kind is kind
    assert [t.name for t in tables[:3]] == ["部门收支总体情况表", "部门收入总体情况表", "部门支出总体情况表"]
    assert [(t.name, t.kind) for t in tables[11:]] == [
        ("部门整体绩效目标表", K.PERFORMANCE_TARGET), ("项目支出绩效目标表", K.PERFORMANCE_TARGET)]


def test_bazhou_has_eleven_numbered_tables_and_five_performance_targets():
    tables = parsed(BAZHOU)[0]
    assert len(tables) == 16
    for t, (number, name, kind) in zip(tables, BUDGET_TABLES):
        assert t.number == number and t.name.endswith(name) and t.kind is kind
    assert tables[0].name == "单位收支总体情况表"
    assert [t.kind for t in tables[11:]] == [K.PERFORMANCE_TARGET] * 5
    assert [t.rows[0].project for t in tables[11:]] == [
        "2024 年购买社会保险经办服务项目", "2024 年人社系统专项业务及党建活动项目（自有资金）",
        "2024 年人事就业及劳动仲裁综合项目", "2024 年人事考试及初任培训项目", "2024 年职业技能和创业创新竞赛项目"]


def test_xuchang_has_nine_disclosure_tables_and_twenty_one_self_evaluations():
    tables = parsed(XUCHANG)[0]
    assert len(tables) == 30
    assert [(t.number, t.name, t.kind) for t in tables[:9]] == FINAL_TABLES
    assert tables[9].name == "部门整体支出绩效自评情况表"
    assert [t.kind for t in tables[9:]] == [K.PERFORMANCE_SELF_EVAL] * 21
    assert all(t.name == "项目支出绩效自评情况表" for t in tables[10:])


@pytest.mark.parametrize("path,first_line", [(LUNTAI, 85), (BAZHOU, 98), (XUCHANG, 45)])
def test_table_of_contents_titles_produce_no_tables(path, first_line):
    assert min(t.line_start for t in parsed(path)[0]) == first_line


def test_tables_without_a_number_line_take_it_from_note_or_neighbours():
    tables, warnings = parsed(LUNTAI)
    assert table(LUNTAI, "表8").line_start == 384
    assert table(LUNTAI, "表10").line_start == 412
    assert "“财政拨款“三公”经费支出情况表”（第 412 行）未印表号，按上下文定为表10" in warnings


def test_luntai_basic_salary_in_table_6():
    salary = coded(table(LUNTAI, "表6"), "30101")
    assert salary.label == "基本工资" and salary.line == 329
    assert salary.subject.system is SubjectSystem.ECONOMIC and salary.subject.parent == "301"
    assert salary.value(Measure.TOTAL) == 54.96
    assert salary.value(Measure.PERSONNEL) == 54.96
    assert salary.value(Measure.PUBLIC) is None


def test_bazhou_three_public_total_in_table_10():
    total = row(table(BAZHOU, "表10"), "合计")
    assert total.value(Measure.TOTAL) == 19.00
    assert total.value(Measure.GENERAL_BUDGET) == 19.00
    assert row(table(BAZHOU, "表10"), "公务接待费").value(Measure.TOTAL) == 1.00


def test_xuchang_retirement_pay_in_the_personnel_panel_of_table_06():
    retirement = coded(table(XUCHANG, "公开06表"), "30302")
    assert (retirement.label, retirement.panel, retirement.line) == ("退休费", "人员经费", 2565)
    assert retirement.value(Measure.TOTAL) == 511.44
    assert retirement.value(Measure.PERSONNEL) == 511.44 and retirement.value(Measure.PUBLIC) is None
    assert retirement.cells[0].line == 2567  # the line of the amount itself


def test_xuchang_public_funds_total_spans_two_column_triples():
    t = table(XUCHANG, "公开06表")
    assert row(t, "公用经费合计").value(Measure.TOTAL) == 571.70
    assert row(t, "公用经费合计").panel == "公用经费" and row(t, "公用经费合计").value(Measure.PUBLIC) == 571.70
    assert row(t, "人员经费合计").value(Measure.TOTAL) == 7073.99
    assert coded(t, "31002").panel == "公用经费" and coded(t, "31002").value(Measure.TOTAL) == 12.23


def test_xuchang_opening_balance_in_the_income_panel_of_table_01():
    t = table(XUCHANG, "公开01表")
    opening = row(t, "年初结转和结余", panel="收入")
    assert opening.value(Measure.TOTAL) == 232.83
    assert row(t, "年末结转和结余", panel="支出").value(Measure.TOTAL) == 2.29
    assert row(t, "总计", panel="支出").value(Measure.TOTAL) == 11917.39


def test_page_split_table_is_merged():
    t = table(LUNTAI, "表3")
    assert (t.line_start, t.line_end, len(t.rows)) == (168, 220, 30)
    assert [r.subject.code for r in t.rows if r.subject and r.subject.code.startswith("229")] == [
        "229", "22960", "2296011"]
    total = row(t, "合计")
    assert (total.value(Measure.TOTAL), total.value(Measure.BASIC), total.value(Measure.PROJECT)) == (
        2140.09, 336.25, 1803.84)
    assert len([x for x in parsed(LUNTAI)[0] if x.name == "部门支出总体情况表"]) == 1


def test_continuation_with_only_the_total_row_is_merged():
    t = table(LUNTAI, "表5")
    assert t.rows[-1].label == "合计" and t.rows[-1].line == 313
    assert t.rows[-1].value(Measure.TOTAL) == 2103.50
    assert t.line_end == 315 and t.note.startswith("(表5中不包含")


def test_continuation_without_a_title_is_merged_by_its_repeated_header():
    t = table(BAZHOU, "表2")
    assert (t.line_end, len(t.rows)) == (190, 30)
    assert coded(t, "2080502").value(Measure.TOTAL) == 4.29
    assert row(t, "总计").value(Measure.TOTAL) == 6459.22


def test_blank_cell_is_none_and_explicit_zero_is_zero():
    admin = coded(table(LUNTAI, "表3"), "2080101")
    assert admin.value(Measure.BASIC) == 209.44
    blank = next(c for c in admin.cells if c.measure is Measure.PROJECT)
    assert (blank.value, blank.raw) == (None, "")
    general = coded(table(XUCHANG, "公开03表"), "201")
    zero = next(c for c in general.cells if c.measure is Measure.PROJECT)
    assert (zero.value, zero.raw) == (0.0, "0")


def test_expenditure_panel_label_carries_code_and_name():
    t = table(LUNTAI, "表1")
    social = coded(t, "208", panel="支出")
    assert (social.label, social.line, social.value(Measure.TOTAL)) == ("社会保障和就业支出", 102, 2089.91)
    assert social.subject.level == 1 and social.subject.system is SubjectSystem.FUNCTIONAL
    assert row(t, "其中：一般财力", panel="收入").value(Measure.TOTAL) == 341.25
    assert coded(t, "202", panel="支出").value(Measure.TOTAL) is None


def test_empty_table_keeps_its_note():
    gov_fund = table(LUNTAI, "表8")
    assert gov_fund.is_empty and [r.label for r in gov_fund.rows] == ["合计"]
    assert gov_fund.note == ("备注: 轮台县人力资源和社会保障局部门2024年没有使用政府性基金预算拨款安排的支出, "
                             "政府性基金预算支出情况表为空表。")
    assert (gov_fund.line_start, gov_fund.line_end) == (384, 395)
    bazhou = table(BAZHOU, "表8")
    assert bazhou.is_empty and bazhou.rows == [] and bazhou.note.endswith("政府性基金预算支出情况表为空表。")
    assert table(XUCHANG, "公开07表").is_empty
    assert table(XUCHANG, "公开07表").note.splitlines()[-1].startswith("说明：我部门没有政府性基金收入")


def test_multi_row_header_gives_column_paths_and_measures():
    t = table(LUNTAI, "表2")
    assert "财政拨款(补助)/一般公共预算" in t.columns
    social = coded(t, "208")
    cell = next(c for c in social.cells if c.column_path == "财政拨款(补助)/一般公共预算")
    assert (cell.measure, cell.value) == (Measure.GENERAL_BUDGET, 310.76)
    assert social.value(Measure.FISCAL) == 2063.01
    assert social.value(Measure.CARRYOVER) == 26.9
    assert table(LUNTAI, "表11").columns[2] == "财政拨款/基本支出/人员经费"


def test_three_column_codes_are_joined():
    training = coded(table(LUNTAI, "表2"), "2050803")
    assert (training.label, training.subject.level, training.subject.parent) == ("培训支出", 3, "20508")


def test_bold_markup_and_separators_are_removed_in_markdown_tables():
    total = row(table(BAZHOU, "表3"), "总计")
    assert total.value(Measure.TOTAL) == 6459.22
    assert total.cells[0].raw == "6,459.22"
    assert coded(table(BAZHOU, "表3"), "208").label == "社会保障和就业支出"


def test_projects_of_table_7_are_named():
    t = table(BAZHOU, "表7")
    projects = [(r.project, r.subject.code, r.value(Measure.TOTAL)) for r in t.rows if r.project]
    assert ("2024年中央就业补助资金项目", "2080704", 551.00) in projects
    assert len(projects) == 8
    assert coded(table(LUNTAI, "表7"), "2080199").project.startswith("人社局:巴财社[2023]81号")


def test_carryover_items_are_projects():
    t = table(LUNTAI, "表11")
    assert len(t.rows) == 8
    item = next(r for r in t.rows if r.value(Measure.TOTAL) == 15.00)
    assert item.project.startswith("人社局:巴财预[2023]21号") and item.value(Measure.PROJECT) == 15.00
    assert row(table(BAZHOU, "表11"), "总计").project is None


def test_final_three_public_table_is_read_item_by_item():
    t = table(XUCHANG, "公开09表")
    assert [r.label for r in t.rows] == [
        "合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费"]
    hospitality = row(t, "公务接待费")
    assert hospitality.value(Measure.FINAL) == 2.00 and hospitality.value(Measure.ADJUSTED_BUDGET) == 2.00
    assert row(t, "合计").value(Measure.FINAL) == 12.60


def test_self_evaluation_scores_belong_to_their_project():
    tables = [t for t in parsed(XUCHANG)[0] if t.kind is K.PERFORMANCE_SELF_EVAL]
    whole = row(tables[0], "总分")
    assert whole.value(Measure.OTHER) == 100 and whole.cells[1].value == 90.36
    assert tables[0].rows[0].project is None
    scores = {t.rows[0].project: row(t, "总分").cells[1].value for t in tables[1:]}
    assert scores["农民工欠薪应急周转金（上级配套支出）"] == 79.0
    assert scores["省级下达考务费"] == 99.96
    assert all(c.original_unit == "分" for c in whole.cells)


def test_self_evaluation_money_and_rates():
    budget = row(parsed(XUCHANG)[0][9], "部门预算总额")
    assert budget.value(Measure.INITIAL_BUDGET) == 51274.27
    assert budget.value(Measure.ADJUSTED_BUDGET) == 366579.42
    assert budget.value(Measure.FINAL) == 11915.1
    assert budget.texts["执行率"] == "3.25 %"  # a percentage stays text


def test_performance_target_amounts():
    target = parsed(LUNTAI)[0][12]
    funds = row(target, "项目资金(万元)")
    assert funds.value(Measure.TOTAL) == 5 and funds.value(Measure.FISCAL) == 5
    assert target.rows[0].project == "特定目标类项目-保基本民生项目-2024年 就业补贴资金"


def test_table_ranges_cover_title_header_body_and_notes():
    ranges = {t.number: (t.line_start, t.line_end) for t in parsed(LUNTAI)[0] if t.number}
    assert ranges["表1"] == (85, 125)
    assert ranges["表4"] == (222, 264)
    assert ranges["表6"] == (317, 357)
    assert table(XUCHANG, "公开01表").line_end == 297


@pytest.mark.parametrize("raw,value", [
    ("2,103.50", 2103.5), ("1,234,567.8", 1234567.8), ("0", 0.0), ("0.00", 0.0), ("-3.5", -3.5),
    ("", None), ("-", None), ("3.25 %", None), ("≥95%", None), ("12,34", None),
])
def test_amounts_are_parsed_strictly(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize("parts,code,level", [
    (["205", "08", "03"], "2050803", 3), (["205", "08", ""], "20508", 2), (["2050803"], "2050803", 3),
    (["301 01"], "30101", 2), (["30101"], "30101", 2), (["合计"], None, None), (["20"], None, None),
])
def test_subject_codes_are_normalised(parts, code, level):
    assert join_code(parts) == code
    if code:
        assert make_subject(code).level == level


def test_code_before_name_is_split():
    assert split_leading_code("201 一般公共服务支出") == ("201", "一般公共服务支出")
    assert split_leading_code("一、一般公共服务支出") == (None, "一、一般公共服务支出")
    assert split_leading_code("[301]工资福利支出") == ("301", "工资福利支出")
    assert split_leading_code("【30101】基本工资") == ("30101", "基本工资")
    assert split_leading_code("100 万元以上设备") == (None, "100 万元以上设备")
    assert make_subject("30101").system is SubjectSystem.ECONOMIC
    assert make_subject("2080101", economic_table=False).system is SubjectSystem.FUNCTIONAL


def _doc(text: str) -> list[Line]:
    return [Line(i, t) for i, t in enumerate(text.split("\n"), start=1)]


TAB_TABLE = """表3

部门支出总体情况表

单位：{unit}

项目\t\t\t支出预算\t\t
功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出
类\t款\t项\t\t\t
208\t\t\t社会保障和就业支出\t{total}\t{basic}\t
208\t01\t\t人力资源和社会保障管理事务\t{total}\t{basic}\t0
\t\t\t合计\t{total}\t{basic}\t0
"""

CELL_TABLE = """支出决算表
\t公开03表

\t部门：某局
\t金额单位：{unit}

\t项目
\t
\t
\t
\t支出
\t

\t科目代码
\t
\t
\t科目名称
\t合计
\t基本支出

\t合计
\t
\t
\t
\t{total}
\t{basic}

\t208
\t
\t
\t社会保障和就业支出
\t{total}
\t{basic}

注：本表反映部门本年度各项支出情况。
"""


@pytest.mark.parametrize("template", [TAB_TABLE, CELL_TABLE], ids=["tab-separated", "one-cell-per-line"])
@pytest.mark.parametrize("unit,total,basic,expected", [
    ("万元", "1,234.50", "1,000.00", 1234.5),
    ("万元", "<b>1,234.50</b>", "<b>1,000.00</b>", 1234.5),
    ("万元", "1234.5", "1000", 1234.5),
    ("元", "12,345,000.00", "10,000,000.00", 1234.5),
])
def test_messy_amounts_are_read(template, unit, total, basic, expected):
    tables, _ = parse_tables(_doc(template.format(unit=unit, total=total, basic=basic)), "messy.txt")
    assert len(tables) == 1 and tables[0].unit == unit
    social = coded(tables[0], "208")
    assert social.value(Measure.TOTAL) == pytest.approx(expected)
    assert social.value(Measure.BASIC) == pytest.approx(1000.0)
    cell = social.cells[0]
    assert cell.original_unit == unit
    assert cell.original_value == pytest.approx(expected * (10000 if unit == "元" else 1))


TRUNCATED = """表5

一般公共预算支出情况表

单位：万元

项 目\t\t\t一般公共预算支出\t\t
功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出
类\t款\t项\t\t\t\t

第三部分 2024 年部门预算情况说明
"""


def test_truncated_table_is_skipped_with_a_warning_and_the_rest_loads():
    after = "\n表6\n\n一般公共预算基本支出情况表\n\n科目名称\t合计\t人员经费\t公用经费\n合计\t10.00\t8.00\t2.00\n"
    tables, warnings = parse_tables(_doc(TRUNCATED + after), "cut.txt")
    assert [(t.number, t.kind) for t in tables] == [("表6", TableKind.GENERAL_BASIC)]
    assert warnings == ["“一般公共预算支出情况表”（第 1 行）只有表头、没有数据行，已跳过"]


def test_table_of_contents_alone_gives_no_tables():
    toc = "目 录\n\n- 一、部门收支总体情况表\n- 二、部门收入总体情况表\n\n部门收支总体情况表\n\n第三部分 说明\n"
    assert parse_tables(_doc(toc), "toc.txt") == ([], [])


def test_letter_spaced_labels_are_closed_up():
    assert row(table(LUNTAI, "表6"), "合计").value(Measure.PUBLIC) == 15.90
    assert row(table(LUNTAI, "表1"), "收入总计", panel="收入").value(Measure.TOTAL) == 2140.09


def test_other_template_family_from_a_pdf_is_read_by_the_same_rules():
    """江苏 tables PDF: number after the title (公开表一), titles with a （功能科目） suffix."""
    pdf = pytest.importorskip("index.read.pdf")
    source = pdf.read_pdf(corpus_pdf("21_jiangsu_npc_2019_dept_budget_tables.pdf"))
    tables, _ = parse_tables(source.lines, source.path)
    found = {t.number: (t.kind, t.page) for t in tables}
    assert found["公开表一"] == (K.SUMMARY, 1)
    assert found["公开表七"] == (K.GENERAL_EXPENDITURE, 7)
    assert found["公开表八"] == (K.GENERAL_BASIC, 8)
    summary = next(t for t in tables if t.number == "公开表一")
    assert row(summary, "收入合计").value(Measure.TOTAL) == 18330.37


CONTENTS_AND_TABLES = [
    "目 录\n1. 2025年部门收入预算总表 ……………\n2．2025年部门支出预算总表 ……\n九、一般公共预算“三公”经费、会议费、培训费支\n出预算表",
    "2025年部门支出预算总表\n编制部门：某局 单位：元\n"
    "项目\t\t\t\t支出预算\t\t\n功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出\n"
    "类\t款\t项\t\t\t\t\n201\t\t\t一般公共服务支出\t3,000,000.00\t1,000,000.00\t2,000,000.00",
    "项目\t\t\t\t支出预算\t\t\n功能分类科目编码\t\t\t功能分类科目名称\t合计\t基本支出\t项目支出\n"
    "类\t款\t项\t\t\t\t\n201\t03\t\t政府办公厅（室）及相关机构事务\t3,000,000.00\t1,000,000.00\t2,000,000.00",
    "“三公”经费、会议费、培训费支出预算表\n部门名称：某省人大\n单位:万元\n常委会办公厅\n"
    "合计\t“三公”经费\t会议费\n2,600.71\t767.60\t1,833.11",
]


@pytest.mark.parametrize("title,kind", [
    ("2025年部门“三公”经费和机关运行经费预算表", K.THREE_PUBLIC),
    ("2025年预算单位财务收支预算总表", K.SUMMARY),
    ("一般公共预算财政拨款基本支出决算表", K.GENERAL_BASIC),
    ("财政拨款支出预算表（功能科目）", K.FISCAL_EXPENDITURE),
    ("财政拨款基本支出预算表", K.FISCAL_BASIC),
    ("2019年政府采购预算表", K.PROCUREMENT),
    ("财政项目支出绩效目标填报表", K.PERFORMANCE_TARGET),
    ("第二部分 上海市普陀区财政局2024年度部门决算表", None),
    ("详见单位的项目绩效目标表，主要用于", None),
])
def test_corpus_titles_name_their_kind(title, kind):
    from index.parse.templates import title_kind

    assert title_kind(title) is kind


def test_running_cost_column_is_the_total():
    from index.parse.templates import column_measure

    assert column_measure(["机关运行经费支出"]) is Measure.TOTAL


def test_unnumbered_tables_take_their_number_from_the_contents():
    tables, _ = parse_tables(paged_lines(CONTENTS_AND_TABLES), "contents.pdf")
    assert [(t.number, t.kind) for t in tables] == [("表2", K.EXPENDITURE), ("表九", K.THREE_PUBLIC)]


def test_header_rows_repeated_on_the_next_page_are_dropped():
    expenditure = parse_tables(paged_lines(CONTENTS_AND_TABLES), "contents.pdf")[0][0]
    assert [(r.label, r.subject.code, r.value(Measure.TOTAL)) for r in expenditure.rows] == [
        ("一般公共服务支出", "201", 300.0), ("政府办公厅（室）及相关机构事务", "20103", 300.0)]


def test_caption_wrapped_in_a_narrow_box_is_skipped():
    three = parse_tables(paged_lines(CONTENTS_AND_TABLES), "contents.pdf")[0][1]
    assert {r.label: r.value(Measure.TOTAL) for r in three.rows} == {"合计": 2600.71, "“三公”经费": 767.6,
                                                                    "会议费": 1833.11}


WRAPPED_LABEL = [
    "收支预算总表\n单位：万元\n收入\t\t支出\t\n项目名称\t金额\t功能科目名称\t金额\n"
    "一、财政拨款\t100.00\t一、一般公共服务支出\t40.00\n\t\t二、社会保障和就\t60.00",
    "\t\t业支出\t\n\t\t三、卫生健康支出\t\n收入合计\t100.00\t支出合计\t100.00",
]


def test_label_wrapped_over_a_page_break_is_one_row():
    summary = parse_tables(paged_lines(WRAPPED_LABEL), "wrapped.pdf")[0][0]
    assert [(r.panel, r.label) for r in summary.rows if r.panel == "支出"] == [
        ("支出", "一、一般公共服务支出"), ("支出", "二、社会保障和就业支出"), ("支出", "三、卫生健康支出"),
        ("支出", "支出合计")]
    assert row(summary, "二、社会保障和就业支出", "支出").value(Measure.TOTAL) == 60.0


FINAL_CODE_HEADER = """收入决算表
单位：万元
项目\t\t\t\t本年收入合计\t财政拨款收入
支出功能分类\t\t\t科目名称\t\t
科目编码\t\t\t\t\t
类\t款\t项\t合计\t2,946.25\t2,940.05
201\t\t\t一般公共服务支出\t2,112.86\t2,106.66
201\t06\t01\t行政运行\t1,511.90\t1,511.89
"""


def test_code_header_sharing_a_row_with_the_total_row_is_split():
    income = parse_tables(_doc(FINAL_CODE_HEADER), "final.pdf")[0][0]
    assert [r.label for r in income.rows] == ["合计", "一般公共服务支出", "行政运行"]
    assert row(income, "合计").value(Measure.FISCAL) == 2940.05
    assert coded(income, "2010601").value(Measure.TOTAL) == 1511.90


def test_subject_part_printed_without_its_leading_zero_is_padded():
    basic = "一般公共预算基本支出情况表\n单位：元\n经济分类科目编码\t\t经济分类科目名称\t合计\n类\t款\t\t\n" \
            "301\t\t工资福利支出\t20,000\n301\t2\t津贴补贴\t20,000"
    table_ = parse_tables(_doc(basic), "basic.pdf")[0][0]
    assert coded(table_, "30102").value(Measure.TOTAL) == 2.0


GOLDEN = Path(__file__).parent / "golden"


def summarize(tables: tuple[Table, ...]) -> list[dict]:
    """A readable digest of parsed tables: one line per row, every value with its measure."""
    out = []
    for t in tables:
        rows = []
        for r in t.rows:
            head = " ".join(x for x in (r.panel, r.subject.code if r.subject else None, r.label) if x)
            values = ", ".join(f"{c.measure.value if c.measure else '-'}={c.value}" for c in r.cells if c.value is not None)
            rows.append(f"L{r.line} {head}" + (f" [{r.project}]" if r.project and r.project != r.label else "")
                        + (f": {values}" if values else ""))
        out.append({"number": t.number, "name": t.name, "kind": t.kind.value, "unit": t.unit,
                    "lines": [t.line_start, t.line_end], "columns": t.columns, "note": t.note, "rows": rows})
    return out


@pytest.mark.parametrize("name,path", [("luntai", LUNTAI), ("bazhou", BAZHOU), ("xuchang", XUCHANG)])
def test_parsed_tables_match_golden_file(name, path):
    """Set BUDGET_UPDATE_GOLDEN=1 to rewrite tests/golden/tables_<name>.json after a reviewed change."""
    import json
    import os

    golden = GOLDEN / f"tables_{name}.json"
    digest = summarize(parsed(path)[0])
    if os.environ.get("BUDGET_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(digest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert digest == json.loads(golden.read_text(encoding="utf-8"))


def test_a_subheader_printed_past_the_end_of_its_group_is_moved_back_into_it():
    """巴州 表2 L148-149: 上级国有资本经营预算安排的转移支付 sits last, under no top cell; the data rows
    (and the ※ column numbers) have it as the 7th 财政拨款 column, before 财政专户 … 非财政拨款结转结余."""
    t = table(BAZHOU, "表2")
    assert t.columns[7] == "财政拨款(补助)/上级国有资本经营预算安排的转移支付"
    assert t.columns[-4:] == ["财政专户(教育收费)", "单位资金", "财政拨款结转", "非财政拨款结转结余"]
    total = row(t, "总计")
    cells = {c.column_path: c.value for c in total.cells if c.value is not None}
    assert (cells["单位资金"], cells["财政拨款结转"]) == (375.98, 2596.0)
    assert total.value(Measure.UNIT_FUNDS) == 375.98 and total.value(Measure.CARRYOVER) == 2596.0


def _rows(header: list[list[str]], body: list[list[str]], kind: TableKind = TableKind.PROCUREMENT):
    from index.parse.layouts import Item
    from index.parse.rows import RowContext, build_rows

    items = [Item(n, n, cells=cells) for n, cells in enumerate(header + body, start=1)]
    return build_rows(items[:len(header)], items[len(header):], RowContext(kind, "万元"))[1]


def test_code_columns_beside_an_amount_are_no_second_panel():
    """采购项目 | 数量 | 部门经济科目 类/款 | 采购时间 | 预算金额: one row per item, its amount in it."""
    rows = _rows([["采购项目", "数量", "部门经济科目", "", "采购时间", "预算金额"],
                  ["", "", "类", "款", "", ""]],
                 [["合计", "3", "", "", "", "80.00"], ["档案扫描设备", "2", "310", "02", "2025-03-01", "50.00"],
                  ["机房空调", "1", "310", "07", "2025-05-10", "30.00"]])
    assert [(r.label, r.value(Measure.TOTAL)) for r in rows] == [("合计", 80.0), ("档案扫描设备", 50.0), ("机房空调", 30.0)]
    assert rows[1].texts["采购时间"] == "2025-03-01" and rows[1].subject is None


def test_rows_without_a_name_column_are_not_all_totals():
    rows = _rows([["总计", "基本支出", "项目支出"]], [["100.00", "60.00", "40.00"], ["20.00", "20.00", ""]],
                 TableKind.EXPENDITURE)
    assert [r.label for r in rows] == ["", ""]
    single = _rows([["总计", "基本支出", "项目支出"]], [["100.00", "60.00", "40.00"]], TableKind.EXPENDITURE)
    assert [r.label for r in single] == ["合计"]


def test_a_part_heading_subtotal_is_that_part_and_a_year_column_is_a_total():
    assert column_measure(["基本支出", "小计"]) is Measure.BASIC
    assert column_measure(["2026年政府采购项目", "小计"]) is Measure.OTHER
    assert column_measure(["2026年预算数"]) is Measure.TOTAL and column_measure(["支出总计"]) is Measure.TOTAL
    assert column_measure(["人员类"]) is Measure.PERSONNEL


def test_project_names_under_a_grouped_project_name_heading_name_their_rows():
    """项目名称 split into 一级项目 / 二级项目 (the 吉林 项目支出表 layout): both are project columns."""
    text = ("项目支出表\n单位：万元\n"
            "类型\t项目名称\t\t项目单位\t合计\t一般公共预算\n"
            "\t一级项目\t二级项目\t\t\t\n"
            "部门特定目标类项目\t\t\t\t120.00\t120.00\n"
            "\t综合管理\t\t\t120.00\t120.00\n"
            "\t\t档案数字化经费\t甲市档案局\t80.00\t80.00\n"
            "\t\t档案馆运行经费\t甲市档案局\t40.00\t40.00")
    [projects], _ = parse_tables(_doc(text), "projects.txt")
    named = {r.project: r.value(Measure.TOTAL) for r in projects.rows if r.project}
    assert named == {"综合管理": 120.0, "档案数字化经费": 80.0, "档案馆运行经费": 40.0}


def test_a_heading_with_a_parenthesised_note_keeps_its_role():
    """支出项目类别（资金使用单位）: a label column whatever its note says (珠海 项目支出及其他支出预算表 layout)."""
    text = ("项目支出预算表\n单位：万元\n"
            "支出项目类别（资金使用单位）\t总计\t一般公共预算\n"
            "合计\t90.00\t90.00\n"
            "乙市河道管理处\t90.00\t90.00\n"
            "河道保洁经费\t60.00\t60.00\n"
            "堤防维修经费\t30.00\t30.00")
    [projects], _ = parse_tables(_doc(text), "projects.txt")
    assert [r.label for r in projects.rows] == ["合计", "乙市河道管理处", "河道保洁经费", "堤防维修经费"]


def test_the_recognised_share_counts_rows_stored_not_lines_covered():
    """A page continued without its header: its rows count only once they are stored in the table."""
    text = ("表3\n支出总表\n单位：万元\n"
            "科目编码\t科目名称\t合计\t基本支出\t项目支出\n"
            "合计\t\t100.00\t40.00\t60.00\n"
            "205\t教育支出\t70.00\t30.00\t40.00\n"
            "20501\t教育管理事务\t70.00\t30.00\t40.00\n")
    first = [Line(i, t, 1) for i, t in enumerate(text.strip().split("\n"), start=1)]
    second = [Line(len(first) + 1, "甲市教育局2026年度单位预算公开", 2),
              Line(len(first) + 2, "206\t科学技术支出\t30.00\t10.00\t20.00", 2)]
    lines = first + second
    tables, _ = parse_tables(lines, "split.pdf")
    assert [r.label for r in tables[0].rows][-1] == "科学技术支出"
    assert cell_coverage(lines, tables) == (12, 12)
    lost = [replace(tables[0], rows=tables[0].rows[:-1])]
    assert cell_coverage(lines, lost) == (9, 12)


def test_a_form_page_after_loose_text_is_still_the_form_with_its_indicator_columns():
    """北京 项目支出绩效目标表 layout: the next page carries on with 6 indicator columns after a dozen loose
    lines (merged cells printed as text); it stays a 绩效 form, its columns named from 一级指标 on."""
    first = ["项目支出绩效目标表", "单位：万元",
             "项目名称\t项目总额\t财政资金\t绩效目标\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位",
             "档案数字化经费\t56.80\t56.80\t年度目标：完成馆藏档案数字化\t产出指标\t数量指标\t加工页数\t≥\t10\t万页"]
    second = [f"续上页说明文字第{n}行" for n in range(12)] + [
        "产出指标\t质量指标\t成果验收合格率\t≥\t98\t%",
        "满意度指标\t服务对象满意度指标\t利用者满意度\t≥\t90\t%"]
    lines = [Line(n, t, 1) for n, t in enumerate(first, start=1)]
    lines += [Line(len(lines) + n, t, 2) for n, t in enumerate(second, start=1)]
    tables, _ = parse_tables(lines, "forms.pdf")
    assert [t.kind for t in tables] == [TableKind.PERFORMANCE_TARGET, TableKind.PERFORMANCE_TARGET]
    assert tables[1].name == "项目支出绩效目标表"
    assert [(r.label, r.texts.get("二级指标")) for r in tables[1].rows] == [
        ("成果验收合格率", "质量指标"), ("利用者满意度", "服务对象满意度指标")]


def test_rows_printed_once_per_year_become_one_row_with_year_columns():
    text = ("“三公”经费支出表\n单位：万元\n"
            "预算单位\t年度\t合计\t公务接待费\n"
            "甲市档案局\t2025年\t10.00\t4.00\n"
            "\t2026年\t12.00\t5.00\n"
            "\t增减数\t2.00\t1.00")
    [three], _ = parse_tables(_doc(text), "three.txt")
    [unit] = three.rows
    assert unit.label == "甲市档案局" and "年度" not in unit.texts
    assert {c.column_path: c.value for c in unit.cells} == {
        "2025年/合计": 10.0, "2025年/公务接待费": 4.0, "2026年/合计": 12.0, "2026年/公务接待费": 5.0,
        "增减数/合计": 2.0, "增减数/公务接待费": 1.0}


def test_numbered_items_without_amounts_are_rows_not_header():
    """A 收支总表 page that opens with items printing no amount (22、其他支出; 二、上年结转) under its header."""
    text = ("财政拨款收支总体情况表\n单位：万元\n"
            "收入\t\t支出\t\n"
            "项目\t金额\t项目\t合计\n"
            "\t\t22、其他支出\t\n"
            "二、上年结转\t\t二、结转下年\t\n"
            "收入总计\t100.00\t支出总计\t100.00")
    [fiscal], _ = parse_tables(_doc(text), "fiscal.txt")
    assert fiscal.columns == ["收入/金额", "支出/合计"]
    assert row(fiscal, "支出总计", panel="支出").value(Measure.TOTAL) == 100.0
