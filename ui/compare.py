"""Departments and years side by side (对比): the standard quantities of each chosen document.

``compare_frame(con, doc_ids)`` is the one entry point: one row per quantity
and document with its value (万元), where it was read (table and line), and
its change from the department's document before it. It reads the ``cells`` with its own
SQL and names, and is meant to be replaced by the assistant's concept
resolver once that exists (which table, row and column holds a quantity in
every template).

How a quantity is found (assumptions, kept here in one place):

- 收支总计: the 总计 row (else 支出合计 / 合计; 支出 side first) of the 收支总表 (table kind
  ``summary``); 财政拨款: the same row of the 财政拨款收支总表 (``fiscal_summary``).
- 基本支出 / 项目支出: the 合计 row of the 支出总表 (``expenditure``), columns
  measured ``basic`` / ``project``.
- 人员经费 / 公用经费: the 合计 (or 人员经费合计 / 公用经费合计) row of the 一般公共预算
  基本支出表 (``general_basic``), measured ``personnel`` / ``public``.
- 三公经费 and its parts: the “三公”经费 table (``three_public``); an item is named
  by its row label, or, on a 合计 row, by its column (a parent kept for
  购置费 / 运行费 / 小计). The 三公 total is the cell named 三公经费 (小计/合计), else
  the table's 合计 × 合计 (a table that adds 会议费 and 培训费 also prints a
  三公经费 subtotal, which is preferred).
- 机关运行经费: a cell named so (row, or column on a 合计 row) in any table; else
  the narrative's "机关运行经费…预算/支出 X 万元" sentence, marked as from the text.
- A 决算 reads 决算数 (``final``) cells, never the budget columns beside them;
  a 预算 never reads ``final``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import duckdb
import pandas as pd

from index.text import name_key

TOTAL = re.compile(r"^(合计|总计|小计|收支总计|支出总计|收入总计|金额)$")
GENERIC_LEAF = re.compile(r"^(合计|小计|购置费|运行费|运行维护费)$")
MEASURE_WORD = re.compile(r"^(\d{4}年)?(预算数|决算数|金额|预算|决算|年初预算数|全年预算数)$")
NUMBERING = re.compile(r"^(其中[:：]?)?([（(]?\d+[)）、.．]|[一二三四五六七八九十]+、)?")
BUDGET_MEASURES = {"adjusted_budget", "initial_budget", "budget"}
NARRATIVE = re.compile(r"机关运行经费[^。；;，,\d]{0,12}?(?:预算|支出|为|决算)[^。；;\d]{0,6}?([\d,]+(?:\.\d+)?)\s*万元")


@dataclass(frozen=True)
class Quantity:
    """A standard quantity: table kinds to read and the pattern of its name (行名 / 列名)."""

    key: str
    label: str
    kinds: tuple[str, ...]
    name: re.Pattern
    measures: tuple[str, ...] = ()  # the cell's measure must be one of these (any when empty)


QUANTITIES = (
    Quantity("total", "收支总计", ("summary",), re.compile(r"^(支出总计|收支总计|总计|支出合计|合计)$")),
    Quantity("fiscal", "财政拨款", ("fiscal_summary",), re.compile(r"^(支出总计|收支总计|总计|支出合计|合计)$")),
    Quantity("basic", "基本支出", ("expenditure",), re.compile(r"^(合计|总计)$"), ("basic",)),
    Quantity("project", "项目支出", ("expenditure",), re.compile(r"^(合计|总计)$"), ("project",)),
    Quantity("personnel", "人员经费", ("general_basic",), re.compile(r"^(人员经费合计|合计|总计)$"), ("personnel",)),
    Quantity("public", "公用经费", ("general_basic",), re.compile(r"^(公用经费合计|合计|总计)$"), ("public",)),
    Quantity("three_public", "三公经费", ("three_public",), re.compile(r"三公经费[^/]*(/(合计|小计))?$")),
    Quantity("abroad", "因公出国（境）费", ("three_public",), re.compile(r"因公出国")),
    Quantity("vehicles", "公务用车购置及运行费", ("three_public",),
             re.compile(r"公务用车购置及运行(维护)?费?(\(小计\)|/小计|小计)?$")),
    Quantity("vehicle_purchase", "公务用车购置费", ("three_public",),
             re.compile(r"公务用车购置费?$|公务用车购置及运行(维护)?费?/(公务用车)?购置费$")),
    Quantity("vehicle_running", "公务用车运行费", ("three_public",),
             re.compile(r"公务用车运行(维护)?费$|公务用车购置及运行(维护)?费?/(公务用车)?运行(维护)?费$")),
    Quantity("reception", "公务接待费", ("three_public",), re.compile(r"公务接待费$")),
    Quantity("admin_running", "机关运行经费", (), re.compile(r"机关运行经费")),
)
COLUMNS = ["quantity", "doc_id", "department", "document", "value", "change", "change_pct", "source", "line", "page"]


def compare_frame(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> pd.DataFrame:
    """Per quantity and document (in the order given): value (万元), its source, and the change from the
    previous document of the same department (``change``, ``change_pct`` %: year on year when the
    documents are in year order); a quantity a document does not print is blank."""
    if not doc_ids:
        return pd.DataFrame(columns=COLUMNS)
    documents = con.execute(
        "SELECT doc_id, department, year, kind, scope FROM documents WHERE doc_id IN (SELECT unnest(?))",
        [list(doc_ids)],
    ).df().set_index("doc_id")
    labels = documents["department"] + " " + documents["year"].astype(str) + " " + documents["kind"]
    documents["label"] = labels.where(~labels.duplicated(keep=False), labels + " " + documents["scope"])
    cells = _cells(con, doc_ids)
    rows = []
    for quantity in QUANTITIES:
        for doc_id in doc_ids:
            if doc_id not in documents.index:
                continue
            document = documents.loc[doc_id]
            found = _find(cells[cells["doc_id"] == doc_id], quantity, document["kind"])
            if found is None and quantity.key == "admin_running":
                found = _narrative(con, doc_id)
            rows.append({"quantity": quantity.label, "doc_id": doc_id, "department": document["department"],
                         "document": document["label"],
                         **(found or {"value": None, "source": "", "line": None, "page": None})})
    frame = pd.DataFrame(rows)
    previous = frame.groupby(["quantity", "department"], sort=False)["value"].shift()
    frame["change"] = (frame["value"] - previous).round(2)
    frame["change_pct"] = (100 * frame["change"] / previous.where(previous != 0)).round(2)
    return frame[COLUMNS]


def wide_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity, a column per document and, after a department's later year, its change (增减)."""
    if frame.empty:
        return pd.DataFrame()
    documents = list(dict.fromkeys(frame["document"]))
    out = pd.DataFrame({"项目": list(dict.fromkeys(frame["quantity"]))})
    for i, document in enumerate(documents):
        part = frame[frame["document"] == document].set_index("quantity")
        out[document] = out["项目"].map(part["value"])
        if i and part["change"].notna().any():
            out[f"{document} 增减"] = out["项目"].map(part["change"])
    return out


def _cells(con: duckdb.DuckDBPyConnection, doc_ids: Sequence[str]) -> pd.DataFrame:
    return con.execute(
        """
        SELECT c.doc_id, t.kind, coalesce(t.number || ' ', '') || t.name AS table_title, c.table_id, c.row_index,
               c.row_label, c.panel, c.column_path, c.measure, c.value, c.line, c.page
        FROM cells c JOIN tables t USING (doc_id, table_id)
        WHERE c.doc_id IN (SELECT unnest(?)) AND c.unit = '万元' AND c.subject_code IS NULL
          AND (t.kind IN ('summary', 'fiscal_summary', 'expenditure', 'general_basic', 'three_public')
               OR c.row_label LIKE '%机关运行经费%' OR c.column_path LIKE '%机关运行经费%')
        ORDER BY c.doc_id, c.table_id, c.row_index
        """,
        [list(doc_ids)],
    ).df()


def cell_name(row_label: str | None, column_path: str | None) -> str:
    """What a cell is the amount of: its row label, or on a 合计 row its column (measure words dropped;
    a generic leaf such as 小计 or 购置费 keeps its parent: 公务用车购置及运行费/购置费)."""
    row = _clean(row_label)
    if row and not TOTAL.match(row):
        return row
    parts = [p for p in (_clean(p) for p in (column_path or "").split("/")) if p and not MEASURE_WORD.match(p)]
    if len(parts) > 1 and GENERIC_LEAF.match(parts[-1]):
        return "/".join(parts[-2:])
    return parts[-1] if parts else row


def _find(cells: pd.DataFrame, quantity: Quantity, kind: str) -> dict | None:
    if quantity.kinds:
        cells = cells[cells["kind"].isin(quantity.kinds)]
    if quantity.measures:
        cells = cells[cells["measure"].isin(quantity.measures)]
    if kind == "决算" and (cells["measure"] == "final").any():
        cells = cells[~cells["measure"].isin(BUDGET_MEASURES)]
    elif kind != "决算":
        cells = cells[cells["measure"] != "final"]
    best, best_rank = None, None
    for cell in cells.itertuples():
        name = cell_name(cell.row_label, cell.column_path)
        explicit = bool(quantity.name.search(name) or quantity.name.search(_clean(cell.row_label)))
        plain_total = (quantity.key == "three_public" and TOTAL.match(_clean(cell.row_label))
                       and TOTAL.match(name or "合计") is not None)
        if not (explicit or plain_total):
            continue
        rank = (0 if explicit else 1, 0 if "总计" in _clean(cell.row_label) else 1,
                0 if cell.panel in (None, "支出") or pd.isna(cell.panel) else 1,
                0 if TOTAL.match(_clean(cell.row_label)) or not quantity.kinds else 1,
                0 if cell.measure in ("total", "fiscal", "final") else 1, cell.table_id, cell.row_index)
        if best_rank is None or rank < best_rank:
            best, best_rank = cell, rank
    if best is None:
        return None
    value = None if pd.isna(best.value) else float(best.value)
    return {"value": value, "source": f"{best.table_title} 第 {best.line} 行", "line": best.line,
            "page": None if pd.isna(best.page) else int(best.page)}


def _narrative(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict | None:
    rows = con.execute(
        "SELECT line_start, page, text FROM passages WHERE doc_id = ? AND text LIKE '%机关运行经费%' "
        "ORDER BY line_start", [doc_id]).fetchall()
    for line, page, text in rows:
        match = NARRATIVE.search(text.replace(" ", ""))
        if match:
            return {"value": float(match.group(1).replace(",", "")), "source": f"说明第 {line} 行（引自文字）",
                    "line": line, "page": page}
    return None


def _clean(text: str | None) -> str:
    return NUMBERING.sub("", name_key(text or ""))

