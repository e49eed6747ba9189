"""Document identity (文件信息): department, region, year, 预算/决算, 部门/单位, title.

The disclosure template names its department on the cover and in every
table caption (编制部门：… / 编制单位：… / 部门：… / 预算主管部门：…), and its
year, kind and scope in its title ("2024 年部门预算公开", "2023年度部门决算",
"2025年区级单位预算"). A file without a year-and-kind title phrase or without
a department is not a disclosure we know: ``UnsupportedDocumentError``.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from index.errors import UnsupportedDocumentError
from index.model import DocumentKind, DocumentMeta, DocumentScope, Line, SourceText
from index.text import clean_line

logger = logging.getLogger(__name__)

MISSING_TITLE = "没有“2024年部门预算”之类的年度预算/决算字样"
MISSING_DEPARTMENT = "没有编制部门名称"
COVER_LINES = 8  # non-blank lines read as the cover (封面), before the table of contents
SHORT_LINE = 40  # a line this short may be a title

# "2024 年部门预算公开", "2025年区级单位预算", "2023年度许昌市人力资源和社会保障局部门决算"
_TITLE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*[^，。；,;\s\d年预决]{0,30}?"
    r"(?P<scope>部门|单位)\s*(?:汇总|整体|综合)?\s*(?P<kind>预算|决算)(?P<public>\s*公开)?"
)
_WEAK_TITLE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*度?[^，。；,;\d\s]{0,10}?(?P<kind>预算|决算)")
_OWNER = re.compile(
    r"(?P<label>预算主管部门|编制部门|编制单位|预算单位|填报单位|单位名称|部门)\s*[：:]\s*"
    r"(?P<name>[^\s：:，,。]{2,40}?)(?=\s|(?:金额)?单位\s*[：:]|$)"
)
_UNIT_LABELS = ("编制单位", "预算单位", "填报单位", "单位名称")
_OWNER_LABELS = ("预算主管部门", "编制部门", "部门", "编制单位", "预算单位")
_ROW_LABELS = ("填报单位", "单位名称")
_ORGANISATION = re.compile(
    r"(局|厅|委员会|委|办公室|办公厅|办事处|政府|院|中心|站|所|队|会|部|处|馆|社|校|学|团|署|庭|室|街道|镇|乡|集团|公司)$"
)
_DIVISION = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:自治区|自治州|自治县|特别行政区|省|市|地区|盟|县|区|旗)")
_NOT_PLACE = re.compile(r"人民|政府|委员|办公|局|厅|社会|部门|单位|和")
_OVERVIEW = re.compile(r"第一部分(?P<name>[^第概]{4,40}?)(?:部门|单位)?概况")
_TOC = re.compile(r"^目\s*录$")


def extract_metadata(source: SourceText) -> DocumentMeta:
    """Read department, region, year, kind, scope and title from the document's own lines."""
    file = Path(source.path).name
    texts = [clean_line(line.text) for line in source.lines]
    cover = _cover(texts)
    title = _find_title(cover, texts)
    department = _find_department(texts, cover)
    missing = []
    if title is None:
        missing.append(MISSING_TITLE)
    if not department:
        missing.append(MISSING_DEPARTMENT)
    if missing:
        raise UnsupportedDocumentError(file, "，".join(missing))
    year, kind, scope_word, phrase = title
    scope = _scope(scope_word, texts)
    meta = DocumentMeta(
        department=department,
        region=_region(cover, department),
        year=year,
        kind=DocumentKind(kind),
        scope=scope,
        title=phrase if department in phrase else f"{department} {phrase}",
        source_file=source.path,
        sha256=source.sha256,
    )
    logger.info("%s: %s (region %r)", file, meta.doc_id, meta.region)
    return meta


def _cover(texts: list[str]) -> list[str]:
    """The first non-blank lines, up to the table of contents."""
    cover = []
    for text in texts:
        if not text:
            continue
        if _TOC.match(text) or len(cover) == COVER_LINES:
            break
        cover.append(text)
    return cover


def _find_title(cover: list[str], texts: list[str]) -> tuple[int, str, str | None, str] | None:
    """(year, 预算/决算, 部门/单位 or None, phrase as printed) from the title phrase."""
    joined = "".join(cover)  # a title wrapped over cover lines ("…2018年度部门" / "预算公开")
    short = [t for t in texts if len(t) <= SHORT_LINE and "\t" not in t]
    match = _TITLE.search(joined)
    for candidates in (short, texts):  # a title line before a sentence that mentions one
        match = match or next((m for t in candidates for m in [_TITLE.search(t)] if m), None)
    if match is not None:
        return int(match["year"]), match["kind"], match["scope"], _normalise_phrase(match.group(0))
    weak = Counter((int(m["year"]), m["kind"]) for t in texts for m in _WEAK_TITLE.finditer(t))
    if not weak:
        return None
    (year, kind), _ = weak.most_common(1)[0]
    return year, kind, None, f"{year}年{kind}"


def _normalise_phrase(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase).strip()


def _scope(scope_word: str | None, texts: list[str]) -> DocumentScope:
    """部门 or 单位: the title says so; else a 编制单位/预算单位 caption means 单位."""
    if scope_word:
        return DocumentScope(scope_word)
    labels = Counter(m["label"] for t in texts for m in _OWNER.finditer(t))
    units = sum(n for label, n in labels.items() if label in _UNIT_LABELS)
    return DocumentScope.UNIT if units > sum(labels.values()) - units else DocumentScope.DEPARTMENT


def _find_department(texts: list[str], cover: list[str]) -> str:
    """The most frequent caption owner (编制部门：…); else the cover's organisation line, else 第一部分 …概况."""
    captions = [(m["label"], m["name"]) for t in texts for m in _OWNER.finditer(t) if _is_organisation(m["name"])]
    for labels in (_OWNER_LABELS, _ROW_LABELS):  # 单位名称 in a performance table names a sub-unit
        owners = Counter(name for label, name in captions if label in labels)
        if owners:
            return owners.most_common(1)[0][0]
    for text in cover:
        candidate = re.split(r"\s*(?:19|20)\d{2}\s*年", text)[0].strip()  # "江苏省人大常委会办公厅2018年度部门"
        if _is_organisation(candidate):
            return candidate
    opening = "".join(text.replace(" ", "") for text in texts[:COVER_LINES * 3])
    match = _OVERVIEW.search(opening)  # "第一部分" / "许昌市人力资源和社会保障局概况"
    return match["name"] if match and _is_organisation(match["name"]) else ""


def _is_organisation(name: str) -> bool:
    return 4 <= len(name) <= 40 and not re.search(r"\d", name) and bool(_ORGANISATION.search(name))


def _region(cover: list[str], department: str) -> str:
    """Administrative divisions from a cover line of places only, then from the department's name."""
    divisions: list[str] = []
    for text in cover:
        compact = text.replace(" ", "")
        parts = _divisions(compact)
        if parts and "".join(parts) == compact:
            divisions.extend(parts)
    for part in _divisions(department):
        if part not in divisions:
            divisions.append(part)
    return "".join(divisions)


def _divisions(text: str) -> list[str]:
    """Leading place names: "上海市普陀区人民政府办公室" → ["上海市", "普陀区"]."""
    parts = []
    position = 0
    while True:
        match = _DIVISION.match(text, position)
        if match is None or _NOT_PLACE.search(match.group(0)):
            return parts
        parts.append(match.group(0))
        position = match.end()
