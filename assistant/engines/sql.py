"""The SQL engine (表格查询): SQL generated from the parsed question, run through the guard.

Each plan writes one SELECT over the views and ``cells`` with literal values
(so the SQL shown to the user runs as is with ``python -m assistant sql``),
runs it in the guarded ``SqlSandbox`` and turns the rows into ``Figure``s —
the numbers the answer states, each with its table, row and line.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.question.lexicon import (
    INCOME_TOTALS, MEASURE_TOTALS, MEASURE_WORDS, TOTAL_EXPENDITURE, TOTAL_INCOME, Intent, Measure, normalize,
)
from assistant.engines.sql_guard import QueryResult
from assistant.engines.sql_sandbox import SqlSandbox
from assistant.question.parse import Catalog, DocumentRef, ParsedQuestion, Term

logger = logging.getLogger(__name__)

# Which table answers a name first: 支出总体情况表 (all funds) before 一般公共预算支出表, …
TABLE_PRIORITY = ("expenditure", "general_expenditure", "general_basic", "summary", "income", "fiscal_summary",
                  "three_public", "gov_fund", "state_capital", "general_project", "carryover", "other",
                  "performance_target", "performance_self_eval")
MEASURE_COLUMNS: dict[Measure, tuple[str, ...]] = {
    Measure.BASIC: ("basic",),
    Measure.PROJECT: ("project",),
    Measure.PERSONNEL: ("personnel",),
    Measure.PUBLIC: ("public",),
    Measure.FISCAL: ("fiscal",),
    Measure.GENERAL_BUDGET: ("general_budget",),
    Measure.FINAL: ("final", "total"),
}
BARE_LABEL = "regexp_replace(c.row_label, '[\\s“”\"]+', '', 'g')"  # see _bare
MEASURE_TOTAL_NAMES = frozenset(name for totals in (MEASURE_TOTALS, INCOME_TOTALS) for name, *_ in totals.values())
MEASURE_NAMES = {"total": "合计", "final": "决算数", "basic": "基本支出", "project": "项目支出",
                 "personnel": "人员经费", "public": "公用经费", "fiscal": "财政拨款",
                 "general_budget": "一般公共预算", "adjusted_budget": "预算数", "initial_budget": "年初预算数"}

RANK_DOCUMENT_CUES = re.compile(r"哪个(部门|单位|局|文件)|哪家|哪一(个|家)|各(部门|单位)|几个(部门|单位)|三个(部门|单位)")

@dataclass(frozen=True)
class Figure:
    """One number the answer states: whose, what, how much, from where (or by which formula)."""

    doc: DocumentRef
    label: str
    value: float
    unit: str = "万元"
    source: str = ""  # "表3 单位支出总体情况表 第 207 行"
    formula: str = ""  # set for a computed number: "4876.08 ÷ 6459.22 = 75.49%"
    expected: float | None = None  # the table's value when a quoted number differs from it
    line: int | None = None  # the narrative line a quoted number comes from


@dataclass
class SqlOutcome:
    """What the SQL engine found: the SQL, its rows, the figures and passages to cite."""

    kind: str  # lookup | rank | share | change | execution
    sql: str
    rows: list[dict[str, Any]]
    figures: list[Figure] = field(default_factory=list)
    reasons: list[tuple[DocumentRef, str, str]] = field(default_factory=list)  # (doc, subject, 原因)
    passage_ids: list[str] = field(default_factory=list)


class SqlEngine:
    """Answers lookups, rankings, shares, changes and 年初预算 questions from the tables.

    ``router.as_query_engine(engine)`` wraps it as a llama-index query engine.
    """

    def __init__(self, sandbox: SqlSandbox, catalog: Catalog) -> None:
        self.sandbox = sandbox
        self.catalog = catalog

    def describe(self, outcome: SqlOutcome | None) -> tuple[str, dict[str, Any]]:
        """Text and metadata of an outcome, for the llama-index adapter."""
        if outcome is None:
            return "", {"sql": None, "rows": []}
        text = "\n".join(f"{f.label} {f.value:.2f} {f.unit}" for f in outcome.figures)
        return text, {"sql": outcome.sql, "rows": outcome.rows}

    def run(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """The outcome for ``parsed``, or None when no table answers it."""
        if not parsed.documents:
            return None
        if parsed.intent in (Intent.CHANGE, Intent.EXPLAIN) or _asks_execution(parsed):
            outcome = self._narrative_table(parsed)
            if outcome or parsed.intent is Intent.EXPLAIN:
                return outcome
        if parsed.intent is Intent.RANK:
            return self._rank(parsed)
        if parsed.intent is Intent.SHARE:
            return self._share(parsed)
        if parsed.intent in (Intent.LOOKUP, Intent.COMPARE, Intent.CHANGE):
            return self._lookup(parsed)
        return None

    # -- plans ---------------------------------------------------------------------------------------

    def _lookup(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        measure_sets = [_measures(parsed)]
        if parsed.measure is None and _asks_budget_and_final(parsed):
            measure_sets = [("adjusted_budget", "initial_budget"), ("final", "total")]
        pairs = [(term, m) for term in parsed.terms[:4] for m in measure_sets]
        if not pairs:  # measures asked on their own: 基本支出是多少, 人员经费和公用经费分别是多少
            for measure in [m for m in parsed.measures if m in MEASURE_TOTALS][:4]:
                name, table_kind, labels, columns = MEASURE_TOTALS[measure]
                pairs.append((Term(name, labels=set(labels), table_kinds={table_kind}, concept=True), columns))
        if not pairs:
            return None
        if len(pairs) == 1:
            sql = _cells_sql(parsed, *pairs[0])
        else:
            sql = "\nUNION ALL\n".join(f"SELECT {i} AS term, * FROM (\n{_cells_sql(parsed, term, m)})"
                                       for i, (term, m) in enumerate(pairs)) + "\nORDER BY term, doc_id"
        result = self._select(sql)
        named = len(measure_sets) > 1
        figures = [self._figure(parsed, row, pairs[row.get("term", 0)][0], named) for row in result.rows]
        if parsed.intent is Intent.COMPARE and len(figures) == 2 and figures[0].doc != figures[1].doc:
            a, b = figures
            figures.append(Figure(a.doc, f"两者相差（{_short(a.doc)} − {_short(b.doc)}）", round(a.value - b.value, 2),
                                  formula=f"{a.value:.2f} − {b.value:.2f} = {a.value - b.value:.2f} 万元"))
        return SqlOutcome("lookup", result.sql, result.rows, figures) if figures else None

    def _share(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """占比: the part (named before 占) over the whole (named after 占; default 支出合计)."""
        before, _, after = parsed.text.partition("占")
        wholes = [t for t in parsed.terms if t.name in after]
        whole, whole_name, whole_measures = self.catalog.terms[TOTAL_EXPENDITURE], "支出合计", ("total", "final")
        income = "收入" in parsed.text and parsed.measure in INCOME_TOTALS
        if income:
            whole, whole_name = self.catalog.terms[TOTAL_INCOME], TOTAL_INCOME
        whole_measure = next((m for word, m in MEASURE_WORDS if word in after), None)
        if wholes:
            whole, whole_name = wholes[0], wholes[0].name
        elif whole_measure in MEASURE_TOTALS:
            whole_name, table_kind, labels, whole_measures = MEASURE_TOTALS[whole_measure]
            whole = Term(whole_name, labels=set(labels), table_kinds={table_kind}, concept=True)
        parts = [t for t in parsed.terms if t.name in before and t is not whole]
        measures = _measures(parsed)
        if parsed.measure is whole_measure and not any(word in before for word, _ in MEASURE_WORDS):
            measures = ("total", "final")
        if parts:
            part = parts[0]
        elif parsed.measure in MEASURE_TOTALS:
            name, table_kind, labels, measures = (INCOME_TOTALS if income else MEASURE_TOTALS)[parsed.measure]
            part = Term(name, labels=set(labels), table_kinds={table_kind}, concept=True)
        else:
            return None
        sql = (
            "WITH part AS (" + _cells_sql(parsed, part, measures) + "),\n"
            "whole AS (" + _cells_sql(parsed, whole, whole_measures) + ")\n"
            "SELECT part.department, part.row_label AS part_row, part.measure AS part_measure, part.amount AS part_amount,\n"
            "       whole.amount AS whole_amount, round(100 * part.amount / whole.amount, 2) AS share_pct,\n"
            "       part.table_name AS part_table, part.line AS part_line, whole.table_name AS whole_table,\n"
            "       whole.line AS whole_line, part.doc_id\n"
            "FROM part JOIN whole USING (doc_id)"
        )
        result = self._select(sql)
        figures = []
        for row in result.rows:
            if not row["whole_amount"]:
                continue
            doc = self._doc(row["doc_id"])
            label = part.name if part.concept else _row_name(row["part_row"], part)
            pct = 100 * row["part_amount"] / row["whole_amount"]
            figures.append(Figure(doc, label, row["part_amount"],
                                  source=f"{row['part_table']} 第 {row['part_line']} 行"))
            figures.append(Figure(doc, whole_name, row["whole_amount"],
                                  source=f"{row['whole_table']} 第 {row['whole_line']} 行"))
            figures.append(Figure(doc, f"{label}占{whole_name}的比例", round(pct, 2), "%",
                                  formula=f"{row['part_amount']:.2f} ÷ {row['whole_amount']:.2f} = {pct:.2f}%"))
        return SqlOutcome("share", result.sql, result.rows, figures) if figures else None

    def _rank(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        if len(parsed.documents) > 1 and parsed.terms and _ranks_documents(parsed):
            return self._rank_documents(parsed)
        limit = parsed.top_n or 10
        order = "DESC" if parsed.descending else "ASC"
        docs = _in_list(parsed.doc_ids)
        if parsed.measure is Measure.PROJECT or "项目" in parsed.text:
            sql = (
                "SELECT d.department, p.project_name, p.subject_code, p.subject_name, p.amount,\n"
                "       coalesce(t.number || ' ', '') || t.name AS table_name, p.line, p.doc_id\n"
                "FROM projects p JOIN documents d USING (doc_id) JOIN tables t USING (doc_id, table_id)\n"
                f"WHERE p.doc_id IN ({docs}) AND p.amount IS NOT NULL\n"
                f"ORDER BY p.doc_id, p.amount {order} LIMIT {limit * len(parsed.doc_ids)}"
            )
            label_key = "project_name"
        else:
            level = 1 if "类" in parsed.text else 2 if "款" in parsed.text else 3
            parent = next((c for t in parsed.terms for c in sorted(t.codes) if len(c) < 7), None)
            where = f"e.subject_parent = '{parent}'" if parent else f"e.subject_level = {level}"
            sql = (
                "SELECT d.department, e.subject_code, e.subject_name, e.total AS amount,\n"
                "       coalesce(t.number || ' ', '') || t.name AS table_name, e.line, e.doc_id\n"
                "FROM expenditure_by_function e JOIN documents d USING (doc_id) JOIN tables t USING (doc_id, table_id)\n"
                f"WHERE e.doc_id IN ({docs}) AND e.table_kind = 'expenditure' AND {where} AND e.total IS NOT NULL\n"
                f"ORDER BY e.doc_id, e.total {order} LIMIT {limit * len(parsed.doc_ids)}"
            )
            label_key = "subject_name"
        result = self._select(sql)
        figures = [
            Figure(self._doc(row["doc_id"]), _clean(row[label_key]), row["amount"],
                   source=f"{row['table_name']} 第 {row['line']} 行")
            for row in result.rows
        ]
        return SqlOutcome("rank", result.sql, result.rows, figures) if figures else None

    def _rank_documents(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """哪个部门…最多: the named subject's amount in each document, ordered."""
        outcome = self._lookup(parsed)
        if outcome is None:
            return None
        figures = sorted((f for f in outcome.figures if not f.formula), key=lambda f: f.value,
                         reverse=parsed.descending)
        keep = parsed.top_n if parsed.top_n and parsed.top_n > 1 else len(figures)  # 哪个最多: the whole order
        return SqlOutcome("rank_documents", outcome.sql, outcome.rows, figures[:keep])

    def _narrative_table(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """变动说明 (variances) or 年初预算 vs 决算 (budget_execution) rows the question names."""
        execution = _asks_execution(parsed) or any(d.kind == "决算" for d in parsed.documents) and \
            parsed.intent is Intent.EXPLAIN and "预算" in parsed.text
        table = "budget_execution" if execution else "variances"
        candidates = self._select(
            f"SELECT doc_id, seq, subject, subject_code FROM {table} WHERE doc_id IN ({_in_list(parsed.doc_ids)})"
        ).rows
        seqs = _matching_items(parsed, candidates)
        if not seqs:
            return None
        keys = " OR ".join(f"(n.doc_id = '{_esc(doc)}' AND n.seq = {seq})" for doc, seq in seqs)
        if execution:
            columns = ("n.initial_budget, n.final_amount, n.completion_pct, n.reason, n.linked_value, n.agrees")
        else:
            columns = ("n.amount, n.change_amount, n.change_pct, n.direction, n.reason, n.linked_value, n.agrees")
        sql = (
            f"SELECT d.department, n.subject, n.subject_code, {columns}, n.line_start, n.passage_id, n.doc_id\n"
            f"FROM {table} n JOIN documents d USING (doc_id)\nWHERE {keys}\nORDER BY n.doc_id, n.seq"
        )
        result = self._select(sql)
        outcome = SqlOutcome("execution" if execution else "change", result.sql, result.rows)
        seen = set()
        for row in result.rows:
            key = (row["doc_id"], row["subject"], row.get("amount"), row.get("change_amount"), row.get("final_amount"))
            if key in seen:
                continue
            seen.add(key)
            doc = self._doc(row["doc_id"])
            subject = _leaf(row["subject"])
            where = {"source": f"说明第 {row['line_start']} 行", "line": row["line_start"]}
            linked = row.get("linked_value")
            if execution:
                outcome.figures.append(Figure(doc, f"{subject}年初预算数", row["initial_budget"], **where))
                outcome.figures.append(Figure(doc, f"{subject}决算数", row["final_amount"], **where,
                                              expected=_differs(row["final_amount"], linked)))
                if row["completion_pct"] is not None:
                    outcome.figures.append(Figure(doc, "完成年初预算的", row["completion_pct"], "%", **where))
                gap = row["final_amount"] - row["initial_budget"]
                outcome.figures.append(Figure(doc, "决算数比年初预算数" + ("多" if gap >= 0 else "少"), round(abs(gap), 2),
                                              formula=f"{row['final_amount']:.2f} − {row['initial_budget']:.2f} = "
                                                      f"{gap:.2f} 万元"))
            else:
                if row["amount"] is not None:
                    name = subject if subject.endswith(("预算", "决算")) else f"{subject}{doc.kind}数"
                    outcome.figures.append(Figure(doc, name, row["amount"], **where,
                                                  expected=_differs(row["amount"], linked)))
                outcome.figures.append(Figure(doc, f"比上年{row['direction']}", row["change_amount"], **where))
                if row["change_pct"] is not None:
                    word = "增长" if row["direction"] == "增加" else "下降"
                    outcome.figures.append(Figure(doc, word, row["change_pct"], "%", **where))
            if row.get("reason"):
                outcome.reasons.append((doc, subject, row["reason"]))
            if row.get("passage_id"):
                outcome.passage_ids.append(row["passage_id"])
        return outcome if outcome.figures else None

    # -- helpers -------------------------------------------------------------------------------------

    def _select(self, sql: str) -> QueryResult:
        return self.sandbox.select(sql)

    def _doc(self, doc_id: str) -> DocumentRef:
        return next(d for d in self.catalog.documents if d.doc_id == doc_id)

    def _figure(self, parsed: ParsedQuestion, row: dict[str, Any], term: Term, named: bool = False) -> Figure:
        measure = row["measure"]
        plain = measure in ("total", "final") and not named
        suffix = "" if plain or not measure else MEASURE_NAMES.get(measure, "")
        code = f"（{row['subject_code']}）" if row.get("subject_code") else ""
        table = f"{row['table_number'] or ''} {row['table_name']}".strip()
        label = f"{_row_name(row['row_label'], term)}{code}{suffix}"
        if term.concept and term.name in MEASURE_TOTAL_NAMES:
            label = term.name
        return Figure(self._doc(row["doc_id"]), label,
                      row["amount"], source=f"{table} 第 {row['line']} 行")


def _ranks_documents(parsed: ParsedQuestion) -> bool:
    """The question ranks documents (哪个部门/单位…最多), or names a subject with no subjects under it."""
    if RANK_DOCUMENT_CUES.search(parsed.question):
        return True
    return all(t.concept or not t.codes or all(len(c) == 7 for c in t.codes) for t in parsed.terms)


def _cells_sql(parsed: ParsedQuestion, term: Term, measures: tuple[str, ...]) -> str:
    """One cell per document: the term's row in the preferred table, the wanted measure."""
    if term.codes:
        row_filter = f"c.subject_code IN ({_in_list(sorted(term.codes))})"
    elif term.projects:
        row_filter = f"c.project_name IN ({_in_list(sorted(term.projects))})"
    else:
        labels = sorted({_bare(label) for label in term.labels})
        row_filter = f"{BARE_LABEL} IN ({_in_list(labels)})"
        if term.concept:
            row_filter += f" AND c.subject_code IS NULL AND t.kind IN ({_in_list(sorted(term.table_kinds))})"
    table_order = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(TABLE_PRIORITY))
    label_order = ""
    if term.preferred:
        whens = " ".join(f"WHEN '{_esc(_bare(label))}' THEN {i}" for i, label in enumerate(term.preferred))
        label_order = f"CASE {BARE_LABEL} {whens} ELSE 99 END, "
    measure_order = " ".join(f"WHEN '{m}' THEN {i}" for i, m in enumerate(measures))
    return (
        "SELECT d.department, t.number AS table_number, t.name AS table_name, c.row_label, c.subject_code,\n"
        "       c.column_path, c.measure, c.value AS amount, c.line, c.doc_id\n"
        "FROM cells c JOIN tables t USING (doc_id, table_id) JOIN documents d USING (doc_id)\n"
        f"WHERE c.doc_id IN ({_in_list(parsed.doc_ids)}) AND {row_filter}\n"
        f"  AND c.measure IN ({_in_list(measures)}) AND c.value IS NOT NULL AND c.unit = '万元'\n"
        f"QUALIFY row_number() OVER (PARTITION BY c.doc_id ORDER BY {label_order}CASE t.kind {table_order} ELSE 99 END,\n"
        f"        CASE c.measure {measure_order} END, c.table_id, c.row_index) = 1\n"
        "ORDER BY c.doc_id"
    )


def _measures(parsed: ParsedQuestion) -> tuple[str, ...]:
    if parsed.measure in MEASURE_COLUMNS:
        return MEASURE_COLUMNS[parsed.measure]
    if parsed.documents and all(d.kind == "决算" for d in parsed.documents):
        return ("final", "total")
    return ("total", "final")


def _asks_budget_and_final(parsed: ParsedQuestion) -> bool:
    """预算和决算分别是多少, asked of 决算 documents (their tables print both columns)."""
    text = parsed.text.replace("年初预算", "")
    return "预算" in text and "决算" in text and all(d.kind == "决算" for d in parsed.documents)


def _asks_execution(parsed: ParsedQuestion) -> bool:
    return parsed.measure is Measure.INITIAL_BUDGET or "完成年初预算" in parsed.text or "年初预算" in parsed.text


def _matching_items(parsed: ParsedQuestion, candidates: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Narrative items whose subject the question names: by subject code, else by the printed name."""
    codes = {c for t in parsed.terms for c in t.codes}
    by_code = [(r["doc_id"], r["seq"]) for r in candidates if r["subject_code"] and r["subject_code"] in codes]
    if by_code:
        return by_code[:6]
    text = parsed.text
    scored = []
    for row in candidates:
        leaf = _leaf(row["subject"])
        names = {leaf, re.sub(r"(预算|支出|财政拨款)+$", "", leaf), re.sub(r"^财政拨款", "", leaf)}
        hit = max((len(n) for n in names if len(n) >= 2 and n in text), default=0)
        hit = max([hit] + [len(t.name) for t in parsed.terms if len(t.name) >= 3 and t.name in normalize(leaf)])
        if hit:
            scored.append((hit, row["doc_id"], row["seq"]))
    if not scored:
        return []
    best = max(s[0] for s in scored)
    return [(doc, seq) for hit, doc, seq in scored if hit == best][:6]


def _short(doc: DocumentRef) -> str:
    return doc.short_name


def _leaf(subject: str) -> str:
    """社会保障和就业支出（类）…行政运行（项） → 行政运行; plain names pass through."""
    text = (subject or "").replace("(", "（").replace(")", "）").replace("“", "").replace("”", "")
    parts = [p for p in re.split(r"（[类款项]）", text) if p]
    return parts[-1] if parts else text


def _row_name(label: str | None, term: Term) -> str:
    if term.concept:
        return term.name
    return _clean(label or term.name)


def _clean(label: str) -> str:
    label = re.sub(r"^(?:[一二三四五六七八九十]+、|\d+[.、．]\s*|其中[:：])", "", (label or "").strip())
    return label.strip()


def _differs(value: float | None, linked: float | None) -> float | None:
    if value is None or linked is None or abs(value - linked) < 0.006:
        return None
    return linked


def _bare(label: str) -> str:
    """A row label without spaces and quotes, as ``BARE_LABEL`` computes it in SQL."""
    return re.sub(r"[\s“”\"]+", "", label)


def _esc(value: str) -> str:
    return str(value).replace("'", "''")


def _in_list(values) -> str:
    return ", ".join(f"'{_esc(v)}'" for v in values) or "NULL"

