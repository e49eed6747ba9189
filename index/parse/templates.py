"""The disclosure template as data: table titles → TableKind, header words → Measure.

A new template family (another province's PDF tables, a new 公开NN表) is a new
entry in these lists, not new code. Patterns match the title or header cell
with all whitespace and markup removed.
"""
from __future__ import annotations

import re

from index.model import Measure, TableKind
from index.text import compact

_Q = "[“”\"'‘’]?"  # the quotes around 三公 vary

# Title pattern → kind. First match wins, so specific titles come first.
TITLE_RULES: list[tuple[re.Pattern[str], TableKind]] = [
    (re.compile(p), kind)
    for p, kind in [
        (r"政府性基金(预算)?(财政拨款)?(收入)?支出(功能分类)?(预算)?(情况|决算)?表$", TableKind.GOV_FUND),
        (r"国有资本经营(预算)?(财政拨款)?(收入)?支出(功能分类)?(预算)?(情况|决算)?表$", TableKind.STATE_CAPITAL),
        (r"财政拨款收支(预算)?总(体情况)?表$", TableKind.FISCAL_SUMMARY),
        (r"财政拨款收入支出决算(总)?表$", TableKind.FISCAL_SUMMARY),
        (r"收支(预算)?总(体情况)?表$", TableKind.SUMMARY),
        (r"收入支出决算(总)?表$", TableKind.SUMMARY),
        (r"收入(预算)?总(体情况)?表$", TableKind.INCOME),
        (r"^收入决算表$", TableKind.INCOME),
        (r"支出(预算)?总(体情况)?表$", TableKind.EXPENDITURE),
        (r"^支出决算表$", TableKind.EXPENDITURE),
        (r"一般公共预算(财政拨款)?基本支出.{0,12}(情况|决算明细|决算|预算)表$", TableKind.GENERAL_BASIC),
        (r"一般公共预算(财政拨款)?项目支出(预算)?(情况|决算明细|决算)?表$", TableKind.GENERAL_PROJECT),
        (r"一般公共预算(财政拨款)?(当年拨款)?支出(功能分类)?(预算)?(情况|决算)?表$", TableKind.GENERAL_EXPENDITURE),
        (rf"{_Q}三公{_Q}经费.{{0,12}}表$", TableKind.THREE_PUBLIC),
        (r"上年结转结余(情况)?(明细)?表$", TableKind.CARRYOVER),
        (r"绩效目标(申报|填报)?表$", TableKind.PERFORMANCE_TARGET),
        (r"绩效自评(情况|结果)?表$", TableKind.PERFORMANCE_SELF_EVAL),
        (r"机关运行经费.{0,8}表$", TableKind.OTHER),
        # 江苏 公开05/06表 (all 财政拨款 by function / economic subject, beside 公开07/08) and 公开12表
        (r"^(\d{4}年)?(部门|单位)?财政拨款(基本)?支出(预算)?表$", TableKind.OTHER),
        (r"政府采购(支出)?预算表$", TableKind.OTHER),
    ]
]

# A table number as printed: 表1, 表 1, 公开03表, 附表2, 公开表一.
NUMBER = re.compile(r"^(附?表\s*\d{1,2}|公开\s*\d{1,2}\s*表|公开表[一二三四五六七八九十]{1,3})$")

NUMBER_PREFIX = re.compile(r"^(附?表\d{1,2}|公开\d{1,2}表)(?=\D)")  # '表1部门收支总体情况表' (spaces removed)

# Lines between a title and its header: who compiled it, the year, the unit.
META = re.compile(r"^[(（]?\s*\d{4}\s*年度?\s*[)）]?$|^(编制)?(部门|单位)(名称)?[:：]|^(金额)?单位[:：]|^编制")
UNIT = re.compile(r"(?:金额)?单位[:：]\s*(亿元|万元|千元|元)")

# A note after a table body: 备注/注/说明, "(表4中不包含…)", "…为空表".
NOTE = re.compile(
    r"^[(（]?\s*(备注|注|说明)\s*[:：]|^[(（]\s*表\s*\d+\s*中|为空表|无数据|本表|^[(（]\s*无[^()（）]{1,20}[)）]$"
)
NOTE_NUMBER = re.compile(r"^[(（]\s*(表\s*\d+)\s*中")
EMPTY_NOTE = re.compile(r"空表|无数据|(没有|无).{0,20}(收入|支出|安排)")

# Header cell roles, tested on the leaf of a column path.
SKIP_COLUMN = re.compile(r"^(行次|栏次)$")
CODE_COLUMN = re.compile(r"编码|代码|^[类款项]$")
PROJECT_COLUMN = re.compile(r"项目名称")
LABEL_COLUMN = re.compile(r"名称|^项目$|^科目$|功能分类$|内容$|^收入$|^支出$|^采购|^经济科目$")

# Rows that total a table or a panel.
TOTAL_LABEL = re.compile(r"^(合计|总计|收入总计|支出总计|本年收入合计|本年支出合计|人员经费合计|公用经费合计)$")

TOTAL_WORDS = re.compile(r"^(合计|总计|小计|预算数|决算数|金额|本年收入合计|本年支出合计|项目支出合计|机关运行经费支出)$")

# Leaf of a column path → measure; first match wins (after the total words).
MEASURE_RULES: list[tuple[re.Pattern[str], Measure]] = [
    (re.compile(p), m)
    for p, m in [
        (r"^财政拨款(\(补助\))?(小计|收入)?$", Measure.FISCAL),
        (r"转移支付", Measure.TRANSFER),
        (r"非财政拨款", Measure.OTHER),
        (r"财政拨款结转|年初.*结转和结余|上年结转", Measure.CARRYOVER),
        (r"年末.*结转和结余|结余分配", Measure.OTHER),
        (r"人员经费", Measure.PERSONNEL),
        (r"公用经费", Measure.PUBLIC),
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


_SUFFIX = re.compile(r"[(（][^()（）]{1,8}[)）]$")  # 表（功能科目）, 表(经济科目)


def title_kind(text: str) -> TableKind | None:
    """The kind of table a title names, or None when the line is no table title."""
    title = _SUFFIX.sub("", compact(text))
    if not title or len(title) > 40 or re.search(r"[，。；,;！？]", title):
        return None
    for pattern, kind in TITLE_RULES:
        if pattern.search(title):
            return kind
    return None


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


def column_measure(path: list[str]) -> Measure:
    """The canonical measure of a value column, from its header path (outermost first)."""
    leaf = path[-1] if path else ""
    parents = "/".join(path[:-1])
    if "非财政拨款" in parents:
        return Measure.UNIT_FUNDS if TOTAL_WORDS.match(leaf) else Measure.OTHER
    if not leaf or TOTAL_WORDS.match(leaf):
        return Measure.FISCAL if "财政拨款" in parents else Measure.TOTAL
    for pattern, measure in MEASURE_RULES:
        if pattern.search(leaf):
            return measure
    return Measure.OTHER
