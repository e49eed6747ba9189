"""Changes and their reasons (增减变动): the narrative's 比上年 statements and 决算 items the question names.

The ``variances`` table holds every "…比上年增加/减少 X 万元，主要原因是…" statement and
``budget_execution`` every 决算 item (年初预算数, 决算数, 完成年初预算的 %); both were
read and linked to their table rows at ingest. A question names its subject by
code, by a printed name or by a standard concept; the items whose subject it is
are chosen, their amounts stated as written, with the reason quoted.
"""
from __future__ import annotations

import re
from typing import Any

from assistant.engines.figures import Figure, SqlOutcome, Select
from assistant.question.catalog import Catalog
from assistant.question.lexicon import Intent
from assistant.question.parse import ParsedQuestion
from assistant.question.shares import CONTAINER
from index.amounts import ROUNDING_WAN, agrees
from index.model import Measure
from index.text import name_key

MAX_ITEMS = 6
# an item of the document's whole budget: 收入预算, 部门预算支出, 收支总预算, 支出总额 …
_TOTAL_ITEM = re.compile(r"^(?:部门|单位)?(?:预算)?(?:收入|支出|收、?支)(?:预算)?(?:总计|合计|总额|总预算)?$")


def asks_execution(parsed: ParsedQuestion) -> bool:
    """年初预算 vs 决算 (a 决算 item): 年初预算 named, or why a 决算 differs from its budget."""
    if not any(d.final for d in parsed.documents):
        return False  # a 预算 compares with 上年(年初)预算: its 变动说明, not a 决算 item
    if parsed.measure is Measure.INITIAL_BUDGET or "年初预算" in parsed.text or "完成" in parsed.text:
        return True
    return parsed.intent is Intent.EXPLAIN and "预算" in parsed.text and any(d.final for d in parsed.documents)


def narrative_items(parsed: ParsedQuestion, catalog: Catalog, select: Select) -> SqlOutcome | None:
    """The 变动说明 (variances) or 年初预算 vs 决算 (budget_execution) items the question names."""
    execution = asks_execution(parsed)
    table = "budget_execution" if execution else "variances"
    candidates = select(f"SELECT doc_id, seq, subject, subject_code FROM {table} WHERE doc_id IN (SELECT unnest(?))",
                        [parsed.doc_ids]).rows
    keys = matching_items(parsed, candidates)
    if not keys:
        return None
    columns = ("n.initial_budget, n.final_amount, n.completion_pct" if execution
               else "n.amount, n.change_amount, n.change_pct, n.direction")
    where = " OR ".join("(n.doc_id = ? AND n.seq = ?)" for _ in keys)
    result = select(
        f"SELECT d.department, n.subject, n.subject_code, {columns}, n.reason, n.linked_value, n.agrees,\n"
        f"       n.line_start, n.passage_id, n.doc_id\nFROM {table} n JOIN documents d USING (doc_id)\n"
        f"WHERE {where}\nORDER BY n.doc_id, n.seq", [value for key in keys for value in key])
    outcome = SqlOutcome("execution" if execution else "change", result.sql, result.rows)
    seen = set()
    for row in result.rows:
        key = (row["doc_id"], row["subject"], row.get("amount"), row.get("change_amount"), row.get("final_amount"))
        if key in seen:
            continue
        seen.add(key)
        doc = catalog.document(row["doc_id"])
        subject = leaf(row["subject"])
        where = {"source": f"说明第 {row['line_start']} 行", "line": row["line_start"]}
        linked = row.get("linked_value")
        if execution:
            outcome.figures += _execution_figures(doc, subject, row, where, linked)
        else:
            outcome.figures += _change_figures(doc, subject, row, where, linked)
        if row.get("reason"):
            outcome.reasons.append((doc, subject, row["reason"]))
        if row.get("passage_id"):
            outcome.passage_ids.append(row["passage_id"])
    return outcome if outcome.figures else None


def _execution_figures(doc, subject: str, row: dict[str, Any], where: dict, linked: float | None) -> list[Figure]:
    gap = row["final_amount"] - row["initial_budget"]
    figures = [Figure(doc, f"{subject}年初预算数", row["initial_budget"], **where),
               Figure(doc, f"{subject}决算数", row["final_amount"], **where,
                      expected=_differs(row["final_amount"], linked))]
    if row["completion_pct"] is not None:
        figures.append(Figure(doc, "完成年初预算的", row["completion_pct"], "%", **where))
    figures.append(Figure(doc, "决算数比年初预算数" + ("多" if gap >= 0 else "少"), round(abs(gap), 2),
                          formula=f"{row['final_amount']:.2f} − {row['initial_budget']:.2f} = {gap:.2f} 万元"))
    return figures


def _change_figures(doc, subject: str, row: dict[str, Any], where: dict, linked: float | None) -> list[Figure]:
    figures = []
    if row["amount"] is not None:
        name = subject if subject.endswith(("预算", "决算")) else f"{subject}{doc.kind}数"
        figures.append(Figure(doc, name, row["amount"], **where, expected=_differs(row["amount"], linked)))
    named = "" if row["amount"] is not None else subject  # no amount line above it names the subject
    figures.append(Figure(doc, f"{named}比上年{row['direction']}", row["change_amount"], **where))
    if row["change_pct"] is not None:
        word = "增长" if row["direction"] == "增加" else "下降"
        figures.append(Figure(doc, word, row["change_pct"], "%", **where))
    return figures


def matching_items(parsed: ParsedQuestion, candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Narrative items whose subject the question names: by subject code, else by name (printed or standard).

    The items named best are chosen; a second subject asked in its own right (三公经费少了多少？公车为什么降？)
    adds its own best items — one named as the container of another (三公经费中的公务接待费) does not.
    """
    codes = {c for t in parsed.terms for c in t.codes}
    by_code = [(r["doc_id"], r["seq"]) for r in candidates if r["subject_code"] and r["subject_code"] in codes]
    if by_code:
        return by_code[:MAX_ITEMS]
    groups = [(s, [s.name] + [w for w in (s.concept.keys() if s.concept else ())]) for s in parsed.subjects]
    asked = [name for _, names in groups for name in names]
    chosen = _best(candidates, lambda item, names: max(
        [len(n) for n in names if len(n) >= 2 and n in parsed.text] + [_named(item, asked)]))
    for subject, names in groups:
        end = subject.start + len(subject.key or subject.name)
        if CONTAINER.match(parsed.text, end) or any(_named(leaf(r["subject"]), names) for r in chosen):
            continue
        chosen += [r for r in _best(candidates, lambda item, _: _named(item, names)) if r not in chosen]
    if not chosen and not parsed.subjects:  # the budget as a whole (预算为啥比上年多): its total's items
        chosen = [r for r in candidates if _TOTAL_ITEM.match(leaf(r["subject"]))]
    return [(r["doc_id"], r["seq"]) for r in chosen][:MAX_ITEMS]


def _best(candidates: list[dict[str, Any]], score) -> list[dict[str, Any]]:
    """The items of the highest score (``score(item, the item's name forms)``), none scoring 0."""
    scored = []
    for row in candidates:
        item = leaf(row["subject"])
        names = {item, re.sub(r"(预算|支出|财政拨款|拨款)+$", "", item), re.sub(r"^财政拨款", "", item)}
        hit = score(item, names)
        if hit:
            scored.append((hit, row))
    best = max((hit for hit, _ in scored), default=0)
    return [row for hit, row in scored if hit == best]


def _named(item: str, names: list[str]) -> int:
    return max([len(a) for a in names if len(a) >= 3 and (a in item or item in a)], default=0)


def leaf(subject: str) -> str:
    """社会保障和就业支出（类）…行政运行（项）[支出] → 行政运行; plain names pass through (as a ``name_key``)."""
    text = name_key(subject or "")
    parts = [p for p in re.split(r"\((?:类|款|项)\)", text) if p and p not in ("支出", "预算")]  # …（项）支出
    return parts[-1] if parts else text


def _differs(value: float | None, linked: float | None) -> float | None:
    if value is None or linked is None or agrees(value, linked, ROUNDING_WAN):
        return None
    return linked
