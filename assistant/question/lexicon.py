"""The small hand-written vocabulary of questions (词表): synonyms, measures, intents.

Subject names come from the database (see ``assistant.question.catalog``) and
standard quantities from ``assistant.question.concepts``; this module only holds
what no document spells out: the short forms people type (of subjects and of
organisation names), the words naming a measure (年初预算, 基本支出…) and the cue
words of each intent (为什么, 什么是, 前三…).
"""
from __future__ import annotations

import re
from enum import Enum

from index.model import Measure

# Short form or synonym → the name as printed in the tables (compared as ``name_key``). Standard
# quantities (三公经费, 公车, 接待费 …) are concepts (assistant.question.concepts), not synonyms.
SUBJECT_SYNONYMS: dict[str, str] = {
    "社保补贴": "社会保险补贴",
    "公积金": "住房公积金",
    "技校": "技校教育",
    "养老保险缴费": "机关事业单位基本养老保险缴费",
    "职业年金": "职业年金缴费",
    "医保缴费": "职工基本医疗保险缴费",
    "商品服务支出": "商品和服务支出",
    "工资福利": "工资福利支出",
    "对个人和家庭补助": "对个人和家庭的补助",
}

# Contractions people make of organisation names (a part of the name → the shorter forms typed), applied in
# combination with each other and with ORG_SUBSTITUTIONS: 深圳市卫生健康委员会 → 深圳市卫健委.
ORG_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "人力资源和社会保障": ("人社",),
    "发展和改革": ("发改",),
    "卫生健康": ("卫健",),
    "卫生和计划生育": ("卫计",),
    "住房和城乡建设": ("住建",),
    "住房和建设": ("住建",),
    "市场监督管理": ("市场监管",),
    "医疗保障": ("医保",),
    "退役军人事务": ("退役军人",),
    "交通运输": ("交通",),
    "科学技术": ("科技",),
    "文化和旅游": ("文旅",),
    "文化广电旅游体育": ("文广旅体", "文旅"),
    "文化广电旅游": ("文广旅", "文旅"),
    "生态环境": ("环保", "生态环境"),
    "规划和自然资源": ("规划资源", "规资"),
    "自然资源和规划": ("自然资源", "资规"),
    "应急管理": ("应急",),
    "安全生产监督管理": ("安监",),
    "食品药品监督管理": ("食药监",),
    "经济和信息化": ("经信",),
    "工业和信息化": ("工信",),
    "政务服务和数据管理": ("政数",),
    "机关事务管理": ("机关事务",),
    "国有资产监督管理": ("国资",),
    "人民检察院": ("检察院",),
    "人民法院": ("法院",),
    "人民代表大会常务委员会": ("人大常委会", "人大"),
    "公安局交通管理局": ("交管局", "交警"),
    "林业和草原": ("林草",),
    "教育局": ("教育局", "教委"),
}
# Generic shortenings of organisation names, applied after the contractions.
ORG_SUBSTITUTIONS = (("人民政府", "政府"), ("办公室", "办"), ("常务委员会", "常委会"), ("常委会办公厅", "办公厅"),
                     ("办事处", "办"), ("委员会", "委"))

# Development zones are places, asked by their short names.
ZONE_SHORT_FORMS = (("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("经济开发区", "经开区"))

PLACE_SUFFIXES = ("蒙古自治州", "哈萨克自治州", "回族自治州", "自治州", "自治区", "自治县", "省", "市", "州", "县", "区", "盟", "旗")

# Words naming the column (measure) asked for; "budget" asks for the budget columns of a 决算 document.
MEASURE_WORDS: tuple[tuple[str, Measure | str], ...] = (
    ("年初预算", Measure.INITIAL_BUDGET),
    ("调整预算", Measure.ADJUSTED_BUDGET),
    ("全年预算", Measure.ADJUSTED_BUDGET),
    ("决算数", Measure.FINAL),
    ("执行数", Measure.FINAL),
    ("决算", Measure.FINAL),
    ("基本支出", Measure.BASIC),
    ("项目支出", Measure.PROJECT),
    ("人员经费", Measure.PERSONNEL),
    ("公用经费", Measure.PUBLIC),
)
# Measures that are also standard quantities: a subject of their own when no other subject is named.
COLUMN_CONCEPTS = {Measure.BASIC: "basic", Measure.PROJECT: "project", Measure.PERSONNEL: "personnel",
                   Measure.PUBLIC: "public"}


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
    SUM = "sum"  # 几个文件的数加起来: 一共, 合计, 总共
    SERIES = "series"  # 一个部门多年的数: 历年, 逐年, 2017-2019年
    UNKNOWN = "unknown"  # no cue of any other intent: search the narrative
    OUT_OF_SCOPE = "out_of_scope"


INTENT_CUES: dict[Intent, tuple[str, ...]] = {
    Intent.DEFINE: ("什么是", "是什么意思", "指什么", "的含义", "名词解释", "是指"),
    Intent.EXPLAIN: ("为什么", "为何", "原因", "怎么会", "缘故", "为啥", "咋", "怎么回事", "何故"),
    Intent.RANK: ("最多", "最高", "最大", "最少", "最低", "前三", "前五", "前十", "排序", "排列",
                  "从高到低", "从低到高", "从大到小", "从小到大", "排名", "列出", "有哪些项目", "哪些项目",
                  "项目有哪些"),
    Intent.SHARE: ("占比", "比例", "比重", "占总", "百分之几", "所占", "占多少", "占了多少", "占几成"),
    Intent.CHANGE: ("比上年", "较上年", "同比", "增长多少", "减少多少", "增加多少", "增减", "变化", "增幅", "降幅"),
    Intent.COMPARE: ("分别", "对比", "比较", "相比", "哪个多", "哪个高", "哪个更高", "哪个更多", "和", "与"),
    Intent.SUM: ("加起来", "合起来", "一共", "总共", "合计多少", "共计"),
    Intent.SERIES: ("历年", "逐年", "每年", "这几年", "近几年", "几年来", "各年", "趋势", "走势"),
}

# Narrative facts: the words that send a question to the passages even when a name matched.
# Words of a question that are no part of a name (question words, particles, times, the document's kind): they
# bound the runs of a question's own words (城市体检工作经费, 执法执勤用车).
NOT_NAME_WORDS = re.compile(
    r"多少|什么|哪些|哪个|一共|其中|比例|比上年|为什么|原因|是否|怎么|如何|请问|查询|一下|这个|那个|安排|用于|关于|"
    r"今年|去年|明年|本年|年度|预算|决算|下属|所属|是|的|了|和|与|及|给|里|年")
# what an amount is for (主要用来干什么): the narrative says, beside the table's amount
USE_CUES = ("用来干什么", "用来做什么", "用于什么", "干什么用", "做什么用", "用途", "主要用于", "用来干嘛", "花在什么")
FACT_CUES = (
    "人数", "编制数", "编制", "实有", "几个人", "多少人", "人员减少", "人员增加", "车辆", "几辆", "房屋", "面积",
    "资产", "绩效", "自评", "得分", "评分", "等级", "职能", "机构设置", "内设", "处室", "标准", "政府采购",
    "采购", "执行率", "下属单位", "主要任务", "工作目标", "辆",
)

ASCENDING_CUES = ("最少", "最低", "从低到高", "从小到大")
SUPERLATIVES = ("最多", "最高", "最大", "最少", "最低", "最小")

# English phrases (lower case) → the Chinese words questions are understood in; longest first.
ENGLISH_TERMS: dict[str, str] = {
    "three public expenses": "三公经费", "three public expense": "三公经费", "three public expenditures": "三公经费",
    "three public": "三公经费",
    "housing provident fund": "住房公积金", "provident fund": "住房公积金",
    "social insurance subsidies": "社会保险补贴", "social insurance subsidy": "社会保险补贴",
    "basic expenditure": "基本支出", "project expenditure": "项目支出", "personnel expenses": "人员经费",
    "public expenses": "公用经费", "general public budget": "一般公共预算",
    "total revenue and expenditure": "收支总计", "total budget": "收支总计", "in total": "总",
    "spend in total": "支出合计", "spent in total": "支出合计", "total spending": "支出合计",
    "basic versus project": "基本支出和项目支出", "basic": "基本支出", "project": "项目支出",
    "total expenditure": "支出合计", "total income": "收入合计", "total revenue": "收入合计",
    "final accounts": "决算", "final account": "决算", "budget": "预算", "carry-over": "结转结余",
    "what is the": "多少", "what are the": "多少", "what is": "什么是", "what are": "什么是", "why did": "为什么", "why": "为什么", "reason": "原因",
    "how much": "多少", "how many": "多少", "share of": "占", "percentage": "比例", "proportion": "比例",
    "increase": "增加", "decrease": "减少", "compared with last year": "比上年", "top 3": "前三", "top three": "前三",
    "largest": "最多", "highest": "最多", "most": "最多", "vehicles": "车辆", "staff": "人数",
    "final accounts of": "决算", "budget of": "预算", "spend": "支出", "spent": "支出", "expenditure": "支出",
    "income": "收入", "revenue": "收入", "meeting expenses": "会议费", "training expenses": "培训费",
    "vehicle": "公务用车", "reception": "公务接待费", "overseas travel": "因公出国(境)费",
    "government procurement": "政府采购", "for services": "服务类采购", "for goods": "货物类采购",
    "for works": "工程类采购", "operating expenses": "机关运行经费", "carried over": "上年结转",
}
_ENGLISH = re.compile("|".join(re.escape(k) for k in sorted(ENGLISH_TERMS, key=len, reverse=True)), re.IGNORECASE)

# Organisations in English: "<field> Bureau" or "Bureau of <field>" (Development and Reform Commission → 发展和改革委员会).
ENGLISH_FIELDS: dict[str, str] = {
    "development and reform": "发展和改革", "audit": "审计", "auditing": "审计", "statistics": "统计",
    "statistical": "统计", "health": "卫生健康", "culture and tourism": "文化和旅游",
    "culture, radio, television, tourism and sports": "文化广电旅游体育",
    "human resources and social security": "人力资源和社会保障", "meteorological": "气象", "meteorology": "气象",
    "transport": "交通运输", "transportation": "交通运输", "justice": "司法", "public security": "公安",
    "water resources": "水利", "water affairs": "水务", "science and technology": "科学技术", "commerce": "商务",
    "finance": "财政", "education": "教育", "emergency management": "应急管理", "ecology and environment": "生态环境",
    "ecological environment": "生态环境", "market regulation": "市场监督管理", "market supervision": "市场监督管理",
    "housing and urban-rural development": "住房和城乡建设", "housing and construction": "住房和建设",
    "public complaints": "信访", "letters and calls": "信访", "civil affairs": "民政", "natural resources": "自然资源",
    "planning and natural resources": "规划和自然资源", "agriculture and rural affairs": "农业农村",
    "veterans affairs": "退役军人事务", "big data": "大数据", "data": "数据", "sports": "体育", "taxation": "税务",
    "government services and data management": "政务服务和数据管理", "administrative approval": "行政审批服务",
    "medical security": "医疗保障", "healthcare security": "医疗保障", "industry and information technology":
    "工业和信息化", "propaganda": "宣传", "archives": "档案", "forestry": "林业", "urban management": "城市管理",
}
ENGLISH_ORG_TYPES = {"bureau": "局", "commission": "委员会", "office": "办公室", "administration": "局",
                     "department": "局", "committee": "委员会", "center": "中心", "centre": "中心"}
_FIELDS = "|".join(re.escape(k) for k in sorted(ENGLISH_FIELDS, key=len, reverse=True))
_TYPES = "|".join(ENGLISH_ORG_TYPES)
_ORG_FIELD_FIRST = re.compile(rf"\b({_FIELDS})\s+({_TYPES})(?:'s)?\b", re.IGNORECASE)
_ORG_TYPE_FIRST = re.compile(rf"\b({_TYPES})\s+(?:for\s+|of\s+)({_FIELDS})(?:'s)?\b", re.IGNORECASE)
_ORG_EN = rf"(?:(?:{_FIELDS})\s+(?:{_TYPES})|(?:{_TYPES})\s+(?:for\s+|of\s+)(?:{_FIELDS}))"
_PLACE_EN = r"([A-Z][a-z]+(?:['’\-][a-z]+)?)"
_PLACE_BEFORE_ORG = re.compile(rf"\b{_PLACE_EN}\s+(?:(?:Municipal|City|Provincial|District|County)\s+)?{_ORG_EN}",
                               re.IGNORECASE)
_PLACE_AFTER_ORG = re.compile(rf"{_ORG_EN}(?:'s)?\s+(?:of|in)\s+(?:the\s+)?{_PLACE_EN}", re.IGNORECASE)
# "发展和改革委员会 of 北京市": the place first, as Chinese names it
_OF_PLACE = re.compile(r"([\u4e00-\u9fff]{2,})\s+(?:of|in)\s+(?:the\s+)?([\u4e00-\u9fff]{2,}(?:市|省|县|区|州))")
_ENGLISH_PLACE_WORDS = re.compile(
    r"\b(?:municipal|municipality|city|province|provincial|county|district|prefecture|people's government of)\b",
    re.IGNORECASE)


# "at the end of 2025" → 2025年底; "how much higher … than in 2021" → 比2021年多了多少
_END_OF_YEAR = re.compile(r"(?:at\s+)?the\s+end\s+of\s+((?:19|20)\d{2})", re.IGNORECASE)
_MORE = ("higher", "more", "larger", "bigger", "greater")
_THAN_YEAR = re.compile(r"how\s+much\s+(higher|more|larger|bigger|greater|lower|less|smaller)\b.{0,40}?\bthan\s+"
                        r"(?:in\s+|that\s+of\s+)?((?:19|20)\d{2})", re.IGNORECASE)


def english_org_places(text: str) -> list[str]:
    """The English place names an English organisation name carries ("Hangzhou Audit Bureau", "Bureau of
    Statistics of Hangzhou")."""
    if not re.search("[A-Za-z]", text):
        return []
    found = [m[1] for m in _PLACE_BEFORE_ORG.finditer(text)] + [m[1] for m in _PLACE_AFTER_ORG.finditer(text)]
    return [place for place in found if place[0].isupper() and place.lower() not in ("the", "of", "and")]


def translate_english(text: str) -> str:
    """Put the Chinese term in place of each known English phrase and organisation name; other English words
    are dropped. An English question is then understood by the same rules as a Chinese one.
    """
    if not re.search("[A-Za-z]", text):
        return text
    text = _ORG_FIELD_FIRST.sub(lambda m: ENGLISH_FIELDS[m[1].lower()] + ENGLISH_ORG_TYPES[m[2].lower()], text)
    text = _ORG_TYPE_FIRST.sub(lambda m: ENGLISH_FIELDS[m[2].lower()] + ENGLISH_ORG_TYPES[m[1].lower()], text)
    text = _ENGLISH_PLACE_WORDS.sub(" ", text)
    text = _END_OF_YEAR.sub(lambda m: f"{m[1]}年底", text)
    text = _THAN_YEAR.sub(lambda m: f"比{m[2]}年{'多' if m[1].lower() in _MORE else '少'}了多少", text)
    text = _OF_PLACE.sub(lambda m: m[2] + m[1], text)
    translated = _ENGLISH.sub(lambda m: ENGLISH_TERMS[m.group().lower()], text)
    return re.sub(r"\b[A-Za-z][A-Za-z'-]*\b", " ", translated)


def split_department(department: str) -> tuple[str, str]:
    """轮台县人力资源和社会保障局 → (轮台县, 人力资源和社会保障局); 上海市普陀区人民政府办公室 → (上海市普陀区, …)."""
    match = re.match(r"^((?:.{2,12}?(?:自治州|自治区|自治县|省|市|州|县|区|盟|旗))+?)"
                     r"(?=市场|市政|市容|市民|区域|[^县区市州旗盟]{2,})(.+)$", department)  # 烟台市|市场监督管理局
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
    上海市普陀区 → [上海市普陀区, 普陀区, 普陀, 上海普陀区]; X经济技术开发区 → [.., X经开区]."""
    units = re.findall(r".+?(?:蒙古自治州|哈萨克自治州|回族自治州|自治州|自治区|自治县|省|市|州|县|区|盟|旗)", place)
    if len(units) > 1:
        variants = [place] + _unit_variants(units[-1]) + [_unit_variants(units[0])[-1] + units[-1]]
    else:
        variants = _unit_variants(place)
    variants += [v.replace(long, short) for v in variants for long, short in ZONE_SHORT_FORMS if long in v]
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


_SUB_PLACE = re.compile(r"^(?:人民政府)?(.{2,8}?(?:街道|镇|乡|苏木))(?:办事处|人民政府)?$")


def org_variants(org: str) -> list[str]:
    """人力资源和社会保障局 → [.., 人社局]; 卫生健康委员会 → [.., 卫健委员会, 卫健委]; 人民政府办公室 → [.., 政府办];
    a two-character committee by its first character (交通委员会 → 交委)."""
    variants = [org]
    body = org.removeprefix("人民政府")
    if body != org and len(body) >= 3 and not body.startswith("办公"):
        variants.append(body)  # 人民政府国有资产监督管理委员会: asked as 国资委 (人民政府办公室 stays 政府办)
    for long, shorts in ORG_SHORT_FORMS.items():
        variants += [v.replace(long, short) for v in variants if long in v for short in shorts]
    for long, short in ORG_SUBSTITUTIONS:
        variants += [v.replace(long, short) for v in variants if long in v]
    if re.fullmatch(r"[\u4e00-\u9fff]{2}委员会", org):  # 交通委员会 → 交委, 教育委员会 → 教委
        variants.append(org[0] + "委")
    return [v for i, v in enumerate(variants) if len(v) >= 2 and v not in variants[:i]]


def sub_places(org: str) -> list[str]:
    """人民政府万里街道办事处 → [万里街道办事处, 万里街道办, 万里街道]: a named unit below the place."""
    match = _SUB_PLACE.match(org)
    if not match:
        return []
    name = match.group(1)
    return [name + "办事处", name + "办", name] if name.endswith("街道") else [name]
