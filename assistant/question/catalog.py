"""What can be asked about (目录): the loaded documents, how people name them, and the names in their tables.

Everything comes from the database (``Catalog.load``): each document's department,
region, year, 预算/决算 and 部门/单位, the short names its own narrative uses
(``documents.aliases``, read at ingest), and every subject, row label and project
name printed in its tables. A department's aliases follow its name's structure:
place prefixes optional or shortened (巴音郭楞蒙古自治州 → 巴州), 中共 and qualifiers
(（本级）, （汇总）) optional, the usual contractions (卫生健康委员会 → 卫健委,
人民检察院 → 检察院) and the sub-unit a name ends with (…局宝安管理局 → 宝安管理局).
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, cached_property

import duckdb

from assistant.question.lexicon import (
    SUBJECT_SYNONYMS, english_org_places, org_variants, place_variants, split_department, sub_places,
)
from index.text import name_key

logger = logging.getLogger(__name__)

_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[0-9]+[、.．](?!\d)|\([一二三四五六七八九十0-9]+\)|其中[:：]|\d+、)+")
_QUALIFIER = re.compile(r"[（(][^（()）]{1,24}[)）]$")
_PARTY = ("中国共产党", "中共")
_PLACE_UNIT = r".+?(?:自治州|自治区|自治县|特别行政区|省|市|县|区|盟|旗)"  # (州 ends 福州, 广州: no unit)
_PLACE_SUFFIX = r"(?:蒙古自治州|自治州|自治区|自治县|特别行政区|省|市|县|区|盟|旗)$"
_SUB_UNIT = re.compile(r"(?:局|委员会|委|厅|办公室)(?P<tail>[\u4e00-\u9fff]{2,8}(?:管理局|分局|支队|大队|中心|所))$")


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
    bare: frozenset[str] = frozenset()  # aliases without a place: named only where no place name precedes them

    @property
    def short_name(self) -> str:
        """The name used in answers: place + short org (轮台县人社局)."""
        place, org = split_department(self.department)
        forms = org_variants(org)
        return place + (forms[1] if len(forms) > 1 else org) if place else self.department

    @property
    def label(self) -> str:
        return f"{self.department}{self.year}年{self.kind}"

    @property
    def final(self) -> bool:
        return self.kind == "决算"


@dataclass
class Term:
    """A name printed in the tables (科目名称, 行名称 or 项目名称) and where it occurs."""

    name: str  # name_key form
    codes: set[str] = field(default_factory=set)  # subject codes with this name
    labels: set[str] = field(default_factory=set)  # row labels as printed
    projects: set[str] = field(default_factory=set)  # project names as printed
    table_kinds: set[str] = field(default_factory=set)
    systems: set[str] = field(default_factory=set)  # functional / economic, for coded names
    columns: set[str] = field(default_factory=set)  # column headings as printed (专项业务经费支出)

    @property
    def kind(self) -> str:
        """functional / economic (a coded subject), project, label, or column (a heading only)."""
        if self.codes:
            return "economic" if self.systems == {"economic"} else "functional"
        if self.columns and not self.labels and not self.projects:
            return "column"
        return "project" if self.projects and not self.labels - self.projects else "label"


@dataclass(frozen=True)
class DocumentName:
    """One way a question may name a document."""

    alias: str
    document: DocumentRef
    place_only: bool  # only the place (轮台县): counts when no department is named
    bare: bool  # no place in it (人社局): counts only where no place name precedes it


class NameIndex:
    """Every document name of the catalog, found in a question without a pass over every document.

    Built once per catalog; a question looks up only the names starting with one of its characters.
    """

    def __init__(self, documents: list[DocumentRef]) -> None:
        self.bare = {a for d in documents for a in d.bare}
        self._by_first: dict[str, list[DocumentName]] = {}
        names = [DocumentName(a, d, _place_only(a, d), a in d.bare) for d in documents for a in d.aliases]
        # every place a loaded document names (上海, 深圳市 …): a bare name right after one is that place's
        self.places = frozenset(n.alias for n in names if n.place_only)
        for name in sorted(names, key=lambda n: -len(n.alias)):
            self._by_first.setdefault(name.alias[0], []).append(name)

    def after_place(self, text: str, start: int) -> bool:
        """A place name ends right before ``start`` (上海|人社局): a bare name there is that place's office."""
        return start > 0 and (text[start - 1] in "省市区县州旗盟"
                              or any(text.endswith(place, 0, start) for place in self.places))

    def present(self, text: str) -> list[DocumentName]:
        """The names printed in ``text``, longest first."""
        found = [n for char in set(text) for n in self._by_first.get(char, ()) if n.alias in text]
        return sorted(found, key=lambda n: -len(n.alias))


def _place_only(alias: str, document: DocumentRef) -> bool:
    place, _ = split_department(document.department)
    return bool(place) and alias in place_variants(place)


@dataclass
class Catalog:
    """The loaded documents and the names in their tables."""

    documents: list[DocumentRef]
    terms: dict[str, Term]

    @cached_property
    def names(self) -> NameIndex:
        return NameIndex(self.documents)

    @cached_property
    def english_places(self) -> dict[str, str]:
        """The loaded documents' places by their pinyin (beijing → 北京市, xian → 西安市), for English questions."""
        from pypinyin import lazy_pinyin  # (its phrase table costs 0.15 s to import: English questions only)

        places: dict[str, set[str]] = {}
        for document in self.documents:
            place, _ = split_department(document.department)
            for unit in [u for text in (place, document.region) for u in re.findall(_PLACE_UNIT, text)]:
                base = re.sub(_PLACE_SUFFIX, "", unit)
                if len(base) >= 2:
                    places.setdefault("".join(lazy_pinyin(base)), set()).add(unit)
        return {key: units.pop() for key, units in places.items() if len(units) == 1}  # 福州/抚州: neither

    def unknown_english_places(self, text: str) -> list[str]:
        """Places of English organisation names that are no loaded document's place (Hangzhou Audit Bureau; not
        "Which Audit Bureau": a place is spelt in pinyin)."""
        return [p for p in english_org_places(text)
                if _pinyin_key(p) not in self.english_places and _spelt_in_pinyin(_pinyin_key(p))]

    def english_to_places(self, text: str) -> str:
        """English place names of the loaded documents written in Chinese (Xi'an → 西安市)."""
        if not re.search("[A-Za-z]", text):
            return text

        def place(match: re.Match) -> str:
            return self.english_places.get(_pinyin_key(match.group(0)), match.group(0))

        return re.sub(r"\b[A-Z][a-z]+(?:['’\-][a-z]+)?\b", place, text)

    @classmethod
    def load(cls, connection: duckdb.DuckDBPyConnection) -> "Catalog":
        documents = [
            document_ref(*row) for row in connection.execute(
                "SELECT doc_id, department, coalesce(region, ''), year, kind, scope, coalesce(title, ''), "
                "coalesce(aliases, []) FROM documents ORDER BY doc_id").fetchall()
        ]
        terms: dict[str, Term] = {}
        rows = connection.execute(
            "SELECT DISTINCT c.row_label, c.subject_code, c.subject_name, c.subject_system, c.project_name, t.kind "
            "FROM cells c JOIN tables t USING (doc_id, table_id) WHERE c.value IS NOT NULL AND c.unit = '万元'"
        ).fetchall()
        for label, code, subject_name, system, project, table_kind in rows:
            for name in {subject_name, label}:
                key = term_key(name or "")
                if not key:
                    continue
                term = terms.setdefault(key, Term(key))
                term.table_kinds.add(table_kind)
                if label and (not project or label != project):
                    term.labels.add(label)
                if code and name == subject_name:
                    term.codes.add(code)
                    term.systems.add(system)
            if project:
                key = term_key(project)
                if key:
                    term = terms.setdefault(key, Term(key))
                    term.projects.add(project)
                    term.table_kinds.add(table_kind)
        headings = connection.execute(
            "SELECT DISTINCT c.column_path, t.kind FROM cells c JOIN tables t USING (doc_id, table_id) "
            "WHERE c.value IS NOT NULL AND c.unit = '万元' AND c.measure = 'other'").fetchall()
        for path, table_kind in headings:
            heading = path.split("/")[-1]
            key = term_key(heading)
            if len(key) >= 3 and not re.search(r"\d", key):
                term = terms.setdefault(key, Term(key))
                term.columns.add(heading)
                term.table_kinds.add(table_kind)
        logger.info("catalog: %d documents, %d names", len(documents), len(terms))
        return cls(documents, terms)

    def document(self, doc_id: str) -> DocumentRef | None:
        return next((d for d in self.documents if d.doc_id == doc_id), None)


def _pinyin_key(word: str) -> str:
    return re.sub(r"['’\- ]", "", word).lower()


@cache
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's table)."""
    from pypinyin.constants import PINYIN_DICT

    marked = {reading for readings in PINYIN_DICT.values() for reading in readings.split(",")}
    return frozenset("".join(c for c in unicodedata.normalize("NFKD", r) if not unicodedata.combining(c))
                     for r in marked)


def _spelt_in_pinyin(word: str) -> bool:
    """The word splits into two or more pinyin syllables (hangzhou, xian; not which, audit)."""
    syllables = _syllables()
    reachable = {0: 0}  # end position → syllables used
    for start in range(len(word)):
        if start not in reachable:
            continue
        for end in range(start + 1, min(len(word), start + 6) + 1):
            if word[start:end] in syllables:
                reachable[end] = max(reachable.get(end, 0), reachable[start] + 1)
    return reachable.get(len(word), 0) >= 2


def term_key(name: str) -> str:
    """The form a printed name is matched in: numbering, quotes, (小计) and a project's year removed
    (questions name years apart: "X-2026年", "2026年X" → "X")."""
    key = name_key(name)
    key = _NUMBERING.sub("", key)
    key = re.sub(r"\((?:小计|合计|项|款|类)\)$", "", key)
    key = re.sub(r"[-—_(]?(?:19|20)\d{2}年度?\)?$|^(?:19|20)\d{2}年度?", "", key)
    return key if len(key) >= 2 else ""


def expand_synonyms(text: str) -> str:
    """Replace short forms (社保补贴, 公积金) by the printed name unless it is already there."""
    for short in sorted(SUBJECT_SYNONYMS, key=len, reverse=True):
        full = SUBJECT_SYNONYMS[short]
        if short in text and full not in text:
            text = text.replace(short, full)
    return text


def document_ref(doc_id: str, department: str, region: str, year: int, kind: str, scope: str, title: str,
                 self_names: list[str] | tuple[str, ...] = ()) -> DocumentRef:
    """A document with every alias its department's name gives, and the short names its narrative uses."""
    aliases: set[str] = set()
    bare: set[str] = set()
    for name in _name_forms(department):
        place, org = split_department(name)
        if not place and region:
            units = re.findall(r".+?(?:自治区|自治州|自治县|省|市|州|县|区|盟|旗)", region)
            place = units[-1] if units else ""
        for org_form in org_variants(org):
            for place_form in place_variants(place) if place else []:
                aliases.add(place_form + org_form)
            bare.add(org_form)
        if place:
            aliases.update(v for v in place_variants(place) if len(v) >= 2)
        aliases.update(sub_places(org))
        tail = _SUB_UNIT.search(org)
        if tail:
            bare.add(tail["tail"])
    aliases.update(name_key(n) for n in self_names if len(n) >= 3)
    aliases |= bare
    aliases.add(department)
    ordered = tuple(sorted(aliases, key=len, reverse=True))
    return DocumentRef(doc_id, department, region, year, kind, scope, title, ordered, frozenset(bare))


def _name_forms(department: str) -> list[str]:
    """The name, without a qualifier (（本级）), without 中共 — or with it, for a party committee's office."""
    forms = [department]
    plain = _QUALIFIER.sub("", department)
    forms.append(plain)
    for prefix in _PARTY:
        if plain.startswith(prefix):
            forms.append(plain[len(prefix):])
    if re.search(r"(?:省|市|区|县)委", plain) and not plain.startswith(_PARTY):
        forms.append("中共" + plain)
    return list(dict.fromkeys(f for f in forms if f))
