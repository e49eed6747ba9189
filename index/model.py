"""The document model: what a budget disclosure becomes after parsing.

Parsing fills these objects; loading writes them to DuckDB; retrieval indexes
their passages. Nothing here knows about DuckDB, llama-index or Streamlit.

Money is stored in 万元 (``value``, ``unit`` "万元"); other values (scores in 分,
percentages, counts of 人 / 辆 / 个) keep their own unit in ``unit``. The figure as
printed and its unit are kept beside it (``raw``, ``original_value``,
``original_unit``). A blank cell is ``None`` (no value), never 0; an explicit "0"
or "0.00" is 0.0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class DocumentKind(str, Enum):
    """预算 (budget) or 决算 (final accounts)."""

    BUDGET = "预算"
    FINAL = "决算"


class DocumentScope(str, Enum):
    """部门 (department, consolidated) or 单位 (a single unit)."""

    DEPARTMENT = "部门"
    UNIT = "单位"


class TableKind(str, Enum):
    """Canonical table types of the Ministry of Finance disclosure template.

    The value is the stable key stored in DuckDB; the comment names the
    budget (预算) table and the final-accounts (决算) table it covers.
    """

    SUMMARY = "summary"  # 收支总体情况表 / 收入支出决算总表 (公开01表)
    INCOME = "income"  # 收入总体情况表 / 收入决算表 (公开02表)
    EXPENDITURE = "expenditure"  # 支出总体情况表 / 支出决算表 (公开03表)
    FISCAL_SUMMARY = "fiscal_summary"  # 财政拨款收支总体情况表 / 财政拨款收入支出决算总表 (公开04表)
    GENERAL_EXPENDITURE = "general_expenditure"  # 一般公共预算支出情况表 / 一般公共预算财政拨款支出决算表 (公开05表)
    GENERAL_BASIC = "general_basic"  # 一般公共预算基本支出情况表 / 基本支出决算明细表 (公开06表)
    GENERAL_PROJECT = "general_project"  # 一般公共预算项目支出情况表
    GOV_FUND = "gov_fund"  # 政府性基金预算支出情况表 / 政府性基金预算财政拨款收入支出决算表
    STATE_CAPITAL = "state_capital"  # 国有资本经营预算支出情况表 / 国有资本经营预算财政拨款支出决算表
    THREE_PUBLIC = "three_public"  # 财政拨款“三公”经费支出情况表 / “三公”经费支出决算表
    CARRYOVER = "carryover"  # 上年结转结余情况明细表 / 财政拨款结转资金支出表
    BASIC = "basic"  # 基本支出总表 (all funds, by economic subject)
    PROJECTS = "projects"  # 项目支出表 / 项目支出总表 / 专项业务经费支出表 (all funds, by project)
    EXPENDITURE_ECONOMIC = "expenditure_economic"  # 支出经济分类表 (all funds, by economic subject)
    GENERAL_ECONOMIC = "general_economic"  # 一般公共预算支出表（按经济分类）
    FISCAL_EXPENDITURE = "fiscal_expenditure"  # 财政拨款支出表（功能科目） (江苏 公开05表)
    FISCAL_BASIC = "fiscal_basic"  # 财政拨款基本支出表（经济科目） (江苏 公开06表)
    FISCAL_PROJECT = "fiscal_project"  # 财政拨款项目支出表
    RUNNING_COSTS = "running_costs"  # 机关运行经费支出表
    PROCUREMENT = "procurement"  # 政府采购预算表
    PURCHASED_SERVICES = "purchased_services"  # 政府购买服务预算表
    PERFORMANCE_TARGET = "performance_target"  # 部门整体绩效目标表 / 项目支出绩效目标表
    PERFORMANCE_SELF_EVAL = "performance_self_eval"  # 部门整体支出绩效自评表 / 项目支出绩效自评表
    OTHER = "other"  # a table of no listed type, kept with its own header paths


class Measure(str, Enum):
    """Canonical meaning of a value column, derived from its header path.

    Views pivot on these; the raw header path is kept in ``Cell.column_path``.
    """

    TOTAL = "total"  # 合计 / 总计 / 预算数 / 决算数 / 本年支出合计 (the row's total)
    BASIC = "basic"  # 基本支出
    PROJECT = "project"  # 项目支出
    PERSONNEL = "personnel"  # 人员经费
    PUBLIC = "public"  # 公用经费
    FISCAL = "fiscal"  # 财政拨款(补助) 小计
    GENERAL_BUDGET = "general_budget"  # 一般公共预算
    GOV_FUND = "gov_fund"  # 政府性基金预算
    STATE_CAPITAL = "state_capital"  # 国有资本经营预算
    TRANSFER = "transfer"  # 上级…安排的转移支付
    SPECIAL_ACCOUNT = "special_account"  # 财政专户
    UNIT_FUNDS = "unit_funds"  # 单位资金 / 事业收入 / 其他收入 …
    CARRYOVER = "carryover"  # 上年结转 / 财政拨款结转 / 年初结转和结余
    INITIAL_BUDGET = "initial_budget"  # 年初预算数
    ADJUSTED_BUDGET = "adjusted_budget"  # 全年预算数 / 调整预算
    FINAL = "final"  # 决算数 / 全年执行数 (where a table also has budget columns)
    OTHER = "other"


class SubjectSystem(str, Enum):
    """Which classification a subject code belongs to."""

    FUNCTIONAL = "functional"  # 支出功能分类: 类 205 / 款 20508 / 项 2050803
    ECONOMIC = "economic"  # 支出经济分类: 类 301 / 款 30101


@dataclass(frozen=True)
class Subject:
    """A classification subject (科目), code normalised to digits only.

    ``level`` is 1 for 类, 2 for 款, 3 for 项; ``parent`` the code one level up.
    """

    code: str
    level: int
    system: SubjectSystem
    name: str = ""

    @property
    def parent(self) -> str | None:
        if self.level == 1:
            return None
        return self.code[: 3 if self.level == 2 else 5]


@dataclass(frozen=True)
class Line:
    """One line of the source text (1-based number; page when the source has pages)."""

    number: int
    text: str
    page: int | None = None


@dataclass
class Cell:
    """One numeric value of a table row."""

    column_path: str  # header path joined with "/", e.g. "财政拨款(补助)/一般公共预算"
    measure: Measure | None
    value: float | None  # in ``unit``: 万元 for money; None for a blank cell
    raw: str  # as printed, markup removed
    line: int
    page: int | None = None
    original_value: float | None = None  # value in the table's own unit
    original_unit: str = "万元"
    unit: str = "万元"  # 万元 (money), 分, %, 人, 个, 辆 …

    @property
    def is_money(self) -> bool:
        return self.unit == "万元"


@dataclass
class Row:
    """One table row: its label, subject (if coded), project (if named) and cells.

    ``panel`` names the side of a side-by-side table (收入 / 支出 in 表1,
    人员经费 / 公用经费 in 公开06表); ``None`` for ordinary tables.
    """

    index: int
    label: str
    line: int
    subject: Subject | None = None
    project: str | None = None
    panel: str | None = None
    cells: list[Cell] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # non-numeric cells by column path

    def value(self, measure: Measure) -> float | None:
        for cell in self.cells:
            if cell.measure is measure:
                return cell.value
        return None


@dataclass
class Table:
    """A parsed table; page-split parts are already merged into one."""

    number: str | None  # as printed: "表1", "公开03表"; None when the document omits it
    name: str  # title as printed, e.g. "部门收支总体情况表"
    kind: TableKind
    unit: str  # the table's declared unit, e.g. "万元" or "元"
    line_start: int
    line_end: int
    columns: list[str] = field(default_factory=list)  # value column paths, in order
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # 备注 / 注 / 说明 lines, e.g. "…为空表"
    page: int | None = None

    @property
    def is_empty(self) -> bool:
        return not any(c.value is not None for r in self.rows for c in r.cells)


@dataclass
class Section:
    """A heading of the document and the lines it covers (heading line included).

    ``path`` runs from the outermost heading: ("第三部分 …情况说明", "五、…", "（三）…").
    """

    path: tuple[str, ...]
    line_start: int
    line_end: int
    text: str
    page: int | None = None

    @property
    def title(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def level(self) -> int:
        return len(self.path)


@dataclass(frozen=True)
class DocumentMeta:
    """Identity and provenance of one disclosure.

    Two files with the same department, year, kind and scope are the same
    document (e.g. a narrative PDF and its tables PDF).
    """

    department: str  # 编制部门 / 编制单位 / 部门, e.g. "轮台县人力资源和社会保障局"
    region: str  # e.g. "新疆维吾尔自治区巴音郭楞蒙古自治州轮台县"; "" when unknown
    year: int
    kind: DocumentKind
    scope: DocumentScope
    title: str
    source_file: str
    sha256: str
    identity_source: str = "document"  # where department and year were read: document | file name | user
    aliases: tuple[str, ...] = ()  # short names the narrative uses for the department (省检察院, 市卫健委)

    @property
    def doc_id(self) -> str:
        return f"{self.year}-{self.kind.value}-{self.scope.value}-{self.department}"


@dataclass
class Document:
    """A parsed disclosure: metadata, its lines, section tree and tables."""

    meta: DocumentMeta
    lines: list[Line]
    sections: list[Section]
    tables: list[Table]
    warnings: list[str] = field(default_factory=list)
    numeric_cells: int = 0  # numbers in the document's table rows
    recognised_cells: int = 0  # … of them in tables of a recognised kind

    @property
    def recognised_share(self) -> float | None:
        return self.recognised_cells / self.numeric_cells if self.numeric_cells else None


class PassageKind(str, Enum):
    """How a passage was cut from the narrative."""

    VARIANCE_ITEM = "variance_item"  # a numbered explanation item (…比上年增加…主要原因是…)
    PROJECT = "project"  # a project description (项目名称 … 预算安排规模 …)
    GLOSSARY = "glossary"  # a 名词解释 entry
    PARAGRAPH = "paragraph"  # any other narrative paragraph
    TABLE_TEXT = "table_text"  # the words of a table of sentences (绩效目标表: 年度目标, 指标值)


@dataclass(frozen=True)
class Passage:
    """A citable unit of narrative text, cut along the document's own structure."""

    passage_id: str  # "{doc_id}#L{line_start}-{line_end}"
    doc_id: str
    kind: PassageKind
    section_path: tuple[str, ...]
    text: str
    line_start: int
    line_end: int
    page: int | None = None


@dataclass(frozen=True)
class SourceText:
    """A file read into lines: decoded text files, or PDF pages turned into lines.

    Table rows read from a PDF's own layout come as tab-separated lines, so
    one parser serves every input.
    """

    path: str
    sha256: str
    encoding: str  # "utf-8", "gb18030", "utf-16", or "pdf"
    n_bytes: int
    lines: list[Line]
