"""Table checks that read a layout as it is printed, not as a false problem (issue 13).

Short synthetic tables in the layouts of other templates than the documents that showed the false
alarms (a “三公” table under one three-level header, a 决算 基本支出 table whose 公用经费 classes run over
two panels, a column-number row marked ``**``); the values are made up. Each layout is also given with
a real error, which must still be found.
"""
from __future__ import annotations

from dataclasses import replace

from index.audit.linking import CellIndex, CellRef
from index.audit.table_sums import check_tables
from index.model import Line
from index.parse.tables import parse_tables


def _cell(kind: str, row: int, label: str, value: float | None, column: str, measure: str | None = "total",
          code: str | None = None, panel: str | None = None) -> CellRef:
    level = {3: 1, 5: 2}.get(len(code)) if code else None
    return CellRef(table_id=1, table_number=None, table_name="表", table_kind=kind, row_index=row, row_label=label,
                   panel=panel, subject_code=code, subject_level=level, subject_system="economic" if code else None,
                   subject_name=label if code else None, project_name=None, column_path=column, measure=measure,
                   value=value, line=10 + row)


def _problems(cells: list[CellRef], final: bool = False) -> list[str]:
    return [check["message"] for check in check_tables(CellIndex(cells, final=final), final)]


# “三公” table printed as one data row under 当年预算 / 上年结转 × items × 小计 / sub-items, read as one row per
# header cell: each item's cells sit under its own column path, in the column group of its year.
ONE_HEADER = [
    _cell("three_public", 0, "“三公”经费合计", 20.0, "“三公”经费合计"),
    _cell("three_public", 1, "因公出国(境)费", 5.0, "本年/因公出国(境)费/小计"),
    _cell("three_public", 1, "因公出国(境)费", 0.0, "上年结转/因公出国(境)费/小计"),
    _cell("three_public", 2, "公务用车购置及运行费", 12.0, "本年/公务用车购置及运行费/小计"),
    _cell("three_public", 2, "公务用车购置及运行费", 0.0, "上年结转/公务用车购置及运行费/小计"),
    _cell("three_public", 3, "公务用车购置费", 4.0, "本年/公务用车购置及运行费/公务用车购置费"),
    _cell("three_public", 3, "公务用车购置费", 0.0, "上年结转/公务用车购置及运行费/公务用车购置费"),
    _cell("three_public", 4, "公务用车运行费", 8.0, "本年/公务用车购置及运行费/公务用车运行费"),
    _cell("three_public", 4, "公务用车运行费", 0.0, "上年结转/公务用车购置及运行费/公务用车运行费"),
    _cell("three_public", 5, "公务接待费", 3.0, "本年/公务接待费"),
    _cell("three_public", 5, "公务接待费", 0.0, "上年结转/公务接待费"),
]


def test_three_public_items_under_one_header_are_summed_within_their_column_group():
    assert _problems(ONE_HEADER) == []
    wrong = [replace(c, value=9.0) if c.column_path == "本年/公务用车购置及运行费/公务用车运行费" else c
             for c in ONE_HEADER]
    assert [m.split("≠")[1].strip() for m in _problems(wrong)] == ["分项之和 13（差 -1.00）"]


# 基本支出决算表 printed in three panels: 人员经费 classes, then the 公用经费 classes over two panels (the middle
# one's header read as 科目代码); the totals' figure read as two cells (决算数 as 合计 and as 公用经费).
PANELS = [
    _cell("general_basic", 0, "工资福利支出", 70.0, "决算数", code="301", panel="人员经费"),
    _cell("general_basic", 1, "商品和服务支出", 18.0, "决算数", code="302", panel="科目代码"),
    _cell("general_basic", 2, "资本性支出", 2.0, "决算数", code="310", panel="公用经费"),
    _cell("general_basic", 3, "对个人和家庭的补助", 10.0, "决算数", code="303", panel="人员经费"),
    _cell("general_basic", 4, "债务利息及费用支出", None, "决算数", code="307", panel="科目代码"),
    _cell("general_basic", 5, "人员经费合计", 80.0, "决算数", panel="人员经费"),
    _cell("general_basic", 5, "人员经费合计", 80.0, "决算数", "personnel", panel="人员经费"),
    _cell("general_basic", 6, "公用经费合计", 20.0, "决算数", panel="公用经费"),
    _cell("general_basic", 6, "公用经费合计", 20.0, "决算数", "public", panel="公用经费"),
]


def test_personnel_and_public_totals_sum_their_classes_wherever_the_table_prints_them():
    assert _problems(PANELS, final=True) == []
    wrong = [replace(c, value=21.0) if c.row_label == "公用经费合计" else c for c in PANELS]
    problems = _problems(wrong, final=True)
    assert len(problems) == 1 and "下级科目（302、310、307）之和 20" in problems[0]


STATE_CAPITAL = """表9
国有资本经营预算支出表
单位：万元
科目编码\t科目名称\t基本支出\t项目支出
**\t**\t1\t2
\t合计\t\t
本部门没有国有资本经营预算拨款安排的支出，故本表为空表。
"""


def test_a_column_number_row_marked_with_asterisks_is_no_amount_row():
    lines = [Line(number, text) for number, text in enumerate(STATE_CAPITAL.split("\n"), start=1)]
    tables, _ = parse_tables(lines, "state_capital.txt")
    assert [cell.value for table in tables for row in table.rows for cell in row.cells if cell.value] == []
