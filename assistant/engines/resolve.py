"""Finding the cell a question asks for (取数): a subject × measure × fund in one document.

A subject is a standard ``Concept`` (收支总计, 三公经费 …; see assistant.question.concepts)
or a name printed in the tables (a subject, row label or project name). The
resolver reads the document's money cells once (cached) and returns
``Candidate`` cells in order of preference, with how each was found.

``resolve`` says whether the answer is certain: the first locator (or table)
that finds the subject decides; when it finds several different values (the
name printed on two rows, a table with two year columns), the result is
ambiguous and the candidates are shown as candidates, never as the answer.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from assistant.question.catalog import term_key
from assistant.question.concepts import BASIC_KINDS, BY_KEY, FUND_STEMS, TABLE_FUNDS, TOTAL_ROW, Concept, Locator
from index.amounts import ROUNDING_WAN, agrees
from index.parse.codes import ECONOMIC_CLASSES
from index.text import name_key

CELLS_SQL = """
SELECT c.table_id, t.number, t.name, t.kind, c.row_index, c.row_label, c.panel, c.subject_code, c.project_name,
       c.column_path, c.measure, c.value, c.line, coalesce(c.page, t.page)
FROM cells c JOIN tables t USING (doc_id, table_id)
WHERE c.doc_id = ? AND c.unit = '万元' AND c.value IS NOT NULL
ORDER BY c.table_id, c.row_index
"""
COUNT_CELLS_SQL = CELLS_SQL.replace("c.unit = '万元'", "c.unit <> '万元'").replace(
    "coalesce(c.page, t.page)", "coalesce(c.page, t.page), c.unit")
CACHED_DOCUMENTS = 64
_TOTAL = re.compile(TOTAL_ROW)
_GRAND = re.compile(r"总计$")
_SUB_ITEM = re.compile(r"^\s*(?:其中|含)[:：]?")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_PREVIOUS = re.compile(r"上年|上一年|去年")
_CARRIED = re.compile(r"结转|结余")
_PATH_SEPARATOR = re.compile(r"[—–－\-/>＞·]+|下的|中的")
_CHANGE_COLUMN = re.compile(r"增减|变动|变化|增长|比上年|较上年|同比")
# Tables a printed name is read from when the question names no fund, by the kind of name.
TERM_TABLES = {
    "functional": ("expenditure", "general_expenditure", "fiscal_expenditure", "gov_fund", "state_capital"),
    "economic": ("basic", "general_basic", "fiscal_basic", "general_economic", "expenditure_economic"),
    "project": ("projects", "general_project", "fiscal_project", "carryover", "procurement", "purchased_services",
                "performance_target", "performance_self_eval", "other"),
    "label": ("summary", "income", "fiscal_summary", "three_public", "running_costs", "expenditure",
              "general_expenditure", "basic", "general_basic", "projects", "general_project", "carryover",
              "procurement", "purchased_services", "other"),
}
BUDGET_MEASURES = ("initial_budget", "adjusted_budget")
PART_TABLES = {"basic": ("basic", "general_basic", "fiscal_basic"),
               "project": ("projects", "general_project", "fiscal_project")}


@dataclass(frozen=True)
class Candidate:
    """A cell that may be the figure asked for, with its table and row, and how it was found."""

    doc_id: str
    table_id: int
    table_number: str | None
    table_name: str
    table_kind: str
    row_index: int
    row_label: str
    panel: str | None
    subject_code: str | None
    project_name: str | None
    column_path: str
    measure: str | None
    value: float
    line: int | None
    page: int | None
    how: str = ""

    @property
    def table_title(self) -> str:
        return f"{self.table_number} {self.table_name}" if self.table_number else self.table_name

    @property
    def source(self) -> str:
        """表3 支出总表“合计”基本支出 第 120 行; a column of a period or a fund is named in full
        (2026年/公务接待费/一般公共预算), a group's 小计 with its group (一般公共预算拨款/小计)."""
        path = self.column_path or ""
        levels = path.split("/")
        column = levels[-1] if len(levels) < 2 or levels[-1] not in ("小计", "合计") else "/".join(levels[-2:])
        column = path if _PERIOD_PATH.match(path) or _FUND_LEAF.search(path) else column
        row = self.project_name or self.row_label
        where = f"第 {self.line} 行" if self.line else ""
        return f"{self.table_title}“{row}”{column} {where}".strip()


@dataclass
class Resolution:
    """What was found for one subject in one document."""

    doc_id: str
    cells: list[Candidate] = field(default_factory=list)  # the answer (one cell), or every candidate when ambiguous
    ambiguous: bool = False
    parts: list[Candidate] = field(default_factory=list)  # a computed total's parts (三公 = 出国 + 车辆 + 接待)
    reason: str = ""  # why a single cell found is only a candidate
    basis: str = ""  # how computed parts make the figure (按经济分类：工资福利支出 + 对个人和家庭的补助)

    @property
    def found(self) -> bool:
        return bool(self.cells)

    @property
    def value(self) -> float | None:
        if self.parts:
            return round(sum(part.value for part in self.parts), 6)
        return self.cells[0].value if self.cells and not self.ambiguous else None


class Resolver:
    """Candidate cells of concepts and printed names, per document (cells read once per document)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self._cells: OrderedDict[str, list[Candidate]] = OrderedDict()

    def cells(self, doc_id: str) -> list[Candidate]:
        if doc_id in self._cells:
            self._cells.move_to_end(doc_id)
            return self._cells[doc_id]
        year = self.connection.execute("SELECT year FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        rows = self.connection.execute(CELLS_SQL, [doc_id]).fetchall()
        cells = [Candidate(doc_id, *row) for row in rows]
        if year:  # this year's column first where a row prints several years (2025年 / 2026年 / 增减)
            cells.sort(key=lambda c: (c.table_id, c.row_index, _year_rank(c.column_path, year[0])))
        self._cells[doc_id] = cells
        if len(self._cells) > CACHED_DOCUMENTS:
            self._cells.popitem(last=False)
        return cells

    # -- concepts ---------------------------------------------------------------------------------------

    def concept(self, concept: Concept, doc_id: str, final: bool, fund: str | None = None,
                measure: str | None = None) -> Resolution:
        """The concept's cell in the document: the first locator (of the asked fund) that finds it."""
        cells = self.cells(doc_id)
        locators = _for_fund(concept.locators, fund)
        for locator in locators:
            found = self._locate(cells, locator, _measures(locator.measures, final, measure))
            if not found:
                continue
            if (concept.excludes and locator.row is None and (locator.column is None or locator.whole)
                    and _table_has(cells, found[0].table_id, concept.excludes)):
                parts = self._parts(concept, doc_id, final, fund, measure)
                if parts:
                    return Resolution(doc_id, found[:1], parts=parts)
                continue  # a 合计 that adds 会议费 and 培训费 is not the 三公 total
            return _decide(doc_id, found, f"{concept.name}（{locator.kinds[0]}）")
        if concept.parts:
            parts = self._parts(concept, doc_id, final, fund, measure)
            if parts:
                return Resolution(doc_id, [], parts=parts)
        if concept.classes:
            return self._classes(concept, cells, doc_id, final, fund)
        return Resolution(doc_id)

    def _classes(self, concept: Concept, cells: list[Candidate], doc_id: str, final: bool,
                 fund: str | None) -> Resolution:
        """人员经费/公用经费 of a basic-expenditure table printed by economic class only (no such column): the
        sum of its classes (by code, or by standard name where no code is printed), from the first table (of
        the asked fund) whose classes add up to its total (a 合计 row, or the first row: the unit's)."""
        kinds = [k for k in BASIC_KINDS if fund is None or TABLE_FUNDS[k] == fund]
        measures = _measures(("total",), final, None)
        for kind in kinds:
            for table_id in dict.fromkeys(c.table_id for c in cells if c.table_kind == kind):
                rows: dict[int, list[Candidate]] = {}
                for cell in cells:
                    if cell.table_id == table_id:
                        rows.setdefault(cell.row_index, []).append(cell)
                picked = [c for c in (_pick(row, measures) for row in rows.values()) if c is not None]
                if any(c.measure in ("personnel", "public") for row in rows.values() for c in row):
                    continue  # the table prints the columns: the locators read them
                classes = [c for c in picked if _class_code(c)]
                totals = [c for c in picked if not c.subject_code and not _class_code(c)
                          and (_TOTAL.match(name_key(_unnumbered(c.row_label))) or c is picked[0])]
                if not totals or not classes or not agrees(
                        sum(c.value for c in classes), totals[0].value, ROUNDING_WAN * len(classes)):
                    continue
                parts = [c for c in classes if (_class_code(c) in concept.classes) != concept.complement]
                if parts:
                    named = " + ".join(dict.fromkeys(p.row_label for p in parts))
                    return Resolution(doc_id, [], parts=parts, basis=f"按经济分类计：{concept.name} = {named}")
        return Resolution(doc_id)

    def _parts(self, concept: Concept, doc_id: str, final: bool, fund: str | None,
               measure: str | None) -> list[Candidate]:
        parts = [self.concept(BY_KEY[key], doc_id, final, fund, measure) for key in concept.parts]
        if all(p.found and not p.ambiguous for p in parts):
            return [p.cells[0] for p in parts]
        return []

    def _locate(self, cells: list[Candidate], locator: Locator, measures: tuple[str, ...]) -> list[Candidate]:
        kinds = set(locator.kinds)
        pattern = re.compile(locator.row) if locator.row else None
        rows: dict[tuple[int, int], list[Candidate]] = {}
        for cell in cells:
            if cell.table_kind not in kinds or (locator.panel and cell.panel != locator.panel):
                continue
            label = name_key(_unnumbered(cell.row_label))
            if pattern is not None:
                if cell.subject_code and not locator.functional or not pattern.search(label):
                    continue
            elif cell.subject_code or not _TOTAL.match(label) and not _GRAND.search(label):
                continue
            rows.setdefault((cell.table_id, cell.row_index), []).append(cell)
        if pattern is None:
            rows = _total_rows(rows)
            rows.update(_unlabelled_totals(cells, kinds, {table_id for table_id, _ in rows}))
        column = re.compile(locator.column) if locator.column else None
        found = []
        for row in rows.values():
            if column is not None:
                cell = next((c for c in row if column.search(name_key(c.column_path))
                             or column.search(_FUND_LEAF.sub("", name_key(c.column_path)))), None)
            else:
                cell = _pick(row, measures)
            if cell is not None:
                found.append(cell)
        return found

    def row_in(self, keys: Sequence[str], doc_id: str, final: bool, locator: Locator,
               fund: str | None = None) -> Resolution:
        """The row of a printed name (a unit of a consolidated budget) in the tables where ``locator`` reads a
        total, in the locator's column (a heading it names, or the fund's column when one is asked)."""
        wanted = set(keys)
        rows: dict[tuple[int, int], list[Candidate]] = {}
        for cell in self.cells(doc_id):
            if cell.table_kind in locator.kinds and _key(cell.row_label) in wanted:
                rows.setdefault((cell.table_id, cell.row_index), []).append(cell)
        measures = _measures(locator.measures, final, None)
        column = re.compile(locator.column) if locator.column else None

        def cell_of(row: list[Candidate]) -> Candidate | None:
            if column is not None:
                return next((c for c in row if column.search(name_key(c.column_path))), None)
            return _fund_cell(row, fund) if fund else _pick(row, measures)

        found = [c for c in (cell_of(row) for row in rows.values()) if c is not None]
        return _decide(doc_id, found, f"{locator.kinds[0]} 表中的单位行") if found else Resolution(doc_id)

    # -- counts and scores -----------------------------------------------------------------------------

    def counts(self, keys: Sequence[str], doc_id: str) -> list[tuple[Candidate, str]]:
        """Cells that are no money (分, 人, 辆, %) on the one row labelled with a printed name, with their units.

        A name on several rows (a 绩效自评表 form: each indicator's 分值 and 得分 under the project) is no
        single fact: nothing is returned and the narrative answers.
        """
        wanted = set(keys)
        rows = self.connection.execute(COUNT_CELLS_SQL, [doc_id]).fetchall()
        found = [(c, unit) for c, unit in ((Candidate(doc_id, *row[:-1]), row[-1]) for row in rows)
                 if _key(c.row_label) in wanted]
        return found if len({(c.table_id, c.row_index) for c, _ in found}) == 1 else []

    # -- printed names ----------------------------------------------------------------------------------

    def _heading(self, cells: list[Candidate], wanted: set[str], doc_id: str) -> Resolution:
        """A name printed only as a table's title (专项业务经费支出表) or a column heading: the total of that
        table, else that column's cell on the total row."""
        titled = [c for c in cells if any(name_key(c.table_name).removesuffix("表").endswith(w) for w in wanted)]
        rows: dict[tuple[int, int], list[Candidate]] = {}
        for cell in titled:
            label = name_key(_unnumbered(cell.row_label))
            if not cell.subject_code and (_TOTAL.match(label) or _GRAND.search(label)):
                rows.setdefault((cell.table_id, cell.row_index), []).append(cell)
        found = [c for c in (_pick(row, ("total",)) for row in _total_rows(rows).values()) if c is not None]
        if found:
            return _decide(doc_id, found, "以其为名的表的合计")
        found = _heading_total(cells, wanted)
        return _decide(doc_id, found, "同名列的合计行") if found else Resolution(doc_id)

    def printed(self, keys: Sequence[str], codes: Sequence[str], doc_id: str, final: bool, fund: str | None = None,
                measure: str | None = None, kind: str = "label") -> Resolution:
        """A subject, row or project printed in the document's tables, from the table its fund and kind call for."""
        wanted = set(keys)
        code_set = set(codes)
        cells = self.cells(doc_id)
        matching = [c for c in cells if (c.subject_code and c.subject_code in code_set)
                    or _key(c.row_label) in wanted or (c.project_name and _key(c.project_name) in wanted)]
        if not matching:
            matching = _by_path(cells, keys)
            kind = "functional" if matching else kind
        if not matching:
            return self._heading(cells, wanted, doc_id)
        order = [k for k, f in TABLE_FUNDS.items() if f == fund] if fund else list(TERM_TABLES.get(kind, ()))
        order += [k for k in TERM_TABLES["label"] if k not in order] if not fund else []
        found = self._first_table(matching, order, final, measure)
        if found is None and fund:  # 政府性基金安排的X where only an all-funds table prints X: its fund column
            everywhere = [k for k in (*TERM_TABLES.get(kind, ()), *TERM_TABLES["label"]) if TABLE_FUNDS.get(k) is None]
            found = self._first_table(matching, list(dict.fromkeys(everywhere)), final, fund, exact=True)
            if found is None:  # printed only where no fund is named: a candidate, its fund unverified
                loose = self._first_table(matching, list(dict.fromkeys(everywhere)), final, measure)
                if loose is not None:
                    found = Resolution(doc_id, loose.cells, ambiguous=True, reason="所在表格未标明资金来源")
        return found or Resolution(doc_id)

    def _first_table(self, matching: list[Candidate], order: Sequence[str], final: bool, measure: str | None,
                     exact: bool = False) -> Resolution | None:
        """The rows found in the first table (of the kinds in order) that prints them, for the measure."""
        for table_kind in order:
            in_kind = [c for c in matching if c.table_kind == table_kind]
            for table_id in dict.fromkeys(c.table_id for c in in_kind):
                rows: dict[int, list[Candidate]] = {}
                for cell in in_kind:
                    if cell.table_id == table_id:
                        rows.setdefault(cell.row_index, []).append(cell)
                measures = (measure,) if exact else _measures(("total",), final, _within(measure, table_kind))
                found = [c for c in ((_fund_cell(row, measure) if exact else _pick(row, measures))
                                     for row in rows.values()) if c is not None]
                if found:
                    return _decide(found[0].doc_id, found, f"{table_kind} 表中的同名行")
        return None


def _by_path(cells: list[Candidate], keys: Sequence[str]) -> list[Candidate]:
    """Rows named by a classification path (信访事务—行政运行, 教育/普通教育/小学教育): the last name on a coded
    row whose higher levels (by code prefix) carry the names before it, in order."""
    names = {c.subject_code: _key(c.row_label) for c in cells if c.subject_code}
    found: list[Candidate] = []
    for key in keys:
        path = [p for p in (term_key(part) for part in _PATH_SEPARATOR.split(key)) if p]
        if len(path) < 2:
            continue
        for cell in cells:
            code = cell.subject_code
            if not code or _key(cell.row_label) != path[-1]:
                continue
            above = [names.get(code[:n]) for n in range(3, len(code), 2)]
            if _in_order(path[:-1], [a for a in above if a]):
                found.append(cell)
    return found


def _in_order(wanted: list[str], names: list[str]) -> bool:
    position = 0
    for name in names:
        if position < len(wanted) and name == wanted[position]:
            position += 1
    return position == len(wanted)


def _heading_total(cells: list[Candidate], wanted: set[str]) -> list[Candidate]:
    """Cells of a column headed by the name, on their table's total row, one per table."""
    found: dict[int, Candidate] = {}
    for cell in cells:
        if cell.table_id in found or _key(cell.column_path.split("/")[-1]) not in wanted:
            continue
        label = name_key(_unnumbered(cell.row_label))
        if not cell.subject_code and (_TOTAL.match(label) or _GRAND.search(label)):
            found[cell.table_id] = cell
    return list(found.values())


def _for_fund(locators: Sequence[Locator], fund: str | None) -> list[Locator]:
    """The locators of the asked fund; with no fund, all of them, all-funds tables first.

    A figure only one fund's table prints (三公经费: titled 财政拨款 in one template, 一般公共预算 in
    another) is read from that table whatever fund the question names; the answer cites the table.
    """
    if fund:
        own = [loc for loc in locators if loc.fund == fund or (loc.measures[0] == fund)]
        funds = {loc.fund for loc in locators}
        return own or (list(locators) if len(funds) == 1 and None not in funds else [])
    return sorted(locators, key=lambda loc: 0 if loc.fund is None else 1) if _mixed(locators) else list(locators)


def _mixed(locators: Sequence[Locator]) -> bool:
    return len({loc.fund for loc in locators}) > 1


def _measures(measures: tuple[str, ...], final: bool, asked: str | None) -> tuple[str, ...]:
    """The column measures to read, in order: the asked one, else the document's own (决算数 in a 决算)."""
    if asked in BUDGET_MEASURES:
        return (asked, *[m for m in BUDGET_MEASURES if m != asked], "total") if final else ("total",)
    if asked == "budget":
        return (*BUDGET_MEASURES, "total") if final else ("total",)
    if asked and asked not in ("total", "final"):
        return (asked,)
    if measures == ("total",):
        return ("final", "total") if final else ("total", "final")
    return measures


def _pick(row: list[Candidate], measures: tuple[str, ...]) -> Candidate | None:
    """The row's cell of the first measure present (cells come this year's column first)."""
    for measure in measures:
        for cell in row:
            if cell.measure == measure:
                return cell
    return None


def _class_code(cell: Candidate) -> str | None:
    """The economic class (类) of a row: its 3-digit code, or its standard name where the table prints none."""
    if cell.subject_code:
        return cell.subject_code if len(cell.subject_code) == 3 else None
    return ECONOMIC_CLASSES.get(name_key(_unnumbered(cell.row_label)))


def _fund_cell(row: list[Candidate], fund: str) -> Candidate | None:
    """The row's cell of one fund: its measure, or a this-year column that names the fund (一般公共预算拨款/小计)."""
    exact = next((c for c in row if c.measure == fund), None)
    if exact is not None:
        return exact
    stem = FUND_STEMS.get(fund)
    named = [c for c in row if stem and c.measure == "total" and stem in name_key(c.column_path)
             and not _CARRIED.search(c.column_path)]
    return named[0] if named else None


def _within(measure: str | None, table_kind: str) -> str | None:
    """基本支出 asked of a basic-expenditure table (项目支出 of a project table) is that table's total column."""
    if measure in ("basic", "project") and table_kind in PART_TABLES[measure]:
        return None
    return measure


def _year_rank(column_path: str | None, year: int) -> int:
    """0: the column names the document's year; 1: names no year; 2: another year, 上年 or a change."""
    path = column_path or ""
    if _CHANGE_COLUMN.search(path):
        return 2
    years = [int(y) for y in _YEAR.findall(path)]
    if year in years and not _PREVIOUS.search(path):
        return 0
    return 2 if years or _PREVIOUS.search(path) else 1


def _total_rows(rows: dict[tuple[int, int], list[Candidate]]) -> dict[tuple[int, int], list[Candidate]]:
    """One total row per table: 合计 before 总计 (a grand total may add 结转)."""
    best: dict[int, tuple[int, int]] = {}
    for key, cells in rows.items():
        table_id = key[0]
        label = name_key(_unnumbered(cells[0].row_label))
        rank = 0 if "合计" in label else 1
        if table_id not in best or rank < best[table_id][0]:
            best[table_id] = (rank, key[1])
    return {(table_id, row): rows[(table_id, row)] for table_id, (_, row) in best.items()}


def _unlabelled_totals(cells: list[Candidate], kinds: set[str],
                       done: set[int]) -> dict[tuple[int, int], list[Candidate]]:
    """Tables of coded subjects whose total row is not printed as 合计 (it names the unit instead): the first
    uncoded row, when each of its amounts is the sum of the class (类) rows below it."""
    tables: dict[int, dict[int, list[Candidate]]] = {}
    for cell in cells:
        if cell.table_kind in kinds and cell.table_id not in done:
            tables.setdefault(cell.table_id, {}).setdefault(cell.row_index, []).append(cell)
    found = {}
    for table_id, rows in tables.items():
        first = rows[min(rows)]
        if first[0].subject_code or first[0].project_name:
            continue
        classes = [row for row in rows.values() if row[0].subject_code and len(row[0].subject_code) == 3]
        sums: dict[str, float] = {}
        for row in classes:
            for c in row:
                sums[c.column_path] = sums.get(c.column_path, 0.0) + c.value
        if classes and all(agrees(c.value, sums.get(c.column_path, 0.0), ROUNDING_WAN * len(classes)) for c in first):
            found[(table_id, min(rows))] = first
        elif len(rows) == 1 and not first[0].subject_code:
            found[(table_id, min(rows))] = first  # a table of one row (the unit's): that row is its total
    return found


_PERIOD_PATH = re.compile(r"^(?:(?:19|20)\d{2}年|增减)[^/]*/")  # a column of one period: 2026年/公务接待费/…
# a column's fund leaf (三公 items printed per fund: 公务接待费/一般公共预算): the item is the column
_FUND_LEAF = re.compile(r"/(?:一般公共预算|政府性基金预算?|国有资本经营预算|财政拨款)(?:拨款|支出|资金)?$")


def _table_has(cells: list[Candidate], table_id: int, pattern: str) -> bool:
    return any(c.table_id == table_id and (re.search(pattern, name_key(c.row_label))
                                          or re.search(pattern, name_key(c.column_path))) for c in cells)


def _decide(doc_id: str, found: list[Candidate], how: str) -> Resolution:
    """One value (the first cell), or an ambiguity when the cells found disagree.

    A "其中：X" row breaks down the row above it; beside a row printed plainly as X it is not X.
    """
    found = [_with_how(c, how) for c in found]
    plain = [c for c in found if not _SUB_ITEM.match(c.row_label or "")]
    if plain and len(plain) < len(found):
        found = plain
    first = found[0]
    if all(agrees(c.value, first.value, 2 * ROUNDING_WAN) for c in found[1:]):
        return Resolution(doc_id, [first])
    return Resolution(doc_id, found, ambiguous=True)


def _with_how(cell: Candidate, how: str) -> Candidate:
    return replace(cell, how=how)


def _key(label: str | None) -> str:
    return term_key(_unnumbered(label or ""))


def _unnumbered(label: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+[、.．]|\d+[.、．](?!\d)|[(（][一二三四五六七八九十\d]+[)）]|其中[:：])+",
                  "", (label or "").strip())
