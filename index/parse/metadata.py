"""Document identity (文件信息): department, region, year, 预算/决算, 部门/单位, title.

A disclosure states who and what it is in several places, and each is read as
evidence with a weight: the cover's title phrase ("2026年深圳市卫生健康委员会（本级）
部门预算", "北京市司法局 / 2026年度部门预算信息公开"), the cover's captions
(预算单位：…, 预算主管部门：…), the table captions (编制部门：… / 编制单位：… / 部门名称：…),
the table titles ("2025年预算单位财务收支预算总表"), the 目录 and part headings
("第一部分 X概况", "第二部分 2026年度部门预算表"), lines repeated as running headers,
the narrative's opening sentences, and — last — the file name. The best-supported
value of each field wins; names that differ only by spacing, a leading 中共 or a
bracketed qualifier (（本级）, （汇总）) are one department, printed in their fullest form.

A file with budget content but no department or year still loads — under its
file name, with a warning — and the user can correct it (``IdentityOverride``).
Only a file that is no budget disclosure at all is refused
(``UnsupportedDocumentError``).
"""
from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from index.errors import UnsupportedDocumentError
from index.model import DocumentKind, DocumentMeta, DocumentScope, SourceText, Table, TableKind
from index.text import clean_line, compact

logger = logging.getLogger(__name__)

NOT_A_DISCLOSURE = "没有预算/决算的收支内容"
COVER_LINES = 12  # non-blank lines read as the cover when no 目录 ends it sooner
SHORT_LINE = 60
CAPTION_SCOPE = 5.0  # the weight of all 编制部门/编制单位 captions together, against the title's 18
BUDGET_WORDS = ("收入", "支出", "万元", "财政拨款", "一般公共预算", "三公", "基本支出", "项目支出", "功能分类",
                "经济分类", "政府采购", "结转", "预算数", "决算数")

_ORG_SUFFIX = (
    r"(?:局|厅|委员会|委|办公室|办公厅|办事处|人民政府|检察院|法院|院|中心|站|所|队|会|部|处|馆|社|校|学|团|署|"
    r"庭|室|街道|镇|乡|集团|公司|场|台|园|监狱|党校|联合会|协会|学会|医院|幼儿园)"
)
_QUALIFIER = r"(?:[（(][^（()）]{1,24}[)）])"  # （本级）, （汇总）, （上海市交通委员会所属）
_TRAILING_SCOPE = re.compile(rf"({_ORG_SUFFIX})(?:部门|单位)$")
_ORG_NAME = re.compile(rf"^(?:中共)?[\u4e00-\u9fff“”]{{2,40}}{_ORG_SUFFIX}{_QUALIFIER}?$")
_YEAR = r"(?P<year>(?:19|20)\d{2})(?:年度?|(?=部门|单位|年))"  # "2026 部门预算情况的说明" prints no 年
_KIND = r"(?P<scope>部门|单位)?(?:汇总|整体|综合|财务)?(?P<kind>预算|决算)"
# "2026年深圳市医疗保障局（本级）部门预算", "2026年度无锡市应急管理局部门预算公开"
_ORG_CHARS = r"(?:(?!预算|决算|公开)[^0-9，。；,;:：])"
_TITLE_YEAR_FIRST = re.compile(rf"{_YEAR}(?P<org>{_ORG_CHARS}{{2,48}}?){_KIND}")
# "北京市司法局2026年度部门预算信息公开", "西安市行政审批服务局（汇总）2025年部门预算公开说明"
_TITLE_ORG_FIRST = re.compile(rf"(?P<org>{_ORG_CHARS}{{2,48}}?){_YEAR}(?:[^0-9，。；,;:：]{{0,6}}?){_KIND}")
# "上海市2026年市级单位预算", "2025年区级部门预算公开": year, scope and kind without a department
_TITLE_PHRASE = re.compile(rf"{_YEAR}[^0-9，。；,;:：]{{0,30}}?{_KIND}")
# the same phrase as printed, spaces and all, for the title: "2024 年部门预算公开"
_PRINTED_PHRASE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*(?:年\s*度?|(?=\s*(?:部门|单位)))[^0-9，。；,;:：]{0,30}?(?P<scope>部门|单位)?\s*"
    r"(?:汇总|整体|综合|财务)?\s*"
    r"(?P<kind>预算|决算)(?:\s*(?:信息)?公开)?"
)
_CAPTION = re.compile(
    r"(?P<label>预算主管部门|主管部门|编制部门|编制单位|预算单位|填报单位|部门名称|单位名称|部门|单位)\s*[：:]\s*"
    r"(?P<name>[^\s：:，,。]{2,48}?)(?=\s|(?:金额)?单位\s*[：:]|$)"
)
_UNIT_LABELS = {"编制单位", "预算单位", "填报单位", "单位名称", "单位"}
_DEPARTMENT_LABELS = {"预算主管部门", "主管部门", "编制部门", "部门名称", "部门"}
_OVERVIEW = re.compile(r"^(?:第[一二三四五六七八九十]+部分[:：]?)?(?P<name>.{4,48}?)(?:部门|单位)?(?:基本)?概况$")
_FUNCTIONS = re.compile(r"^(?:[一二三四五六七八九十]+、)?(?P<name>.{4,48}?)(?:（部门）|（单位）)?(?:主要职能|主要职责|机构设置)$")
_TOC = re.compile(r"^目\s*录$")
# the narrative naming its department: "北京市气象局属于公益性事业单位…", "X是市政府工作部门", "X主要职责是…"
_SELF_DESCRIPTION = re.compile(r"^(?:本部门|本单位)?(?P<name>[\u4e00-\u9fff（）()“”]{4,40}?)(?:是|属于|为|系|作为|主要职责|的主要职责|主要职能|负责|承担)")
_DIVISION = re.compile(r"[\u4e00-\u9fff]{1,12}?(?:自治区|自治州|自治县|特别行政区|省|市|地区|盟|县|区|旗)")
_NOT_PLACE = re.compile(r"人民|政府|委员|办公|局|厅|社会|部门|单位|和|级")
_CENTRAL = re.compile(r"^(?:国家|中央|全国|中共中央|国务院|中华人民共和国)")
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class IdentityOverride:
    """What the user states about a document (``ingest --department … --year …``); None keeps what was read."""

    department: str | None = None
    year: int | None = None
    kind: DocumentKind | None = None
    scope: DocumentScope | None = None


@dataclass
class _Evidence:
    """Weighted votes for each identity field, with where each came from."""

    departments: defaultdict[str, float]
    printed: defaultdict[str, Counter]  # department key → printed forms by weight
    years: Counter
    kinds: Counter
    scopes: Counter
    caption_scopes: Counter = field(default_factory=Counter)  # 编制单位 / 编制部门 captions, weighed as one vote
    title: str = ""
    cover: set[str] = field(default_factory=set)  # names printed on the cover: their form is the document's own

    def scope(self) -> str | None:
        """The scope the title says; the captions (whose label some templates use whatever the scope) decide
        only as a tie-breaker worth at most ``CAPTION_SCOPE`` votes."""
        votes = Counter(self.scopes)
        total = sum(self.caption_scopes.values())
        for scope, count in self.caption_scopes.items():
            votes[scope] += CAPTION_SCOPE * count / total
        return votes.most_common(1)[0][0] if votes else None

    def department(self, name: str, weight: float, cover: bool = False) -> None:
        name = _clean_name(name)
        if not is_organisation(name):
            return
        key = department_key(name)
        self.departments[key] += weight
        self.printed[key][name] += weight
        if cover:
            self.cover.add(name)


def extract_metadata(source: SourceText, tables: Sequence[Table] = (),
                     override: IdentityOverride | None = None) -> tuple[DocumentMeta, list[str]]:
    """Identity of one read file, and warnings about what could not be read from it.

    ``tables`` (parsed beforehand) add evidence: their titles say 预算/决算 and 部门/单位.
    """
    file = Path(source.path).name
    texts = [clean_line(line.text) for line in source.lines]
    evidence = _gather(texts, tables, source.lines)
    override = override or IdentityOverride()
    warnings: list[str] = []
    found_in = "document"
    department = override.department or _best_department(evidence)
    if not department:
        department = _department_from_file(file)
        found_in = "file name"
        warnings.append(f"{file}：文件中没有找到编制部门名称，暂以文件名“{department}”载入；"
                        f"可用 ingest --department 指定")
    year = override.year or _most(evidence.years)
    if year is None:
        match = _FILE_YEAR.search(Path(file).stem)
        year = int(match.group(1)) if match else 0
        found_in = "file name"
        warnings.append(f"{file}：文件中没有找到年度，暂定为{year or '未知'}；可用 ingest --year 指定")
    kind = override.kind or DocumentKind(_most(evidence.kinds) or DocumentKind.BUDGET.value)
    scope = override.scope or DocumentScope(evidence.scope() or DocumentScope.DEPARTMENT.value)
    if override != IdentityOverride():
        found_in = "user"
    meta = DocumentMeta(
        aliases=self_names(texts, department),
        department=department,
        region=_region(texts, department),
        year=year,
        kind=kind,
        scope=scope,
        title=_title(evidence.title, department, year, kind, scope),
        source_file=source.path,
        sha256=source.sha256,
        identity_source=found_in,
    )
    logger.info("%s: %s (region %r, from %s)", file, meta.doc_id, meta.region, found_in)
    return meta, warnings


def self_names(texts: list[str], department: str, most: int = 3) -> tuple[str, ...]:
    """The short names the narrative uses for its own department (江苏省人民检察院 → 省检察院, 本院 excluded).

    A short name ends like the department (院, 局, 委 for 委员会, 办 for 办公室) and spells a
    shortening of it: its characters appear in the department's name in order. Names used at
    least twice, the most used first.
    """
    name = department_key(department)
    if len(name) < 4:
        return ()
    ends = {name[-1]} | ({"委"} if "委员会" in name else set()) | ({"办"} if re.search("办公[室厅]$", name) else set())
    counts: Counter[str] = Counter()
    for text in texts:
        if "\t" in text:
            continue
        squeezed = _squeeze(text)
        for end, char in enumerate(squeezed, start=1):
            if char not in ends or squeezed[max(0, end - len(name)):end] == name:
                continue  # (the full name printed: no tail of it is a short name)
            for start in range(max(0, end - len(name)), end - 2):
                candidate = squeezed[start:end]
                if candidate != name and candidate[0] in name[:2] + "省市区县" and _spells(candidate, name):
                    counts[candidate] += 1
                    break
    return tuple(c for c, n in counts.most_common(most) if n >= 2)


def _spells(short: str, name: str) -> bool:
    """The characters of ``short`` appear in ``name`` in order (a shortening of it)."""
    position = 0
    for char in short:
        position = name.find(char, position) + 1
        if position == 0:
            return False
    return True


def department_key(name: str) -> str:
    """The key one department's names share: no spaces, no bracketed qualifier, no leading 中共."""
    name = compact(name)
    name = re.sub(r"\([^()]*\)$", "", name)
    return name.removeprefix("中共")


def is_organisation(name: str) -> bool:
    """A name ending like an organisation (局, 委员会, 办公室, 中心 …), optionally qualified (（本级）)."""
    return 3 <= len(name) <= 60 and bool(_ORG_NAME.match(name))


def _squeeze(text: str) -> str:
    """Whitespace removed, characters kept as printed (names keep their full-width brackets)."""
    return re.sub(r"\s+", "", text)


def _clean_name(name: str) -> str:
    name = _squeeze(name).strip("“”\"'：:，,。")
    name = re.sub(r"^(?:\d{4}年度?|关于|(?:部门|单位|预算单位|编制部门|编制单位)(?:名称)?[:：]?)", "", name)
    return _TRAILING_SCOPE.sub(r"\1", name)  # "北京市信访办公室部门 2026年度部门预算"


def ensure_disclosure(source: SourceText, tables: Sequence[Table]) -> None:
    """Refuse (``UnsupportedDocumentError``) a file that is no budget disclosure at all."""
    if not _is_disclosure([clean_line(line.text) for line in source.lines], tables):
        raise UnsupportedDocumentError(Path(source.path).name, NOT_A_DISCLOSURE)


def _is_disclosure(texts: list[str], tables: Sequence[Table]) -> bool:
    """Budget content: a recognised table, or a title phrase on the cover (2025年部门预算) with amounts in
    万元/元 or a table of contents (the first part of a disclosure published in parts).

    A text that only talks about disclosures (a README, a news item) names years and 预算 but prints no
    disclosure's cover and no table of one.
    """
    if any(t.kind is not TableKind.OTHER for t in tables):
        return True
    cover = _cover(texts)
    titled = bool(_TITLE_PHRASE.search(_squeeze("".join(cover))))  # a title may wrap over the cover's lines
    joined = "".join(texts[:4000])
    contents = any(_TOC.match(text) for text in texts[:200])
    amounts = bool(re.search(r"\d\s*(?:万元|元)", joined))
    return titled and (amounts or contents) and sum(w in joined for w in BUDGET_WORDS) >= 2


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


def _gather(texts: list[str], tables: Sequence[Table], lines) -> _Evidence:
    evidence = _Evidence(defaultdict(float), defaultdict(Counter), Counter(), Counter(), Counter())
    cover = _cover(texts)
    _read_cover(cover, evidence)
    for text in texts:
        if "\t" in text:
            _form_caption(text, evidence)
            continue
        for match in _CAPTION.finditer(text):
            _caption(match["label"], match["name"], evidence, weight=1.0)
    short = [t for t in texts if t and len(t) <= SHORT_LINE and "\t" not in t]
    for text in short:
        compacted = _squeeze(text)
        for pattern, weight in ((_OVERVIEW, 4.0), (_FUNCTIONS, 2.0)):
            match = pattern.match(compacted)
            if match:
                evidence.department(match["name"], weight)
        phrase = _TITLE_PHRASE.search(compacted)
        if phrase and len(compacted) <= 40:
            _phrase(phrase, evidence, weight=1.0, scope=False)  # headings say 部门预算 in 单位 disclosures too
            printed = _PRINTED_PHRASE.search(text)
            evidence.title = evidence.title or (re.sub(r"\s+", " ", printed.group(0)) if printed else "")
    narrative = (_squeeze(t) for t in texts[:600] if t and "\t" not in t)
    described = [m["name"] for m in map(_SELF_DESCRIPTION.match, narrative) if m]
    for k, name in enumerate(n for n in described if is_organisation(_clean_name(n))):
        evidence.department(name, 3.0 if k == 0 else 0.5)
    for table in tables:
        _table_title(table, evidence)
    _running_headers(lines, evidence)
    return evidence


def _read_cover(cover: list[str], evidence: _Evidence) -> None:
    """The cover's title phrase and captions (strong evidence), and an organisation alone on a line.

    A title may wrap over up to three cover lines ("2026年深圳市医疗保障局（本级）部" / "门预算"); a
    line of place names only (新疆维吾尔自治区巴音郭楞蒙古自治州) is the region, not part of it.
    """
    lines = [text for text in cover if not _is_places(_squeeze(text))]
    named: dict[str, re.Match] = {}
    for size in range(1, 6):
        for i in range(len(lines) - size + 1):
            window = _squeeze("".join(lines[i:i + size]))
            for pattern in (_TITLE_YEAR_FIRST, _TITLE_ORG_FIRST):
                for match in pattern.finditer(window):
                    org = _clean_name(match["org"])
                    if is_organisation(org) and org not in named:
                        named[org] = match
    for org, match in named.items():
        evidence.department(org, 10.0, cover=True)
        _phrase(match, evidence, weight=10.0)
    phrase = _PRINTED_PHRASE.search("".join(lines))
    if phrase:
        _phrase(phrase, evidence, weight=8.0)
        evidence.title = re.sub(r"\s+", " ", phrase.group(0)).strip()
    for text in cover:
        for match in _CAPTION.finditer(text):
            _caption(match["label"], match["name"], evidence, weight=10.0)
        name = _clean_name(re.split(r"(?:19|20)\d{2}\s*年", text)[0])
        if is_organisation(name) and not re.search("[：:]", text):
            evidence.department(name, 6.0, cover=True)


def _is_places(text: str) -> bool:
    parts = _divisions(text)
    return bool(parts) and "".join(parts) == text


def _phrase(match: re.Match, evidence: _Evidence, weight: float, scope: bool = True) -> None:
    evidence.years[int(match["year"])] += weight
    evidence.kinds[match["kind"]] += weight
    if scope and match["scope"]:
        evidence.scopes[match["scope"]] += weight


def _caption(label: str, name: str, evidence: _Evidence, weight: float) -> None:
    """编制部门：X (a 部门 disclosure) / 预算单位：X, 编制单位：X (a 单位 disclosure)."""
    name = _clean_name(name)
    if not is_organisation(name):
        return
    row_label = label in ("单位名称", "单位")  # a performance form's row names a sub-unit, wherever it is
    evidence.department(name, 0.5 if row_label else 2.0 * weight)
    if label in _UNIT_LABELS and not row_label:
        evidence.caption_scopes[DocumentScope.UNIT.value] += weight
    elif label in _DEPARTMENT_LABELS:
        evidence.caption_scopes[DocumentScope.DEPARTMENT.value] += weight


def _form_caption(row: str, evidence: _Evidence) -> None:
    """A form's own caption row: '部门名称⇥北京市审计局' (部门整体支出绩效目标表)."""
    filled = [cell.strip() for cell in row.split("\t") if cell.strip()]
    if len(filled) >= 2:
        label = re.sub(r"[（(][^（()）]*[)）]|[：:\s]", "", filled[0])
        if label in ("部门名称", "单位名称", "预算单位", "主管部门", "预算部门"):
            _caption("部门名称" if label != "单位名称" else label, filled[1], evidence, weight=1.0)


def _table_title(table: Table, evidence: _Evidence) -> None:
    """"2025年预算单位财务收支预算总表", "收入支出决算总表": year, kind and scope of the tables."""
    name = _squeeze(table.name)
    year = re.match(r"^((?:19|20)\d{2})年", name)
    if year and table.kind is not TableKind.OTHER:
        evidence.years[int(year.group(1))] += 1.0
    if table.kind in (TableKind.PERFORMANCE_TARGET, TableKind.PERFORMANCE_SELF_EVAL):
        return
    if "决算" in name:
        evidence.kinds[DocumentKind.FINAL.value] += 2.0
    elif "预算" in name:
        evidence.kinds[DocumentKind.BUDGET.value] += 1.0
    if re.search(r"^(?:\d{4}年)?(?:预算)?单位", name):
        evidence.scopes[DocumentScope.UNIT.value] += 1.0


def _running_headers(lines, evidence: _Evidence) -> None:
    """A line printed on three or more pages that names an organisation (页眉)."""
    pages: defaultdict[str, set] = defaultdict(set)
    for line in lines:
        if line.page is not None and "\t" not in line.text and len(line.text) <= SHORT_LINE:
            pages[_squeeze(line.text)].add(line.page)
    for text, on_pages in pages.items():
        if len(on_pages) < 3:
            continue
        match = _TITLE_YEAR_FIRST.search(text) or _TITLE_ORG_FIRST.search(text)
        name = _clean_name(match["org"]) if match else _clean_name(text)
        if is_organisation(name):
            evidence.department(name, 3.0)


def _best_department(evidence: _Evidence) -> str:
    """The best-supported department in its fullest printed form (the cover's form counts however rarely the
    narrative repeats it: 西安市卫生健康委员会（汇总）); a name that begins another joins it."""
    weights = dict(evidence.departments)
    for short in sorted(weights, key=len):
        longer = [k for k in weights if len(k) >= len(short) + 2 and k.startswith(short) and weights[k] >= 2.0]
        if longer:
            target = max(longer, key=lambda k: weights[k])
            weights[target] += weights.pop(short)
            evidence.printed[target].update(evidence.printed.pop(short, Counter()))
    if not weights:
        return ""
    key = max(weights, key=lambda k: (weights[k], len(k)))
    forms = Counter({name: w for name, w in evidence.printed[key].items() if department_key(name) == key})
    best = max(forms.values())
    strong = [name for name, weight in forms.items() if weight >= best / 3 or name in evidence.cover]
    return max(strong, key=lambda name: (name.startswith("中共"), "（" in name or "(" in name, forms[name]))


def _most(votes: Counter):
    return votes.most_common(1)[0][0] if votes else None


def _department_from_file(file: str) -> str:
    """The file's own name (without numbering and extension) as the department of last resort."""
    stem = Path(file).name.split(".")[0]
    chinese = re.findall(r"[\u4e00-\u9fff（）()]{4,}", stem)
    names = [_clean_name(c) for c in chinese if is_organisation(_clean_name(c))]
    return names[0] if names else stem


def _title(phrase: str, department: str, year: int, kind: DocumentKind, scope: DocumentScope) -> str:
    """The department and the title phrase as printed: "轮台县人力资源和社会保障局 2024 年部门预算公开"."""
    if not phrase:
        phrase = f"{year}年{scope.value}{kind.value}" if year else f"{scope.value}{kind.value}"
    return phrase if department_key(department) in department_key(phrase) else f"{department} {phrase}"


def _region(texts: list[str], department: str) -> str:
    """Administrative divisions: a cover line of places only, then the department's name, else the
    places a cover line opens with ("上海市2026年市级单位预算"); 中央 for a central department."""
    name = _squeeze(department).removeprefix("中共")
    if _CENTRAL.match(name):
        return "中央"
    cover = [_squeeze(text).removeprefix("中共") for text in _cover(texts)]
    divisions: list[str] = []
    for text in cover:
        parts = _divisions(text)
        if parts and "".join(parts) == text:
            divisions.extend(parts)
    for part in _divisions(name):
        if part not in divisions:
            divisions.append(part)
    for text in cover if not divisions else ():
        divisions = _divisions(text)
        if divisions:
            break
    return "".join(divisions) or _place_of_prefix(texts, name)


def _place_of_prefix(texts: list[str], name: str) -> str:
    """A name opening with a place without its suffix (长沙职业教育基地…): the place as the document prints
    it elsewhere (长沙市教育局 in a table), the most printed form."""
    printed = Counter()
    for size in (2, 3):
        prefix = name[:size]
        if _NOT_PLACE.search(prefix):
            continue
        for text in texts:
            for match in re.finditer(rf"{re.escape(prefix)}(?:市|县|区|州)", _squeeze(text)):
                printed[match.group(0)] += 1
    return printed.most_common(1)[0][0] if printed else ""


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

