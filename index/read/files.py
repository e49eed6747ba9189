"""Reading a document file into numbered lines (读取).

The name decides whether a file is taken at all (``SUFFIXES``); its bytes
decide how it is read: a file starting with ``%PDF-`` goes to
``index.read.pdf``, a web page (``<!DOCTYPE html`` or ``<html`` near the
start) to ``index.read.html`` — whatever its name says. Only where the bytes
say neither does the name decide: a .html/.htm fragment is still read as
HTML, and a .pdf is left to the PDF reader to refuse.

Text files (.txt, .md) are decoded by trying, in order: UTF-8 (with or
without BOM), UTF-16 (only with a BOM), then GB18030 (a superset of GBK and
GB2312, common for Chinese government files).

Line numbers are those of the file itself: lines are split on line breaks
only (``\\r\\n``, ``\\r`` or ``\\n``), so a citation "第 12 行" points at the
line an editor shows as 12. A form feed (``\\f``, a page break in text
exported from PDF) starts a new page and is removed from the line.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
from pathlib import Path

from index.errors import UnreadableDocumentError, UnsupportedDocumentError
from index.model import Line, SourceText

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
PDF_SUFFIX = ".pdf"
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".jsp")  # saved web pages, also JSP pages saved under their own name
SUFFIXES = (*TEXT_SUFFIXES, PDF_SUFFIX, *HTML_SUFFIXES)
SUFFIX_NAMES = tuple(suffix.lstrip(".") for suffix in SUFFIXES)  # as a file picker lists them
SNIFF_BYTES = 1024  # how far into a file its type is looked for
# Control characters that a text document does not hold (tab, newlines, FF and Word's VT excepted).
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v"} | {"\x7f"}
MAX_CONTROL_RATIO = 0.01


def read_source(path: str | Path, max_bytes: int) -> SourceText:
    """Read a text, PDF or HTML file into lines; raise a typed error when it cannot be used."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedDocumentError(path.name, unsupported_type(suffix))
    if not path.is_file():
        raise UnreadableDocumentError(path.name, "文件不存在")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableDocumentError(path.name, "文件为空")
    if size > max_bytes:
        raise UnreadableDocumentError(path.name, f"文件大小 {format_size(size)} 超过上限 {format_size(max_bytes)}")
    kind = document_kind(_head(path), suffix)
    logger.debug("%s read as %s", path.name, kind)
    if kind == "pdf":
        from index.read.pdf import read_pdf

        return read_pdf(path)
    if kind == "html":
        from index.read.html import read_html

        return read_html(path)
    return _read_text(path)


def unsupported_type(suffix: str) -> str:
    """Why a file of this type is refused, naming the types that are read."""
    shown = suffix or "（无扩展名）"
    return f"不支持的文件类型 {shown}，只支持 .txt、.md、.pdf、.html 和 .htm"


def document_kind(head: bytes, suffix: str) -> str:
    """The reader a file needs ("pdf", "html" or "text"): told by its first bytes, else by its suffix."""
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if _looks_like_html(head):
        return "html"
    if suffix == PDF_SUFFIX:
        return "pdf"
    return "html" if suffix in HTML_SUFFIXES else "text"


def _looks_like_html(head: bytes) -> bool:
    """Markup first, and a doctype or <html> tag within the first bytes (also UTF-16 with a BOM)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    head = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith(b"<") and (b"<html" in head or b"<!doctype html" in head)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError as exc:
        raise UnreadableDocumentError(path.name, f"无法打开文件：{exc.strerror or exc}") from exc


def format_size(n_bytes: int) -> str:
    """A byte count as people read it: "50 MB", "1.5 MB", "800 KB", "12 字节"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n_bytes >= factor:
            return f"{n_bytes / factor:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n_bytes} 字节"


def _read_text(path: Path) -> SourceText:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableDocumentError(path.name, f"无法打开文件：{exc.strerror or exc}") from exc
    text, encoding = decode_text(data, path.name)
    if not text.strip():
        raise UnreadableDocumentError(path.name, "文件为空")
    lines = split_lines(text)
    logger.info("read %s: %s, %d bytes, %d lines", path.name, encoding, len(data), len(lines))
    return SourceText(
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        n_bytes=len(data),
        lines=lines,
    )


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes; returns (text, encoding label). Binary or undecodable → UnreadableDocumentError."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(codecs.BOM_UTF32_LE):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableDocumentError(name, "UTF-16 编码有误") from exc
    elif b"\x00" in data:
        raise UnreadableDocumentError(name, "不是文本文件（含二进制内容）")
    else:
        text, encoding = _decode_8bit(data, name)
    if _looks_binary(text):
        raise UnreadableDocumentError(name, "不是文本文件（含二进制内容）")
    return text, encoding


def _decode_8bit(data: bytes, name: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableDocumentError(name, "无法识别文字编码（支持 UTF-8、UTF-16、GBK/GB18030）") from exc


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = sum(1 for ch in text if ch in _CONTROL)
    return controls / len(text) > MAX_CONTROL_RATIO


def split_lines(text: str) -> list[Line]:
    """Lines numbered from 1 as in the file; a form feed advances the page."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()  # the file's final newline ends the last line, it does not start a new one
    has_pages = "\f" in text
    page = 1
    lines = []
    for number, line in enumerate(raw, start=1):
        line_page = None
        for k, segment in enumerate(line.split("\f")):
            page += 1 if k else 0
            if line_page is None and segment.strip():
                line_page = page  # a line belongs to the page its text starts on
        lines.append(Line(number, line.replace("\f", ""), (line_page or page) if has_pages else None))
    return lines
