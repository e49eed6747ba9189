"""Every corpus document against its gold (tests/corpus_gold.json): identity, table kinds, printed cells.

The gold was read off each document's page text, never from the parser (its "about" says how). A
cell is found as a reader finds it: a table whose title holds the gold title, a row with the gold
label or subject code, a cell on the gold page whose column path holds the gold heading; its value
is compared as printed (``Cell.original_value`` in ``original_unit``). What the parser gets wrong
today is listed under the document's "known_parser_defects" and runs as a strict xfail: the suite
stays green, and a fix shows up as an XPASS that asks for the entry to be removed.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest

from conftest import CORPUS, corpus_document as document
from index.model import Cell, Document, Row, Table
from index.text import name_key

GOLD = json.loads((Path(__file__).parent / "corpus_gold.json").read_text(encoding="utf-8"))["documents"]
TOLERANCE = 0.005
IDENTITY = ("department", "region", "year", "kind", "scope")
# A list mark before a row label ("一、", "（三）", "2、", "其中："), after name_key.
_PERIOD_ROW = re.compile(r"^(?:19|20)\d{2}年$")
_LIST_MARK = re.compile(r"^(?:其中:|[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|\d+[、.])")


def cell_check(cell: dict) -> str:
    """The name of a gold cell's check, as "known_parser_defects" lists it: "p12 2210203 / 基本支出"."""
    return f"p{cell['page']} {cell['row']} / {cell['column']}"


def case(entry: dict, check: str, *values):
    """One check of one document, a strict xfail when the gold lists it as a known parser defect."""
    reason = entry.get("known_parser_defects", {}).get(check)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(entry, *values, id=f"{entry['file']}-{check}", marks=marks)


IDENTITY_CASES = [case(entry, field, field) for entry in GOLD for field in IDENTITY]
TABLE_CASES = [case(entry, f"tables/{kind}", kind, count) for entry in GOLD for kind, count in entry["tables"].items()]
CELL_CASES = [case(entry, cell_check(cell), cell) for entry in GOLD for cell in entry["cells"]]


def label_key(text: str) -> str:
    key = name_key(text)
    while (stripped := _LIST_MARK.sub("", key)) != key:
        key = stripped
    return key


def row_matches(row: Row, gold: str) -> bool:
    if gold.isdigit():
        return row.subject is not None and row.subject.code == gold
    return label_key(gold) in {label_key(row.label), label_key(row.project or "")}


def candidates(doc: Document, gold: dict) -> Iterator[tuple[Table, Row, Cell]]:
    """The cells that stand where the gold cell is printed: its table, row, column and page."""
    for table in doc.tables:
        if name_key(gold["table"]) not in name_key(table.name):
            continue
        for row in table.rows:
            period = ""
            if not row_matches(row, gold["row"]):
                if not _PERIOD_ROW.match(gold["row"]):
                    continue
                period = name_key(gold["row"]) + "/"  # a row per 年度 is read into its unit's row: 2026年/…
            for cell in row.cells:
                path = name_key(cell.column_path)
                if cell.page == gold["page"] and name_key(gold["column"]) in path and path.startswith(period):
                    yield table, row, cell


def test_gold_covers_every_corpus_file_once():
    if not CORPUS.is_dir():
        pytest.skip(f"corpus folder {CORPUS} not present")
    names = [entry["file"] for entry in GOLD]
    assert sorted(names) == sorted(path.name for path in CORPUS.iterdir() if path.suffix in (".pdf", ".html"))
    assert all(entry["cells"] or entry.get("note") for entry in GOLD)  # a document without cells says why


@pytest.mark.parametrize("entry, field", IDENTITY_CASES)
def test_document_identity_matches_the_gold(entry, field):
    meta = document(entry["file"]).meta
    parsed = {"department": meta.department, "region": meta.region, "year": meta.year,
              "kind": meta.kind.value, "scope": meta.scope.value}
    assert parsed[field] == entry[field]


@pytest.mark.parametrize("entry, kind, count", TABLE_CASES)
def test_tables_of_each_printed_kind_are_recognised(entry, kind, count):
    found = Counter(table.kind.value for table in document(entry["file"]).tables)
    assert found[kind] >= count, f"{kind}: {found[kind]} recognised, {count} printed"


@pytest.mark.parametrize("entry, cell", CELL_CASES)
def test_printed_cell_is_read_with_its_value(entry, cell):
    found = list(candidates(document(entry["file"]), cell))
    assert found, f"no cell at p{cell['page']} in a table titled …{cell['table']}…, row {cell['row']}, " \
                  f"column …{cell['column']}…"
    read = [(c.original_value, c.original_unit) for _, _, c in found]
    assert any(value is not None and abs(value - cell["value"]) <= TOLERANCE and unit == cell["unit"]
               for value, unit in read), [(t.name, r.label, c.column_path, c.raw, c.original_unit) for t, r, c in found]
