"""A source shown as the reader would find it (查看原文): the PDF page with the spot marked, or the lines.

A document may be published as several files (a narrative PDF and a tables
PDF): its line and page numbers run on through the files in file-name order
(``index.read.parts``), so a page or line is mapped back to its file here.
Files are looked for where they were loaded from, else in the data folder by
name, and used only when their bytes are the ones loaded (sha256).

PDF pages are rendered once and kept as PNG in ``<data folder>/source-pages/``
with the marks found, so a second view (also after a restart) reads a file.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import duckdb
import pdfplumber

from index.errors import UnreadableDocumentError
from index.read.files import read_source
from ui import excerpts, pdf_highlight
from ui.excerpts import ExcerptLine
from ui.pdf_highlight import Box
from ui.provenance import SourceRef

logger = logging.getLogger(__name__)

CACHE_DIR = "source-pages"
RESOLUTION = 110  # dpi of the page images: an A4 page is about 900 × 1290 px
CACHE_VERSION = "2"
MAX_FILE_BYTES = 1 << 30


@dataclass(frozen=True)
class SourcePart:
    """One file of a document: where it is, and the first page and line it continues from."""

    path: Path
    sha256: str
    page_offset: int = 0
    line_offset: int = 0

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"


@dataclass(frozen=True)
class SourceView:
    """What to show: for a PDF, ``image`` (PNG of the marked spot and around it) and ``page_image`` (the whole
    marked page); else ``lines``. ``found`` when the spot was marked."""

    file: str
    where: str
    found: bool
    image: bytes | None = None
    page_image: bytes | None = None
    lines: list[ExcerptLine] = field(default_factory=list)


def document_parts(con: duckdb.DuckDBPyConnection, doc_id: str, data_dir: Path) -> list[SourcePart]:
    """The files of a document in file-name order, each with the pages and lines before it."""
    rows = con.execute("SELECT path, sha256 FROM source_files WHERE doc_id = ?", [doc_id]).fetchall()
    files = sorted(((_locate(Path(path), sha256, data_dir), sha256) for path, sha256 in rows),
                   key=lambda f: Path(f[0]).name)
    parts, page_offset, line_offset = [], 0, 0
    for i, (path, sha256) in enumerate(files):
        parts.append(SourcePart(path, sha256, page_offset, line_offset))
        if i + 1 < len(files):
            pages, lines = _extent(path, needs_lines=any(p.suffix.lower() != ".pdf" for p, _ in files[i + 1:]))
            page_offset, line_offset = max(page_offset, page_offset + pages), line_offset + lines
    return parts


def part_of(parts: Sequence[SourcePart], page: int | None, line: int) -> SourcePart:
    """The file holding a document page (PDF) or line (text)."""
    if page is not None:
        pdfs = [p for p in parts if p.is_pdf and p.page_offset < page]
        if pdfs:
            return pdfs[-1]
    texts = [p for p in parts if p.line_offset < line]
    return texts[-1] if texts else parts[0]


def source_view(con: duckdb.DuckDBPyConnection, ref: SourceRef, data_dir: Path) -> SourceView:
    """The page image (PDF) or lines (text) of ``ref`` with its spot marked."""
    parts = document_parts(con, ref.doc_id, data_dir)
    if not parts:
        raise UnreadableDocumentError(ref.doc_id, "没有登记原文件")
    part = part_of(parts, ref.page, ref.line)
    if part.is_pdf and ref.page is not None:
        return _pdf_view(part, ref, data_dir / CACHE_DIR)
    return _text_view(part, ref)


def _pdf_view(part: SourcePart, ref: SourceRef, cache_dir: Path) -> SourceView:
    page = ref.page - part.page_offset
    key = hashlib.sha256(
        "|".join([CACHE_VERSION, part.sha256, str(page), ref.kind, ref.needle, ref.row_label,
                  "\t".join(ref.row_values), str(ref.position), ref.row_code, ref.focus]).encode("utf-8")
    ).hexdigest()[:32]
    page_path, crop_path, meta_path = (cache_dir / f"{key}{suffix}" for suffix in (".png", "-crop.png", ".json"))
    if page_path.exists() and crop_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return SourceView(part.path.name, meta["where"], meta["found"], image=crop_path.read_bytes(),
                          page_image=page_path.read_bytes())
    where = f"第 {page} 页" + (f"（全文第 {ref.page} 页）" if part.page_offset else "")
    marks, context = _pdf_marks(part.path, page, ref)
    if not marks and ref.kind == "text" and page + 1 <= _page_count(part.path):
        next_marks, next_context = _pdf_marks(part.path, page + 1, ref)  # a passage may start a page early
        if next_marks:
            page, marks, context = page + 1, next_marks, next_context
            where = f"第 {page} 页"
    page_image = pdf_highlight.draw_marks(_page_png(part, page, cache_dir), marks, RESOLUTION, context)
    image = pdf_highlight.crop_around(page_image, [*marks, *context], RESOLUTION)
    _write(page_path, page_image)
    _write(crop_path, image)
    _write(meta_path, json.dumps({"found": bool(marks), "where": where}, ensure_ascii=False).encode("utf-8"))
    return SourceView(part.path.name, where, bool(marks), image=image, page_image=page_image)


def _pdf_marks(path: Path, page_number: int, ref: SourceRef) -> tuple[list[Box], list[Box]]:
    """The boxes to mark and the boxes to shade (a sentence around a quoted number)."""
    with pdfplumber.open(path) as pdf:
        if not 1 <= page_number <= len(pdf.pages):
            return [], []
        page = pdf.pages[page_number - 1]
        if ref.kind == "cell":
            return (pdf_highlight.cell_boxes(page, ref.needle, ref.row_values, ref.row_label, ref.position,
                                      ref.row_code), [])
        sentence = pdf_highlight.sentence_boxes(page, ref.needle)
        if ref.focus and sentence:
            return pdf_highlight.number_boxes(page, ref.focus, sentence), sentence
        return sentence, []


def _page_png(part: SourcePart, page: int, cache_dir: Path) -> bytes:
    path = cache_dir / f"{part.sha256[:32]}-p{page}-r{RESOLUTION}.png"
    if path.exists():
        return path.read_bytes()
    png = pdf_highlight.render_page(part.path, page, RESOLUTION)
    _write(path, png)
    return png


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (another session may read the cache at the same time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(data)
    os.replace(handle.name, path)


def _text_view(part: SourcePart, ref: SourceRef) -> SourceView:
    lines = [(line.number + part.line_offset, line.text) for line in _text_lines(part.path, part.sha256)]
    shown = excerpts.excerpt(lines, ref.line, ref.line_end, ref.needle, cell=ref.kind == "cell",
                             row_values=ref.row_values, position=ref.position)
    if ref.focus:
        focused = excerpts.excerpt(lines, ref.line, ref.line_end, ref.focus, cell=True)
        shown = focused if excerpts.is_marked(focused) else shown
    first = ref.line - part.line_offset
    last = ref.line_end - part.line_offset
    where = f"第 {first} 行" if first == last else f"第 {first}-{last} 行"
    return SourceView(part.path.name, where, excerpts.is_marked(shown), lines=shown)


@lru_cache(maxsize=16)
def _text_lines(path: Path, sha256: str) -> tuple:
    """The file's lines as ingest numbered them (same decoding); cached by content."""
    return tuple(read_source(path, MAX_FILE_BYTES).lines)


@lru_cache(maxsize=64)
def _page_count(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


@lru_cache(maxsize=64)
def _extent(path: Path, needs_lines: bool) -> tuple[int, int]:
    """Pages up to the last with text (as ``join_sources`` counts them) and, when needed, lines of a file."""
    if path.suffix.lower() != ".pdf":
        return 0, len(read_source(path, MAX_FILE_BYTES).lines)
    if needs_lines:
        source = read_source(path, MAX_FILE_BYTES)
        return max((line.page or 0 for line in source.lines), default=0), len(source.lines)
    from index.read.pdf import page_lines

    with pdfplumber.open(path) as pdf:
        for number in range(len(pdf.pages), 0, -1):
            if page_lines(pdf.pages[number - 1]):
                return number, 0
    return 0, 0


def _locate(stored: Path, sha256: str, data_dir: Path) -> Path:
    """The file as loaded: at its stored path, else in the data folder by name; its bytes checked."""
    for candidate in (stored, data_dir / stored.name):
        if candidate.is_file() and _sha256(candidate) == sha256:
            return candidate
    raise UnreadableDocumentError(stored.name, "原文件已移走或已更改，无法显示原文")


@lru_cache(maxsize=256)
def _sha256_of(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_of(path, stat.st_mtime_ns, stat.st_size)
