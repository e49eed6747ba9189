"""The scale benchmark's corpus: the real budgets, grown to N documents by relabelled copies.

Originals are ../shared/wild and ../shared/corpus. Each is read and parsed once
(in parallel, timed: this is the PDF reading cost) and kept as its lines; an
original that does not load is counted and left out. The corpus of N documents
is written as text files of those lines (a form feed starts each PDF page, so
line and page numbers stay the original's): the originals that loaded, then
relabelled copies until N.

A copy changes, consistently through the whole text, the department (its
place name, or a place prefixed when it has none), every place name of the
region, and every year (all shifted by the same number of years, so "比上年"
still compares consecutive years). Numbers are not touched: every table, sum
and narrative amount stays consistent within the document. Each copy is a new
document to every step of the pipeline: a new doc_id, new passages to embed.
"""
from __future__ import annotations

import logging
import multiprocessing
import pickle
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from index.cluster.rows import prepare_source, read_file
from index.config import Settings
from index.errors import BudgetError

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT.parent / "shared" / "wild", ROOT.parent / "shared" / "corpus")
SUFFIXES = (".pdf", ".html", ".htm", ".txt")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:自治区|自治州|自治县|特别行政区|省|市|地区|盟|县|区|旗)")
_SUFFIX = re.compile(r"(自治区|自治州|自治县|特别行政区|省|市|地区|盟|县|区|旗)$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=\s*年)")
# Syllables of made-up place names (two characters each); names met in the originals are skipped.
_FIRST = "临安青云江海泰嘉和平宁昌兴华文明永丰瑞清德阳"
_SECOND = "川山原河湖城江林泉溪台岭峰沙洲谷"


@dataclass
class Original:
    """A real document that loaded: its lines (text, page) and what the parser found."""

    name: str
    lines: list[tuple[str, int | None]]
    department: str
    region: str
    year: int
    kind: str
    scope: str
    pages: int
    n_tables: int
    n_cells: int
    n_passages: int
    seconds: float


@dataclass
class CorpusDoc:
    """One document of the benchmark corpus."""

    file: str
    department: str
    year: int
    kind: str
    n_cells: int
    n_passages: int
    copy: bool


def original_paths() -> list[Path]:
    return sorted(p for folder in SOURCES if folder.is_dir() for p in folder.iterdir()
                  if p.suffix.lower() in SUFFIXES)


def read_original(path: Path) -> Original | str:
    """Read and parse one real file; its failure message when it does not load."""
    started = time.perf_counter()
    try:
        source = read_file(path, Settings())
        prepared = prepare_source(source)
    except BudgetError as exc:
        return exc.user_message
    except Exception as exc:  # a parser crash on a real file is a finding, not a reason to stop
        return f"{path.name}: {type(exc).__name__}: {exc}"
    meta, document = prepared.document.meta, prepared.document
    return Original(
        name=path.name, lines=[(line.text, line.page) for line in source.lines],
        department=meta.department, region=meta.region, year=meta.year, kind=meta.kind.value,
        scope=meta.scope.value, pages=max((line.page or 0 for line in source.lines), default=0),
        n_tables=len(document.tables), n_cells=sum(len(r.cells) for t in document.tables for r in t.rows),
        n_passages=len(prepared.passages), seconds=time.perf_counter() - started,
    )


def read_originals(paths: list[Path], workers: int, cache: Path | None = None) -> tuple[list[Original], list[str], float]:
    """Every original read and parsed with ``workers`` processes: (loaded, failure messages, wall seconds).

    With ``cache``, a previous run's result for the same files is reused.
    """
    key = [p.name for p in paths]
    if cache is not None and cache.exists():
        saved = pickle.loads(cache.read_bytes())
        if saved["key"] == key:
            return saved["originals"], saved["failures"], saved["seconds"]
    started = time.perf_counter()
    if workers <= 1:
        results = [read_original(p) for p in paths]
    else:
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(read_original, paths, chunksize=1))
    seconds = time.perf_counter() - started
    originals = [r for r in results if isinstance(r, Original)]
    failures = [r for r in results if isinstance(r, str)]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({"key": key, "originals": originals, "failures": failures,
                                        "seconds": seconds}))
    return originals, failures, seconds


def place_names(originals: list[Original]) -> list[str]:
    """Made-up two-character place names that no original uses."""
    used = "".join(o.department + o.region for o in originals)
    return [a + b for a in _FIRST for b in _SECOND if a + b not in used]


def relabel(original: Original, names: list[str], copy_number: int) -> tuple[list[tuple[str, int | None]], str, int]:
    """A copy's lines, department and year: places and years changed through the whole text."""
    cores = _place_cores(original)
    offset = (hash_name(original.name) + copy_number * 7) % len(names)
    mapping = {core: names[(offset + k * 31) % len(names)] for k, core in enumerate(cores)}
    shift = copy_number % 9 + 1
    department = original.department
    for core, new in mapping.items():
        department = department.replace(core, new)
    if department == original.department:
        department = names[offset] + department

    def convert(text: str) -> str:
        text = text.replace(original.department, department)
        for core, new in mapping.items():
            text = text.replace(core, new)
        return _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)

    return [(convert(text), page) for text, page in original.lines], department, original.year + shift


def build_corpus(originals: list[Original], n: int, folder: Path, base_size: int) -> list[CorpusDoc]:
    """Write ``n`` documents to ``folder``: the first ``base_size`` originals, then relabelled copies of them.

    With one ``base_size`` for every n, corpora of different sizes have the same
    make-up (so figures per document compare), and copy k of original i is the
    same document (department, year, text) at every n, so one question mix serves all.
    """
    folder.mkdir(parents=True, exist_ok=True)
    base = originals[:max(1, min(len(originals), base_size))]
    names = place_names(originals)
    docs = []
    for i in range(n):
        original = base[i % len(base)]
        copy_number = i // len(base)
        if copy_number == 0:
            lines, department, year = original.lines, original.department, original.year
        else:
            lines, department, year = relabel(original, names, copy_number)
        file = folder / f"{copy_number:02}_{i % len(base):04}_{Path(original.name).stem[:40]}.txt"
        write_lines(lines, file)
        docs.append(CorpusDoc(file.name, department, year, original.kind, original.n_cells, original.n_passages,
                              copy=copy_number > 0))
    return docs


def write_lines(lines: list[tuple[str, int | None]], path: Path) -> None:
    """Lines as a text file; a form feed where the page changes (the reader counts pages by them)."""
    out, page = [], None
    for text, line_page in lines:
        if page is not None and line_page is not None and line_page != page:
            text = "\f" * (line_page - page) + text
        page = line_page if line_page is not None else page
        out.append(text.replace("\r", " "))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def hash_name(name: str) -> int:
    """A stable small number from a file name (Python's hash() changes between runs)."""
    return sum(ord(ch) * (k + 1) for k, ch in enumerate(name))


def _place_cores(original: Original) -> list[str]:
    """Place names (without 省/市/区 …) of the region and the department, longest first."""
    cores = set()
    for match in _PLACE.finditer(original.region + " " + original.department):
        core = _SUFFIX.sub("", match.group(0))
        if len(core) >= 2:
            cores.add(core)
    return sorted(cores, key=len, reverse=True)
