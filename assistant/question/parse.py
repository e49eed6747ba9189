"""Question understanding without an LLM (问题理解): documents, subject, measure, intent.

Everything a question is matched against comes from the database
(``Catalog.load``): the loaded documents (department, region, year, 预算/决算)
and the names printed in their tables (subject names, row labels, project
names). ``lexicon`` adds only short forms and cue words.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import duckdb

from assistant.question.lexicon import (
    ASCENDING_CUES, FACT_CUES, INTENT_CUES, MEASURE_WORDS, SUBJECT_SYNONYMS, TABLE_CONCEPTS, TOP_N,
    Intent, Measure, normalize, org_variants, place_variants, split_department, sub_places, translate_english,
)

logger = logging.getLogger(__name__)

# Row labels that name a measure or a total, not a subject: never a subject term.
GENERIC_LABELS = frozenset({
    "合计", "总计", "小计", "基本支出", "项目支出", "人员经费", "公用经费", "一般公共预算", "财政拨款",
    "预算", "决算", "支出", "收入", "其他", "年初预算", "决算数", "预算数", "项目", "金额",
})
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[0-9]+[、.．]|（[一二三四五六七八九十0-9]+）|其中[:：]|\d+、)+")
_MENTION = re.compile(
    r"[\u4e00-\u9fff]{2,10}?(?:省|市|自治州|州|县|区|盟|旗)[\u4e00-\u9fff]{0,12}?(?:局|厅|委员会|委|办公室|中心|院)"
)
_ORG_MENTION = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:局|厅|委员会|办公室|办事处|街道|人民政府|人大|政协)")
_YEAR = re.compile(r"(20\d{2})\s*年?")


@dataclass(frozen=True)
class DocumentRef:
    """A loaded document as questions name it."""

    doc_id: str
    department: str
    region: str
    year: int
    kind: str  # 预算 | 决算
    scope: str
    title: str
    aliases: tuple[str, ...]  # longest first: 轮台县人力资源和社会保障局, 轮台县人社局, 轮台县, 轮台 …

    @property
    def short_name(self) -> str:
        """The name used in answers: place + short org (轮台县人社局)."""
        place, org = split_department(self.department)
        forms = org_variants(org)
        return place + (forms[1] if len(forms) > 1 else org) if place else self.department

    @property
    def label(self) -> str:
        return f"{self.department}{self.year}年{self.kind}"


@dataclass
class Term:
    """A name printed in the tables (科目名称, 行名称 or 项目名称) and where it occurs."""

    name: str  # normalized
    codes: set[str] = field(default_factory=set)  # subject codes with this name
    labels: set[str] = field(default_factory=set)  # row labels as printed
    projects: set[str] = field(default_factory=set)  # project names as printed
    table_kinds: set[str] = field(default_factory=set)
    concept: bool = False  # a name of lexicon.TABLE_CONCEPTS: the total row of one table kind
    preferred: tuple[str, ...] = ()  # concept rows in order of preference: the printed name first, then 合计…


@dataclass
class Catalog:
    """What can be asked about: the loaded documents and the names in their tables."""

    documents: list[DocumentRef]
    terms: dict[str, Term]

    @classmethod
    def load(cls, connection: duckdb.DuckDBPyConnection) -> "Catalog":
        documents = [
            _document_ref(*row) for row in connection.execute(
                "SELECT doc_id, department, coalesce(region, ''), year, kind, scope, coalesce(title, '') "
                "FROM documents ORDER BY doc_id").fetchall()
        ]
        terms: dict[str, Term] = {}
        rows = connection.execute(
            "SELECT DISTINCT c.row_label, c.subject_code, c.subject_name, c.project_name, t.kind "
            "FROM cells c JOIN tables t USING (doc_id, table_id) WHERE c.value IS NOT NULL").fetchall()
        for label, code, subject_name, project, table_kind in rows:
            for name in {subject_name, label}:
                key = term_key(name or "")
                if not key:
                    continue
                term = terms.setdefault(key, Term(key))
                term.table_kinds.add(table_kind)
                if label:
                    term.labels.add(label)
                if code and name == subject_name:
                    term.codes.add(code)
            if project:
                key = term_key(project)
                term = terms.setdefault(key, Term(key))
                term.projects.add(project)
                term.table_kinds.add(table_kind)
        for name, (table_kind, labels) in TABLE_CONCEPTS.items():
            printed = terms[name].labels if name in terms and table_kind in terms[name].table_kinds else set()
            terms[name] = Term(name, labels=set(labels) | printed, table_kinds={table_kind}, concept=True,
                               preferred=tuple(sorted(printed)) + labels)
        logger.info("catalog: %d documents, %d names", len(documents), len(terms))
        return cls(documents, terms)


@dataclass
class ParsedQuestion:
    """The parsed question: which documents, names, measure and intent."""

    question: str
    text: str  # normalized, synonyms expanded, documents and years removed
    intent: Intent
    documents: list[DocumentRef]
    terms: list[Term]
    measure: Measure | None = None
    measures: list[Measure] = field(default_factory=list)  # every measure named, in order (人员经费和公用经费)
    year: int | None = None
    kind: str | None = None  # 预算 | 决算 when the question says so
    descending: bool = True
    top_n: int | None = None
    out_of_scope: str = ""  # why no loaded document can answer
    fact: bool = False  # the question asks for a narrative fact (人数, 标准, 得分…)

    @property
    def doc_ids(self) -> list[str]:
        return [d.doc_id for d in self.documents]


def term_key(name: str) -> str:
    """The form a printed name is matched in: numbering, quotes and (小计) removed."""
    key = normalize(name)
    key = _NUMBERING.sub("", key)
    key = re.sub(r"（(?:小计|合计|项|款|类)）$", "", key)
    return key if len(key) >= 2 else ""


def expand_synonyms(text: str) -> str:
    """Replace short forms (社保补贴, 公积金, 三公) by the printed name unless it is already there."""
    for short in sorted(SUBJECT_SYNONYMS, key=len, reverse=True):
        full = SUBJECT_SYNONYMS[short]
        if short in text and full not in text:
            text = text.replace(short, full)
    return text


def parse_question(question: str, catalog: Catalog) -> ParsedQuestion:
    text = expand_synonyms(normalize(translate_english(question)))
    documents, text, out_of_scope = _match_documents(text, catalog.documents)
    year_match = _YEAR.search(text)
    year = int(year_match.group(1)) if year_match else None
    kind = "决算" if "决算" in text and "预算" not in text.replace("年初预算", "") else None
    if not out_of_scope and year is not None:
        in_year = [d for d in documents if d.year == year]
        if not in_year:
            names = "、".join(sorted({d.department for d in documents})) or "任何部门"
            out_of_scope = f"没有载入{names} {year} 年的文件"
        documents = in_year
    if not out_of_scope and kind and documents and any(d.kind == kind for d in catalog.documents):
        documents = [d for d in documents if d.kind == kind] or documents
    elif not out_of_scope and kind and documents and not any(d.kind == kind for d in documents):
        out_of_scope = f"没有载入{kind}文件"
    text = _YEAR.sub("", text)
    terms = _match_terms(text, catalog.terms)
    bare = text
    for term in terms:
        bare = bare.replace(term.name, " ")
    found = sorted((bare.find(word), m) for word, m in MEASURE_WORDS if word in bare)
    measures = list(dict.fromkeys(m for _, m in found))
    measure = next((m for word, m in MEASURE_WORDS if word in bare), None)
    intent = _intent(text, terms, documents, out_of_scope)
    parsed = ParsedQuestion(
        question=question, text=text, intent=intent, documents=documents, terms=terms, measure=measure,
        measures=measures,
        year=year, kind=kind, out_of_scope=out_of_scope,
        descending=not any(cue in text for cue in ASCENDING_CUES),
        top_n=next((n for cue, n in TOP_N.items() if cue in text), None),
        fact=any(cue in text for cue in FACT_CUES),
    )
    logger.info("parsed %r: intent=%s docs=%s terms=%s measure=%s", question, intent.value,
                parsed.doc_ids, [t.name for t in terms], measure)
    return parsed


def _document_ref(doc_id, department, region, year, kind, scope, title) -> DocumentRef:
    place, org = split_department(department)
    if not place and region:
        units = re.findall(r".+?(?:自治区|自治州|自治县|省|市|州|县|区|盟|旗)", region)
        place = units[-1] if units else ""
    aliases = {department}
    for org_form in org_variants(org):
        for place_form in place_variants(place) if place else [""]:
            aliases.add(place_form + org_form)
    if place:
        aliases.update(v for v in place_variants(place) if len(v) >= 2)
    aliases.update(sub_places(org))
    ordered = tuple(sorted(aliases, key=len, reverse=True))
    return DocumentRef(doc_id, department, region, year, kind, scope, title, ordered)


def _match_documents(text: str, documents: list[DocumentRef]) -> tuple[list[DocumentRef], str, str]:
    """Documents named in ``text`` (all when none is named), the text without the names, and why out of scope."""
    named: list[tuple[int, DocumentRef]] = []
    for place_only in (False, True):  # a department name first; a bare place (轮台县) only when none is named
        for document in documents:
            hit = next((a for a in document.aliases if a in text and _is_place_only(a, document) == place_only), None)
            if hit:
                named.append((text.index(hit), document))
        if named:
            break
    full_aliases = sorted({a for d in documents for a in d.aliases if not _is_place_only(a, d)}, key=len, reverse=True)
    unnamed = text
    for alias in full_aliases:
        unnamed = unnamed.replace(alias, "|")
    for mention in _MENTION.findall(unnamed):
        return [], text, f"没有载入“{mention}”的文件"
    if not named:  # no loaded document named, but some department is
        for mention in _ORG_MENTION.findall(unnamed):
            return [], text, f"没有载入“{mention}”的文件"
    for document in documents:
        for alias in document.aliases:
            text = text.replace(alias, " ")
    text = text.replace(" ", "")
    if named:
        named.sort(key=lambda item: item[0])
        ordered = []
        for _, document in named:
            if document not in ordered:
                ordered.append(document)
        return ordered, text, ""
    return list(documents), text, ""


def _is_place_only(alias: str, document: DocumentRef) -> bool:
    place, _ = split_department(document.department)
    return bool(place) and alias in place_variants(place)


def _match_terms(text: str, terms: dict[str, Term]) -> list[Term]:
    """Longest printed names found in ``text``, not overlapping, in order of appearance."""
    found: list[tuple[int, int, Term]] = []
    for key, term in terms.items():
        if key in GENERIC_LABELS or len(key) < 2:
            continue
        start = text.find(key)
        if start >= 0:
            found.append((start, start + len(key), term))
    found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
    chosen: list[tuple[int, int, Term]] = []
    for start, end, term in found:
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, term))
    chosen.sort(key=lambda item: item[0])
    return [term for _, _, term in chosen]


def _intent(text: str, terms: list[Term], documents: list[DocumentRef], out_of_scope: str) -> Intent:
    if out_of_scope or not documents:
        return Intent.OUT_OF_SCOPE
    for intent in (Intent.DEFINE, Intent.EXPLAIN):
        if any(cue in text for cue in INTENT_CUES[intent]):
            return intent
    if any(cue in text for cue in FACT_CUES):
        return Intent.FACT
    for intent in (Intent.RANK, Intent.SHARE, Intent.CHANGE):
        if any(cue in text for cue in INTENT_CUES[intent]):
            return intent
    if len(documents) > 1 and any(cue in text for cue in ("分别", "对比", "比较", "相比", "哪个")):
        return Intent.COMPARE
    return Intent.LOOKUP if terms or any(w in text for w, _ in MEASURE_WORDS) or "总" in text else Intent.UNKNOWN
