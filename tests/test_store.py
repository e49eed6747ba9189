"""BudgetStore: a document is loaded whole or not at all, and a reload replaces it."""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pytest

from index.errors import BudgetError, DatabaseUnavailableError
from index.model import (
    Cell, Document, DocumentKind, DocumentMeta, DocumentScope, Line, Measure, Passage, PassageKind, Row, Section,
    Subject, SubjectSystem, Table, TableKind,
)
from index.store.database import BudgetStore, connect_read_only
from conftest import row_counts

DEPARTMENT = "轮台县人力资源和社会保障局"
DOC_ID = f"2024-预算-部门-{DEPARTMENT}"
SECTION_PATH = ("第三部分 2024 年部门预算情况说明", "六、一般公共预算基本支出情况说明")


@dataclass(frozen=True)
class FakeSource:
    path: str
    sha256: str
    n_bytes: int


def luntai_document(basic_wages: float = 54.96, sha256: str = "a" * 64) -> Document:
    """A hand-built slice of the 轮台县 2024 部门预算: 表6 (two rows) and one passage."""
    meta = DocumentMeta(DEPARTMENT, "新疆维吾尔自治区巴音郭楞蒙古自治州轮台县", 2024, DocumentKind.BUDGET,
                        DocumentScope.DEPARTMENT, "2024 年部门预算公开", "000.txt", sha256)
    salaries = Subject("301", 1, SubjectSystem.ECONOMIC, "工资福利支出")
    wages = Subject("30101", 2, SubjectSystem.ECONOMIC, "基本工资")
    table = Table("表6", "一般公共预算基本支出情况表", TableKind.GENERAL_BASIC, "万元", 322, 360,
                  columns=["合计", "人员经费", "公用经费"])
    table.rows = [
        Row(0, "工资福利支出", 335, salaries, cells=[
            Cell("合计", Measure.TOTAL, 223.83, "223.83", 335),
            Cell("人员经费", Measure.PERSONNEL, 223.83, "223.83", 335),
            Cell("公用经费", Measure.PUBLIC, None, "", 335),
        ]),
        Row(1, "基本工资", 336, wages, cells=[
            Cell("合计", Measure.TOTAL, basic_wages, f"{basic_wages:.2f}", 336),
            Cell("人员经费", Measure.PERSONNEL, basic_wages, f"{basic_wages:.2f}", 336),
        ]),
    ]
    sections = [Section(SECTION_PATH, 700, 720, "…")]
    return Document(meta, [Line(n, "") for n in range(1, 861)], sections, [table])


def load(store: BudgetStore, document: Document) -> bool:
    passage = Passage(f"{DOC_ID}#L701-703", DOC_ID, PassageKind.PARAGRAPH, SECTION_PATH,
                      "2024 年一般公共预算基本支出 336.25 万元。", 701, 703)
    source = FakeSource("data/000.txt", document.meta.sha256, 1000)
    return store.load_document(document, [passage], source_files=[source])


def fingerprint(store: BudgetStore) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every base table."""
    return {
        table: store.connection.execute(f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{table}" t').fetchone()
        for table in row_counts(store.connection)
    }


@pytest.fixture
def store(tmp_path):
    with BudgetStore.open(tmp_path / "budget.duckdb") as store:
        yield store


def test_loading_a_document_writes_one_row_per_cell_with_its_subject(store):
    assert load(store, luntai_document()) is False
    rows = store.connection.execute(
        "SELECT subject_code, subject_level, subject_parent, subject_system, measure, value, unit "
        "FROM cells WHERE row_label = '基本工资' ORDER BY column_path"
    ).fetchall()
    assert rows == [
        ("30101", 2, "301", "economic", "personnel", 54.96, "万元"),
        ("30101", 2, "301", "economic", "total", 54.96, "万元"),
    ]
    counts = row_counts(store.connection)
    core = ("documents", "source_files", "tables", "cells", "sections", "passages")
    assert {t: counts[t] for t in core} == {
        "documents": 1, "source_files": 1, "tables": 1, "cells": 5, "sections": 1, "passages": 1,
    }


def test_blank_cell_is_null_not_zero(store):
    load(store, luntai_document())
    value = store.connection.execute(
        "SELECT value FROM cells WHERE row_label = '工资福利支出' AND measure = 'public'"
    ).fetchone()[0]
    assert value is None


def test_sections_and_passages_join_their_path_with_arrows(store):
    load(store, luntai_document())
    path = "第三部分 2024 年部门预算情况说明 > 六、一般公共预算基本支出情况说明"
    assert store.connection.execute("SELECT path, level FROM sections").fetchall() == [(path, 2)]
    assert store.connection.execute("SELECT section_path FROM passages").fetchall() == [(path,)]


def test_documents_lists_counts_and_source_files(store):
    load(store, luntai_document())
    [summary] = store.documents()
    assert (summary.doc_id, summary.year, summary.kind, summary.scope) == (DOC_ID, 2024, "预算", "部门")
    assert (summary.n_tables, summary.n_cells, summary.n_passages) == (1, 5, 1)
    assert summary.source_files == ("data/000.txt",)


def test_same_doc_id_replaces_the_old_rows_without_duplicates(store):
    load(store, luntai_document(basic_wages=54.96, sha256="a" * 64))
    assert load(store, luntai_document(basic_wages=60.00, sha256="b" * 64)) is True
    values = store.connection.execute(
        "SELECT value FROM cells WHERE row_label = '基本工资' AND measure = 'total'"
    ).fetchall()
    assert values == [(60.0,)]
    assert row_counts(store.connection)["cells"] == 5
    assert not store.has_source("a" * 64)
    assert store.source_doc_id("b" * 64) == DOC_ID


def test_failure_while_loading_a_new_document_leaves_the_database_unchanged(store, monkeypatch):
    before = fingerprint(store)
    fail_on_cells(store, monkeypatch)
    with pytest.raises(RuntimeError, match="cells insert failed"):
        load(store, luntai_document())
    assert fingerprint(store) == before
    assert store.documents() == []


def test_failure_while_replacing_keeps_the_old_document(store, monkeypatch):
    load(store, luntai_document(basic_wages=54.96, sha256="a" * 64))
    before = fingerprint(store)
    fail_on_cells(store, monkeypatch)
    with pytest.raises(RuntimeError):
        load(store, luntai_document(basic_wages=60.00, sha256="b" * 64))
    assert fingerprint(store) == before
    assert store.has_source("a" * 64) and not store.has_source("b" * 64)


def fail_on_cells(store: BudgetStore, monkeypatch) -> None:
    """Make the cells insert raise, after the documents, source_files and tables inserts ran."""
    insert = store._insert
    done: list[str] = []

    def failing_insert(table, frame):
        if table == "cells":
            assert "tables" in done
            raise RuntimeError("cells insert failed")
        insert(table, frame)
        done.append(table)

    monkeypatch.setattr(store, "_insert", failing_insert)


def test_read_only_connection_refuses_writes(tmp_path):
    path = tmp_path / "budget.duckdb"
    with BudgetStore.open(path) as store:
        load(store, luntai_document())
    connection = connect_read_only(path)
    try:
        assert connection.execute("SELECT count(*) FROM cells").fetchone() == (5,)
        with pytest.raises(duckdb.Error):
            connection.execute("DELETE FROM cells")
    finally:
        connection.close()


def test_read_only_store_lists_documents(tmp_path):
    path = tmp_path / "budget.duckdb"
    with BudgetStore.open(path) as store:
        load(store, luntai_document())
    with BudgetStore.open(path, read_only=True) as store:
        assert [d.doc_id for d in store.documents()] == [DOC_ID]


def test_missing_database_has_a_clear_message(tmp_path):
    path = tmp_path / "missing.duckdb"
    with pytest.raises(DatabaseUnavailableError) as caught:
        connect_read_only(path)
    assert isinstance(caught.value, BudgetError)
    assert caught.value.user_message == f"{path}: 无法打开数据库（文件不存在）"
    assert not path.exists()
