"""Link coverage (issue 13): the wordings and layouts of other templates linked to the right cell, never a wrong one.

Each table here is a short synthetic table in the layout of a corpus template other than the one whose
narrative showed the gap (江苏, 福州, 长春, 西安 narratives); the values are made up.
"""
from __future__ import annotations

from dataclasses import replace

from index.audit.linking import CellIndex, CellRef, link_amount
from index.audit.narrative import _Auditor, _clean_subject, _on_side_named
from index.model import PassageKind
from index.narrative.passages import Block


def _cell(table_id: int, kind: str, row: int, label: str, value: float | None, column: str = "合计",
          measure: str | None = "total", code: str | None = None, panel: str | None = None,
          system: str = "functional") -> CellRef:
    level = {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None
    return CellRef(table_id=table_id, table_number=None, table_name=f"表{table_id}", table_kind=kind,
                   row_index=row, row_label=label, panel=panel, subject_code=code, subject_level=level,
                   subject_system=system if code else None, subject_name=label if code else None,
                   project_name=None, column_path=column, measure=measure, value=value, line=100 + row)


FUNCTIONAL = [  # 一般公共预算支出表 by functional subject
    _cell(1, "general_expenditure", 0, "合计", 500.0),
    _cell(1, "general_expenditure", 1, "社会保障和就业支出", 300.0, code="208"),
    _cell(1, "general_expenditure", 2, "行政事业单位养老支出", 300.0, code="20805"),
    _cell(1, "general_expenditure", 3, "机关事业单位基本养老保险缴费支出", 120.0, code="2080505"),
    _cell(1, "general_expenditure", 4, "机关事业单位职业年金缴费支出", 180.0, code="2080506"),
    _cell(1, "general_expenditure", 5, "住房保障支出", 200.0, code="221"),
    _cell(1, "general_expenditure", 6, "住房改革支出", 200.0, code="22102"),
    _cell(1, "general_expenditure", 7, "住房公积金", 150.0, code="2210201"),
    _cell(1, "general_expenditure", 8, "提租补贴", 50.0, code="2210202"),
]
SUMMARY = [  # 收支预算总表: two panels, income sources as rows
    _cell(2, "summary", 0, "一、财政拨款", 500.0, "收入/金额", panel="收入"),
    _cell(2, "summary", 1, "1.一般公共预算", 500.0, "收入/金额", panel="收入"),
    _cell(2, "summary", 2, "2.政府性基金预算", None, "收入/金额", panel="收入"),
    _cell(2, "summary", 3, "二、其它收入", 7.0, "收入/金额", panel="收入"),
    _cell(2, "summary", 4, "一、社会保障和就业支出", 300.0, "支出/金额", panel="支出"),
    _cell(2, "summary", 5, "二、其他支出", 9.0, "支出/金额", panel="支出"),
    _cell(2, "summary", 6, "本年收入合计", 507.0, "收入/金额", panel="收入"),
    _cell(2, "summary", 7, "本年支出合计", 509.0, "支出/金额", panel="支出"),
]
BASIC = [  # 基本支出表 by economic class, without 人员经费 / 公用经费 columns
    _cell(3, "fiscal_basic", 0, "合计", 100.0),
    _cell(3, "fiscal_basic", 1, "工资福利支出", 60.0, code="301", system="economic"),
    _cell(3, "fiscal_basic", 2, "基本工资", 60.0, code="30101", system="economic"),
    _cell(3, "fiscal_basic", 3, "商品和服务支出", 25.0, code="302", system="economic"),
    _cell(3, "fiscal_basic", 4, "对个人和家庭的补助", 15.0, code="303", system="economic"),
]
SIDEWAYS = [  # “三公” table printed with the items as columns and 预算数 / 决算数 as rows
    _cell(4, "three_public", row, label, value, column, measure)
    for row, label, values in ((0, "预算数", (30.0, 12.0, 9.0)), (1, "决算数", (28.0, 11.5, 8.0)))
    for (column, measure), value in zip((("财政拨款安排的“三公”经费/小计", "fiscal"),
                                         ("财政拨款安排的“三公”经费/公务接待费", "other"), ("会议费", "other")), values)
]
UNLABELLED = [  # 支出总表 whose 合计 row lost its label
    _cell(5, "expenditure", 0, "", 500.0),
    _cell(5, "expenditure", 0, "", 320.0, "基本支出", "basic"),
    _cell(5, "expenditure", 0, "", 180.0, "项目支出", "project"),
    _cell(5, "expenditure", 1, "社会保障和就业支出", 300.0, code="208"),
    _cell(5, "expenditure", 2, "住房保障支出", 200.0, code="221"),
]


def _index(*tables: list[CellRef], final: bool = False) -> CellIndex:
    return CellIndex([cell for table in tables for cell in table], final=final)


def _linked(index: CellIndex, subject: str, scope, measure: str | None = None):
    found = link_amount(index, subject, measure, scope)
    return None if found is None else (found.cell.row_label, found.cell.column_path, found.value)


def test_a_misprinted_level_still_walks_the_subject_path():
    """住房改革支出 is a 款 printed as （类）; 未归口…离退休支出 names the row without 支出 (江苏 2018 style)."""
    index = _index(FUNCTIONAL)
    assert _linked(index, "住房改革支出（类）住房公积金（项）", ["general_expenditure"]) == ("住房公积金", "合计", 150.0)
    assert _linked(index, "行政事业单位养老（类）机关事业单位职业年金缴费（项）", ["general_expenditure"]) == (
        "机关事业单位职业年金缴费支出", "合计", 180.0)
    assert _linked(index, "住房保障支出（类）公积金（项）", ["general_expenditure"]) is None


def test_a_subject_printed_with_its_code_links_to_that_row_only_when_the_name_agrees():
    """福州 style "（三）2080505-机关事业单位…"; 西安 style "提租补贴（2210202）"."""
    index = _index(FUNCTIONAL)
    assert _linked(index, "（三）2080505-机关事业单位基本养老保险缴费支出", ["general_expenditure"]) == (
        "机关事业单位基本养老保险缴费支出", "合计", 120.0)
    assert _linked(index, "（2）提租补贴（2210202）", ["general_expenditure"]) == ("提租补贴", "合计", 50.0)
    assert _linked(index, "（三）2080505-住房公积金", ["general_expenditure"]) is None  # code and name disagree


def test_income_sources_link_by_name_on_their_own_side_of_the_table():
    index = _index(SUMMARY)
    scope = "一、收支预算总体情况说明"
    assert _linked(index, "（1）一般公共预算收入预算", scope) == ("1.一般公共预算", "收入/金额", 500.0)
    assert _linked(index, "（2）政府性基金收入预算", scope) == ("2.政府性基金预算", "收入/金额", None)
    assert _linked(index, "财政拨款收入预算总计", scope) == ("一、财政拨款", "收入/金额", 500.0)
    assert _linked(index, "其他收入", scope) == ("二、其它收入", "收入/金额", 7.0)
    assert _linked(index, "社会保障和就业（类）支出", scope) == ("一、社会保障和就业支出", "支出/金额", 300.0)


def test_a_two_sided_total_is_taken_on_the_side_the_subject_names():
    index = _index(SUMMARY)
    assert _linked(index, "支出预算", ["summary"]) == ("本年支出合计", "支出/金额", 509.0)
    assert _linked(index, "预算收入", ["summary"]) == ("本年收入合计", "收入/金额", 507.0)


def test_personnel_and_public_funds_are_summed_from_the_economic_classes():
    """人员经费 = 301 + 303, 公用经费 = the other classes, where the table has no such columns."""
    index = _index(BASIC)
    scope = "六、财政拨款基本支出预算情况说明"
    assert _linked(index, "财政拨款基本支出预算", scope) == ("合计", "合计", 100.0)
    assert _linked(index, "（一）人员经费", scope) == ("工资福利支出 + 对个人和家庭的补助（人员经费）", "合计", 75.0)
    assert _linked(index, "（二）公用经费", scope) == ("商品和服务支出（公用经费）", "合计", 25.0)


def test_a_sideways_three_public_table_gives_the_item_of_the_measure_asked():
    index = _index(SIDEWAYS, final=True)
    scope = ["three_public"]
    assert _linked(index, "财政拨款安排“三公”经费支出预算", scope, "adjusted_budget")[1:] == (
        "财政拨款安排的“三公”经费/小计", 30.0)
    assert _linked(index, "财政拨款安排“三公”经费支出预算", scope, "final")[1:] == ("财政拨款安排的“三公”经费/小计", 28.0)
    assert _linked(index, "公务接待费", scope)[1:] == ("财政拨款安排的“三公”经费/公务接待费", 11.5)
    assert _linked(index, "一般公共预算拨款安排的会议费预算支出", scope, "adjusted_budget")[1:] == ("会议费", 9.0)
    assert _linked(index, "“三公”经费及会议费、培训费预算支出", scope) is None


def test_a_total_row_without_its_label_is_found_by_its_sum():
    index = _index(UNLABELLED)
    assert _linked(index, "基本支出合计", ["expenditure"]) == ("合计（未印行名）", "基本支出", 320.0)
    assert _linked(index, "项目支出预算", ["expenditure"]) == ("合计（未印行名）", "项目支出", 180.0)
    broken = [cell if cell.row_index else CellRef(**{**cell.__dict__, "value": cell.value + 1}) for cell in UNLABELLED]
    assert _linked(_index(broken), "基本支出合计", ["expenditure"]) is None  # not the sum: not a total


def _audit(text: str, index: CellIndex, title: str) -> _Auditor:
    auditor = _Auditor(index, "doc", "长春市某局（本级）", 2026)
    auditor.audit_narrative([Block(PassageKind.PARAGRAPH, ("第三部分 2026年部门预算情况说明", title), text,
                                   [(0, 100)])])
    return auditor


def test_a_share_of_the_whole_budget_is_recomputed_over_the_expenditure_total():
    """占支出预算的 X%: the base is the department's whole spending, not the class table's own total."""
    text = "（一）社会保障和就业支出300.00万元，占支出预算的60.00%。"
    auditor = _audit(text, _index(FUNCTIONAL, UNLABELLED), "五、一般公共预算支出情况说明")
    ratios = [(f.status, f.table_value) for f in auditor.findings if f.kind == "recomputed_ratio"]
    assert ratios == [("match", 60.0)]


def test_a_completion_base_is_the_budget_of_the_subject_named_before():
    text = "公务接待费支出决算为11.50万元，完成预算12.00万元的95.83%。"
    auditor = _audit(text, _index(SIDEWAYS, final=True), "九、“三公”经费支出决算情况说明")
    assert [(f.status, f.table_value) for f in auditor.findings if f.kind == "narrative_vs_table"] == [
        ("match", 11.5), ("match", 12.0)]


def test_a_narrative_without_any_budget_table_is_not_counted():
    auditor = _audit("2026年部门预算收入500万元。", _index(), "一、收支预算总体情况说明")
    assert (auditor.findings, auditor.skipped["no_tables"]) == ([], 1)


def test_subject_wording():
    assert _clean_subject("，2026年长春市某局项目支出预算", "长春市某局（本级）", "长春市某局") == "项目支出预算"
    assert _clean_subject("2022年度收入总计、支出总计均为", "") == "收入总计"


def test_an_economic_class_is_named_with_or_without_de_and_a_trailing_zhichu():
    """对个人和家庭补助支出 is the row 对个人和家庭的补助; a shorter name is not."""
    index = _index(BASIC)
    scope = "六、财政拨款基本支出预算情况说明"
    assert _linked(index, "（三）对个人和家庭补助支出", scope) == ("对个人和家庭的补助", "合计", 15.0)
    assert _linked(index, "对个人补助", scope) is None


FISCAL_SUMMARY = [  # 财政拨款收支总表: no 基本支出 / 项目支出 columns
    _cell(6, "fiscal_summary", 0, "一般公共预算拨款", 500.0, "收入/本年预算", panel="收入"),
    _cell(6, "fiscal_summary", 1, "收入总计", 500.0, "收入/本年预算", panel="收入"),
    _cell(6, "fiscal_summary", 2, "支出总计", 500.0, "支出/本年预算", panel="支出"),
]
GOV_FUND = [  # 政府性基金预算财政拨款收入支出决算表
    _cell(7, "gov_fund", 0, "合计", 60.0, "年初结转和结余", "carryover"),
    _cell(7, "gov_fund", 0, "合计", 300.0, "本年收入", "other"),
    _cell(7, "gov_fund", 0, "合计", 340.0, "本年支出/小计"),
    _cell(7, "gov_fund", 0, "合计", 340.0, "本年支出/项目支出", "project"),
    _cell(7, "gov_fund", 0, "合计", 20.0, "年末结转和结余", "other"),
    _cell(7, "gov_fund", 1, "城乡社区支出", 340.0, "本年支出/小计", code="212"),
]


def test_the_split_of_a_fiscal_summary_section_is_the_general_tables_where_no_other_fund_spends():
    scope = "四、财政拨款收支预算总表情况说明"
    index = _index(FISCAL_SUMMARY, UNLABELLED)
    assert _linked(index, "基本支出预算", scope) is None  # 支出总表 (all funds) is no 财政拨款 table
    general = [replace(c, table_id=8, table_kind="general_expenditure") for c in UNLABELLED]
    assert _linked(_index(FISCAL_SUMMARY, general), "其中基本支出预算", scope) == ("合计（未印行名）", "基本支出", 320.0)
    assert _linked(_index(FISCAL_SUMMARY, general), "项目支出", scope) == ("合计（未印行名）", "项目支出", 180.0)
    assert _linked(_index(FISCAL_SUMMARY, general, GOV_FUND), "基本支出预算", scope) is None  # 财政拨款 ≠ 一般公共预算


def test_a_fund_tables_columns_are_linked_in_its_own_words():
    """"…年初结转和结余 A，收入决算 B，支出决算 C，年末结转和结余 D": B and C are the fund's 本年收入 / 本年支出."""
    text = ("2025年度政府性基金预算财政拨款年初结转和结余60.00万元，收入决算300.00万元，支出决算340.00万元，"
            "年末结转和结余20.00万元。")
    auditor = _audit(text, _index(GOV_FUND, final=True), "七、政府性基金预算财政拨款收入支出决算情况说明")
    assert [(f.status, f.column_path, f.table_value) for f in auditor.findings if f.kind == "narrative_vs_table"] == [
        ("match", "年初结转和结余", 60.0), ("match", "本年收入", 300.0), ("match", "本年支出/小计", 340.0),
        ("match", "年末结转和结余", 20.0)]
    assert _linked(_index(GOV_FUND, final=True), "政府性基金预算财政拨款支出", ["gov_fund"], "initial_budget") is None


SIDEWAYS_VEHICLES = [  # “三公” table with the items as columns, 预算数 / 决算数 as rows
    _cell(9, "three_public", row, label, value, f"“三公”经费/{column}", "other")
    for row, label, values in ((0, "预算数", (40.0, 25.0)), (1, "决算数", (38.0, 24.5)))
    for column, value in zip(("公务用车购置费", "公务用车运行维护费"), values)
]


def test_an_item_heading_names_the_subject_of_the_amounts_below_it():
    text = ("1．公务用车购置费支出情况说明。\n本年度为下属单位购置公务用车2辆，预算40.00万元，支出决算38.00万元。\n"
            "2．公务用车运行维护费支出情况说明。\n预算25.00万元，支出决算24.50万元。")
    auditor = _audit(text, _index(SIDEWAYS_VEHICLES, final=True), "三、“三公”经费支出决算情况说明")
    assert [(f.status, f.row_label, f.column_path) for f in auditor.findings if f.kind == "narrative_vs_table"] == [
        ("match", "预算数", "“三公”经费/公务用车购置费"), ("match", "决算数", "“三公”经费/公务用车购置费"),
        ("match", "预算数", "“三公”经费/公务用车运行维护费"), ("match", "决算数", "“三公”经费/公务用车运行维护费")]


def test_a_measure_of_the_other_side_names_the_other_side():
    assert _on_side_named("，支出决算", "政府性基金收入") == "政府性基金支出"
    assert _on_side_named("，支出决算", "“三公”经费支出") == "“三公”经费支出"
    assert _on_side_named("，决算", "收入") == "收入"
