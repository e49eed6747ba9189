"""PDF input: each page becomes text lines, each ruled table becomes tab-separated rows.

The parser reads lines, and tab-separated rows are one of its layouts. So a
page's narrative comes out in reading order, and where the page has a ruled
table (表格), its rows replace that region as tab-separated cells taken from
the PDF's own cell grid — cells that plain text extraction runs together
stay apart. A merged header cell (合并单元格) gives its text to its first
column and blanks to the rest; the parser fills header paths from the left
and from above. Caption rows printed inside the grid (the table's title, and
"部门：… 单位：万元") come out as plain lines above the rows, as they do when
printed outside it.

Only pdfplumber is used. A page without a text layer (扫描件) is skipped with
a warning; an encrypted or damaged file raises UnreadableDocumentError.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from pathlib import Path
from typing import Any, Container, Iterable

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.page import Page
from pdfplumber.table import Table as PdfTable
from pdfplumber.utils import extract_text
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from index.errors import UnreadableDocumentError
from index.model import Line, SourceText
from index.text import join_cjk

logger = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
Columns = list[float]  # left edges of a table's columns
GridRow = tuple[list[str | None], list[Box | None]]  # cell texts (None: merged) and boxes

ALIGN_TOLERANCE = 4.0  # points between a cell's left edge and the column it continues
TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
TEXT_SETTINGS = {"x_tolerance": 3, "y_tolerance": 3}

_UNIT_OR_OWNER = re.compile(
    r"^(单位|金额单位|编制部门|编制单位|部门|部门名称|单位名称|预算单位|填报单位)\s*[：:]|^(金额)?单位\s*[（(]\s*(亿元|万元|千元|元)"
)
_DASH = "-—–─－"
_PAGE_NUMBER = re.compile(rf"^[{_DASH}]?\s*(第\s*)?\d{{1,3}}\s*页?\s*([/共]\s*\d{{1,3}}\s*页?)?\s*[{_DASH}]?$")
_TABLE_NUMBER = re.compile(r"^(公开)?\s*(表\s*[0-9一二三四五六七八九十]+|[0-9]+\s*表)$")
_PUNCTUATION = re.compile(r"[，。、；：！？,.;:!?]+")
_TITLE = re.compile(r"(表|表[一二三四五六七八九十\d]+|表（[^）]*）|表\([^)]*\))$")


def read_pdf(path: str | Path, pages: Container[int] | None = None) -> SourceText:
    """Read a PDF into lines; pages without a text layer are skipped and logged.

    ``pages`` (1-based) limits reading to those pages, e.g. to preview a large file.
    """
    source, warnings = read_pdf_with_warnings(path, pages)
    for warning in warnings:
        logger.warning(warning)
    return source


def read_pdf_with_warnings(
    path: str | Path, pages: Container[int] | None = None
) -> tuple[SourceText, list[str]]:
    """Read a PDF into lines and return the warnings (skipped pages) beside it.

    Line numbers run through the document from 1; every line keeps its page.
    """
    path = Path(path)
    data = _read_bytes(path)
    started = time.perf_counter()
    lines: list[Line] = []
    warnings: list[str] = []
    n_pages = 0
    for page_number, texts in _pages(path, data, warnings, pages):
        n_pages += 1
        for text in texts:
            lines.append(Line(len(lines) + 1, text, page_number))
    if not lines:
        raise UnreadableDocumentError(path.name, "PDF 没有可提取的文字（可能是扫描件）")
    elapsed = time.perf_counter() - started
    logger.info("read %s: %d pages, %d lines in %.2fs", path.name, n_pages, len(lines), elapsed)
    source = SourceText(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding="pdf",
        n_bytes=len(data),
        lines=lines,
    )
    return source, warnings


def page_lines(page: Page) -> list[str] | None:
    """One page as lines: narrative text and tab-separated table rows, top to bottom.

    Returns None when the page has no text layer.
    """
    read = _read_page(page, None)
    return None if read is None else read[0]


def _read_page(page: Page, carried: Columns | None) -> tuple[list[str], Columns | None] | None:
    """The page's lines and the columns of the table it ends with; None without a text layer.

    ``carried`` are the columns of the table the previous page ended with: a
    table at the very top of this page continues it, and its cells are put in
    those columns by position (a lone "合计" row spanning the code columns
    would otherwise lose its blanks).
    """
    page = _visible(page)
    if not page.chars:
        return None
    chars = _without_page_number(page)
    if not chars:
        return None  # a scan with a printed page number is still a scan
    tables = _tables(page) if (page.lines or len(page.rects) > 1 or page.curves) else []
    chars = [c for c in chars if not any(_inside(c, t.bbox) for t, _ in tables)]
    out: list[str] = []
    columns: Columns | None = None
    for table, grid in tables:
        above = [c for c in chars if _middle(c) < table.bbox[3]]
        chars = [c for c in chars if _middle(c) >= table.bbox[3]]
        out.extend(_text_lines(above))
        rows, columns = _table_lines(grid, carried if not out else None)
        out.extend(rows)
    tail = _text_lines(chars)
    out.extend(tail)
    return out, (None if tail else columns)


def _without_page_number(page: Page) -> list[dict[str, Any]]:
    """The page's chars less its page number (页码: "7", "- 7 -", "第7页") on the lowest line."""
    chars = list(page.chars)
    lowest = max(c["top"] for c in chars)
    if lowest < page.bbox[3] - (page.bbox[3] - page.bbox[1]) * 0.15:
        return chars
    footer = [c for c in chars if c["top"] >= lowest - 2]
    if all(_PAGE_NUMBER.match(line) for line in _text_lines(footer)):
        return [c for c in chars if c["top"] < lowest - 2]
    return chars


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocumentError(path.name, f"无法打开文件：{exc.strerror or exc}") from exc
    if not data.lstrip()[:5] == b"%PDF-":
        raise UnreadableDocumentError(path.name, "不是 PDF 文件")
    return data


def _pages(
    path: Path, data: bytes, warnings: list[str], selected: Container[int] | None
) -> Iterable[tuple[int, list[str]]]:
    """Yield (page number, lines) for each page that has text; map pdfminer errors once."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            carried: Columns | None = None
            for number, page in enumerate(pdf.pages, start=1):
                if selected is not None and number not in selected:
                    carried = None
                    continue
                read = _read_page(page, carried)
                scanned = read is None and bool(page.images)
                page.close()
                texts, carried = read if read is not None else (None, None)
                if scanned:
                    warnings.append(f"{path.name} 第 {number} 页没有文字层（扫描图像），已跳过")
                elif texts is None:
                    logger.debug("%s page %d is blank", path.name, number)
                else:
                    yield number, texts
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise UnreadableDocumentError(path.name, "PDF 已加密，需要密码") from exc
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise UnreadableDocumentError(path.name, "PDF 已加密，需要密码") from exc
        raise UnreadableDocumentError(path.name, f"PDF 文件已损坏：{cause}") from exc
    except (PDFSyntaxError, MalformedPDFException) as exc:
        raise UnreadableDocumentError(path.name, f"PDF 文件已损坏：{exc}") from exc


def _visible(page: Page) -> Page:
    """Drop objects outside the page box (some exports draw tables past the page edge), and characters
    printed twice or more at one place (fake bold: "合合合计计计")."""
    x0, top, x1, bottom = page.bbox

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") == "char":
            return _inside(obj, page.bbox)
        return obj["x0"] < x1 and obj["x1"] > x0 and obj["top"] < bottom and obj["bottom"] > top

    return page.filter(keep).dedupe_chars()


def _tables(page: Page) -> list[tuple[PdfTable, list[GridRow]]]:
    """Ruled tables with at least two columns and some text, top to bottom, with their grids.

    A one-row "table" whose line goes on outside it is text drawn in boxes (shaded or framed words
    of a sentence), not a table.
    """
    found = []
    for table in page.find_tables(TABLE_SETTINGS):
        texts = table.extract()
        if len(texts[0]) < 2 or not any(cell for row in texts for cell in row):
            continue
        if len(texts) == 1 and (_text_beside(table.bbox, page.chars) or _sentence_pieces(texts[0])):
            continue
        found.append((table, [(row, list(cells.cells)) for row, cells in zip(texts, table.rows)]))
    return sorted(found, key=lambda found_table: found_table[0].bbox[1])


def _sentence_pieces(cells: list[str | None]) -> bool:
    """A row of a sentence cut into boxes: a cell that is punctuation, or ends a clause."""
    return any(cell and (_PUNCTUATION.fullmatch(cell.strip()) or cell.strip()[-1] in "，。；、") for cell in cells)


def _text_beside(bbox: Box, chars: list[dict[str, Any]]) -> bool:
    """Characters outside ``bbox`` on the same line (left or right of it)."""
    x0, top, x1, bottom = bbox
    return any(top <= _middle(c) <= bottom and not x0 <= (c["x0"] + c["x1"]) / 2 <= x1 for c in chars)


def _table_lines(grid: list[GridRow], carried: Columns | None) -> tuple[list[str], Columns | None]:
    """Every non-empty row as tab-separated cells; caption rows as plain lines.

    A caption inside the grid may start a new table (some exports draw two
    tables as one grid), so the rows between captions are tidied separately.
    Returns the lines and the columns of the last part (None if it ends with a caption).
    """
    out: list[str] = []
    part: list[GridRow] = []
    for texts, boxes in grid:
        caption = _caption_lines(texts)
        if caption is None:
            part.append(([None if t is None else _clean_cell(t) for t in texts], boxes))
            continue
        out.extend(_part_lines(part, carried)[0])
        out.extend(caption)
        part, carried = [], None
    lines, columns = _part_lines(part, carried)
    out.extend(lines)
    return out, columns


def _part_lines(part: list[GridRow], carried: Columns | None) -> tuple[list[str], Columns | None]:
    """Drop empty rows and the columns that only continue merged cells, then join by tabs."""
    part = [(texts, boxes) for texts, boxes in part if any(texts)]
    if not part:
        return [], None
    if carried is not None:
        aligned = _aligned(part, carried)
        if aligned is not None:
            return ["\t".join(cells) for cells in aligned], carried
    width = len(part[0][0])
    keep = [
        i
        for i in range(width)
        if any(texts[i] for texts, _ in part) or all(texts[i] is not None for texts, _ in part)
    ]
    columns = [min(boxes[i][0] for _, boxes in part if boxes[i] is not None) for i in keep]
    return ["\t".join(texts[i] or "" for i in keep) for texts, _ in part], columns


def _aligned(part: list[GridRow], columns: Columns) -> list[list[str]] | None:
    """Cells placed in the carried columns by their left edge; None when they do not line up."""
    rows = []
    for texts, boxes in part:
        cells = [""] * len(columns)
        for text, box in zip(texts, boxes):
            if not text or box is None:
                continue
            j = min(range(len(columns)), key=lambda k: abs(columns[k] - box[0]))
            if abs(columns[j] - box[0]) > ALIGN_TOLERANCE or cells[j]:
                return None
            cells[j] = text
        rows.append(cells)
    return rows


def _caption_lines(row: list[str | None]) -> list[str] | None:
    """A row holding the table's title, 公开表N or "部门：… 单位：万元", as plain lines; else None.

    A title cell spanning the grid may also hold the caption lines below it,
    and, where its box overlaps the header (some Excel exports), a copy of
    the header rows: those copies are dropped, the rows themselves follow.
    """
    filled = [cell for cell in row if cell and cell.strip()]
    if not filled:
        return None
    if any(_UNIT_OR_OWNER.match(cell.strip()) for cell in filled):
        return [" ".join(_spaced(cell) for cell in filled)]
    if len(filled) != 1 or len(row) < 2:
        return None
    lines = [line.strip() for line in filled[0].splitlines() if line.strip()]
    for end in range(1, len(lines) + 1):
        title = _clean_cell("\n".join(lines[:end]))
        if _TITLE.search(title):
            break
    else:
        return None
    out = [title]
    for line in lines[end:]:
        if not (_TITLE.search(line) or _TABLE_NUMBER.match(line) or _UNIT_OR_OWNER.match(line)):
            break
        out.append(_spaced(line))
    return out


def _spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


def _clean_cell(cell: str) -> str:
    """Join a cell's wrapped lines; drop spacing inside Chinese text (因 公 出 国 → 因公出国)."""
    text = re.sub(r"\s*\n\s*", "\n", cell.strip())
    text = re.sub(r"(?<=[0-9A-Za-z])\n(?=[0-9A-Za-z])", " ", text).replace("\n", "")
    text = join_cjk(text)
    return re.sub(r"\s+", " ", text)


def _text_lines(chars: list[dict[str, Any]]) -> list[str]:
    """Chars grouped into lines by baseline, so digits set in another font stay on their line."""
    if not chars:
        return []
    text = extract_text([_on_baseline(c) for c in chars], **TEXT_SETTINGS)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _on_baseline(char: dict[str, Any]) -> dict[str, Any]:
    """A copy of an upright char whose top/bottom sit on its baseline.

    Fonts report different ascents: in some exports a number in Times New
    Roman sits 5pt lower than the 仿宋 text around it and would fall on a line
    of its own.
    """
    matrix = char.get("matrix")
    if not matrix or matrix[1] or matrix[2] or matrix[3] <= 0 or not char.get("upright", True):
        return char
    baseline = matrix[5]
    bottom = char["top"] + (char["y1"] - baseline)
    top = bottom - char["size"]
    shift = top - char["top"]
    return {**char, "top": top, "bottom": bottom, "doctop": char["doctop"] + shift}


def _middle(obj: dict[str, Any]) -> float:
    return (obj["top"] + obj["bottom"]) / 2


def _inside(obj: dict[str, Any], bbox: Box) -> bool:
    x0, top, x1, bottom = bbox
    return x0 <= (obj["x0"] + obj["x1"]) / 2 <= x1 and top <= _middle(obj) <= bottom
