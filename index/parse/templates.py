"""The disclosure template as data: table titles → TableKind, header words → Measure.

Titles vary by province and year ("2026年预算单位收入预算总表", "预算03表支出总表",
"支出总表（预算表3）", "（一）收支总表", "一般公共预算支出表（按经济分类）"), but they name the
same few things: which funds (all, 财政拨款, 一般公共预算, 政府性基金, 国有资本经营), which
side (收支, 收入, 支出), which part of expenditure (基本, 项目) and which classification
(功能, 经济). ``title_kind`` reads those words, wherever the title puts them; a
title-like line naming none of them is a table of kind OTHER, kept. Patterns match
the title with markup and whitespace removed (``index.text.compact``).
"""
from __future__ import annotations

import re

from index.model import Measure, TableKind
from index.text import compact

_CN_NUMBER = "一二三四五六七八九十"
# A table number as printed, alone on a line or before / after the title:
# 表1, 表 1, 表一, 表1-2, 附表2, 公开03表, 公开表一, 预算01表, 预算表1, 部门公开表1.
_NUMBER_TEXT = rf"(?:附|公开|预算|决算|部门公开)?表\s*(?:\d{{1,2}}(?:-\d{{1,2}})?|[{_CN_NUMBER}]{{1,3}})|(?:公开|预算|决算)\s*\d{{1,2}}\s*表"
NUMBER = re.compile(rf"^(?:{_NUMBER_TEXT})$")
NUMBER_PREFIX = re.compile(rf"^({_NUMBER_TEXT})(?:[:：、.．]|(?=\D)|$)")  # '表1部门收支总体情况表', '预算01表收支总表'
NUMBER_SUFFIX = re.compile(rf"[(（]({_NUMBER_TEXT})[)）]$")  # '收支总表（预算表1）'
_ORDINAL = re.compile(rf"^(?:[(（][{_CN_NUMBER}\d]{{1,3}}[)）]|[{_CN_NUMBER}]{{1,3}}[、.．]|\d{{1,2}}[、.．](?!\d))")
_YEAR = re.compile(r"^(?:(?:19|20)\d{2}年度?)")
_SUFFIX = re.compile(r"[(（]([^()（）]{1,16})[)）]$")  # 表（功能科目）, 表(按经济分类科目)
_SENTENCE = re.compile(r"[，。；,;！？]")
# The heading of all the tables: "第二部分 2024年度部门决算表", "部门预算公开报表", "X局2026年部门预算表".
_ALL_TABLES = re.compile(r"^第[一二三四五六七八九十]+部分|(?:预算|决算)(?:公开)?报?表$")
_CONTENT = re.compile(r"收|支|三公|经费|拨款|基金|资本|绩效|采购|结转|项目|基本|服务")
_Q = "[“”\"'‘’]?"  # the quotes around 三公 vary

# Words that make a title a kind of its own, tested in this order (first match wins).
TITLE_WORDS: list[tuple[re.Pattern[str], TableKind]] = [
    (re.compile(r"绩效自评|自评(情况|结果)?表|评价得分"), TableKind.PERFORMANCE_SELF_EVAL),
    (re.compile(r"绩效目标|绩效指标|支出绩效表"), TableKind.PERFORMANCE_TARGET),
    (re.compile(rf"{_Q}三公{_Q}经费"), TableKind.THREE_PUBLIC),
    (re.compile(r"机关运行经费"), TableKind.RUNNING_COSTS),
    (re.compile(r"政府购买服务"), TableKind.PURCHASED_SERVICES),
    (re.compile(r"政府采购"), TableKind.PROCUREMENT),
    (re.compile(r"结转"), TableKind.CARRYOVER),
    (re.compile(r"政府性基金"), TableKind.GOV_FUND),
    (re.compile(r"国有资本经营"), TableKind.STATE_CAPITAL),
]
# Expenditure tables by funds and part: (funds, part) → kind; part is basic / project / economic / total.
_EXPENDITURE_KINDS: dict[tuple[str, str], TableKind] = {
    ("general", "basic"): TableKind.GENERAL_BASIC,
    ("general", "project"): TableKind.GENERAL_PROJECT,
    ("general", "economic"): TableKind.GENERAL_ECONOMIC,
    ("general", "total"): TableKind.GENERAL_EXPENDITURE,
    ("fiscal", "basic"): TableKind.FISCAL_BASIC,
    ("fiscal", "project"): TableKind.FISCAL_PROJECT,
    ("fiscal", "economic"): TableKind.FISCAL_BASIC,
    ("fiscal", "total"): TableKind.FISCAL_EXPENDITURE,
    ("all", "basic"): TableKind.BASIC,
    ("all", "project"): TableKind.PROJECTS,
    ("all", "economic"): TableKind.EXPENDITURE_ECONOMIC,
    ("all", "total"): TableKind.EXPENDITURE,
}


def split_title(text: str) -> tuple[str | None, str]:
    """(table number, title): '预算03表支出总表' → ('预算03表', '支出总表'); '收支总表（预算表1）' → ('预算表1', '收支总表').

    A leading list ordinal ("（一）", "五、") and year ("2026年") are dropped from the title.
    """
    title = compact(text)
    number = None
    match = NUMBER_PREFIX.match(title)
    if match:
        number, title = match.group(1), title[match.end():]
    match = NUMBER_SUFFIX.search(title)
    if match:
        number, title = number or match.group(1), title[: match.start()]
    title = _ORDINAL.sub("", title)
    return number, title


def title_kind(text: str) -> TableKind | None:
    """The kind of table a title names; OTHER for a title of no listed kind; None when the line is no title."""
    _, title = split_title(text)
    core = _YEAR.sub("", title)
    suffix = _SUFFIX.search(core)
    classification = suffix.group(1) if suffix else ""
    core = _SUFFIX.sub("", core)
    if not core.endswith("表") or len(core) > 48 or len(core) < 3 or _SENTENCE.search(core) or NUMBER.match(core) \
            or NOTE.search(core):
        return None
    if core.startswith("第") and _ALL_TABLES.match(core) or _ALL_TABLES.search(core) and not _CONTENT.search(core):
        return None  # "第二部分 2024年度部门决算表": the heading of the tables part, not a table
    for pattern, kind in TITLE_WORDS:
        if pattern.search(core):
            return kind
    if re.search(r"收支|收入支出|收入、支出", core):
        return TableKind.FISCAL_SUMMARY if "财政拨款" in core else TableKind.SUMMARY
    if "收入" in core and "支出" not in core:
        return TableKind.INCOME
    if re.search(r"支出|经费|拨款", core):
        funds = "general" if "一般公共预算" in core else "fiscal" if "财政拨款" in core else "all"
        part = ("basic" if "基本支出" in core else
                "project" if re.search(r"项目支出|专项业务|项目表|项目经费", core) else
                "economic" if "经济" in core + classification else "total")
        return _EXPENDITURE_KINDS[(funds, part)]
    return TableKind.OTHER


# A caption of a few words that states nothing but the unit: '金额：元', and misprints such as '金位：元'.
_UNIT_ONLY = r"^[\u4e00-\u9fff]{1,4}[:：]\s*(?=(?:亿元|万元|千元|元)$)"
# Lines between a title and its header: who compiled it, the year, the unit.
META = re.compile(
    r"^[(（]?\s*\d{4}\s*年度?\s*[)）]?$|^[\u4e00-\u9fff]{0,6}(部门|单位)(名称)?[:：]|^(金额)?单位[:：]|^编制|"
    r"^(部门|单位)(\((部门|单位)\))?名称|"
    r"^(填报|报送|填表)(日期|时间|单位)|^[(（]?单位[:：]?(亿元|万元|千元|元)[)）]?$|单位[:：](亿元|万元|千元|元)$|"
    + _UNIT_ONLY
)
UNIT = re.compile(rf"(?:(?:金额)?单位[:：]|{_UNIT_ONLY})\s*(亿元|万元|千元|元)")

# A note after a table body: 备注/注/说明, "(表4中不包含…)", "…为空表".
NOTE = re.compile(
    r"^[(（]?\s*(备注|注|说明)\s*[:：]|^[(（]\s*表\s*\d+\s*中|为空表|无数据|本表|^[(（]\s*无[^()（）]{1,20}[)）]$"
)
NOTE_NUMBER = re.compile(r"^[(（]\s*(表\s*\d+)\s*中")
EMPTY_NOTE = re.compile(r"空表|无数据|(没有|无).{0,20}(收入|支出|安排)")

# Header cell roles, tested on the leaf of a column path.
SKIP_COLUMN = re.compile(r"^(行次|栏次|序号|编号|排序)$")
CODE_COLUMN = re.compile(r"编码|代码|^[类款项]$")
PROJECT_COLUMN = re.compile(r"项目名称")
LABEL_COLUMN = re.compile(r"名称|^项目$|科目$|类别$|^预算单位$|功能分类$|内容$|^收入$|^支出$|^采购(?:$|项目|品目|目录|内容|类别)|^经济科目$")

# Rows that total a table or a panel.
TOTAL_LABEL = re.compile(r"^(合计|总计|收入总计|支出总计|本年收入合计|本年支出合计|人员经费合计|公用经费合计)$")

TOTAL_WORDS = re.compile(
    r"^(?:(?:19|20)\d{2}年度?|本年|当年)?"
    r"(合计|总计|小计|预算|决算|预算数|决算数|金额|预算金额|项目金额|收入总计|支出总计|收入合计|支出合计|本年收入合计"
    r"|本年支出合计|项目支出合计|机关运行经费支出)(?:\((?:单位:)?万?元\))?$"
)
# A heading over a subset of the row's amount (采购 in 2026年政府采购项目/小计): its 小计 is not the row's total.
SUBSET_HEADING = re.compile(r"采购|购买服务|其中")

# Leaf of a column path → measure; first match wins (after the total words).
MEASURE_RULES: list[tuple[re.Pattern[str], Measure]] = [
    (re.compile(p), m)
    for p, m in [
        (r"^财政拨款(\(补助\))?(小计|收入)?$", Measure.FISCAL),
        (r"转移支付", Measure.TRANSFER),
        (r"非财政拨款", Measure.OTHER),
        (r"财政拨款结转|年初.*结转和结余|上年结转", Measure.CARRYOVER),
        (r"年末.*结转和结余|结余分配", Measure.OTHER),
        (r"人员经费|^人员类|^人员支出$", Measure.PERSONNEL),
        (r"公用经费|^公用类|^日常公用", Measure.PUBLIC),
        (r"基本支出", Measure.BASIC),
        (r"项目支出", Measure.PROJECT),
        (r"年初预算", Measure.INITIAL_BUDGET),
        (r"全年预算|调整预算", Measure.ADJUSTED_BUDGET),
        (r"全年执行数|执行数", Measure.FINAL),
        (r"一般公共预算", Measure.GENERAL_BUDGET),
        (r"政府性基金", Measure.GOV_FUND),
        (r"国有资本经营", Measure.STATE_CAPITAL),
        (r"财政专户", Measure.SPECIAL_ACCOUNT),
        (r"单位资金|事业收入|经营收入|其他收入|上级补助收入|附属单位上缴", Measure.UNIT_FUNDS),
    ]
]


# A value column that holds no money, by its header words → the unit of its values.
_COUNT_UNIT = re.compile(r"\((人|个|辆|台|套|次|户|家|所|名|平方米|亩|项|批次|人次)\)$")
VALUE_UNITS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"分值|得分|权重|评分"), "分"),
    (re.compile(r"%|比例|比重|占比|增长率|增幅|率$"), "%"),
    (re.compile(r"人数|编制数|实有人员|^人员$"), "人"),
    (re.compile(r"车辆数|^车辆$|辆数"), "辆"),
    (re.compile(r"个数|数量|^数$"), "个"),
]


def column_unit(path: list[str]) -> str | None:
    """The unit of a value column that holds no money (分, %, 人, 辆, 个 …); None for money.

    Money columns take the table's unit (单位：元 / 万元). A header naming an amount
    (金额, 预算数, 经费) is money whatever else it says.
    """
    for part in reversed(path):
        match = _COUNT_UNIT.search(part)
        if match:
            return match.group(1)
        if re.search(r"金额|预算|决算|经费|支出|收入|资金|万元|元\)", part):
            return None
        for pattern, unit in VALUE_UNITS:
            if pattern.search(part):
                return unit
    return None


# A heading that is one part of the total (基本支出 beside 项目支出): its 小计 column is that part.
PART_HEADINGS = {"基本支出": Measure.BASIC, "项目支出": Measure.PROJECT, "人员经费": Measure.PERSONNEL,
                 "公用经费": Measure.PUBLIC}
_HEADING_NUMBER = re.compile(r"^[一二三四五六七八九十\d]+[、.．]")


def column_measure(path: list[str]) -> Measure:
    """The canonical measure of a value column, from its header path (outermost first)."""
    leaf = path[-1] if path else ""
    parents = "/".join(path[:-1])
    if "非财政拨款" in parents:
        return Measure.UNIT_FUNDS if TOTAL_WORDS.match(leaf) else Measure.OTHER
    part = _HEADING_NUMBER.sub("", path[-2]) if len(path) > 1 else ""
    if part in PART_HEADINGS and leaf in ("小计", "合计"):
        return PART_HEADINGS[part]
    if not leaf or TOTAL_WORDS.match(leaf):
        if SUBSET_HEADING.search(part):
            return Measure.OTHER
        return Measure.FISCAL if "财政拨款" in parents else Measure.TOTAL
    for pattern, measure in MEASURE_RULES:
        if pattern.search(leaf):
            return measure
    return Measure.OTHER
