"""Documents published as several files (分册公开), e.g. a narrative PDF and a tables PDF.

Files whose metadata name the same document are *parts* when they do not
overlap (no table type and no passage in common), and are then read as one
text: the parts in file-name order, line numbers and pages counting on through
them (line 1 of the second part follows the last line of the first). Files
that overlap are *copies* or versions of one document, never joined.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

from index.model import Document, Line, Passage, SourceText, TableKind

PartKey = tuple[frozenset[str], frozenset[str]]  # recognised table kinds, passage texts


def part_key(document: Document, passages: Sequence[Passage]) -> PartKey:
    """What ``keys_overlap`` compares, small enough to keep once the parsed file is let go."""
    kinds = frozenset(t.kind.value for t in document.tables if t.kind is not TableKind.OTHER)
    return kinds, frozenset(p.text for p in passages)


def keys_overlap(a: PartKey, b: PartKey) -> bool:
    """True when two files of one document share a table type or a passage (copies, not parts)."""
    (kinds_a, texts_a), (kinds_b, texts_b) = a, b
    if kinds_a & kinds_b or not (kinds_a or kinds_b):
        return True
    return bool(texts_a & texts_b)


def join_sources(sources: Sequence[SourceText]) -> SourceText:
    """One SourceText from the parts of a document, in the order given."""
    if len(sources) == 1:
        return sources[0]
    lines: list[Line] = []
    line_offset = page_offset = 0
    for source in sources:
        for line in source.lines:
            page = None if line.page is None else line.page + page_offset
            lines.append(Line(line.number + line_offset, line.text, page))
        line_offset = lines[-1].number if lines else line_offset
        page_offset = max((line.page or 0 for line in lines), default=page_offset)
    first, rest = sources[0], sources[1:]
    path = " + ".join([first.path, *(Path(s.path).name for s in rest)])
    digest = hashlib.sha256("".join(s.sha256 for s in sources).encode("ascii")).hexdigest()
    return SourceText(path, digest, first.encoding, sum(s.n_bytes for s in sources), lines)
