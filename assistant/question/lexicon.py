"""The small hand-written vocabulary of questions (词表): synonyms, measures, intents.

Subject names come from the database (see ``understanding.Catalog``); this
module only holds what no document spells out: the short forms people type,
the words naming a measure (预算数, 基本支出, 占比…) and the cue words of each
intent (为什么, 什么是, 前三…).
"""
from __future__ import annotations

import re
from enum import Enum

from index.model import Measure

# Short form or synonym → the name as printed in the tables (after ``normalize``).
SUBJECT_SYNONYMS: dict[str, str] = {
    "社保补贴": "社会保险补贴",
    "公积金": "住房公积金",
    "三公经费": "三公经费",
    "三公": "三公经费",
    "技校": "技校教育",
    "养老保险缴费": "机关事业单位基本养老保险缴费",
    "职业年金": "职业年金缴费",
    "医保缴费": "职工基本医疗保险缴费",
    "公车运行费": "公务用车运行维护费",
    "公务用车运行费": "公务用车运行维护费",
    "接待费": "公务接待费",
    "出国费": "因公出国（境）费",
    "商品服务支出": "商品和服务支出",
    "工资福利": "工资福利支出",
    "对个人和家庭补助": "对个人和家庭的补助",
}

# Department-name parts: long form → short forms people type.
ORG_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "人力资源和社会保障局": ("人社局", "人社"),
    "人力资源和社会保障厅": ("人社厅", "人社"),
    "发展和改革委员会": ("发改委",),
    "卫生健康委员会": ("卫健委",),
    "住房和城乡建设局": ("住建局",),
    "市场监督管理局": ("市场监管局",),
    "医疗保障局": ("医保局",),
    "退役军人事务局": ("退役军人局",),
    "交通运输局": ("交通局",),
    "自然资源局": ("自然资源局", "自然资源"),
    "生态环境局": ("环保局",),
}

PLACE_SUFFIXES = ("蒙古自治州", "哈萨克自治州", "回族自治州", "自治州", "自治区", "自治县", "省", "市", "州", "县", "区", "盟", "旗")


MEASURE_WORDS: tuple[tuple[str, Measure], ...] = (
    ("年初预算", Measure.INITIAL_BUDGET),
    ("决算数", Measure.FINAL),
    ("基本支出", Measure.BASIC),
    ("项目支出", Measure.PROJECT),
    ("人员经费", Measure.PERSONNEL),
    ("公用经费", Measure.PUBLIC),
    ("财政拨款", Measure.FISCAL),
    ("一般公共预算", Measure.GENERAL_BUDGET),
)


class Intent(str, Enum):
    """What the question wants done."""

    LOOKUP = "lookup"  # 查一个数
    RANK = "rank"  # 列出/排序: 最多, 前三, 从高到低
    COMPARE = "compare"  # 两个文件比较: 分别, 对比
    SHARE = "share"  # 占比
    CHANGE = "change"  # 增减: 比上年增长多少
    EXPLAIN = "explain"  # 为什么 / 原因
    DEFINE = "define"  # 什么是
    FACT = "fact"  # 叙述中的事实: 人数, 车辆, 绩效得分
    UNKNOWN = "unknown"  # no cue of any other intent: search the narrative
    OUT_OF_SCOPE = "out_of_scope"


INTENT_CUES: dict[Intent, tuple[str, ...]] = {
    Intent.DEFINE: ("什么是", "是什么意思", "指什么", "的含义", "名词解释", "是指"),
    Intent.EXPLAIN: ("为什么", "为何", "原因", "怎么会", "缘故"),
    Intent.RANK: ("最多", "最高", "最大", "最少", "最低", "前三", "前五", "前十", "排序", "排列",
                  "从高到低", "从低到高", "从大到小", "从小到大", "排名", "列出", "有哪些项目", "哪些项目",
                  "项目有哪些"),
    Intent.SHARE: ("占比", "比例", "比重", "占总", "百分之几", "所占"),
    Intent.CHANGE: ("比上年", "较上年", "同比", "增长多少", "减少多少", "增加多少", "增减", "变化", "增幅", "降幅"),
    Intent.COMPARE: ("分别", "对比", "比较", "相比", "哪个多", "哪个高", "和", "与"),
}

# Narrative facts: the words that send a question to the passages even when a name matched.
FACT_CUES = (
    "人数", "编制数", "编制", "实有", "几个人", "多少人", "人员减少", "人员增加", "车辆", "几辆", "房屋", "面积",
    "资产", "绩效", "自评", "得分", "评分", "等级", "职能", "机构设置", "内设", "处室", "标准", "政府采购",
    "采购", "执行率", "下属单位", "主要任务", "工作目标", "辆",
)

# Names no table row carries: a table kind and the total rows that answer them.
TABLE_CONCEPTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "三公经费": ("three_public", ("合计",)),
    "收支总预算": ("summary", ("收入总计", "支出总计", "总计")),
    "收支总计": ("summary", ("收入总计", "支出总计", "总计")),
    "收支总额": ("summary", ("收入总计", "支出总计", "总计")),
    "总预算": ("summary", ("收入总计", "支出总计", "总计")),
    "总支出": ("expenditure", ("合计", "总计")),
    "支出总额": ("expenditure", ("合计", "总计")),
    "支出合计": ("expenditure", ("合计", "总计")),
    "总收入": ("income", ("合计", "总计")),
    "收入合计": ("income", ("合计", "总计")),
    "收入总额": ("income", ("合计", "总计")),
    "收入预算": ("income", ("合计", "总计")),
    "预算收入": ("income", ("合计", "总计")),
    "支出预算总额": ("expenditure", ("合计", "总计")),
    "预算总额": ("summary", ("收入总计", "支出总计", "总计")),
    "收入总计": ("summary", ("收入总计", "总计", "本年收入合计")),
    "支出总计": ("summary", ("支出总计", "总计", "本年支出合计")),
}
TOTAL_EXPENDITURE = "总支出"

# Where a measure asked on its own is read (基本支出是多少 → 支出总体情况表的合计行, 基本支出列):
# measure → (its name, table kind, total-row labels, value columns in order of preference).
MEASURE_TOTALS: dict[Measure, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    Measure.BASIC: ("基本支出", "expenditure", ("合计", "总计"), ("basic",)),
    Measure.PROJECT: ("项目支出", "expenditure", ("合计", "总计"), ("project",)),
    Measure.PERSONNEL: ("人员经费", "general_basic", ("合计", "总计", "人员经费合计"), ("personnel", "total")),
    Measure.PUBLIC: ("公用经费", "general_basic", ("合计", "总计", "公用经费合计"), ("public", "total")),
    Measure.GENERAL_BUDGET: ("一般公共预算支出", "general_expenditure", ("合计", "总计"), ("total",)),
    Measure.FISCAL: ("财政拨款收入", "income", ("合计", "总计"), ("fiscal",)),
}
# The same measures read from the 收入 table, when the question is about income (收入中一般公共预算占比).
INCOME_TOTALS: dict[Measure, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    Measure.GENERAL_BUDGET: ("一般公共预算收入", "income", ("合计", "总计"), ("general_budget",)),
    Measure.FISCAL: ("财政拨款收入", "income", ("合计", "总计"), ("fiscal",)),
}
TOTAL_INCOME = "收入合计"

ASCENDING_CUES = ("最少", "最低", "从低到高", "从小到大")
TOP_N = {"前三": 3, "前五": 5, "前十": 10, "最多": 1, "最高": 1, "最大": 1, "最少": 1, "最低": 1}

# English phrases (lower case) → the Chinese words questions are understood in; longest first.
ENGLISH_TERMS: dict[str, str] = {
    "three public expenses": "三公经费", "three public expense": "三公经费", "three public expenditures": "三公经费",
    "three public": "三公经费",
    "housing provident fund": "住房公积金", "provident fund": "住房公积金",
    "social insurance subsidies": "社会保险补贴", "social insurance subsidy": "社会保险补贴",
    "basic expenditure": "基本支出", "project expenditure": "项目支出", "personnel expenses": "人员经费",
    "public expenses": "公用经费", "general public budget": "一般公共预算",
    "total revenue and expenditure": "收支总预算", "total budget": "收支总预算",
    "total expenditure": "支出合计", "total income": "收入合计", "total revenue": "收入合计",
    "final accounts": "决算", "final account": "决算", "budget": "预算", "carry-over": "结转结余",
    "what is the": "多少", "what are the": "多少", "what is": "什么是", "what are": "什么是", "why did": "为什么", "why": "为什么", "reason": "原因",
    "how much": "多少", "how many": "多少", "share of": "占", "percentage": "比例", "proportion": "比例",
    "increase": "增加", "decrease": "减少", "compared with last year": "比上年", "top 3": "前三", "top three": "前三",
    "largest": "最多", "highest": "最多", "most": "最多", "vehicles": "车辆", "staff": "人数",
}
_ENGLISH = re.compile("|".join(re.escape(k) for k in sorted(ENGLISH_TERMS, key=len, reverse=True)), re.IGNORECASE)


def translate_english(text: str) -> str:
    """Put the Chinese term in place of each known English phrase; other English words are dropped.

    An English question is then understood by the same rules as a Chinese one.
    """
    if not re.search("[A-Za-z]", text):
        return text
    translated = _ENGLISH.sub(lambda m: ENGLISH_TERMS[m.group().lower()], text)
    return re.sub(r"\b[A-Za-z][A-Za-z'-]*\b", " ", translated)


def normalize(text: str) -> str:
    """Remove quotes, spaces and markup, unify brackets: the form names are compared in."""
    text = re.sub(r"</?b>", "", text or "")
    text = text.replace("(", "（").replace(")", "）")
    return re.sub(r"[“”\"'‘’「」『』《》\s　]", "", text)


def split_department(department: str) -> tuple[str, str]:
    """轮台县人力资源和社会保障局 → (轮台县, 人力资源和社会保障局); 上海市普陀区人民政府办公室 → (上海市普陀区, …)."""
    match = re.match(r"^((?:.{2,12}?(?:自治州|自治区|自治县|省|市|州|县|区|盟|旗))+?)(?=[^县区市州旗盟]{2,})(.+)$",
                     department)
    if not match:
        return "", department
    place, org = match.group(1), match.group(2)
    while True:  # take further place units (上海市 + 普陀区) while an organisation name remains
        more = re.match(r"^(.{1,8}?(?:区|县|市|旗))(.{2,})$", org)
        if not more or any(k in more.group(1) for k in ("人民", "委员会", "政府", "局", "厅", "办")):
            return place, org
        place, org = place + more.group(1), more.group(2)


def place_variants(place: str) -> list[str]:
    """轮台县 → [轮台县, 轮台]; 巴音郭楞蒙古自治州 → [巴音郭楞蒙古自治州, 巴音郭楞州, 巴州, 巴音郭楞];
    上海市普陀区 → [上海市普陀区, 普陀区, 普陀, 上海普陀区]."""
    units = re.findall(r".+?(?:蒙古自治州|哈萨克自治州|回族自治州|自治州|自治区|自治县|省|市|州|县|区|盟|旗)", place)
    if len(units) > 1:
        variants = [place] + _unit_variants(units[-1]) + [_unit_variants(units[0])[-1] + units[-1]]
    else:
        variants = _unit_variants(place)
    return [v for i, v in enumerate(variants) if len(v) >= 2 and v not in variants[:i]]


def _unit_variants(place: str) -> list[str]:
    variants = [place]
    for suffix in PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) > len(suffix) + 1:
            stem = place[: -len(suffix)]
            for ethnic in ("蒙古", "哈萨克", "回族", "维吾尔", "藏族", "彝族"):
                stem = stem.removesuffix(ethnic)
            if suffix.endswith("州"):
                variants += [stem + "州", stem[0] + "州"]
            variants.append(stem)
            break
    return variants


# Generic shortenings of organisation names, applied in combination.
ORG_SUBSTITUTIONS = (("人民政府", "政府"), ("办公室", "办"), ("常务委员会", "常委会"), ("常委会办公厅", "办公厅"),
                     ("办事处", "办"), ("委员会", "委"))
_SUB_PLACE = re.compile(r"^(?:人民政府)?(.{2,8}?(?:街道|镇|乡|苏木))(?:办事处|人民政府)?$")


def org_variants(org: str) -> list[str]:
    """人力资源和社会保障局 → [.., 人社局, 人社]; 人民政府办公室 → [.., 政府办公室, 政府办, …]."""
    variants = [org]
    for long, shorts in ORG_SHORT_FORMS.items():
        if long in org:
            variants += [org.replace(long, short) for short in shorts]
    for long, short in ORG_SUBSTITUTIONS:
        variants += [v.replace(long, short) for v in variants if long in v]
    return [v for i, v in enumerate(variants) if v and v not in variants[:i]]


def sub_places(org: str) -> list[str]:
    """人民政府万里街道办事处 → [万里街道办事处, 万里街道办, 万里街道]: a named unit below the place."""
    match = _SUB_PLACE.match(org)
    if not match:
        return []
    name = match.group(1)
    return [name + "办事处", name + "办", name] if name.endswith("街道") else [name]
