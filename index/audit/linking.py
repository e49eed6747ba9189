"""Linking a narrative amount to the table cell it describes (数字与表格单元格的对应).

Used at ingest time, over a parsed ``Document``: build a ``CellIndex`` with
``CellIndex.from_document`` and call ``link_amount(index, subject_text,
measure_hint, scope_hint)``. The variances and the audit link with it; the
answer checks read the audit's links from ``audit_findings``, so there is one
linking implementation.

The subject is matched, in the tables of the scope in order, as
a functional subject path (…（类）…（款）…（项）), a “三公” item, a named
project, a total (合计 / 收支总计 / 收入预算 …), a row label, or a column
(一般公共预算, 基本支出, 人员经费 … on the table's total row). The scope is
what keeps rounding of different tables apart: a 决算 statement about
财政拨款 is compared with 公开05表, never with the all-funds 公开03表.
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Sequence

from index.amounts import ROUNDING_WAN, UNIT_FACTORS, agrees, decimals, rounding
from index.model import Document, DocumentKind
from index.parse.codes import PERSONNEL_CLASSES
from index.text import name_key

logger = logging.getLogger(__name__)


SYNTHETIC_ROW = -1  # row_index of a total summed from a table's rows (表 without a 合计 row)
# The tables a narrative without titled sub-sections (a whole 预算编制说明) may speak about, in order.
NARRATIVE_SCOPE = ("general_expenditure", "fiscal_summary", "expenditure", "income", "summary", "gov_fund",
                   "state_capital")

_SCOPES: list[tuple[str, tuple[str, ...]]] = [  # section title keyword → table kinds, in order of preference
    ("三公", ("three_public",)),
    ("结转结余", ("carryover", "summary")),
    ("基本支出", ("general_basic", "fiscal_basic", "general_expenditure")),
    ("项目支出", ("general_project", "carryover")),
    ("政府性基金", ("gov_fund",)),
    ("国有资本", ("state_capital",)),
    ("一般公共预算", ("general_expenditure",)),
    ("财政拨款收", ("fiscal_summary",)),
    ("财政拨款支出", ("fiscal_expenditure", "general_expenditure")),
    ("收支", ("summary", "expenditure", "income")),
    ("收入支出", ("summary", "expenditure", "income")),
    ("收入", ("income", "summary")),
    ("支出", ("expenditure",)),
]
_MEASURE_WORDS = [  # words naming the measure of an amount → Measure key ("prior_year": no table has it)
    (re.compile(r"预算执行数|上年(?:预算|决算)?数"), "prior_year"),
    (re.compile(r"年初预算"), "initial_budget"),
    (re.compile(r"全年预算|调整预算"), "adjusted_budget"),
    (re.compile(r"决算"), "final"),
]
_TOTAL_ROW = re.compile(r"^(?:本年)?(?:收入|支出)?(?:合计|总计)$")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|\d{1,2}\s*[.、．](?!\d)|[（(]\s*[\d一二三四五六七八九十]{1,3}\s*[)）])\s*")
_DASH_PATH = re.compile(r"([^-—－:]+)[-—－]([^-—－]+)(?:[-—－]([^-—－]+))?科目$")
_LEVEL_MARK = re.compile(r"\((类|款|项)\)")
_SUBJECT_CODE = re.compile(r"^(\d{3}|\d{5}|\d{7})[-—－]|\((\d{3}|\d{5}|\d{7})\)$")  # 2080501-… / …(2010401)
_THREE_PUBLIC_ITEMS = [  # (pattern, item key), first match wins
    (re.compile(r"出国"), "abroad"),
    (re.compile(r"购置及运行|购置和运行"), "vehicles"),
    (re.compile(r"购置"), "vehicle_purchase"),
    (re.compile(r"运行"), "vehicle_operation"),
    (re.compile(r"接待"), "reception"),
    (re.compile(r"三公|合计|总计"), "total"),
]
_TOTAL_SUBJECTS: list[tuple[re.Pattern, tuple[str, ...], str | None]] = [
    # (subject pattern, table kinds it names the total of, measure on the total row or "grand" / None for the total)
    (re.compile(r"收、?支总(?:预算|计)|收支预算总|收入、?支出预算总计"), ("summary", "fiscal_summary"), "grand"),
    (re.compile(r"^总(?:收入|支出)$|^(?:收入|支出)总计$"), ("summary",), "grand"),
    (re.compile(r"^(?:本年)?(?:预算)?收入(?:预算)?(?:合计|总计)?$"), ("income", "summary"), None),
    (re.compile(r"^(?:本年)?(?:预算)?支出(?:预算)?(?:合计|总计)?$"), ("expenditure", "summary"), None),
    (re.compile(r"一般公共预算(?:当年)?拨款(?:支出)?(?:预算)?(?:合计|规模)?$|一般公共预算(?:财政拨款)?支出$"),
     ("general_expenditure",), None),
    (re.compile(r"^财政拨款(?:预算)?(?:收入|支出)(?:合计|总计)?$"), ("fiscal_summary",), "grand"),
    (re.compile(r"^财政拨款(?:预算)?支出(?:合计|总计)?$"), ("fiscal_expenditure",), None),
    (re.compile(r"^政府性基金(?:预算)?(?:拨款)?支出(?:预算)?(?:合计)?$"), ("gov_fund",), None),
    (re.compile(r"^国有资本经营预算(?:拨款)?支出(?:预算)?(?:合计)?$"), ("state_capital",), None),
    (re.compile(r"基本支出(?:合计)?$"), ("general_basic", "fiscal_basic"), None),
    (re.compile(r"基本支出(?:合计)?$"), ("general_expenditure", "expenditure"), "basic"),
    (re.compile(r"项目支出(?:合计)?$"), ("general_expenditure", "expenditure", "general_project"), "project"),
    (re.compile(r"上年结转结余$|结转结余$"), ("carryover",), None),
]


@dataclass(frozen=True)
class CellRef:
    """One table cell with the table and row it sits in."""

    table_id: int
    table_number: str | None
    table_name: str
    table_kind: str
    row_index: int
    row_label: str
    panel: str | None
    subject_code: str | None
    subject_level: int | None
    subject_system: str | None
    subject_name: str | None
    project_name: str | None
    column_path: str
    measure: str | None
    value: float | None
    line: int | None
    slack: float = 0.0  # half a unit of the printed figure's last digit, in 万元 (尾差 of a converted value)

    @property
    def table_title(self) -> str:
        return f"{self.table_number} {self.table_name}" if self.table_number else self.table_name

    @property
    def is_total_row(self) -> bool:
        """合计 / 总计 / 收入总计 / 本年支出合计 (a named partial total such as 人员经费合计 is not)."""
        return self.subject_code is None and bool(_TOTAL_ROW.match(item_name(self.row_label)))


@dataclass(frozen=True)
class LinkedCell:
    """The cell a narrative amount describes, and how it was found."""

    cell: CellRef
    how: str  # "subject path", "three_public item", "project", "total", "row label", "column"

    @property
    def value(self) -> float | None:
        return self.cell.value


class CellIndex:
    """The cells of one document, grouped by table and row, for linking."""

    def __init__(self, cells: Iterable[CellRef], final: bool) -> None:
        self.final = final  # a 决算 document: amounts default to the 决算数 column
        self.tables: dict[int, dict[int, list[CellRef]]] = {}
        for cell in cells:
            self.tables.setdefault(cell.table_id, {}).setdefault(cell.row_index, []).append(cell)
        self._kinds = {tid: next(iter(rows.values()))[0].table_kind for tid, rows in self.tables.items() if rows}
        self._cores: dict[int, str] | None = None  # title_core of each table, when first asked

    @classmethod
    def from_document(cls, document: Document) -> "CellIndex":
        cells = []
        for table_id, table in enumerate(document.tables, start=1):
            for row in table.rows:
                subject = row.subject
                for cell in (c for c in row.cells if c.is_money):
                    cells.append(CellRef(
                        table_id=table_id, table_number=table.number, table_name=table.name,
                        table_kind=table.kind.value, row_index=row.index, row_label=row.label, panel=row.panel,
                        subject_code=subject.code if subject else None,
                        subject_level=subject.level if subject else None,
                        subject_system=subject.system.value if subject else None,
                        subject_name=subject.name if subject else None,
                        project_name=row.project, column_path=cell.column_path,
                        measure=cell.measure.value if cell.measure else None, value=cell.value, line=cell.line,
                        slack=rounding(decimals(cell.raw), cell.original_unit) if cell.original_unit in UNIT_FACTORS
                        else ROUNDING_WAN,
                    ))
        return cls(cells, final=document.meta.kind is DocumentKind.FINAL)

    def table_ids(self, kinds: Sequence[str]) -> list[int]:
        """The tables of these kinds (TableKind keys), kind by kind."""
        return [tid for kind in kinds for tid, k in self._kinds.items() if k == kind]

    def kind_of(self, table_id: int) -> str | None:
        return self._kinds.get(table_id)

    def titled(self, section_title: str) -> list[int]:
        """Tables named like the section: §五 财政拨款支出预算情况说明 → 财政拨款支出预算表(功能科目)."""
        core = title_core(section_title)
        if len(core) < 4:
            return []
        if self._cores is None:
            self._cores = {tid: title_core(next(iter(rows.values()))[0].table_name)
                           for tid, rows in self.tables.items() if rows}
        return [tid for tid, table_core in self._cores.items() if table_core == core]

    def rows(self, table_id: int) -> dict[int, list[CellRef]]:
        return self.tables.get(table_id, {})

    def total_row(self, table_id: int, panel: str | None = None, grand: bool = False) -> list[CellRef] | None:
        """The table's 合计 row (of ``panel``; the 总计 row first when ``grand``).

        Without any, a row summed from the rows (a 明细表 of items only).
        """
        rows = [cells for cells in self.rows(table_id).values()
                if cells[0].is_total_row and (panel is None or cells[0].panel == panel)]
        if rows:
            first = "总计" if grand else "合计"
            return min(rows, key=lambda cells: (0 if first in cells[0].row_label else 1, cells[0].row_index))
        if panel is not None:
            return None
        return self._unlabelled_total(table_id) or self._summed_row(table_id)

    def _unlabelled_total(self, table_id: int) -> list[CellRef] | None:
        """A 合计 row printed without its label (merged into the header): a row with no label, subject or
        project whose total is the sum of the table's top-level subjects."""
        rows = list(self.rows(table_id).values())
        top = [cells for cells in rows if cells[0].subject_level == 1]
        for cells in rows:
            first = cells[0]
            if first.row_label.strip() or first.subject_code or first.project_name or not top:
                continue
            total = first_total(cells)
            parts = [next((c for c in row if c.column_path == total.column_path), None) for row in top]
            if total.value and all(parts) and agrees(total.value, sum(c.value or 0.0 for c in parts),
                                                      sum(c.slack for c in parts) + total.slack):
                return [replace(cell, row_label="合计（未印行名）") for cell in cells]
        return None

    def other_funds_spend(self) -> bool:
        """The document's 政府性基金 / 国有资本经营 tables hold an amount (财政拨款 is more than 一般公共预算)."""
        return any(cell.value for table_id in self.table_ids(["gov_fund", "state_capital"])
                   for row in self.rows(table_id).values() for cell in row)

    def has_budget_tables(self) -> bool:
        """Whether any table is a recognised budget table (a narrative-only file has none)."""
        return any(kind != "other" for kind in self._kinds.values())

    def _summed_row(self, table_id: int) -> list[CellRef] | None:
        """For a list of items without a total row (上年结转结余明细): each column summed."""
        rows = list(self.rows(table_id).values())
        if not rows or rows[0][0].table_kind != "carryover" or any(r[0].subject_code for r in rows):
            return None
        sums: dict[str, CellRef] = {}
        for cells in rows:
            for cell in cells:
                base = sums.get(cell.column_path)
                value = cell.value if base is None else _add(base.value, cell.value)
                slack = cell.slack if base is None else base.slack + cell.slack
                template = base or cell
                sums[cell.column_path] = replace(template, row_index=SYNTHETIC_ROW, row_label="（各行合计）",
                                                 project_name=None, value=value, line=None, slack=slack)
        return list(sums.values())


def scope_for_section(title: str) -> tuple[str, ...]:
    """Table kinds a narrative section speaks about, from its title (§五 一般公共预算当年拨款 → 表5 …)."""
    text = name_key(title)
    for keyword, kinds in _SCOPES:
        if keyword in text:
            return kinds
    return ()


@lru_cache(maxsize=4096)  # asked of every table for every amount linked
def title_core(title: str) -> str:
    """A section or table title without numbering, year, 情况说明 / 表 and a bracketed tail."""
    text = _NUMBERING.sub("", name_key(title))
    text = re.sub(r"^关于|\d{4}年度?", "", text)
    text = re.sub(r"\([^()]*\)$", "", text)
    for _ in range(2):  # "…预算表情况说明" → "…预算"
        text = re.sub(r"(?:的)?(?:总体)?(?:情况)?(?:说明|表)$", "", text)
    return text


def measure_from_words(text: str) -> str | None:
    """年初预算 → initial_budget, 全年预算 → adjusted_budget, 决算 → final; None when the text names none."""
    for pattern, measure in _MEASURE_WORDS:
        if pattern.search(text):
            return measure
    return None


def link_amount(
    candidates: CellIndex,
    subject_text: str,
    measure_hint: str | None = None,
    scope_hint: str | Sequence[str] | None = None,
) -> LinkedCell | None:
    """The cell that ``subject_text`` (the words before an amount) names, or None.

    ``measure_hint`` is a Measure key (total, basic, final, adjusted_budget …);
    ``scope_hint`` a section title or table kind keys, tried in order (all
    tables when None).
    """
    subject = name_key(subject_text)
    if not subject:
        return None
    if isinstance(scope_hint, str):
        kinds = scope_for_section(scope_hint) or (scope_hint,)
        titled = candidates.titled(scope_hint)
    else:
        kinds, titled = tuple(scope_hint or ()), []
    kinds = _fiscal_split_tables(candidates, kinds, subject)
    table_ids = candidates.table_ids(kinds) if kinds else list(candidates.tables)
    table_ids = titled + [t for t in table_ids if t not in titled]
    exact = (_by_subject_path, _by_code, _by_three_public, _by_project, _by_total, _by_label, _by_column,
             _by_basic_split)
    for resolvers in (exact, (_by_item_name,)):  # the wording-tolerant match only where no table names it exactly
        for table_id in table_ids:
            for resolver in resolvers:
                found = resolver(candidates, table_id, subject, measure_hint)
                if found is not None:
                    logger.debug("linked %r to %s row %s (%s)", subject, found.cell.table_title,
                                 found.cell.row_label, found.how)
                    return found
    return None


def _fiscal_split_tables(candidates: CellIndex, kinds: tuple[str, ...], subject: str) -> tuple[str, ...]:
    """A 财政拨款收支总表 has no 基本支出 / 项目支出 columns: its section's split is the 财政拨款支出表's, or the
    一般公共预算支出表's where no other fund spends (财政拨款 = 一般公共预算 then)."""
    if kinds[:1] != ("fiscal_summary",) or not re.search(r"基本支出|项目支出", subject):
        return kinds
    return kinds + ("fiscal_expenditure",) + (() if candidates.other_funds_spend() else ("general_expenditure",))


@lru_cache(maxsize=16384)
def item_name(label: str) -> str:
    """A row label or subject as an item name: numbering, 其中, trailing 资金 / 拨款 removed."""
    name = name_key(label)
    name = _NUMBERING.sub("", name)
    name = re.sub(r"^(?:其中|包括)[:，,]?", "", name)
    name = re.sub(r"^\d{1,2}[.、．]", "", name)
    for suffix in ("资金", "拨款"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 4:
            name = name[: -len(suffix)]
    return name


def pick_cell(cells: Sequence[CellRef], measure_hint: str | None, final: bool) -> CellRef | None:
    """The cell of a row for the measure asked, else the row's total (决算数 in a 决算 document)."""
    if measure_hint:
        hinted = [c for c in cells if c.measure == measure_hint]
        if hinted:
            return hinted[0]
        if measure_hint not in ("final", "total"):
            return None
    order = ("total", "fiscal", "general_budget", "final")
    if final:
        order = ("final", *order[:-1])
    for measure in order:
        for cell in cells:
            if cell.measure == measure:
                return cell
    return cells[0] if cells else None


def format_amount(value: float) -> str:
    """2140.09, 10, 0.5: two decimals at most, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def where(cell: CellRef) -> str:
    """表5 一般公共预算支出情况表“行政运行”合计: the table, row and column of a cell."""
    return f"{cell.table_title}“{cell.project_name or cell.row_label}”{cell.column_path.split('/')[-1]}"


def first_total(row: Sequence[CellRef]) -> CellRef | None:
    """The row's total cell (合计, else 决算数, else 财政拨款小计), else its first."""
    for measure in ("total", "final", "fiscal"):
        for cell in row:
            if cell.measure == measure:
                return cell
    return row[0] if row else None


def _add(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else round(a + b, 6)


def _linked(candidates: CellIndex, cells: Sequence[CellRef], measure: str | None, how: str) -> LinkedCell | None:
    cell = pick_cell(cells, measure, candidates.final)
    return LinkedCell(cell, how) if cell is not None else None


def subject_path(subject: str) -> list[tuple[int, str]]:
    """[(1, "社会保障和就业支出"), (2, "就业补助"), (3, "社会保险补贴")] from "…（类）…（款）…（项）"
    (a level may be left out) or from "“类-款-项”科目"."""
    text = name_key(subject)
    parts = _LEVEL_MARK.split(text)  # name, level, name, level, …, tail
    path = []
    for name, level in zip(parts[0::2], parts[1::2]):
        name = item_name(re.sub(r"^.*:", "", name))
        if name:
            path.append(({"类": 1, "款": 2, "项": 3}[level], name))
    dashed = _DASH_PATH.search(text) if not path else None
    if dashed:
        path = [(level, item_name(dashed[level])) for level in (1, 2, 3) if dashed[level]]
    return path


def _by_subject_path(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """…（类）…（款）…（项）: walk 类 → 款 → 项 by name under the row found one step up."""
    path = subject_path(subject)
    if not path:
        return None
    rows = [cells for cells in candidates.rows(table_id).values()
            if cells[0].subject_system == "functional" and cells[0].project_name is None]
    parent, depth = "", 0
    found: list[CellRef] | None = None
    by_code = {r[0].subject_code: r for r in rows}
    for level, name in path:
        named = [r for r in rows if r[0].subject_level == level and _same_subject(r[0], name)]
        if not named and not parent and level > 1:  # "人大事务行政运行（项）": the 款 name written before the 项 name
            named = [r for r in rows if r[0].subject_level == level and name.endswith(_subject_name(r[0]))
                     and _parent_name(by_code, r[0]) == name[: len(name) - len(_subject_name(r[0]))]]
        if not named:  # the level misprinted: "住房改革支出（类）住房公积金（项）" where 住房改革支出 is a 款
            named = [r for r in rows if (r[0].subject_level or 0) > depth and _same_subject(r[0], name)]
        under = [r for r in named if (r[0].subject_code or "").startswith(parent)]
        if len({r[0].subject_code for r in under}) != 1:
            return None
        found = under[0]
        parent, depth = found[0].subject_code or "", found[0].subject_level or 0
    return _linked(candidates, found, measure, "subject path") if found else None


def _same_subject(cell: CellRef, name: str) -> bool:
    """The row's subject is the name, with or without a trailing 支出 on either side."""
    own = _subject_name(cell)
    return own in (name, name + "支出") or name == own + "支出"


def _by_code(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """A subject printed with its code: "2080501-行政单位离退休", "行政运行（2010401）", "工资福利支出（301）".

    The row of that code, when its name is the subject's name too (a code alone may be misprinted).
    """
    text = item_name(subject)
    code = _SUBJECT_CODE.search(text)
    if code is None:
        return None
    name = item_name(_SUBJECT_CODE.sub("", text))
    for cells in candidates.rows(table_id).values():
        first = cells[0]
        if first.subject_code == (code[1] or code[2]) and first.project_name is None and _same_subject(first, name):
            return _linked(candidates, cells, measure, "subject code")
    return None


def _parent_name(by_code: dict, cell: CellRef) -> str | None:
    parent = by_code.get((cell.subject_code or "")[: 3 if cell.subject_level == 2 else 5])
    return _subject_name(parent[0]) if parent else None


def _subject_name(cell: CellRef) -> str:
    return item_name(cell.subject_name or cell.row_label)


def three_public_item(text: str) -> str | None:
    """The “三公” item a label or subject names: total, abroad, vehicles, vehicle_purchase, …

    None for what such a table may add: 机关运行经费, 会议费, 培训费.
    """
    text = name_key(text)
    if re.search(r"机关运行|会议费|培训费", text):
        return None
    for pattern, key in _THREE_PUBLIC_ITEMS:
        if pattern.search(text):
            return key
    return None


def _by_three_public(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    rows = candidates.rows(table_id)
    if not rows or next(iter(rows.values()))[0].table_kind != "three_public":
        return None
    if re.search(r"外宾|国内公务接待|其他国内", subject):
        return None  # 接待 sub-items the table does not carry
    key = three_public_item(subject) or _meeting_item(subject)
    if key is None:
        return None
    matching = [cells for cells in rows.values() if _table_item(cells[0].row_label) == key]
    matching.sort(key=lambda cells: 0 if "三公" in cells[0].row_label else 1)  # “三公”经费 before a wider 合计
    if matching:
        return _linked(candidates, matching[0], measure, "three_public item")
    return _by_item_column(candidates, rows, key, measure)


def _meeting_item(text: str) -> str | None:
    """会议费 or 培训费 alone (a 三公 table may carry them beside the three items)."""
    text = name_key(text)
    if "三公" in text or ("会议费" in text) == ("培训费" in text):
        return None
    return "meeting" if "会议费" in text else "training"


def _table_item(label: str) -> str | None:
    return three_public_item(label) or _meeting_item(label)


def _by_item_column(candidates: CellIndex, rows: dict[int, list[CellRef]], key: str,
                    measure: str | None) -> LinkedCell | None:
    """A “三公” table printed sideways: the items are columns, the rows 预算数 and 决算数."""
    final = measure == "final" or (measure is None and candidates.final)
    for cells in rows.values():
        label = item_name(cells[0].row_label)
        if label not in ("预算数", "决算数", "预算", "决算", "全年预算数", "年初预算数") or ("决算" in label) != final:
            continue
        for cell in cells:
            parts = [p for p in cell.column_path.split("/") if item_name(p) not in ("小计", "合计")]
            if parts and _table_item(parts[-1]) == key:
                return LinkedCell(cell, "three_public item")
    return None


def _by_project(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """A named project (项目名称 / 结转项目): the most similar project name, if similar enough."""
    name = _project_key(subject)
    if len(name) < 6:
        return None
    best, best_ratio = None, 0.0
    for cells in candidates.rows(table_id).values():
        project = cells[0].project_name
        if not project:
            continue
        key = _project_key(project)
        ratio = 1.0 if (name in key or key in name) else difflib.SequenceMatcher(None, name, key).ratio()
        if ratio > best_ratio:
            best, best_ratio = cells, ratio
    if best is None or best_ratio < 0.8:
        return None
    same = [cells for cells in candidates.rows(table_id).values() if cells[0].project_name == best[0].project_name]
    if len(same) > 1:  # one project under several subjects: its amount is the sum of its rows
        parts = [pick_cell(cells, measure, candidates.final) for cells in same]
        first = parts[0]
        value = sum(c.value or 0.0 for c in parts if c is not None)
        total = replace(first, row_index=SYNTHETIC_ROW, row_label=f"{first.project_name}（{len(same)} 行合计）",
                        subject_code=None, subject_level=None, subject_name=None, value=round(value, 6),
                        slack=sum(c.slack for c in parts if c is not None))
        return LinkedCell(total, "project")
    return _linked(candidates, best, measure, "project")


def _project_key(text: str) -> str:
    text = name_key(text)
    text = re.sub(r"^.*?项目名称:", "", text)
    text = _NUMBERING.sub("", text)
    text = re.sub(r"^[^:]{1,8}:", "", text)  # "人社局:" unit prefix
    text = re.sub(r"(?:项目)?(?:预算安排规模)?:?$", "", text)
    return text.replace("〔", "[").replace("〕", "]").replace("【", "[").replace("】", "]")


def _by_total(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """收支总计 / 收入预算 / 支出合计 / 一般公共预算拨款合计 / 基本支出 … on the table's total row."""
    kind = candidates.kind_of(table_id)
    name = re.sub(r"(?<=收入|支出)预算$", "", item_name(subject))  # 基本支出预算 = 基本支出
    panel = _panel(candidates, table_id, name)
    for pattern, kinds, total_measure in _TOTAL_SUBJECTS:
        if kind not in kinds or not pattern.search(name):
            continue
        if total_measure in (None, "grand") and not kind.startswith("fiscal_") and _names_other_item(name, pattern):
            continue
        row = candidates.total_row(table_id, panel, grand=total_measure == "grand")
        if row is None:
            continue
        if total_measure not in (None, "grand"):
            hinted = [c for c in row if c.measure == total_measure]
            if hinted:
                return LinkedCell(hinted[0], "total")
            continue
        found = _linked(candidates, row, measure, "total")
        if found is not None:
            return found
    return None


def _panel(candidates: CellIndex, table_id: int, name: str) -> str | None:
    """The side (收入 / 支出) of a two-sided table a subject names, when the table has it."""
    sides = [side for side in ("收入", "支出") if side in name]
    if len(sides) != 1:
        return None
    rows = candidates.rows(table_id).values()
    return sides[0] if any(cells[0].panel == sides[0] for cells in rows) else None


def _names_other_item(name: str, pattern: re.Pattern) -> bool:
    """"财政拨款收支总预算" names the 财政拨款 table's total, not the all-funds one."""
    match = pattern.search(name)
    head = name[: match.start()] if match else ""
    return "财政拨款" in head and "一般公共预算" not in name


def _by_label(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """A row whose label (or subject name) is the subject: 一般公共预算, 教育支出, 上年结转结余 …"""
    name = item_name(subject)
    for cells in candidates.rows(table_id).values():
        first = cells[0]
        labels = {item_name(first.row_label), re.sub(r"合计$", "", item_name(first.row_label))}
        if first.subject_name:
            labels.add(item_name(first.subject_name))
        if first.subject_level not in (None, 1):
            continue  # a bare name means the 类; deeper rows need the (类)(款)(项) path
        if name in labels:
            return _linked(candidates, cells, measure, "row label")
    return None


def _by_column(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """A column named by the subject (一般公共预算, 财政拨款结转, 人员经费 …), on the total row."""
    name = _without_own_fund(item_name(subject), candidates.kind_of(table_id))
    row = candidates.total_row(table_id)
    if not row or not name:
        return None
    for cell in row:
        if measure in _BUDGET_MEASURES and cell.measure != measure:
            continue  # 年初预算 is no column of a 决算 table
        parts = [item_name(p) for p in cell.column_path.split("/")]
        leaf = parts[-1]
        if leaf in ("合计", "小计") and len(parts) > 1:
            leaf = parts[-2]
        if name == leaf or name == leaf + "收入" or leaf in (name + "收入", "本年" + name):
            return LinkedCell(cell, "column")
    return None


_BUDGET_MEASURES = ("initial_budget", "adjusted_budget", "prior_year")
_OWN_FUND = {"gov_fund": "政府性基金", "state_capital": "国有资本经营", "general_expenditure": "一般公共预算",
             "general_basic": "一般公共预算", "general_project": "一般公共预算"}


def _without_own_fund(name: str, kind: str | None) -> str:
    """A subject without the fund its table is about (政府性基金预算财政拨款年初结转和结余 → 年初结转和结余 in
    the 政府性基金 table), so that it names the table's column."""
    fund = _OWN_FUND.get(kind or "", "财政拨款" if (kind or "").startswith("fiscal_") else None)
    if fund is None or not name.startswith(fund):
        return name
    return re.sub(r"^(?:预算)?(?:财政)?(?:拨款)?", "", name[len(fund):])


def _by_basic_split(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """人员经费 / 公用经费 of a 基本支出 table by economic class without such columns: the sum of its
    classes (人员经费 = 301 工资福利支出 + 303 对个人和家庭的补助; 公用经费 = the other classes)."""
    name = item_name(subject)
    if name not in ("人员经费", "公用经费") or candidates.kind_of(table_id) not in ("general_basic", "fiscal_basic"):
        return None
    classes = [cells for cells in candidates.rows(table_id).values()
               if cells[0].subject_system == "economic" and cells[0].subject_level == 1]
    if not any(cells[0].subject_code == "301" for cells in classes):
        return None
    personnel = name == "人员经费"
    parts = [first_total(cells) for cells in classes if (cells[0].subject_code in PERSONNEL_CLASSES) == personnel]
    parts = [cell for cell in parts if cell is not None]
    if not parts:
        return None
    labels = " + ".join(cell.subject_name or cell.row_label for cell in parts)
    total = replace(parts[0], row_index=SYNTHETIC_ROW, row_label=f"{labels}（{name}）", subject_code=None,
                    subject_level=None, subject_name=None, line=None,
                    value=round(sum(cell.value or 0.0 for cell in parts), 6), slack=sum(cell.slack for cell in parts))
    return LinkedCell(total, "economic classes")


_SOURCE_TAIL = re.compile(r"(?:收入|预算|拨款|合计|总计|小计)$")


def source_name(text: str) -> str:
    """A row or column name without the words its printings add or leave out: the level marks, a leading
    本年 / 单位, trailing 收入 / 预算 / 拨款 / 合计 (一般公共预算收入预算 → 一般公共, 政府性基金预算 → 政府性基金)."""
    name = _LEVEL_MARK.sub("", item_name(text)).replace("其它", "其他")
    name = re.sub(r"^(?:本年|当年|本级|本|单位|部门)", "", name)
    while True:
        shorter = _SOURCE_TAIL.sub("", name)
        if shorter == name or len(shorter) < 2:
            return name
        name = shorter


def _by_item_name(candidates: CellIndex, table_id: int, subject: str, measure: str | None) -> LinkedCell | None:
    """A 类 row, a row without subject or a column whose name is the subject's up to those words
    (一般公共服务（类）支出 → 一般公共服务支出; 一般公共预算收入预算 → 1.一般公共预算), on the subject's side."""
    name = source_name(subject)
    if len(name) < 2 or name in ("收入", "支出"):
        return None
    sides = {side for side in ("收入", "支出") if side in item_name(subject)}
    plain = _plain(subject)
    for cells in candidates.rows(table_id).values():
        first = cells[0]
        if first.subject_level not in (None, 1) or first.project_name or _other_side(first.panel or first.row_label, sides):
            continue
        if name in (source_name(first.row_label), source_name(first.subject_name or "")) \
                or (plain is not None and plain in (_plain(first.row_label), _plain(first.subject_name or ""))):
            return _linked(candidates, cells, measure, "item name")
    for cell in candidates.total_row(table_id) or []:
        parts = [p for p in cell.column_path.split("/") if item_name(p) not in ("合计", "小计", "金额")]
        if parts and source_name(parts[-1]) == name and not _other_side(parts[-1], sides):
            return LinkedCell(cell, "item name")
    return None


def _plain(text: str) -> str | None:
    """A name without 的 and a trailing 支出 (对个人和家庭补助支出 = 对个人和家庭的补助); None when too short to tell."""
    name = re.sub(r"支出$", "", source_name(text).replace("的", ""))
    return name if len(name) >= 4 else None


def _other_side(text: str, sides: set[str]) -> bool:
    """A name on the other side of the account than the subject (其他收入 ≠ 其他支出)."""
    return any(other in text and side not in text for side, other in (("收入", "支出"), ("支出", "收入")) if side in sides)
