"""Standard quantities (标准口径) every disclosure reports, and where each template prints them.

A question asks for 收支总计, 财政拨款收入, 人员经费 or 三公经费 in its own words; each
disclosure prints the figure in its own table layout. A ``Concept`` holds both
sides as data: the words that name it, and ``Locator``s — a table kind, the row
(by its printed label, or the table's total row), the column (by measure) and,
for side-by-side tables, the panel — in order of preference. The resolver
(``assistant.engines.resolve``) tries them on each document's cells.

Locators name the funds their table covers (``fund``): a question about
一般公共预算安排的基本支出 uses only locators of that fund; a question naming no
fund prefers the all-funds tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.parse.codes import PERSONNEL_CLASSES
from index.text import name_key

TOTAL_ROW = r"^(?:合计|总计|本年合计|支出合计|收入合计|合计数|总合计)$"
GENERAL, FISCAL, GOV_FUND, STATE_CAPITAL = "general_budget", "fiscal", "gov_fund", "state_capital"
# the words every printing of a fund's name holds (a column 一般公共预算拨款/小计, 政府性基金预算拨款收入)
FUND_STEMS = {GENERAL: "一般公共预算", GOV_FUND: "政府性基金", STATE_CAPITAL: "国有资本经营", FISCAL: "财政拨款"}
FUNDS = (GENERAL, FISCAL, GOV_FUND, STATE_CAPITAL)

# The funds each table kind covers (None: all funds).
TABLE_FUNDS: dict[str, str | None] = {
    "summary": None, "income": None, "expenditure": None, "basic": None, "projects": None,
    "expenditure_economic": None, "carryover": None, "procurement": None, "purchased_services": None,
    "fiscal_summary": FISCAL, "fiscal_expenditure": FISCAL, "fiscal_basic": FISCAL, "fiscal_project": FISCAL,
    "general_expenditure": GENERAL, "general_basic": GENERAL, "general_project": GENERAL,
    "general_economic": GENERAL, "three_public": GENERAL, "running_costs": GENERAL,
    "gov_fund": GOV_FUND, "state_capital": STATE_CAPITAL,
}
# Question words naming a fund, longest first; "一般公共预算拨款安排的…" restricts the answer to that fund.
FUND_WORDS: tuple[tuple[str, str], ...] = (
    ("一般公共预算财政拨款", GENERAL), ("一般公共预算拨款", GENERAL), ("一般公共预算", GENERAL),
    ("政府性基金预算", GOV_FUND), ("政府性基金", GOV_FUND), ("国有资本经营预算", STATE_CAPITAL),
    ("国有资本经营", STATE_CAPITAL), ("财政拨款", FISCAL),
)


@dataclass(frozen=True)
class Locator:
    """A place a figure is printed: the table kinds, the row, the column measures and the panel.

    ``row`` is a pattern on the row label's ``name_key``; None means the table's total row.
    ``measures`` are tried in order (a 决算 document reads 决算数 before 合计); ``column``, a pattern
    on the column path's ``name_key``, picks the cell instead (三公 printed as columns).
    """

    kinds: tuple[str, ...]
    row: str | None = None
    measures: tuple[str, ...] = ("total",)
    panel: str | None = None
    functional: bool = False  # the row must be a functional subject (功能分类) row
    column: str | None = None
    whole: bool = False  # the column is the table's own total (it may add items outside the concept)

    @property
    def fund(self) -> str | None:
        return TABLE_FUNDS.get(self.kinds[0])


@dataclass(frozen=True)
class Concept:
    """A standard quantity: its name, the words that ask for it, and where it is printed."""

    key: str
    name: str
    words: tuple[str, ...]
    locators: tuple[Locator, ...]
    parts: tuple[str, ...] = ()  # concepts that add up to it, when no row prints it (三公 = 出国 + 车辆 + 接待)
    # economic classes (经济分类) of a basic-expenditure table that add up to it when no column prints it:
    # 人员经费 = 301 + 303; 公用经费 = every other class (``complement``)
    classes: tuple[str, ...] = ()
    complement: bool = False
    excludes: str | None = None  # a row label that disqualifies a total (会议费 beside 三公)

    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name_key(w) for w in (self.name, *self.words)))


def _total(kind: str, measures: tuple[str, ...] = ("total",), panel: str | None = None) -> Locator:
    return Locator((kind,), None, measures, panel)


def _row(kind: str, row: str, measures: tuple[str, ...] = ("total",), panel: str | None = None) -> Locator:
    return Locator((kind,), row, measures, panel)


_THREE = ("three_public",)
BASIC_KINDS = ("basic", "general_basic", "fiscal_basic")
CONCEPTS: tuple[Concept, ...] = (
    Concept("grand_total", "收支总计", (
        "收支总计", "收支总额", "收支总预算", "收支预算总额", "收支预算总计", "收支规模", "部门预算总额",
        "收入总计", "支出总计", "部门预算总计", "部门收支总预算"), (
        _row("summary", r"^(?:收入总计|收支总计|总计)$", panel="收入"),
        _row("summary", r"^(?:支出总计|总计)$", panel="支出"),
        _row("summary", r"^(?:收入总计|收支总计|总计)$"),
        _row("summary", r"^收入合计$", panel="收入"),  # a summary with no 总计 line (no carry-over): its last line
    )),
    Concept("current_income", "本年收入合计", ("本年收入合计", "本年收入", "当年收入"), (
        _row("summary", r"^本年收入合计$", panel="收入"),
        _row("summary", r"^本年收入合计$"),
    )),
    Concept("income", "收入合计", (
        "收入合计", "收入预算", "预算收入", "总收入", "收入总额", "部门收入", "收入预算总额", "全年收入", "收入"), (
        _total("income"),
        _row("summary", r"^(?:收入总计|总计)$", panel="收入"),
    )),
    Concept("current_expenditure", "本年支出合计", ("本年支出合计", "本年支出", "当年支出"), (
        _row("summary", r"^本年支出合计$", panel="支出"),
        _row("summary", r"^本年支出合计$"),
        _total("expenditure"),
    )),
    Concept("expenditure", "支出合计", (
        "支出合计", "支出预算", "预算支出", "总支出", "支出总额", "部门支出", "全年支出",
        "支出预算总额", "部门支出预算总额", "支出预算总量"), (
        _total("expenditure"),
        _row("summary", r"^本年支出合计$", panel="支出"),
    )),
    Concept("fiscal_income", "财政拨款收入", (
        "财政拨款收入", "财政拨款预算收入"), (
        _row("fiscal_summary", r"^(?:本年收入合计|收入合计|收入总计)$", panel="收入"),
        _row("summary", r"^(?:一、)?财政拨款(?:收入)?(?:\(补助\))?$", panel="收入"),
        _total("income", ("fiscal",)),
    )),
    Concept("fiscal_expenditure", "财政拨款支出", ("财政拨款支出", "财政拨款安排的支出"), (
        _row("fiscal_summary", r"^(?:本年支出合计|支出合计|支出总计)$", panel="支出"),
        _total("fiscal_expenditure"),
    )),
    Concept("general_income", "一般公共预算拨款收入", (
        "一般公共预算拨款收入", "一般公共预算收入", "一般公共预算财政拨款收入"), (
        _row("summary", r"^(?:[一二三四五六七八九十]、)?一般公共预算(?:拨款|财政拨款)?(?:收入)?$", panel="收入"),
        _row("fiscal_summary", r"^(?:[一二三四五六七八九十]、)?一般公共预算(?:拨款|财政拨款)?(?:收入)?$", panel="收入"),
        _total("income", ("general_budget",)),
    )),
    Concept("general_expenditure", "一般公共预算支出", (
        "一般公共预算支出", "一般公共预算财政拨款支出", "一般公共预算拨款支出", "一般公共预算当年拨款"), (
        _total("general_expenditure"),
        _row("fiscal_summary", r"^(?:本年支出合计|支出合计|支出总计)$", ("general_budget",), panel="支出"),
    )),
    Concept("basic", "基本支出", ("基本支出",), (
        _total("expenditure", ("basic",)), _total("general_expenditure", ("basic",)),
        _total("fiscal_expenditure", ("basic",)), _total("gov_fund", ("basic",)),
    )),
    Concept("project", "项目支出", ("项目支出",), (
        _total("expenditure", ("project",)), _total("general_expenditure", ("project",)),
        _total("fiscal_expenditure", ("project",)), _total("gov_fund", ("project",)),
    )),
    Concept("personnel", "人员经费", ("人员经费",), (
        _total("general_basic", ("personnel",)), _row("general_basic", r"^人员经费(?:合计)?$"),
        _total("basic", ("personnel",)), _row("basic", r"^人员经费(?:合计)?$"),
        _total("fiscal_basic", ("personnel",)),
    ), classes=PERSONNEL_CLASSES),
    Concept("public", "公用经费", ("公用经费",), (
        _total("general_basic", ("public",)), _row("general_basic", r"^公用经费(?:合计)?$"),
        _total("basic", ("public",)), _row("basic", r"^公用经费(?:合计)?$"),
        _total("fiscal_basic", ("public",)),
    ), classes=PERSONNEL_CLASSES, complement=True),
    Concept("three_public", "三公经费", ("三公经费", "三公", "三公经费支出"), (
        Locator(_THREE, r"三公经费(?:合计|小计|总额|总计|预算总额|财政拨款预算总额)?$|^三公(?:合计)?$"),
        Locator(_THREE, None, column=r"三公[^/]*/(?:小计|合计)$|三公经费(?:合计|小计)$"),
        Locator(_THREE, None),
        Locator(_THREE, None, column=r"(?:^|/)(?:总计|合计)$", whole=True),
    ), parts=("abroad", "vehicles", "reception"), excludes=r"会议费|培训费"),
    Concept("abroad", "因公出国(境)费", ("因公出国(境)费", "因公出国费", "出国费", "因公出国境费", "出国(境)费", "因公出国",
                                            "出国(境)经费", "出国经费", "出国"), (
        Locator(_THREE, r"出国"),
        Locator(_THREE, None, column=r"出国[^/]*$"),
    )),
    Concept("vehicles", "公务用车购置及运行费", (
        "公务用车购置及运行费", "公务用车购置及运行维护费", "公务用车费", "公车费用", "公务用车购置和运行费", "公车"), (
        Locator(_THREE, r"购置及运行|购置和运行|^公务用车(?:费)?(?:小计)?$"),
        Locator(_THREE, None, column=r"(?:购置及运行|购置和运行)[^/]*(?:/(?:小计|合计))?$"),
    ), parts=("vehicle_purchase", "vehicle_operation")),
    Concept("vehicle_purchase", "公务用车购置费", ("公务用车购置费", "公车购置费", "购车费", "车辆购置费", "买公务用车", "购买公务用车",
                                                     "购置公务用车", "买公车", "购买公车", "买车", "购车"), (
        Locator(_THREE, r"购置费$|^(?:公务用车)?购置$"),
        Locator(_THREE, None, column=r"购置(?:经)?费$"),
    )),
    Concept("vehicle_operation", "公务用车运行维护费", (
        "公务用车运行维护费", "公务用车运行费", "公车运行费", "公车运行维护费", "公务用车运维费"), (
        Locator(_THREE, r"运行(?:维护|维修)?费$|^(?:公务用车)?运行(?:维护)?$"),
        Locator(_THREE, None, column=r"运行(?:维护|维修)?(?:费)?$"),
    )),
    Concept("reception", "公务接待费", ("公务接待费", "接待费", "公务接待", "接待"), (
        Locator(_THREE, r"接待"),
        Locator(_THREE, None, column=r"接待[^/]*$"),
    )),
    Concept("meeting", "会议费", ("会议费", "会议支出", "开会"), (
        Locator(_THREE, r"^会议费$"), _row("general_basic", r"^会议费$"), _row("basic", r"^会议费$"),
        _row("general_economic", r"^会议费$"), _row("expenditure_economic", r"^会议费$"),
    )),
    Concept("training", "培训费", ("培训费", "培训"), (
        Locator(_THREE, r"^培训费$"), _row("general_basic", r"^培训费$"), _row("basic", r"^培训费$"),
        _row("general_economic", r"^培训费$"), _row("expenditure_economic", r"^培训费$"),
    )),
    Concept("running_costs", "机关运行经费", ("机关运行经费", "机关运行费", "运行经费"), (
        _total("running_costs"), _row("running_costs", r"机关运行经费"),
        Locator(_THREE, r"机关运行经费"),
    )),
    Concept("procurement", "政府采购预算", ("政府采购预算", "政府采购", "政府采购总额", "政府采购预算总额"), (
        _total("procurement"),
    )),
    *(Concept(key, f"政府采购{item}类", (f"{item}类采购", f"采购{item}", f"{item}采购", f"{item}类", f"政府采购{item}"), (
        Locator(("procurement",), rf"^(?:[A-C][-－.、．]?)?{item}类?(?:采购)?$"),
        Locator(("procurement",), None, column=rf"(?:^|/){item}类?(?:采购)?$"),
    )) for key, item in (("procurement_goods", "货物"), ("procurement_works", "工程"), ("procurement_services", "服务"))),
    Concept("carryover", "上年结转", ("上年结转结余", "上年结转", "年初结转和结余", "结转结余", "上年结余"), (
        _row("summary", r"^(?:[一二三四五六七八九十]、)?(?:用)?(?:上年结转(?:结余)?|年初结转和结余)(?:收入|资金)?$",
             panel="收入"),
        _total("income", ("carryover",)),
        _total("carryover"),
        # of one fund: its column of the income table's 上年结转 group, the 财政拨款 summary's line
        Locator(("income",), None, ("general_budget",), column=r"结转[^/]*/一般公共预算"),
        Locator(("income",), None, ("gov_fund",), column=r"结转[^/]*/政府性基金"),
        _row("fiscal_summary", r"^(?:[一二三四五六七八九十]、)?(?:上年结转(?:结余)?|年初结转和结余)$", panel="收入"),
    )),
    Concept("gov_fund_income", "政府性基金预算拨款收入", (
        "政府性基金预算拨款收入", "政府性基金预算收入", "政府性基金收入"), (
        _row("summary", r"^(?:[一二三四五六七八九十]、)?政府性基金(?:预算)?(?:拨款|财政拨款)?(?:收入)?$", panel="收入"),
        _row("fiscal_summary", r"^(?:[一二三四五六七八九十]、)?政府性基金(?:预算)?(?:拨款|财政拨款)?(?:收入)?$",
             panel="收入"),
        _total("income", ("gov_fund",)),
    )),
    Concept("state_capital_income", "国有资本经营预算拨款收入", (
        "国有资本经营预算拨款收入", "国有资本经营预算收入", "国有资本经营收入"), (
        _row("summary", r"^(?:[一二三四五六七八九十]、)?国有资本经营(?:预算)?(?:拨款|财政拨款)?(?:收入)?$",
             panel="收入"),
        _row("fiscal_summary", r"^(?:[一二三四五六七八九十]、)?国有资本经营(?:预算)?(?:拨款|财政拨款)?(?:收入)?$",
             panel="收入"),
        _total("income", ("state_capital",)),
    )),
    Concept("gov_fund", "政府性基金预算支出", (
        "政府性基金预算支出", "政府性基金支出", "政府性基金预算拨款", "政府性基金拨款", "政府性基金预算"), (
        _total("gov_fund"),
        _row("fiscal_summary", r"^(?:本年支出合计|支出合计|支出总计)$", ("gov_fund",), panel="支出"),
    )),
    Concept("state_capital", "国有资本经营预算支出", (
        "国有资本经营预算支出", "国有资本经营支出", "国有资本经营预算拨款", "国有资本经营预算"), (
        _total("state_capital"),
        _row("fiscal_summary", r"^(?:本年支出合计|支出合计|支出总计)$", ("state_capital",), panel="支出"),
    )),
)
BY_KEY = {concept.key: concept for concept in CONCEPTS}
# Words that ask for a concept, longest first (so 一般公共预算支出 wins over 一般公共预算).
CONCEPT_WORDS: tuple[tuple[str, Concept], ...] = tuple(sorted(
    ((key, concept) for concept in CONCEPTS for key in concept.keys()), key=lambda item: -len(item[0])))


def find_concepts(text: str) -> list[tuple[int, int, Concept]]:
    """Concepts named in ``text`` (a ``name_key``), longest words first, not overlapping: (start, end, concept)."""
    found: list[tuple[int, int, Concept]] = []
    for word, concept in CONCEPT_WORDS:
        for match in re.finditer(re.escape(word), text):
            span = (match.start(), match.end())
            if all(span[1] <= s or span[0] >= e for s, e, _ in found):
                found.append((span[0], span[1], concept))
    return sorted(found, key=lambda item: item[0])
