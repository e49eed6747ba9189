"""Variance statements and budget execution items land in DuckDB, amounts equal to the text."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from index.model import Document, Line
from index.narrative.variances import BudgetExecution, Variance, extract_executions, extract_variances
from test_passages import load_seed

SCHEMA = Path(__file__).resolve().parent.parent / "index" / "store" / "schema.sql"
LUNTAI = "2024-预算-部门-轮台县人力资源和社会保障局"
BAZHOU = "2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"
XUCHANG = "2023-决算-部门-许昌市人力资源和社会保障局"


def _insert(con, table: str, items) -> None:
    fields = [f.name for f in dataclasses.fields(items[0])]
    con.executemany(
        f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' for _ in fields)})",
        [[getattr(item, f) for f in fields] for item in items],
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    con = duckdb.connect(str(tmp_path_factory.mktemp("variances") / "budget.duckdb"))
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    for name in ("luntai", "bazhou", "xuchang"):
        document = load_seed(name)
        variances = extract_variances(document)
        if variances:
            _insert(con, "variances", variances)
        executions = extract_executions(document)
        if executions:
            _insert(con, "budget_execution", executions)
    yield con
    con.close()


def _section_items(db, table: str, doc_id: str) -> list[tuple]:
    return db.execute(
        f"SELECT * FROM {table} WHERE doc_id = ? AND subject LIKE '%(项)%' OR doc_id = ? AND subject LIKE '%（项）%' "
        "ORDER BY line_start",
        [doc_id, doc_id],
    ).fetchall()


def test_every_luntai_item_of_section_five_three_is_a_variance(db):
    assert len(_section_items(db, "variances", LUNTAI)) == 19


def test_every_bazhou_item_of_section_five_three_is_a_variance(db):
    assert len(_section_items(db, "variances", BAZHOU)) == 17


def test_every_xuchang_item_of_section_five_three_is_an_execution(db):
    assert len(_section_items(db, "budget_execution", XUCHANG)) == 30


def test_variance_amounts_equal_the_text(db):
    row = db.execute(
        "SELECT subject, subject_code, amount, change_amount, change_pct, direction, reason, line_start, line_end, "
        "linked_value, agrees FROM variances WHERE doc_id = ? AND line_start = 531",
        [LUNTAI],
    ).fetchone()
    assert row == (
        "社会保障和就业支出(类)就业补助(款)社会保险补贴(项)", "2080704", 1600.0, 1600.0, 100.0, "增加",
        "本年我单位新增中央财政就业补助资金项目,预算增加", 531, 531, 1600.0, True,
    )


@pytest.mark.parametrize(
    ("doc_id", "line", "amount", "change", "pct", "direction"),
    [
        (LUNTAI, 515, 0.82, 13.46, 94.26, "减少"),
        (LUNTAI, 527, 10.82, 3.22, 22.93, "减少"),  # item wrapped over a blank line
        (LUNTAI, 555, 0.0, 1248.69, 100.0, "减少"),
        (BAZHOU, 544, 849.0, 851.0, 50.06, "减少"),
        (BAZHOU, 534, 40.96, 30.25, 282.45, "增加"),
        (BAZHOU, 558, 114.07, 11.77, 11.51, "增加"),
    ],
)
def test_spot_checked_variances_match_the_text(db, doc_id, line, amount, change, pct, direction):
    assert db.execute(
        "SELECT amount, change_amount, change_pct, direction FROM variances WHERE doc_id = ? AND line_start = ?",
        [doc_id, line],
    ).fetchone() == (amount, change, pct, direction)


def test_statement_followed_by_separate_reason_sentence_keeps_its_reason(db):
    reason = db.execute(
        "SELECT reason FROM variances WHERE doc_id = ? AND line_start = 524", [BAZHOU]
    ).fetchone()[0]
    assert reason == "2024 年本单位业务拓展，培训人次较上年增长，所以培训支出比上年预算增长"


def test_uncoded_variances_are_kept_with_their_subject(db):
    rows = db.execute(
        "SELECT subject, amount, change_amount, direction FROM variances WHERE doc_id = ? AND line_start = 463",
        [LUNTAI],
    ).fetchall()
    assert rows == [("一般公共预算", 341.25, 7825.98, "减少")]
    three_public = db.execute(
        "SELECT subject, change_amount, change_pct, reason FROM variances WHERE doc_id = ? AND line_start = 704 "
        "ORDER BY seq", [BAZHOU],
    ).fetchall()
    assert three_public[3] == ("公务用车运行费", 3.0, 14.29, "我单位减少一辆公务用车，所以公务用车运行费比上年减少")


def test_coded_budget_items_link_to_their_table_row_and_agree(db):
    linked = db.execute(
        "SELECT count(*), count(*) FILTER (WHERE agrees) FROM variances "
        "WHERE doc_id IN (?, ?) AND subject_code IS NOT NULL AND linked_value IS NOT NULL",
        [LUNTAI, BAZHOU],
    ).fetchone()
    assert linked == (14 + 17, 14 + 17)
    assert db.execute(
        "SELECT subject_code FROM variances WHERE doc_id = ? AND line_start = 519", [LUNTAI]
    ).fetchone() == ("2080150",)


def test_execution_amounts_equal_the_text(db):
    row = db.execute(
        "SELECT subject_code, initial_budget, final_amount, completion_pct, reason, linked_value, agrees "
        "FROM budget_execution WHERE doc_id = ? AND line_start = 2975",
        [XUCHANG],
    ).fetchone()
    assert row == ("2080101", 3709.08, 4062.49, 109.53, "我部门人员变动及工作量增多导致决算数多于预算数", 4062.49, True)


@pytest.mark.parametrize(
    ("line", "budget", "final", "pct"),
    [(2972, 30.58, 30.58, 100.0), (2974, 0.0, 95.2, None), (2988, 32000.0, 0.0, 0.0), (3001, 353.65, 344.92, 97.53)],
)
def test_spot_checked_executions_match_the_text(db, line, budget, final, pct):
    assert db.execute(
        "SELECT initial_budget, final_amount, completion_pct FROM budget_execution WHERE doc_id = ? AND line_start = ?",
        [XUCHANG, line],
    ).fetchone() == (budget, final, pct)


def test_execution_without_difference_says_so(db):
    assert db.execute(
        "SELECT reason FROM budget_execution WHERE doc_id = ? AND line_start = 2972", [XUCHANG]
    ).fetchone() == ("决算数与年初预算数不存在差异",)


def test_budget_documents_have_no_executions():
    assert extract_executions(load_seed("luntai")) == []


def test_unlinkable_subject_has_no_code_but_zero_amount_agrees(db):
    assert db.execute(
        "SELECT subject_code, table_id, agrees FROM variances WHERE doc_id = ? AND line_start = 547", [LUNTAI]
    ).fetchone() == (None, None, True)


def test_dataclass_fields_are_the_table_columns(db):
    for table, cls in (("variances", Variance), ("budget_execution", BudgetExecution)):
        columns = [r[0] for r in db.execute(f"DESCRIBE {table}").fetchall()]
        assert columns == [f.name for f in dataclasses.fields(cls)]


def test_document_without_narrative_has_no_variances():
    document = load_seed("luntai")
    empty = Document(document.meta, [Line(1, "表1"), Line(2, "205\t\t\t教育支出\t0.82")], [], [])
    assert extract_variances(empty) == []


def _parse_pdf(name: str) -> Document:
    from conftest import corpus_pdf

    path = corpus_pdf(name)
    from index.parse.document import parse_document
    from index.read.files import read_source

    return parse_document(read_source(path, 50 * 1024 * 1024))


def test_final_accounts_items_with_subject_in_an_earlier_sentence_are_read():
    """普陀区财政局 2024 决算: "1、…（项）。主要用于：…。年初预算为…，支出决算为…。…主要原因：…"."""
    items = [e for e in extract_executions(_parse_pdf("09_putuo_finance_2024_dept_final.pdf")) if e.subject_code]
    assert len(items) == 11 and all(e.agrees for e in items)
    first = items[0]
    assert (first.subject_code, first.initial_budget, first.final_amount, first.reason) == (
        "2010601", 1560.05, 1511.89, "人员进出及退休变化，减少人员经费开支",
    )
    assert items[1].reason == "决算数与预算数基本持平"  # its own line after the item


def test_change_stated_after_the_amount_sentence_takes_the_item_subject():
    """江苏省人大 2019: "1．一般公共服务（类）支出13907.78万元，主要用于…。与上年相比增加1201.5万元，增长9.46%。"."""
    variances = extract_variances(_parse_pdf("20_jiangsu_npc_2019_dept_budget_narrative.pdf"))
    item = next(v for v in variances if v.subject.startswith("一般公共服务"))
    assert (item.amount, item.change_amount, item.change_pct, item.direction) == (13907.78, 1201.5, 9.46, "增加")
    assert item.reason.startswith("人员工资福利支出增加")
    placeholder = next(v for v in variances if v.subject == "政府性基金收入预算")
    assert (placeholder.change_amount, placeholder.change_pct) == (0.0, 0.0)  # "增加（减少）0万元，增长（减少）0%"
