"""Linking a narrative amount to its table cell: one implementation, from a Document or from DuckDB."""
from __future__ import annotations

import pytest

from index.audit.linking import CellIndex, CellRef, link_amount, scope_for_section
from index.parse.document import parse_document
from index.read.files import read_source
from conftest import SEEDS, parsed_seed

MAX_BYTES = 50_000_000
SECTION_5_BUDGET = "五、关于轮台县人力资源和社会保障局部门 2024 年一般公共预算当年拨款情况说明"
SECTION_5_FINAL = "五、一般公共预算财政拨款支出决算情况说明"


@pytest.fixture(scope="session")
def documents():
    return {name: parsed_seed(path) for name, path in SEEDS.items()}


@pytest.fixture(scope="session")
def indexes(documents):
    return {name: CellIndex.from_document(document) for name, document in documents.items()}


@pytest.mark.parametrize("title, kinds", [
    (SECTION_5_BUDGET, ("general_expenditure",)),
    (SECTION_5_FINAL, ("general_expenditure",)),
    ("三、关于巴音郭楞蒙古自治州人力资源和社会保障局 2024 年支出预算情况说明", ("expenditure",)),
    ("二、收入决算情况说明", ("income", "summary")),
    ("四、财政拨款收入支出决算总体情况说明", ("fiscal_summary",)),
    ("六、一般公共预算财政拨款基本支出决算情况说明", ("general_basic", "fiscal_basic", "general_expenditure")),
    ("十、关于轮台县人力资源和社会保障局部门 2024 年财政拨款“三公”经费预算情况说明", ("three_public",)),
    ("（一）单位运行经费情况", ()),
])
def test_section_title_gives_the_tables_it_speaks_about(title, kinds):
    assert scope_for_section(title) == kinds


def test_functional_subject_path_links_to_its_row(indexes):
    linked = link_amount(indexes["luntai"], "社会保障和就业支出(类)人力资源和社会保障管理事务(款)行政运行(项)",
                         None, SECTION_5_BUDGET)
    cell = linked.cell
    assert (cell.table_number, cell.subject_code, cell.column_path, linked.value, cell.line, linked.how) == (
        "表5", "2080101", "一般公共预算支出/合计", 209.44, 282, "subject path")


def test_same_subject_links_to_the_table_of_its_scope(indexes):
    """决算 财政拨款 narrative → 公开05表 (10663.65); the all-funds 公开03表 says 10663.67."""
    fiscal = link_amount(indexes["xuchang"], "社会保障和就业支出（类）", None, SECTION_5_FINAL)
    all_funds = link_amount(indexes["xuchang"], "社会保障和就业支出（类）", None, ["expenditure"])
    assert (fiscal.cell.table_number, fiscal.value) == ("公开05表", 10663.65)
    assert (all_funds.cell.table_number, all_funds.value) == ("公开03表", 10663.67)


def test_measure_hint_picks_the_column(indexes):
    basic = link_amount(indexes["bazhou"], "基本支出", "basic", ["expenditure"])
    budget = link_amount(indexes["xuchang"], "“三公”经费财政拨款支出", "adjusted_budget", ["three_public"])
    final = link_amount(indexes["xuchang"], "公务用车运行维护支出", "final", ["three_public"])
    assert (basic.cell.row_label, basic.value) == ("总计", 1583.14)
    assert (budget.cell.column_path, budget.value) == ("预算数/合计", 12.6)
    assert (final.cell.row_label, final.value) == ("公务用车运行维护费", 10.6)


def test_income_source_links_to_the_column_of_the_total_row(indexes):
    linked = link_amount(indexes["luntai"], "上级一般公共预算安排的转移支付资金", None, ["income", "summary"])
    assert (linked.cell.table_number, linked.cell.row_label, linked.value, linked.how) == (
        "表2", "合计", 1762.25, "column")


def test_grand_total_links_to_the_total_row(indexes):
    linked = link_amount(indexes["xuchang"], "收、支总计", None, ["summary"])
    assert (linked.cell.row_label, linked.value) == ("总计", 11917.39)


def test_subject_no_table_carries_is_not_linked(indexes):
    assert link_amount(indexes["luntai"], "机关运行经费财政拨款", None, SECTION_5_BUDGET) is None
    assert link_amount(indexes["luntai"], "", None, None) is None


def _row(table_id, name, kind, row_index, label, code=None, level=None, value=None, column="合计", measure="total"):
    return {"table_id": table_id, "table_number": None, "table_name": name, "table_kind": kind, "row_index": row_index,
            "row_label": label, "panel": None, "subject_code": code, "subject_level": level,
            "subject_system": "functional" if code else None, "subject_name": label if code else None,
            "project_name": None, "column_path": column, "measure": measure, "value": value, "line": 100 + row_index}


@pytest.fixture()
def other_layout():
    """A table of another template family: no 表号, kind "other", named like its narrative section."""
    name = "财政拨款支出预算表(功能科目)"
    rows = [
        _row(1, name, "other", 0, "合计", value=9101.68),
        _row(1, name, "other", 1, "一般公共服务支出", "201", 1, 9101.68),
        _row(1, name, "other", 2, "政府办公厅（室）及相关机构事务", "20103", 2, 9101.68),
        _row(1, name, "other", 3, "行政运行", "2010301", 3, 1202.95),
    ]
    return CellIndex([CellRef(**row) for row in rows], final=False)


def test_table_named_like_the_section_is_in_scope(other_layout):
    linked = link_amount(other_layout, "人大事务（款）行政运行（项）支出", None, "五、财政拨款支出预算情况说明")
    assert linked is None  # 行政运行 exists, but under 20103, not under a 人大事务 款
    linked = link_amount(other_layout, "政府办公厅（室）及相关机构事务（款）行政运行（项）支出", None,
                         "五、财政拨款支出预算情况说明")
    assert (linked.cell.subject_code, linked.value) == ("2010301", 1202.95)


def test_dashed_subject_path_links_like_a_marked_one(other_layout):
    subject = "“一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目"
    linked = link_amount(other_layout, subject, None, ["other"])
    assert (linked.cell.subject_code, linked.value, linked.how) == ("2010301", 1202.95, "subject path")


def test_path_with_the_kuan_name_run_into_the_xiang_name_links(other_layout):
    """江苏 2017 §五 "人大事务行政运行（项）": the 款 name written before the 项 name, one marker."""
    linked = link_amount(other_layout, "政府办公厅（室）及相关机构事务行政运行（项）支出", None, ["other"])
    assert (linked.cell.subject_code, linked.value) == ("2010301", 1202.95)
    assert link_amount(other_layout, "人大事务行政运行（项）", None, ["other"]) is None
