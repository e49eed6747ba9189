"""Text normalisation (文本规范化): the one place where printed text becomes a line or a key.

Two forms, and nothing else compares text:

- ``clean_line``: a line as a person reads it — markup (``<b>``, ``**``, ``#``
  heading marks, list bullets, ``[bookmark:…]``) removed, ideographic and runs
  of spaces collapsed; tabs (cell separators) kept. Quotes and brackets stay as printed.
- ``compact``: the key two printings of one name share — Unicode NFKC (full-width
  digits, letters, brackets and colons become half-width: （补助） → (补助),
  ：→ :, ２０２４ → 2024), markup and all whitespace removed. ``name_key`` also drops
  quotation marks (“三公”经费 → 三公经费).

``join_cjk`` removes the spaces a PDF export leaves between Chinese characters.
"""
from __future__ import annotations

import re
import unicodedata

_MARKUP = re.compile(r"</?[a-zA-Z]+\b[^>]*>|\*\*|__|\[bookmark:[^\]]*\]")
_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BULLET = re.compile(r"^\s*[-•·]\s+")
_SPACES = re.compile(r"[ \u3000\xa0]+")
_WHITESPACE = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』《》]")
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])\s+|\s+(?=[{CJK}])")
# Full-width digits, point, percent and minus, one character each (offsets are kept).
_HALF_WIDTH = str.maketrans("０１２３４５６７８９．％－，", "0123456789.%-,")


def nfkc(text: str | None) -> str:
    """Unicode compatibility form: full-width ASCII becomes half-width, （）→ (), ：→ :."""
    return unicodedata.normalize("NFKC", text or "")


def half_width_digits(text: str) -> str:
    """Full-width digits, point, percent, minus and comma made half-width, character for character."""
    return text.translate(_HALF_WIDTH)


def strip_markup(text: str | None) -> str:
    """Markup removed: tags, ** and __ emphasis, heading marks, bookmarks; outer spaces."""
    text = _MARKUP.sub("", text or "")
    return _HEADING.sub("", text).strip()


def clean_line(text: str | None) -> str:
    """A line as read: markup and list bullets removed, ideographic and repeated spaces made one (tabs kept)."""
    return _SPACES.sub(" ", _BULLET.sub("", strip_markup(text))).strip()


def compact(text: str | None) -> str:
    """The matching key of a printed string: NFKC, markup and every whitespace removed."""
    return _WHITESPACE.sub("", nfkc(_MARKUP.sub("", text or "")))


def name_key(text: str | None) -> str:
    """A name's matching key: ``compact`` without quotation marks (“三公”经费 → 三公经费)."""
    return _QUOTES.sub("", compact(text))


def join_cjk(text: str) -> str:
    """Spaces next to Chinese characters removed ("因 公 出 国" → "因公出国"); others kept."""
    return _SPACE_BETWEEN_CJK.sub("", text)
