"""A PDF page as an image with the cited cell or sentence marked (原文页面，高亮出处).

Nothing is stored at ingest: the text is found again on the known page. The
page's characters are read in lines (by baseline, so digits set in another
font stay on their line) and compared in the ``compact`` form the database
uses (NFKC, no whitespace), so "因 公 出 国" on the page finds 因公出国.

- A cell's printed value (``raw``) may occur several times on a page. The
  occurrence on the text line holding the row's other printed values and its
  row label wins; equal values in one row are told apart by their order.
- A sentence is found whole; failing that, its longest pieces between
  numbers and punctuation are marked.
"""
from __future__ import annotations

import io
import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pdfplumber
from PIL import Image, ImageDraw
from pdfplumber.page import Page
from pdfplumber.utils import cluster_objects

from index.text import compact

logger = logging.getLogger(__name__)

LINE_TOLERANCE = 3.0  # points between baselines of one text line
GAP = 0.3  # a space wider than this share of the font size parts two words (or table cells)
MIN_PIECE = 6  # shortest piece of a sentence worth marking on its own
_PIECES = re.compile(r"[\d.,%，。；：、（）()“”\"]+")


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in PDF points from the top left (pdfplumber's coordinates)."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class PageText:
    """The page's characters in reading order as one compact string, each position with its char.

    ``breaks`` are the positions that start a new text line or follow a gap
    (between table cells, or words): a number must not run on across them.
    """

    text: str
    chars: tuple[dict[str, Any], ...]
    breaks: frozenset[int]


def page_text(page: Page) -> PageText:
    """The page's visible characters, line by line (by baseline), left to right, in compact form."""
    x0, top, x1, bottom = page.bbox
    chars = [c for c in page.chars if c["text"].strip() and x0 <= (c["x0"] + c["x1"]) / 2 <= x1
             and top <= (c["top"] + c["bottom"]) / 2 <= bottom]  # some exports draw past the page edge
    text: list[str] = []
    owners: list[dict[str, Any]] = []
    breaks: set[int] = set()
    for line in cluster_objects(chars, _baseline, LINE_TOLERANCE):
        previous = None
        for char in sorted(line, key=lambda c: c["x0"]):
            if previous is None or char["x0"] - previous["x1"] > GAP * char["size"]:
                breaks.add(len(text))
            previous = char
            for piece in compact(char["text"]):
                text.append(piece)
                owners.append(char)
    return PageText("".join(text), tuple(owners), frozenset(breaks))


def occurrences(text: PageText, needle: str, number: bool = False) -> list[list[dict[str, Any]]]:
    """The chars of every occurrence of ``needle`` (compact); a number must stand alone (not inside 1767.60)."""
    key = compact(needle)
    if not key:
        return []
    found = []
    start = text.text.find(key)
    while start >= 0:
        end = start + len(key)
        if not number or _stands_alone(text, start, end):
            found.append(list(text.chars[start:end]))
        start = text.text.find(key, start + 1)
    return found


def cell_boxes(page: Page, raw: str, row_values: Sequence[str] = (), row_label: str = "",
               position: int = 0, row_code: str = "") -> list[Box]:
    """Where a table cell's printed value is on the page: one box, several when it stays ambiguous, or none.

    ``row_values`` are the printed values of the cell's row (its text line) in
    column order, ``position`` is how many cells before this one in the row
    print the same value; ``row_code`` is the row's subject code (科目编码), which
    tells apart a 款 and a 项 of one name.
    """
    text = page_text(page)
    found = occurrences(text, raw, number=True)
    if len(found) <= 1:
        return [_box(chars) for chars in found]
    label_rows = [_box(chars) for chars in occurrences(text, _label_key(row_label))] if row_label else []
    others = [v for v in row_values if compact(v) and compact(v) != compact(raw)]
    scored = [(_row_score(chars, text, others, label_rows, row_code), _box(chars)) for chars in found]
    best = max(score for score, _ in scored)
    winners = sorted((box for score, box in scored if score == best), key=lambda b: (round(b.top), b.x0))
    equal = sum(1 for v in row_values if compact(v) == compact(raw))
    if equal > 1 and all(_same_row(box, winners[0]) for box in winners):
        # Equal values of one row, told apart by their order; a cell may set its text higher than its
        # neighbours (top- or bottom-aligned), so the row is every printing level with the winner.
        row = sorted((box for _, box in scored if _same_row(box, winners[0])), key=lambda b: b.x0)
        if len(row) == equal and 0 <= position < equal:
            return [row[position]]
    return winners


def sentence_boxes(page: Page, sentence: str) -> list[Box]:
    """The lines a sentence covers on the page.

    Not found whole: its longest start printed on the page (a sentence running
    on to the next page), else its longest pieces between numbers and
    punctuation that occur once.
    """
    text = page_text(page)
    found = occurrences(text, sentence)
    if found:
        return line_boxes(found[0])
    prefix = _longest_prefix(text, compact(sentence))
    if len(prefix) >= MIN_PIECE:  # the sentence runs on to the next page
        return line_boxes(occurrences(text, prefix)[0])
    boxes = []
    for piece in sorted((p for p in _PIECES.split(compact(sentence)) if len(p) >= MIN_PIECE), key=len,
                        reverse=True)[:4]:
        hits = occurrences(text, piece)
        if len(hits) == 1:
            boxes.extend(line_boxes(hits[0]))
    return boxes


def number_boxes(page: Page, number: str, within: Sequence[Box]) -> list[Box]:
    """A number printed inside the given boxes (a sentence's lines); all of its occurrences there."""
    found = occurrences(page_text(page), number, number=True)
    return [_box(chars) for chars in found if any(_inside(_box(chars), box) for box in within)]


def line_boxes(chars: Sequence[dict[str, Any]]) -> list[Box]:
    """One box per text line of a run of chars (a sentence wrapping over three lines gets three)."""
    return [_box(line) for line in cluster_objects(list(chars), _baseline, LINE_TOLERANCE)]


def render_page(path: Path, page_number: int, resolution: int) -> bytes:
    """The page (1-based) as a PNG."""
    with pdfplumber.open(path) as pdf:
        image = pdf.pages[page_number - 1].to_image(resolution=resolution).original
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw_marks(png: bytes, boxes: Sequence[Box], resolution: int, context: Sequence[Box] = ()) -> bytes:
    """The page image with ``boxes`` marked (orange fill, red outline) and ``context`` lightly shaded."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    scale = resolution / 72
    for box in context:
        draw.rectangle(_scaled(box, scale, 2), fill=(255, 214, 102, 70))
    for box in boxes:
        draw.rectangle(_scaled(box, scale, 3), fill=(255, 170, 0, 90), outline=(220, 30, 30, 255), width=3)
    out = io.BytesIO()
    Image.alpha_composite(image, layer).convert("RGB").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _longest_prefix(text: PageText, key: str) -> str:
    """The longest start of ``key`` printed on the page (found by halving)."""
    low, high = 0, len(key)
    while low < high:
        middle = (low + high + 1) // 2
        if key[:middle] in text.text:
            low = middle
        else:
            high = middle - 1
    return key[:low]


def crop_around(png: bytes, boxes: Sequence[Box], resolution: int, margin: tuple[int, int] = (520, 260)) -> bytes:
    """The part of a page image around ``boxes`` (``margin`` pixels left/right and above/below), for reading
    the marked spot without zooming; the whole image when there is no box."""
    if not boxes:
        return png
    image = Image.open(io.BytesIO(png))
    scale = resolution / 72
    x0 = max(0, int(min(b.x0 for b in boxes) * scale) - margin[0])
    top = max(0, int(min(b.top for b in boxes) * scale) - margin[1])
    x1 = min(image.width, int(max(b.x1 for b in boxes) * scale) + margin[0])
    bottom = min(image.height, int(max(b.bottom for b in boxes) * scale) + margin[1])
    out = io.BytesIO()
    image.crop((x0, top, x1, bottom)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _baseline(char: dict[str, Any]) -> float:
    """Top-down position of the char's baseline (fonts report different ascents; the baseline is shared)."""
    matrix = char.get("matrix")
    if matrix and not matrix[1] and not matrix[2] and char.get("upright", True):
        return char["y1"] - matrix[5] + char["top"]
    return char["bottom"]


def _stands_alone(page: PageText, start: int, end: int) -> bool:
    """No digit (or a digit's point or comma) runs on before or after, unless a gap or line break parts them."""
    text = page.text
    before = "" if start in page.breaks or not start else text[start - 1]
    after = "" if end in page.breaks or end >= len(text) else text[end]
    after_next = text[end + 1] if end + 1 < len(text) and end + 1 not in page.breaks else ""
    if before.isdigit() or (before in ".," and before and start > 1 and text[start - 2].isdigit()):
        return False
    return not (after.isdigit() or (after in ".," and after and after_next.isdigit()))


def _label_key(label: str) -> str:
    """The row label's first characters: a label wrapped in its cell still starts on one line."""
    return compact(label)[:6]


def _row_score(chars: Sequence[dict[str, Any]], text: PageText, others: Sequence[str],
               label_rows: Sequence[Box], row_code: str) -> tuple[int, float]:
    """How many of the row's other values (and its code) are on the text line of ``chars``, then how near
    its label is.

    The code may be printed whole (2120501) or in 类/款/项 columns (212 05 01):
    the line's leading digit words are joined. The label may wrap in its cell
    (the value then sits beside its middle line), so the nearest printing of
    the label's first characters wins.
    """
    words = _line_words(text, _baseline(chars[0]))
    score = sum(1 for value in others if compact(value) in words)
    leading = "".join(itertools.takewhile(str.isdigit, words))
    score += 1 if row_code and leading == row_code else 0
    box = _box(chars)
    middle = (box.top + box.bottom) / 2
    distance = min((abs((r.top + r.bottom) / 2 - middle) for r in label_rows), default=0.0)
    return score, -round(distance / LINE_TOLERANCE)


def _line_words(text: PageText, baseline: float) -> list[str]:
    """The words (runs between gaps) of the text line at ``baseline``, left to right."""
    words: list[str] = []
    current = ""
    for i, (piece, char) in enumerate(zip(text.text, text.chars)):
        on_line = abs(_baseline(char) - baseline) <= LINE_TOLERANCE
        if current and (i in text.breaks or not on_line):
            words.append(current)
            current = ""
        if on_line:
            current += piece
    if current:
        words.append(current)
    return words


def _same_row(box: Box, other: Box) -> bool:
    """Printed on one table row: middles closer than a line's height (rows are further apart)."""
    height = max(box.bottom - box.top, other.bottom - other.top)
    return abs((box.top + box.bottom) / 2 - (other.top + other.bottom) / 2) <= 0.9 * height


def _inside(box: Box, outer: Box) -> bool:
    return (outer.x0 - 1 <= (box.x0 + box.x1) / 2 <= outer.x1 + 1
            and outer.top - 1 <= (box.top + box.bottom) / 2 <= outer.bottom + 1)


def _box(chars: Sequence[dict[str, Any]]) -> Box:
    return Box(min(c["x0"] for c in chars), min(c["top"] for c in chars),
               max(c["x1"] for c in chars), max(c["bottom"] for c in chars))


def _scaled(box: Box, scale: float, pad: float) -> tuple[float, float, float, float]:
    return (box.x0 * scale - pad, box.top * scale - pad, box.x1 * scale + pad, box.bottom * scale + pad)
