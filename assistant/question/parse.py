"""A question parsed into explicit fields (问题解析), without an LLM.

Fields: the documents (named by any alias, filtered by year, 预算/决算 and
部门/单位), the years (also 今年/去年/上年/前年 and two-digit years), the fund
(一般公共预算 / 政府性基金 / 国有资本经营 / 财政拨款 安排的…), the subjects (standard
concepts and names printed in the tables, longest first), the measures (年初预算,
决算数, 基本支出 …), the intent, and a top-N count (Chinese numerals read by cn2an).
Routing and the engines read these fields only; no question wording is in code.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from typing import Sequence

import cn2an

from assistant.question.catalog import Catalog, DocumentName, DocumentRef, NameIndex, Term, expand_synonyms
from assistant.question.concepts import BY_KEY, CONCEPT_WORDS, FUND_WORDS, Concept, Locator
from assistant.question.lexicon import (
    ASCENDING_CUES, COLUMN_CONCEPTS, FACT_CUES, INTENT_CUES, MEASURE_WORDS, NOT_NAME_WORDS, SUPERLATIVES, Intent,
    translate_english,
)
from index.model import Measure
from index.text import name_key

logger = logging.getLogger(__name__)

# Row labels that name a measure or a total, not a subject: never a subject term.
GENERIC_LABELS = frozenset({
    "合计", "总计", "小计", "基本支出", "项目支出", "人员经费", "公用经费", "一般公共预算", "财政拨款",
    "预算", "决算", "支出", "收入", "其他", "年初预算", "决算数", "预算数", "项目", "金额", "本年", "上年",
    "部门预算", "单位预算", "部门决算", "单位决算",  # the document's kind, not a subject
})
_MENTION = re.compile(
    r"[\u4e00-\u9fff]{2,10}?(?:省|市|自治州|州|县|区|盟|旗)[\u4e00-\u9fff]{0,12}?(?:局|厅|委员会|委|办公室|中心|院|所|支队|大队)"
)
_ORG_SUFFIX = r"(?:中心|局|厅|司|所|站|院|队|处|馆|委员会|办公室|学校|医院|大学|幼儿园)"
# right after a document's name, maybe as 下属的: a unit below it (…工务署|教育工程管理中心), its name
# holding no relation or time word (…科技局|今年给福州大学 names the recipient of a grant)
_SUB_UNIT_MENTION = re.compile(rf"(?<=\|)(?:下属|所属|属下)?的?[^\W\d_给向对为和与及在年度了是有把从到]{{2,12}}?{_ORG_SUFFIX}")
_BELOW = re.compile(r"^(?:下属|所属|属下)?的")
_PARENT = re.compile(r"(?:下属|所属|直属|主管|下面|下辖|旗下)的?")
_UNIT_END = re.compile(_ORG_SUFFIX)
_UNIT_NAME = re.compile(rf"(?:{_ORG_SUFFIX}|本级|机关)$")
_ORG_MENTION = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:局|厅|委员会|办公室|办事处|街道|人民政府|人大|政协)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:年度?|年)?(?!\d)")
_BASE_YEAR = re.compile(r"(?:比|较)((?:19|20)\d{2})年")  # the base of a change (比2025年增加)
_SHORT_YEAR = re.compile(r"(?<![\d.])(\d{2})年(?!度?\d)")
_YEAR_RANGE = re.compile(r"((?:19|20)\d{2})年?(?:-|—|–|~|至|到)((?:19|20)\d{2})年?")
# a year's end (“到2025年底有几辆车”): a stock reported by that year's 决算 and the next year's 预算
_YEAR_END = re.compile(r"(?<!\d)((?:19|20)\d{2})年(?:底|末|12月31日)")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_CN_COUNT = re.compile(r"(?<=前)[一二两三四五六七八九十]{1,3}|"
                       r"(?<=[后排名大多高少低的])[一二两三四五六七八九十]{1,3}(?=[个项家名位类种条笔])")
_TOP = re.compile(r"前(\d{1,2})|(\d{1,2})(?:个|项|家|名|位|类|种|条)")
_RELATIVE_YEARS = (("前年", -2), ("去年", -1), ("上年度", -1), ("上一年", -1), ("上年", -1), ("今年", 0), ("本年度", 0),
                   ("当年", 0))
_COMPARED = re.compile(r"(?:比|较|与|同|相比|对比)(?:前年|去年|上年度|上一年|上年)")
# A count is asked (多少批次, 几辆): the answer is a number of things, stated in a sentence, not an amount.
COUNT_QUESTION = re.compile(r"(?:多少|几)个?(批次|人次|批|名|人|辆|台|套|户|所|家|处|平方米|亩|间)(?!民|员|经费|支出)")
_MONEY = re.compile(r"钱|万?元|金额")
FUND_LINE = re.compile(r"^(?:一般公共预算|政府性基金|国有资本经营|财政)(?:预算)?(?:财政)?(?:拨款|资金)?(?:收入)?$")
_QUOTED = re.compile(r"[“\"「『‘](.{2,60}?)[”\"」』’]")
_CHANGE_WORD = r"(?:增加|减少|增长|下降|降低|上升|下调|上调|多|少|涨|降|增|减)了?"
# a change asked: 比去年增加了多少, 比少了多少 (a year removed), 降了百分之几, 增幅多少
_CHANGE_ASKED = re.compile(rf"(?:比|较)[^,，?？。;；]{{0,10}}?{_CHANGE_WORD}(?:多少|几)")
_CHANGE_RATE = re.compile(rf"{_CHANGE_WORD}(?:百分之几|多少%|几个百分点|多少个百分点|的?幅度|几成)")
_SCOPE = re.compile(r"(部门|单位)(?:综合)?(?:预算|决算)")
_BUDGET_IN_FINAL = re.compile(r"预算数|预算是|预算为|预算多少|预算各|的预算|预算和决算|预算、决算")


@dataclass
class Subject:
    """What a question asks the figure of: a standard concept or a name printed in the tables."""

    name: str  # as the answer names it
    start: int  # position in the question's text
    concept: Concept | None = None
    term: Term | None = None
    key: str = ""  # the words of the question that named it
    within: Locator | None = None  # a unit's row read where a total is printed (下属单位的收入: the income table)


@dataclass
class ParsedQuestion:
    """The question's fields."""

    question: str
    text: str  # name_key form, English translated, numerals in digits, synonyms expanded, names removed
    intent: Intent
    documents: list[DocumentRef]
    subjects: list[Subject] = field(default_factory=list)
    measure: Measure | str | None = None
    measures: list[Measure | str] = field(default_factory=list)  # every measure named, in order
    fund: str | None = None
    part_fund: str | None = None  # "其中财政拨款多少": the fund's part of the amount asked is asked too
    years: list[int] = field(default_factory=list)
    kind: str | None = None  # 预算 | 决算 when the question says so
    scope: str | None = None  # 部门 | 单位 when the question says so
    named: bool = False  # the question names its documents (else: every loaded document)
    descending: bool = True
    top_n: int | None = None
    out_of_scope: str = ""  # why no loaded document can answer
    fact: bool = False  # the question asks for a narrative fact (人数, 标准, 得分…)

    @property
    def doc_ids(self) -> list[str]:
        return [d.doc_id for d in self.documents]

    @property
    def terms(self) -> list[Term]:
        return [s.term for s in self.subjects if s.term is not None]

    @property
    def concepts(self) -> list[Concept]:
        return [s.concept for s in self.subjects if s.concept is not None]

    @property
    def year(self) -> int | None:
        return self.years[0] if len(self.years) == 1 else None


def normalize_question(question: str, catalog: Catalog | None = None) -> str:
    """The form a question is matched in: English places and phrases translated, ``name_key``, numerals as
    digits."""
    text = name_key(translate_english(catalog.english_to_places(question) if catalog else question))
    text = _CN_YEAR.sub(lambda m: str(cn2an.cn2an(m.group(0), "direct")), text)
    text = _CN_COUNT.sub(lambda m: str(cn2an.cn2an(m.group(0).replace("两", "二"), "smart")), text)
    return expand_synonyms(text)


def parse_question(question: str, catalog: Catalog) -> ParsedQuestion:
    text = normalize_question(question, catalog)
    quoted = _quoted(question)
    documents, text, out_of_scope, named = _match_documents(text, catalog, quoted)
    years, text = _years(text, documents if named else catalog.documents)
    kind = "决算" if "决算" in text and "预算" not in text.replace("年初预算", "") else None
    if kind is None and re.search(r"预算(?!数)", text.replace("年初预算", "")) and not re.search("决算", text) \
            and any(d.kind == "预算" for d in documents) and not all(d.kind == "预算" for d in documents):
        kind = "预算" if not _BUDGET_IN_FINAL.search(text) else None
    scope_match = _SCOPE.search(text)
    scope = scope_match.group(1) if scope_match else None
    unknown = catalog.unknown_english_places(question)
    if unknown:  # (its own words, not what is left of them in Chinese)
        documents, out_of_scope = [], f"没有载入“{unknown[0]}”的文件"
    if not out_of_scope:
        documents, out_of_scope = _filter_documents(documents, years, kind, scope, catalog)
    subjects, bare = _match_subjects(text, catalog.terms, quoted)
    measures = _measures(bare, documents)
    subjects, measures = _column_concepts(subjects, measures, bare, catalog.terms)
    subjects, unit_fund = _unit_rows(subjects, text)
    subjects, fund, part_fund = _funds(text, bare, subjects)
    fund = fund or unit_fund
    intent = _intent(text, bare, subjects, measures, documents, years, out_of_scope, named)
    parsed = ParsedQuestion(
        question=question, text=text, intent=intent, documents=documents, subjects=subjects,
        measure=measures[0] if measures else None, measures=measures, fund=fund, years=years, kind=kind,
        scope=scope, named=named, out_of_scope=out_of_scope,
        descending=not any(cue in text for cue in ASCENDING_CUES), top_n=_top_n(text),
        fact=any(cue in bare for cue in FACT_CUES), part_fund=part_fund,
    )
    logger.info("parsed %r: intent=%s docs=%s subjects=%s measures=%s fund=%s years=%s", question, intent.value,
                parsed.doc_ids, [s.name for s in subjects], measures, fund, years)
    return parsed


# -- documents -----------------------------------------------------------------------------------------

def _match_documents(text: str, catalog: Catalog,
                     quoted: Sequence[str] = ()) -> tuple[list[DocumentRef], str, str, bool]:
    """Documents named in ``text`` (every loaded one when none is named), the text without the names,
    why no loaded document can answer (a department mentioned that is not loaded), and whether any was named.

    Names printed in the tables stay whole: units (下属单位) and quoted names (“广州市…工作经费”项目)."""
    present = catalog.names.present(text)
    named: list[tuple[int, DocumentRef]] = []
    for place_only in (False, True):  # a department's name first; a bare place (轮台县) only when none is named
        named = _named(text, [n for n in present if n.place_only == place_only], catalog.names)
        if named:
            break
    bare = catalog.names.bare
    units = _units(text, catalog, {n.alias for n in present})
    kept = units + [q for q in quoted if q in text and q not in units]  # (an organisation inside a quoted name)
    unnamed = text
    for alias in dict.fromkeys(n.alias for n in present if not n.place_only):
        unnamed = _remove(unnamed, alias, alias in bare, kept, catalog.names)
    mention = _unknown_mention(unnamed, kept, bool(named))
    if mention:
        return [], text, f"没有载入“{mention}”的文件", False
    for alias in dict.fromkeys(n.alias for n in present):
        text = _remove(text, alias, alias in bare, kept, catalog.names)
    text = text.replace("|", "")
    if not named:
        return list(catalog.documents), text, "", False
    named.sort(key=lambda item: item[0])
    return list(dict.fromkeys(document for _, document in named)), text, "", True


def _units(text: str, catalog: Catalog, documents: set[str]) -> list[str]:
    """Organisations mentioned that are rows of the loaded tables (units of a consolidated budget, 下属单位),
    other than the documents named, longest first: a unit's name is kept whole (its place is no document's
    name there)."""
    units: list[str] = []
    for match in _UNIT_END.finditer(text):
        end = match.end()
        unit = next((text[start:end] for start in range(max(0, end - 24), end - 3)
                     if text[start:end] in catalog.terms), None)
        if unit and unit not in units and unit not in documents:
            units.append(unit)
    return sorted(units, key=len, reverse=True)


def _unknown_mention(unnamed: str, units: list[str], named: bool) -> str:
    """An organisation the question names that is no loaded document and no unit printed in one: with a place
    (西安市某某研究所), below a document named (…工务署|教育工程管理中心), or alone when no document is named.
    The parent of a document named (X局下属的|Y院) is no such organisation; neither is a name in quotes (``kept``)."""
    spans = [(m.start(), m.end()) for unit in units for m in re.finditer(re.escape(unit), unnamed)]
    found = [*_MENTION.finditer(unnamed), *(_SUB_UNIT_MENTION.finditer(unnamed) if named
                                           else _ORG_MENTION.finditer(unnamed))]
    for match in found:
        parent = named and _PARENT.match(unnamed, match.end())  # 上海市统计局下属的|统计和大数据研究院
        if not parent and not any(a < match.end() and match.start() < b for a, b in spans):
            return _BELOW.sub("", match.group(0))
    return ""


def _named(text: str, names: list[DocumentName], index: NameIndex) -> list[tuple[int, DocumentRef]]:
    """(position, document) of each document named in ``text``, by the longest names first.

    A name inside a longer name of another document does not count (人社局 inside 轮台人社局), and a
    bare organisation name counts only where no place name precedes it (财政局 in 北京市财政局, 人社局 in
    上海人社局 where 上海 is another document's place).
    """
    spans: list[tuple[int, int, DocumentRef]] = []
    for name in names:
        start = text.find(name.alias)
        while start >= 0:
            if not (name.bare and index.after_place(text, start)):
                spans.append((start, start + len(name.alias), name.document))
            start = text.find(name.alias, start + 1)
    kept: list[tuple[int, int, DocumentRef]] = []
    for start, end, document in sorted(spans, key=lambda s: -(s[1] - s[0])):
        inside_other = any(s <= start and end <= e and e - s > end - start and d is not document for s, e, d in kept)
        if not inside_other:
            kept.append((start, end, document))
    firsts: dict[str, tuple[int, DocumentRef]] = {}
    for start, _, document in kept:
        if document.doc_id not in firsts or start < firsts[document.doc_id][0]:
            firsts[document.doc_id] = (start, document)
    return list(firsts.values())


def _remove(text: str, alias: str, bare: bool, keep: Sequence[str] = (), index: NameIndex | None = None) -> str:
    """``text`` with ``alias`` replaced by "|" — a bare organisation name only where no place name precedes it,
    and nowhere inside the names in ``keep``."""
    if keep:
        pattern = "(" + "|".join(re.escape(k) for k in sorted(keep, key=len, reverse=True)) + ")"
        return "".join(part if part in keep else _remove(part, alias, bare, index=index)
                       for part in re.split(pattern, text))
    if not bare:
        return text.replace(alias, "|")
    pieces, position = [], 0
    for match in re.finditer(re.escape(alias), text):
        placed = index.after_place(text, match.start()) if index else \
            match.start() > 0 and text[match.start() - 1] in "省市区县州旗盟"
        pieces.append(text[position:match.start()] + (match.group(0) if placed else "|"))
        position = match.end()
    return "".join(pieces) + text[position:]


def _years(text: str, documents: list[DocumentRef]) -> tuple[list[int], str]:
    """Years asked: 2024年, 24年, 2017-2019年, 2025年底 (2025 and 2026), and 今年/去年/前年 relative to the
    latest document named; a change's base year (比2025年) no document covers is not asked itself."""
    years: list[int] = []
    for match in _YEAR_RANGE.finditer(text):
        first, last = sorted((int(match.group(1)), int(match.group(2))))
        years += list(range(first, last + 1)) if last - first <= 10 else [first, last]
    text = _YEAR_RANGE.sub(" ", text)
    years += [year + offset for m in _YEAR_END.finditer(text) for year in [int(m.group(1))] for offset in (0, 1)]
    text = _YEAR_END.sub(" ", text)
    loaded = {d.year for d in documents}
    bases = [y for y in (int(m.group(1)) for m in _BASE_YEAR.finditer(text)) if y not in loaded]
    years += [int(m.group(1)) for m in _YEAR.finditer(text)]
    text = _YEAR.sub(" ", text)
    years += [2000 + int(m.group(1)) for m in _SHORT_YEAR.finditer(text)]
    text = _SHORT_YEAR.sub(" ", text)
    if bases and len(years) > len(bases):  # 2026年…比2025年少了多少: 2025 is only the base of the change
        years = [y for y in years if y not in bases]
    elif bases and len(years) == len(bases):  # 比2022年减少了多少: the year after it is asked
        years = [y + 1 for y in years]
    if not years and documents:
        latest = max(d.year for d in documents)
        compared = _COMPARED.sub(" ", text)
        for word, offset in _RELATIVE_YEARS:
            if word in compared:
                years.append(latest + offset)
                compared = compared.replace(word, " ")
    return list(dict.fromkeys(years)), text.replace(" ", "")


def _filter_documents(documents: list[DocumentRef], years: list[int], kind: str | None, scope: str | None,
                      catalog: Catalog) -> tuple[list[DocumentRef], str]:
    if years:
        in_years = [d for d in documents if d.year in years]
        if not in_years:
            names = "、".join(sorted({d.department for d in documents})) or "任何部门"
            shown = "、".join(str(y) for y in years)
            return [], f"没有载入{names} {shown} 年的文件"
        documents = in_years
    if kind:
        of_kind = [d for d in documents if d.kind == kind]
        if not of_kind and not any(d.kind == kind for d in catalog.documents):
            return [], f"没有载入{kind}文件"
        documents = of_kind or documents
    if scope:
        documents = [d for d in documents if d.scope == scope] or documents
    return documents, ""


# -- subjects and measures -----------------------------------------------------------------------------

def _quoted(question: str) -> list[str]:
    """Names the question puts in quotation marks (“2019年度聘请专家人员经费”项目), as ``name_key``s without
    their years (the years are read out of the question's text)."""
    keys = [_SHORT_YEAR.sub("", _YEAR.sub("", _YEAR_RANGE.sub("", name_key(q)))) for q in _QUOTED.findall(question)]
    return [key for key in keys if len(key) >= 2]


def _match_subjects(text: str, terms: dict[str, Term], quoted: Sequence[str] = ()) -> tuple[list[Subject], str]:
    """Concepts and printed names in ``text``: longest first (the earlier on a tie), not overlapping; and the
    text without them. A fund named before another subject (政府性基金预算安排的X) is the fund, not a subject.

    A quoted name is one name: words inside it (人员经费 in “聘请专家人员经费”) name nothing of their own;
    a quoted name no table prints is still the subject (the narrative may name it).
    """
    candidates = [(key, Subject(concept.name, 0, concept=concept, key=key)) for key, concept in CONCEPT_WORDS]
    candidates += [(key, Subject(key, 0, term=term, key=key)) for key, term in terms.items()
                   if key not in GENERIC_LABELS and len(key) >= 2]
    candidates += [(key, Subject(key, 0, term=Term(key), key=key)) for key in quoted if key not in terms]
    spans = [(m.start(), m.end(), subject) for key, subject in candidates if key in text
             for m in re.finditer(re.escape(key), text)]
    inside = [(m.start(), m.end()) for key in quoted for m in re.finditer(re.escape(key), text)]
    spans = [(s, e, subject) for s, e, subject in spans
             if not any(qs <= s and e <= qe and (qs, qe) != (s, e) for qs, qe in inside)]
    spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
    found: list[tuple[int, int, Subject]] = []
    for start, end, subject in spans:
        if all(end <= s or start >= e for s, e, _ in found):
            found.append((start, end, Subject(subject.name, start, subject.concept, subject.term, subject.key)))
    found.sort(key=lambda item: item[0])
    found = [f for f in found if not _inside_longer_name(text, f[0], f[2], quoted, [g[:2] for g in found])]
    fund_words = {word for word, _ in FUND_WORDS}
    if len(found) > 1:
        found = [f for f in found if not (f[2].concept is not None and f[2].key in fund_words and f is not found[-1])]
    bare = text
    for start, end, _ in sorted(found, key=lambda item: -item[0]):
        bare = bare[:start] + "|" + bare[end:]
    return _distinct([subject for _, _, subject in found]), bare


def _inside_longer_name(text: str, start: int, subject: Subject, quoted: Sequence[str],
                        spans: list[tuple[int, int]]) -> bool:
    """A project or row name printed in the tables that ends a longer name the question gives (城市体检|工作经费):
    the question asks that longer name, which no table prints — not this one."""
    term = subject.term
    if term is None or term.codes or subject.key in quoted or term.kind not in ("project", "label") \
            or _UNIT_NAME.search(term.name):
        return False
    run = re.search(r"[\u4e00-\u9fff]*$", text[:start]).group(0)
    tail = NOT_NAME_WORDS.split(run)[-1]  # (今年|工作经费, 下属的|…中心: no longer name)
    return len(tail) >= 2 and not any(a < start and b > start - len(tail) for a, b in spans)


def _distinct(subjects: list[Subject]) -> list[Subject]:
    seen: set[str] = set()
    out = []
    for subject in subjects:
        key = subject.concept.key if subject.concept else subject.name
        if key not in seen:
            seen.add(key)
            out.append(subject)
    return out


def _measures(bare: str, documents: list[DocumentRef]) -> list[Measure | str]:
    """Measures named outside the subjects, in order; 预算数 asked of 决算 documents reads their budget columns."""
    found = sorted((bare.find(word), measure) for word, measure in MEASURE_WORDS if word in bare)
    measures: list[Measure | str] = list(dict.fromkeys(measure for _, measure in found))
    if documents and all(d.final for d in documents) and _BUDGET_IN_FINAL.search(bare.replace("年初预算", "")) \
            and Measure.INITIAL_BUDGET not in measures and Measure.ADJUSTED_BUDGET not in measures:
        measures.append("budget")
    return measures


def _column_concepts(subjects: list[Subject], measures: list, bare: str,
                     terms: dict[str, Term] | None = None) -> tuple[list[Subject], list]:
    """基本支出, 项目支出, 人员经费, 公用经费: the column of another subject named, else subjects of their own.

    Beside such a column, a standard quantity that is also a coded subject (基本支出里的公务接待费: the
    economic subject 30217, not the 三公 table's line) is read as the subject.
    """
    columns = [s for s in subjects if s.concept is not None and s.concept.key in COLUMN_CONCEPTS.values()]
    if columns and terms:
        subjects = [_as_term(s, terms) if s not in columns and s.concept is not None else s for s in subjects]
    others = [s for s in subjects if s not in columns]
    if not columns:
        return subjects, measures
    if others and any(o.term is not None and o.term.codes for o in others):
        column_measures = [m for m, key in COLUMN_CONCEPTS.items() for s in columns if s.concept.key == key]
        return others, list(dict.fromkeys(column_measures + measures))
    return subjects, [m for m in measures if m not in COLUMN_CONCEPTS]


def _funds(text: str, bare: str, subjects: list[Subject]) -> tuple[list[Subject], str | None, str | None]:
    """The fund the amount is restricted to, and the fund whose part is asked after "其中".

    "收入预算是多少？其中一般公共预算拨款多少？": the income of all funds, and its 一般公共预算 part — the fund
    line after 其中 is no subject of its own.
    """
    head, _, tail = bare.partition("其中")
    fund = next((f for word, f in FUND_WORDS if word in head), None)
    part_fund = next((f for word, f in FUND_WORDS if word in tail), None) if subjects else None
    if "其中" in text:
        after = text.find("其中")
        named = [s for s in subjects if s.start > after and FUND_LINE.match(s.key or s.name)]
        if named and len(named) < len(subjects):
            subjects = [s for s in subjects if s not in named]
            part_fund = part_fund or next((f for word, f in FUND_WORDS if word in named[0].key), None)
    return subjects, fund, part_fund


def _unit_rows(subjects: list[Subject], text: str) -> tuple[list[Subject], str | None]:
    """A unit of a consolidated budget asked with a total (下属中心的收入合计, 某单位的基本支出): the unit's row
    where the document prints that total, one subject instead of two; asked with a fund's line (某支队一般公共
    预算拨款): the unit's row, of that fund (returned)."""
    units = [s for s in subjects if s.term is not None and not s.term.codes and s.term.labels
             and _UNIT_NAME.search(s.term.name)]
    if len(units) != 1:
        return subjects, None
    unit = units[0]
    part = text.find("其中")  # a fund's line after 其中 is a part asked besides the amount (see ``_funds``)
    lines = [s for s in subjects if s.start > unit.start and FUND_LINE.match(s.key or s.name)
             and (part < 0 or s.start < part)]
    fund = next((f for word, f in FUND_WORDS if lines and word in (lines[0].key or lines[0].name)), None)
    subjects = [s for s in subjects if s not in lines]
    subjects = [_unit_total(s) for s in subjects]
    totals = [s for s in subjects if s.concept is not None and _total_locator(s.concept) is not None]
    if not totals:  # 某医院的支出: the bare word names the total
        side = next((BY_KEY[key] for word, key in (("支出", "expenditure"), ("收入", "income"))
                     if word in text[unit.start + len(unit.key or unit.name):]), None)
        totals = [Subject(side.name, unit.start, concept=side)] if side else []
    if not totals:
        return subjects, fund
    total = totals[0]
    within = _total_locator(total.concept)
    row = Subject(f"{unit.name}{total.concept.name}", unit.start, term=unit.term, key=unit.key, within=within)
    columns = [s for s in subjects if s.start > unit.start and s.concept is None and s is not unit
               and s.term is not None and not s.term.codes
               and not FUND_LINE.match(s.key or s.name)]  # 其中事业收入: that column of the unit's row
    cells = [Subject(f"{unit.name}{s.name}", s.start, term=unit.term, key=unit.key,
                     within=replace(within, column=rf"(?:^|/){re.escape(s.key or s.name)}(?:/(?:小计|合计))?$"))
             for s in columns]
    kept = [row if s is unit else s for s in subjects if s is not total and s not in columns]
    return kept + cells, fund


def _unit_total(subject: Subject) -> Subject:
    """A unit's 收入总计 is its income row's total; its 支出总计, its expenditure row's."""
    key = subject.concept.key if subject.concept else ""
    side = "income" if key in ("grand_total", "current_income") else "expenditure" if key == "current_expenditure" \
        else None
    return Subject(subject.name, subject.start, concept=BY_KEY[side], key=subject.key) if side else subject


def _total_locator(concept: Concept) -> Locator | None:
    return next((loc for loc in concept.locators if loc.row is None and loc.column is None and loc.panel is None), None)


def _as_term(subject: Subject, terms: dict[str, Term]) -> Subject:
    term = terms.get(name_key(subject.key or "")) or terms.get(name_key(subject.name))
    return Subject(term.name, subject.start, term=term, key=subject.key) if term and term.codes else subject


def _top_n(text: str) -> int | None:
    match = _TOP.search(text)
    if match:
        return int(match.group(1) or match.group(2))
    return 1 if any(word in text for word in SUPERLATIVES) else None


# -- intent ---------------------------------------------------------------------------------------------

def _intent(text: str, bare: str, subjects: list[Subject], measures: list, documents: list[DocumentRef],
            years: list[int], out_of_scope: str, named: bool) -> Intent:
    """The intent from cue words; a fact's cue counts outside the names asked (采购 in a project's name)."""
    if out_of_scope or not documents:
        return Intent.OUT_OF_SCOPE
    for intent in (Intent.DEFINE, Intent.EXPLAIN):
        if any(cue in text for cue in INTENT_CUES[intent]):
            return intent
    if any(cue in bare for cue in FACT_CUES) and not _asks_amount(subjects) and not (subjects and _MONEY.search(text)):
        return Intent.FACT  # (a printed name's amount and a fact: an amount, the fact quoted beside it)
    if COUNT_QUESTION.search(text) and not _MONEY.search(text):
        return Intent.FACT
    if _CHANGE_RATE.search(text):
        return Intent.CHANGE  # 降了百分之几 asks a change's rate, not a share
    head = text.split("其中")[0] if "占多少" in text or "占了多少" in text else text  # 其中X占多少: X's amount
    if any(cue in head for cue in INTENT_CUES[Intent.SHARE]):
        return Intent.SHARE
    departments = {d.department for d in documents}
    several_years = len({d.year for d in documents}) > 1 and len(departments) == 1
    if several_years and (any(cue in text for cue in INTENT_CUES[Intent.SERIES]) or len(years) > 2):
        return Intent.SERIES
    if any(cue in text for cue in INTENT_CUES[Intent.RANK]) or re.search(r"前\d{1,2}|\d{1,2}(?:个|项|家)(?:项目|科目|部门|单位)", text):
        return Intent.RANK
    if any(cue in text for cue in INTENT_CUES[Intent.CHANGE]) or any(
            not any(m.start() < s.start < m.end() for s in subjects) for m in _CHANGE_ASKED.finditer(text)):
        return Intent.CHANGE  # (A比B多多少, with B a subject: their difference)
    if len(documents) > 1 and named and any(cue in text for cue in INTENT_CUES[Intent.SUM]):
        return Intent.SUM
    if len(documents) > 1 and named:
        return Intent.COMPARE
    if subjects or measures or "总" in text:
        return Intent.LOOKUP
    if any(cue in bare for cue in FACT_CUES):
        return Intent.FACT
    return Intent.UNKNOWN


def _asks_amount(subjects: list[Subject]) -> bool:
    """A standard money concept is named (政府采购预算 is an amount, not a narrative fact)."""
    return any(s.concept is not None for s in subjects)
