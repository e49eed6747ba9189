"""The table engine (表格查询): figures from the cells the question's fields name, with the SQL that shows them.

Each plan resolves its subjects in each document (``assistant.engines.resolve``),
states a number only when the cell found is the asked subject × measure × fund of
that document, and shows candidates as candidates when the match is ambiguous.
Shares take numerator and denominator from one table where it prints both;
comparisons, sums and series over documents are computed with the formula shown.
The SQL returned selects exactly the cells the answer uses (parameters bound
when run; written in as literals for display, so it re-runs with
``python -m assistant sql``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from assistant.engines.changes import asks_execution, narrative_items
from assistant.engines.figures import Figure, SqlOutcome, inline
from assistant.engines.resolve import Candidate, Resolution, Resolver
from assistant.engines.sql_guard import QueryResult, run_generated
from assistant.question.catalog import Catalog, DocumentRef
from assistant.question.concepts import BY_KEY, FUND_WORDS, Concept
from assistant.question.lexicon import COLUMN_CONCEPTS, Intent
from assistant.question.parse import FUND_LINE, ParsedQuestion, Subject
from assistant.question.shares import share_sides
from index.model import Measure

logger = logging.getLogger(__name__)

MAX_SUBJECTS = 4
MAX_BREAKDOWN = 12
# The question asks what an amount is made of: the rows of its table below the total are listed with it.
_BREAKDOWN = re.compile(r"哪个科目|哪些科目|什么科目|列在|哪(?:个|些)方面|用于哪|用在哪|构成|明细|由哪些|包括哪些|分别是哪些")
MEASURE_NAMES = {"basic": "基本支出", "project": "项目支出", "personnel": "人员经费", "public": "公用经费",
                 "initial_budget": "年初预算数", "adjusted_budget": "调整预算数", "budget": "预算数", "final": "决算数"}
RANK_DOCUMENT_CUES = re.compile(r"哪个(部门|单位|局|文件)|哪家|哪一(个|家)|各(部门|单位)|几个(部门|单位)")
_HIGHER = re.compile(r"哪个(?:更)?(?:高|多|大)|谁(?:更)?(?:高|多)")
# “A比B多多少”, “相差”, “差额”: the difference of two amounts of one document
_DIFFERENCE = re.compile(r"比.{1,20}?(?:多|少|高|低)(?:了)?(?:多少|几)|相差|差额|差多少|差距|高出多少|多出多少")
_PROJECT_KINDS = ("projects", "general_project", "fiscal_project", "carryover")
# A fund named as the part of a share: its income line, its expenditure line.
_FUND_PARTS = {"general_budget": ("general_income", "general_expenditure"),
               "gov_fund": ("gov_fund_income", "gov_fund"), "state_capital": ("state_capital_income", "state_capital"),
               "fiscal": ("fiscal_income", "fiscal_expenditure")}
_INCOMES = {"grand_total", "income", "current_income"}
_EXPENDITURES = {"expenditure", "current_expenditure"}
_FUND_CONCEPTS = {key for pair in _FUND_PARTS.values() for key in pair}
FUND_NAMES = {"general_budget": "一般公共预算", "gov_fund": "政府性基金预算", "state_capital": "国有资本经营预算",
              "fiscal": "财政拨款"}
CELLS_SELECT = (
    "SELECT d.department, t.number AS table_number, t.name AS table_name, c.row_label, c.subject_code,\n"
    "       c.project_name, c.column_path, c.measure, c.value AS amount, c.line, coalesce(c.page, t.page) AS page,"
    " c.doc_id\n"
    "FROM cells c JOIN tables t USING (doc_id, table_id) JOIN documents d USING (doc_id)\n"
)


class SqlEngine:
    """Answers look-ups, comparisons, sums, series, rankings, shares and changes from the tables.

    ``router.as_query_engine(engine)`` wraps it as a llama-index query engine.
    """

    def __init__(self, connection: Any, catalog: Catalog, max_rows: int = 1000) -> None:
        self.connection = connection
        self.catalog = catalog
        self.max_rows = max_rows
        self.resolver = Resolver(connection)

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
        if parsed.intent in (Intent.CHANGE, Intent.EXPLAIN) or asks_execution(parsed):
            outcome = narrative_items(parsed, self.catalog, self.select)
            if outcome or parsed.intent is Intent.EXPLAIN:
                return outcome
        if parsed.intent is Intent.RANK:
            return self._rank(parsed)
        if parsed.intent is Intent.SHARE:
            return self._share(parsed)
        if parsed.intent in (Intent.LOOKUP, Intent.COMPARE, Intent.SUM, Intent.SERIES, Intent.CHANGE):
            return self._lookup(parsed)
        return None

    def select(self, sql: str, params: list[Any] | None = None) -> QueryResult:
        """Run one guarded SELECT with parameters; the result carries the SQL with its literals, for display."""
        result = run_generated(self.connection, sql, params or [], max_rows=self.max_rows)
        return QueryResult(inline(result.sql, params or []), result.columns, result.rows, result.truncated,
                           result.seconds)

    # -- look-ups, comparisons, sums, series ----------------------------------------------------------

    def _lookup(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        asks = _asks(parsed)
        if not asks:
            return None
        figures: list[Figure] = []
        used: list[Candidate] = []
        missing: list[str] = []
        for subject, measure in asks:
            for doc in parsed.documents:
                resolution = self.resolve(subject, doc, parsed.fund, measure)
                label = _label(subject, measure)
                if not resolution.found and not resolution.parts:
                    missing.append(f"{doc.short_name}{doc.year}年")
                    continue
                figures += _figures(doc, label, resolution)
                used += resolution.cells + resolution.parts
                if len(asks) == 1 and _BREAKDOWN.search(parsed.text) and resolution.value is not None \
                        and resolution.cells:
                    rows = self._rows_under(resolution.cells[0])
                    figures += [Figure(doc, f"其中 {c.project_name or c.row_label}"
                                       + (f"（{c.subject_code}）" if c.subject_code else ""),
                                       c.value, source=c.source, page=c.page) for c in rows]
                    used += rows
        if parsed.part_fund and len(asks) == 1 and (asks[0][0].concept is not None or asks[0][0].within):
            part = _fund_part(asks[0][0], parsed.part_fund)
            fund = None if part.concept and part.concept.key in _FUND_CONCEPTS else parsed.part_fund  # its own line
            for doc in parsed.documents:
                resolution = self.resolve(part, doc, fund, asks[0][1])
                if resolution.found and not resolution.ambiguous:
                    figures += _figures(doc, f"其中{FUND_NAMES[parsed.part_fund]}", resolution)
                    used += resolution.cells + resolution.parts
        if not used:
            return None
        result = self._cells_sql(used)
        outcome = SqlOutcome("lookup", result.sql, result.rows, figures)
        if missing and any(not f.candidate for f in figures):
            outcome.note = f"{'、'.join(dict.fromkeys(missing))}的表格中没有找到所问的数。"
        if len(asks) == 1:
            _derive(parsed, outcome)
        elif len(asks) == 2:
            _difference(parsed, outcome)
        return outcome

    def _rows_under(self, total: Candidate) -> list[Candidate]:
        """The coded subject and project rows of the total's table, in the total's column, amounts not zero."""
        cells = [c for c in self.resolver.cells(total.doc_id) if c.table_id == total.table_id
                 and c.column_path == total.column_path and c.row_index != total.row_index
                 and (c.subject_code or c.project_name) and c.value]
        return cells[:MAX_BREAKDOWN]

    def facts(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """Counts and scores a table prints for a printed name (项目自评分数 96.53 分, 编制人数 12 人)."""
        keys = [s.term.name for s in parsed.subjects if s.term is not None]
        if not keys:
            return None
        figures, used = [], []
        for doc in parsed.documents:
            for cell, unit in self.resolver.counts(keys, doc.doc_id)[:MAX_BREAKDOWN]:
                column = cell.column_path.split("/")[-1]
                figures.append(Figure(doc, f"{cell.project_name or cell.row_label}·{column}", cell.value, unit=unit,
                                      source=cell.source, page=cell.page))
                used.append(cell)
        if not used:
            return None
        result = self._cells_sql(used)
        return SqlOutcome("lookup", result.sql, result.rows, figures)

    def resolve(self, subject: Subject, doc: DocumentRef, fund: str | None, measure: Any) -> Resolution:
        """The cell(s) of one subject in one document."""
        asked = measure.value if isinstance(measure, Measure) else measure
        if subject.concept is not None:
            return self.resolver.concept(subject.concept, doc.doc_id, doc.final, fund, asked)
        term = subject.term
        keys = [term.name]
        if subject.within is not None:
            return self.resolver.row_in(keys, doc.doc_id, doc.final, subject.within, fund)
        return self.resolver.printed(keys, sorted(term.codes), doc.doc_id, doc.final, fund, asked, term.kind)

    # -- shares --------------------------------------------------------------------------------------------

    def _share(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        """占比: each part over the whole (its head noun: the last subject naming it; default 支出合计), from one
        table where it prints both."""
        sides = share_sides(parsed)
        if sides is None:
            return None
        parts, wholes, fund, whole_fund = sides
        income = "收入" in parsed.text
        if not parts and fund:  # 收入中一般公共预算占比: the fund's own line is the part
            key = _FUND_PARTS[fund][0 if income else 1]
            parts = [Subject(BY_KEY[key].name, 0, concept=BY_KEY[key])]
            wholes = [s for s in wholes if s.concept is None or s.concept.key != key]
            fund = None
        if not parts:
            return None
        whole = wholes[-1] if wholes else Subject("支出合计", 0, concept=BY_KEY["income" if income else "expenditure"])
        income = income or bool(whole.concept and whole.concept.key in _INCOMES)
        lines = [_fund_line(part, income) for part in parts]
        fund = None if lines != parts else fund  # a fund's own line is of that fund already
        parts = lines
        figures: list[Figure] = []
        used: list[Candidate] = []
        for part in parts:
            measure = parsed.measures[0] if parsed.measures and part.term is not None else None
            for doc in parsed.documents:
                found, cells = self._one_share(part, whole, doc, fund, whole_fund, measure)
                figures += found
                used += cells
        if not used:
            return None
        result = self._cells_sql(used)
        return SqlOutcome("share", result.sql, result.rows, figures)

    def _one_share(self, part: Subject, whole: Subject, doc: DocumentRef, fund: str | None, whole_fund: str | None,
                   measure: Measure | str | None) -> tuple[list[Figure], list[Candidate]]:
        denominator = self.resolve(whole, doc, whole_fund, None)
        numerator = self._in_table(part, doc, denominator) or self.resolve(part, doc, fund, measure)
        if numerator.ambiguous:
            return _figures(doc, part.name, numerator), numerator.cells
        if not numerator.found and not numerator.parts:
            return [], []
        cell = numerator.cells[0] if numerator.cells else numerator.parts[0]
        denominator = self._in_table(whole, doc, numerator) or denominator
        if not denominator.found or denominator.ambiguous or not denominator.value:
            return [], []
        value, total = numerator.value, denominator.value
        share = 100 * value / total
        same = not numerator.parts and denominator.cells[0].table_id == cell.table_id
        note = "" if same else f"（分子取自{cell.table_title}，分母取自{denominator.cells[0].table_title}）"
        figures = _figures(doc, part.name, numerator) + _figures(doc, whole.name, denominator)
        figures.append(Figure(doc, f"{part.name}占{whole.name}的比例", round(share, 2), "%",
                              formula=f"{value:.2f} ÷ {total:.2f} = {share:.2f}%{note}"))
        return figures, numerator.cells + numerator.parts + denominator.cells

    def _in_table(self, subject: Subject, doc: DocumentRef, other: Resolution) -> Resolution | None:
        """The subject read from the table another figure came from, when that table prints it: a share's
        numerator and denominator from one table (项目支出 ÷ 支出合计 both from 支出总表)."""
        if subject.concept is None or not other.found or other.ambiguous or other.parts:
            return None
        cell = other.cells[0]
        same = [loc for loc in subject.concept.locators if cell.table_kind in loc.kinds]
        if not same:
            return None
        local = Concept(subject.concept.key, subject.concept.name, (), tuple(same))
        found = self.resolver.concept(local, doc.doc_id, doc.final)
        return found if found.found and not found.ambiguous and found.cells[0].table_id == cell.table_id else None

    # -- rankings ------------------------------------------------------------------------------------------

    def _rank(self, parsed: ParsedQuestion) -> SqlOutcome | None:
        if len(parsed.documents) > 1 and parsed.subjects and (RANK_DOCUMENT_CUES.search(parsed.question) or
                                                               not _ranks_items(parsed)):
            outcome = self._lookup(parsed)
            if outcome is None:
                return None
            figures = sorted((f for f in outcome.figures if not f.formula and not f.candidate), key=lambda f: f.value,
                             reverse=parsed.descending)
            keep = parsed.top_n if parsed.top_n and parsed.top_n > 1 else len(figures)
            return SqlOutcome("rank_documents", outcome.sql, outcome.rows, figures[:keep])
        limit = parsed.top_n or 10
        figures: list[Figure] = []
        used: list[Candidate] = []
        for doc in parsed.documents:
            items = self._items(parsed, doc)
            items.sort(key=lambda c: c.value, reverse=parsed.descending)
            for cell in items[:limit]:
                name = (cell.project_name or cell.row_label) + (f"（{cell.how}）" if cell.how else "")
                figures.append(Figure(doc, name, cell.value, source=cell.source, page=cell.page))
            used += items[:limit]
        if not used:
            return None
        result = self._cells_sql(used)
        return SqlOutcome("rank", result.sql, result.rows, figures)

    def _items(self, parsed: ParsedQuestion, doc: DocumentRef) -> list[Candidate]:
        """What a ranking orders: projects (项目), or functional subjects at the level asked (类/款/项)."""
        cells = self.resolver.cells(doc.doc_id)
        measure = ("final", "total") if doc.final else ("total",)
        if "项目" in parsed.text and not re.search(r"科目|类|款", parsed.text):
            for kind in _PROJECT_KINDS:
                items = _one_per_row([c for c in cells if c.table_kind == kind and c.project_name
                                      and c.measure in measure])
                if items:
                    return _summed_by_project(items)
            return []
        level = 1 if "类" in parsed.text else 2 if "款" in parsed.text else 3
        parents = [code for t in parsed.terms for code in sorted(t.codes) if len(code) < 7]
        tables = ("general_expenditure",) if parsed.fund == "general_budget" else ("expenditure", "general_expenditure")
        for kind in tables:
            rows = [c for c in cells if c.table_kind == kind and c.subject_code and c.measure in measure
                    and (c.subject_code.startswith(parents[0]) and len(c.subject_code) > len(parents[0])
                         if parents else len(c.subject_code) == {1: 3, 2: 5, 3: 7}[level])]
            items = _one_per_row(rows)
            if items:
                return items
        return []

    # -- SQL of the cells used -----------------------------------------------------------------------------

    def _cells_sql(self, cells: list[Candidate]) -> QueryResult:
        keys = list(dict.fromkeys((c.doc_id, c.table_id, c.row_index, c.column_path, c.measure) for c in cells))
        where = " OR\n      ".join(
            "(c.doc_id = ? AND c.table_id = ? AND c.row_index = ? AND c.column_path = ? AND c.measure = ?)"
            for _ in keys)
        return self.select(f"{CELLS_SELECT}WHERE {where}\nORDER BY c.doc_id, c.table_id, c.row_index",
                           [value for key in keys for value in key])


def _fund_line(subject: Subject, income: bool) -> Subject:
    """A fund's line named as a printed name (一般公共预算拨款): that fund's income or expenditure concept."""
    words = subject.key or subject.name
    fund = next((f for word, f in FUND_WORDS if word in words), None) if FUND_LINE.match(words) else None
    if subject.concept is not None or fund is None:
        return subject
    key = _FUND_PARTS[fund][0 if income else 1]
    return Subject(BY_KEY[key].name, subject.start, concept=BY_KEY[key], key=subject.key)


def _fund_part(subject: Subject, fund: str) -> Subject:
    """The fund's line of an income or expenditure total (收入 → 财政拨款收入); else the subject itself, of that
    fund (a unit's row: its fund column)."""
    concept = subject.concept
    if concept is None:
        return subject
    if concept.key in _INCOMES | _EXPENDITURES:
        key = _FUND_PARTS[fund][0 if concept.key in _INCOMES else 1]
        return Subject(BY_KEY[key].name, 0, concept=BY_KEY[key])
    return Subject(concept.name, 0, concept=concept)


def _asks(parsed: ParsedQuestion) -> list[tuple[Subject, Any]]:
    """(subject, measure) pairs asked: each subject with each column measure named, or with the asked one."""
    subjects = parsed.subjects[:MAX_SUBJECTS]
    columns = [m for m in parsed.measures if m in COLUMN_CONCEPTS]
    others = [m for m in parsed.measures if m not in COLUMN_CONCEPTS]
    if not subjects:
        subjects = [Subject(BY_KEY[COLUMN_CONCEPTS[m]].name, 0, concept=BY_KEY[COLUMN_CONCEPTS[m]]) for m in columns]
        columns = []
    pairs = []
    for subject in subjects:
        for measure in (columns if subject.term is not None and columns else others[:2] or [None]):
            pairs.append((subject, measure))
    return pairs[:MAX_SUBJECTS * 2]


def _label(subject: Subject, measure: Any) -> str:
    key = measure.value if isinstance(measure, Measure) else measure
    suffix = MEASURE_NAMES.get(key, "") if key else ""
    if not suffix or suffix in subject.name:
        return subject.name
    return f"{suffix}中的{subject.name}" if key in COLUMN_CONCEPTS else f"{subject.name}{suffix}"


def _figures(doc: DocumentRef, label: str, resolution: Resolution) -> list[Figure]:
    """The answer's figure (one cell, or a total computed from its parts), or the candidates of an ambiguity."""
    if resolution.parts:
        parts = resolution.parts
        total = round(sum(p.value for p in parts), 2)
        formula = " + ".join(f"{p.row_label} {p.value:.2f}" for p in parts) + f" = {total:.2f} 万元"
        basis = resolution.basis or "表中合计另含其他项目，按口径相加"
        return [Figure(doc, label, total, formula=f"{formula}（{basis}）")]
    if resolution.ambiguous:
        why = f"；{resolution.reason}" if resolution.reason else ""
        return [Figure(doc, f"{label}（候选：{c.row_label}{why}）", c.value, source=c.source, page=c.page,
                       candidate=True) for c in resolution.cells]
    cell = resolution.cells[0]
    return [Figure(doc, label, cell.value, source=cell.source, page=cell.page)]


def _difference(parsed: ParsedQuestion, outcome: SqlOutcome) -> None:
    """Two amounts of one document asked against each other (“基本支出比项目支出多多少”): their difference."""
    stated = [f for f in outcome.figures if not f.candidate]
    if len(stated) != 2 or stated[0].doc.doc_id != stated[1].doc.doc_id or not _DIFFERENCE.search(parsed.text):
        return
    a, b = stated
    diff = round(a.value - b.value, 2)
    outcome.figures.append(Figure(a.doc, f"{a.label}比{b.label}{'多' if diff >= 0 else '少'}", abs(diff),
                                  formula=f"{a.value:.2f} − {b.value:.2f} = {diff:+.2f} 万元"))


def _derive(parsed: ParsedQuestion, outcome: SqlOutcome) -> None:
    """Across documents: a comparison's difference (and which is higher), a sum, or a series in year order."""
    stated = [f for f in outcome.figures if not f.candidate]
    if len(stated) < 2 or len({f.doc.doc_id for f in stated}) != len(stated):
        return
    if parsed.intent is Intent.SUM:
        total = round(sum(f.value for f in stated), 2)
        outcome.kind = "sum"
        outcome.figures.append(Figure(stated[0].doc, f"{stated[0].label}合计", total, formula=" + ".join(
            f"{f.value:.2f}" for f in stated) + f" = {total:.2f} 万元"))
    elif parsed.intent is Intent.SERIES or len({f.doc.department for f in stated}) == 1:
        outcome.kind = "series"
        ordered = sorted(stated, key=lambda f: f.doc.year)
        for before, after in zip(ordered, ordered[1:]):
            change = after.value - before.value
            pct = f"，{100 * change / before.value:+.2f}%" if before.value else ""
            outcome.figures.append(Figure(after.doc, f"{after.doc.year}年比{before.doc.year}年", round(change, 2),
                                          formula=f"{after.value:.2f} − {before.value:.2f} = {change:+.2f} 万元{pct}"))
    elif len(stated) == 2:
        a, b = stated
        outcome.kind = "compare"
        diff = a.value - b.value
        higher = a if diff >= 0 else b
        text = f"{a.value:.2f} − {b.value:.2f} = {diff:.2f} 万元"
        if _HIGHER.search(parsed.text) and diff:
            text += f"；{higher.doc.short_name}更高"
        outcome.figures.append(Figure(a.doc, f"两者相差（{a.doc.short_name} − {b.doc.short_name}）", round(diff, 2),
                                      formula=text))


def _ranks_items(parsed: ParsedQuestion) -> bool:
    """The question orders items inside documents (projects, subjects under a 类) rather than the documents."""
    return "项目" in parsed.text or any(t.codes and any(len(c) < 7 for c in t.codes) for t in parsed.terms)


def _one_per_row(cells: list[Candidate]) -> list[Candidate]:
    rows: dict[tuple[int, int], Candidate] = {}
    for cell in cells:
        key = (cell.table_id, cell.row_index)
        if key not in rows or (cell.measure == "final" and rows[key].measure != "final"):
            rows[key] = cell
    return list(rows.values())


def _summed_by_project(cells: list[Candidate]) -> list[Candidate]:
    """A project printed on several rows (one per subject) is one item; its first row stands for it."""
    by_name: dict[str, list[Candidate]] = {}
    for cell in cells:
        by_name.setdefault(cell.project_name, []).append(cell)
    out = []
    for rows in by_name.values():
        total = round(sum(c.value for c in rows), 6)
        out.append(rows[0] if len(rows) == 1 else replace(rows[0], value=total, how=f"{len(rows)} 行相加"))
    return out
