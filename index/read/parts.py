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


def parts_overlap(a: Document, a_passages: Sequence[Passage], b: Document, b_passages: Sequence[Passage]) -> bool:
    """True when two files of one document share a table type or a passage (copies, not parts)."""
    kinds_a = {t.kind for t in a.tables if t.kind is not TableKind.OTHER}
    kinds_b = {t.kind for t in b.tables if t.kind is not TableKind.OTHER}
    if kinds_a & kinds_b or not (kinds_a or kinds_b):
        return True
    return bool({p.text for p in a_passages} & {p.text for p in b_passages})


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
