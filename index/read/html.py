"""HTML input (网页): narrative as lines in reading order, each data table as tab-separated rows.

A disclosure saved from a web page reads like a PDF: block elements
(``<p>``, ``<div>``, ``<li>``, headings …) and ``<br>`` end lines; a table of
two or more columns becomes one tab-separated line per row, in the form
``index.read.pdf`` emits — a merged cell (colspan/rowspan) gives its text to
its first column and top row and blanks to the rest, columns that only
continue merged cells are dropped, and caption rows (the table's title,
"单位：万元") come out as plain lines above the rows (the caption and cell
rules are the PDF reader's own). A table holding another table, or of one
column, lays out the page and is read as narrative.

What is not the document is dropped before reading: scripts, styles, forms'
controls and hidden elements; navigation, banners and footers where the page
marks them (``<nav>``, a page-level ``<header>``/``<footer>``, ARIA roles,
class or id words such as ``nav``/``menu``/``footer``); controls with an
``onclick``; and blocks that are mostly links (menus, link lists). None of
these heuristics removes an element holding a table, the ``<h1>`` or half the
page's text, nor looks inside a data table. Server-side template code left in
a saved template (``<% … %>``) is dropped too.

Bytes are decoded with a byte-order mark, else as UTF-8 when they are valid
UTF-8, else with the charset the page declares (``<meta charset>`` or
``http-equiv="Content-Type"``; GB2312/GBK read as GB18030), else as
``index.read.files`` decodes text. Images in the content (tables published as
pictures) cannot be read: their count comes back as a warning.
"""
from __future__ import annotations

import codecs
import email.message
import hashlib
import logging
import re
import time
from pathlib import Path
from typing import Callable

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from index.errors import UnreadableDocumentError
from index.model import Line, SourceText
from index.read.files import decode_text
from index.read.pdf import _caption_lines, _clean_cell
from index.text import CJK

logger = logging.getLogger(__name__)

PRESCAN_BYTES = 4096  # where a page declares its charset
MIN_IMAGE_PX = 100  # an image declared smaller than this (either side) is an icon, not a table
LARGE_IMAGE_PX = 300  # an image declared at least this wide counts even inside a link
LINK_RATIO = 0.8  # a block whose text is this much link text, with two links or more, is navigation

_NOT_CONTENT = {
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "base", "button", "input",
    "select", "textarea", "option", "iframe", "frame", "object", "embed", "svg", "canvas", "audio", "video",
    "map", "area",
}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary", "button"}
_CHROME_WORDS = {
    "nav", "navbar", "navbox", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "crumb", "crumbs",
    "header", "footer", "foot", "sidebar", "topbar", "toolbar", "share", "copyright", "pagination", "pager",
    "qrcode",
}
_NEVER_CHROME = {"html", "body", "main", "article"}
_SECTIONING = {"article", "main", "section"}
_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}
_WESTERN = {"ascii", "iso8859-1", "cp1252"}  # declared by templates, never right for a Chinese page
_GB = {"gb2312", "gbk", "gb18030"}
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_TEMPLATE_CODE = re.compile(r"<%.*?%>", re.S)
_SEGMENT_BREAK = re.compile(rf"(?<=[{CJK}])[ \t\f]*[\r\n][ \t\r\n\f]*(?=[{CJK}])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_WORD = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")

Grid = list[list[HtmlElement | str | None]]  # a cell where it starts, None where a merged cell covers


def read_html(path: str | Path) -> SourceText:
    """Read a saved web page into lines; images that may be tables are logged as a warning."""
    source, warnings = read_html_with_warnings(path)
    for warning in warnings:
        logger.warning(warning)
    return source


def read_html_with_warnings(path: str | Path) -> tuple[SourceText, list[str]]:
    """Read a saved web page into lines and return the warnings (unreadable table images) beside it."""
    path = Path(path)
    started = time.perf_counter()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocumentError(path.name, f"无法打开文件：{exc.strerror or exc}") from exc
    text, encoding = decode_html(data, path.name)
    texts, images = page_lines(text)
    if not texts:
        shown = f"（有 {images} 张图片，可能是表格）" if images else ""
        raise UnreadableDocumentError(path.name, f"网页没有可提取的文字{shown}")
    warnings = [f"{path.name} 中有 {images} 张图片（可能是表格），无法读取其中的数字"] if images else []
    logger.info("read %s: html, %s, %d lines, %d images in %.2fs",
                path.name, encoding, len(texts), images, time.perf_counter() - started)
    source = SourceText(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        n_bytes=len(data),
        lines=[Line(number, line) for number, line in enumerate(texts, start=1)],
    )
    return source, warnings


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """A page's text and encoding: BOM, valid UTF-8, the declared charset, then as text files are decoded."""
    plain = data.startswith(_BOMS) or b"\x00" in data or _is_utf8(data)
    declared = None if plain else _declared_codec(data[:PRESCAN_BYTES])
    if declared is not None:
        try:
            return data.decode(declared), declared
        except UnicodeDecodeError:
            logger.info("%s is not %s as it declares; decoding as text", name, declared)
    return decode_text(data, name)


def page_lines(text: str) -> tuple[list[str], int]:
    """A page's lines (narrative and tab-separated table rows) and its count of content images."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except ParserError:
        return [], 0
    _drop(root, _is_not_content)
    total = _chars(root)
    _drop(root, lambda element: _is_chrome(element, total), whole=_is_innermost_table)
    flow = _Flow()
    flow.walk(root)
    flow.end_line()
    return flow.lines, flow.images


class _Flow:
    """Text gathered into lines: a block boundary or ``<br>`` ends the current line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.images = 0
        self._parts: list[str] = []

    def end_line(self) -> None:
        line = _normalise("".join(self._parts))
        self._parts = []
        if line:
            self.lines.append(line)

    def walk(self, element: HtmlElement) -> None:
        tag = element.tag
        if tag == "br":
            self.end_line()
        elif tag == "img":
            self.images += _is_content_image(element)
        elif tag == "table" and (grid := _data_grid(element)) is not None:
            self.end_line()
            self.lines.extend(self._table_lines(element, grid))
        else:
            block = tag in _BLOCK
            if block:
                self.end_line()
            self._parts.append(element.text or "")
            for child in element:
                self.walk(child)
                self._parts.append(child.tail or "")
            if block:
                self.end_line()

    def _table_lines(self, table: HtmlElement, grid: Grid) -> list[str]:
        """Caption lines, then every non-empty row as tab-separated cells; caption rows as plain lines."""
        out = [line for caption in table.iterchildren("caption") for line in self._lines_of(caption)]
        part: list[list[str | None]] = []
        for cells in grid:
            texts = [self._cell_text(cell) for cell in cells]
            caption = _caption_lines(texts)
            if caption is None:
                part.append([None if t is None else _clean_cell(t) for t in texts])
                continue
            out.extend(_part_lines(part))
            out.extend(caption)
            part = []
        out.extend(_part_lines(part))
        return out

    def _cell_text(self, cell: HtmlElement | str | None) -> str | None:
        if not isinstance(cell, HtmlElement):
            return cell
        return "\n".join(self._lines_of(cell))

    def _lines_of(self, element: HtmlElement) -> list[str]:
        """An element's own lines (a cell's wrapped lines); its images are counted here."""
        sub = _Flow()
        sub.walk(element)
        sub.end_line()
        self.images += sub.images
        return sub.lines


def _part_lines(part: list[list[str | None]]) -> list[str]:
    """Drop empty rows and the columns that only continue merged cells, then join by tabs."""
    part = [texts for texts in part if any(texts)]
    if not part:
        return []
    keep = [i for i in range(len(part[0])) if any(t[i] for t in part) or all(t[i] is not None for t in part)]
    return ["\t".join(texts[i] or "" for i in keep) for texts in part]


def _data_grid(table: HtmlElement) -> Grid | None:
    """The table's cells placed on a grid by colspan/rowspan; None for a layout table.

    A table holding another table, or of fewer than two columns, lays out the
    page. A row shorter than the grid is padded with empty cells.
    """
    if not _is_innermost_table(table):
        return None
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    placed: list[dict[int, HtmlElement | None]] = [{} for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row.xpath("./td | ./th"):
            while c in placed[r]:
                c += 1
            width = _span(cell.get("colspan"), 1000) or 1
            height = min(_span(cell.get("rowspan"), 65534), len(rows) - r) or len(rows) - r
            for dr in range(height):
                for dc in range(width):
                    placed[r + dr][c + dc] = cell if dr == dc == 0 else None
            c += width
    n_columns = max((max(row) + 1 for row in placed if row), default=0)
    if n_columns < 2:
        return None
    return [[row.get(c, "") for c in range(n_columns)] for row in placed]


def _is_innermost_table(element: HtmlElement) -> bool:
    return element.tag == "table" and next(element.iterdescendants("table"), None) is None


def _span(value: str | None, limit: int) -> int:
    """A colspan/rowspan as given, at most ``limit`` (0 kept: rowspan="0" runs to the end); else 1."""
    try:
        span = int(value)
    except (TypeError, ValueError):
        return 1
    return 1 if span < 0 else min(span, limit)


def _drop(element: HtmlElement, drop: Callable[[HtmlElement], bool], whole=lambda child: False) -> None:
    """Remove, top down, every descendant for which ``drop`` holds (its tail text stays).

    A descendant for which ``whole`` holds is kept as it is, not entered.
    """
    for child in list(element):
        if drop(child):
            child.drop_tree()
        elif not whole(child):
            _drop(child, drop, whole)


def _is_not_content(element: HtmlElement) -> bool:
    """Never shown as the page's text: scripts, styles, controls, hidden elements."""
    if not isinstance(element.tag, str) or element.tag in _NOT_CONTENT:
        return True
    style = _style(element)
    return (
        element.get("hidden") is not None
        or element.get("aria-hidden", "").strip().lower() == "true"
        or style.get("display") == "none"
        or style.get("visibility") == "hidden"
    )


def _is_chrome(element: HtmlElement, total: int) -> bool:
    """Navigation, banners, footers and link lists, never an element holding the content."""
    tag = element.tag
    if tag in ("nav", "aside") or element.get("role", "").strip().lower() in _CHROME_ROLES:
        return True
    if tag in _NEVER_CHROME or next(element.iterdescendants("table", "h1"), None) is not None:
        return False
    if _chars(element) * 2 >= total:
        return False
    if tag in ("header", "footer") and not any(a.tag in _SECTIONING for a in element.iterancestors()):
        return True
    return _named_as_chrome(element) or element.get("onclick") is not None or _is_link_list(element)


def _named_as_chrome(element: HtmlElement) -> bool:
    names = _CAMEL.sub(" ", f"{element.get('class', '')} {element.get('id', '')}").lower()
    return any(word in _CHROME_WORDS for word in _WORD.findall(names))


def _is_link_list(element: HtmlElement) -> bool:
    links = list(element.iterdescendants("a"))
    if element.tag == "a" or len(links) < 2:
        return False
    text = _chars(element)
    return text == 0 or sum(_chars(a) for a in links) >= LINK_RATIO * text


def _is_content_image(image: HtmlElement) -> bool:
    """An image that may be a table: not declared icon-sized; inside a link only when declared large."""
    style = _style(image)
    width = _pixels(image.get("width")) or _pixels(style.get("width"))
    height = _pixels(image.get("height")) or _pixels(style.get("height"))
    if (width is not None and width < MIN_IMAGE_PX) or (height is not None and height < MIN_IMAGE_PX):
        return False
    if width is not None and width >= LARGE_IMAGE_PX:
        return True
    return not any(a.tag == "a" for a in image.iterancestors())


def _style(element: HtmlElement) -> dict[str, str]:
    """The inline style's declarations, property → value, lower case."""
    declarations = (d.split(":", 1) for d in element.get("style", "").split(";") if ":" in d)
    return {name.strip().lower(): value.strip().lower() for name, value in declarations}


def _pixels(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value.strip().lower().removesuffix("px"))
    except ValueError:
        return None  # "100%", "auto"


def _chars(element: HtmlElement) -> int:
    return sum(len(part) for part in element.text_content().split())


def _normalise(text: str) -> str:
    """One rendered line: template code dropped, a line break between Chinese characters removed, spaces collapsed."""
    text = _SEGMENT_BREAK.sub("", _TEMPLATE_CODE.sub("", text).translate(_INVISIBLE))
    return " ".join(text.split())


def _declared_codec(head: bytes) -> str | None:
    """The codec of the charset a page declares in its first bytes; None when absent or not to be trusted."""
    parser = lxml.html.HTMLParser(encoding="iso-8859-1", remove_comments=True)
    try:
        root = lxml.html.document_fromstring(head, parser=parser)
    except ParserError:
        return None
    for meta in root.iter("meta"):
        label = meta.get("charset")
        if label is None and meta.get("http-equiv", "").strip().lower() == "content-type":
            header = email.message.Message()
            header["content-type"] = meta.get("content", "")
            label = header.get_param("charset")
        if isinstance(label, str) and label.strip():
            return _codec(label.strip())
    return None


def _codec(label: str) -> str | None:
    """The codec to trust for a declared charset: GB ones read as GB18030; Unicode and Western ones not trusted."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _WESTERN or name.startswith("utf"):
        return None  # Unicode is told by its bytes (BOM, valid UTF-8), not by a template's meta
    return "gb18030" if name in _GB else name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
