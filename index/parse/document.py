"""Parsing a read file into a Document (解析): tables, metadata, then the section tree.

Tables are parsed first: their titles are evidence of the document's identity
(预算/决算, 部门/单位, year), and the section tree leaves their lines out of the
sections' text. Errors are the typed ones of ``index.errors``
(``UnsupportedDocumentError`` for a file that is no disclosure,
``DocumentParseError`` for a defect at a line); nothing is swallowed.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from index.parse.metadata import IdentityOverride, ensure_disclosure, extract_metadata
from index.model import Document, SourceText
from index.parse.sections import parse_sections
from index.parse.tables import cell_coverage, parse_tables

logger = logging.getLogger(__name__)


def parse_document(source: SourceText, override: IdentityOverride | None = None) -> Document:
    """Tables, identity and sections of one read file; ``override`` holds what the user stated."""
    started = time.perf_counter()
    file = Path(source.path).name
    tables, warnings = parse_tables(source.lines, file)
    ensure_disclosure(source, tables)
    meta, identity_warnings = extract_metadata(source, tables, override)
    warnings = identity_warnings + warnings
    sections = parse_sections(source.lines, [(t.line_start, t.line_end) for t in tables])
    if warnings:
        logger.info("%s: %d table warnings, the first: %s", file, len(warnings), warnings[0])
    for warning in warnings:
        logger.debug("%s: %s", file, warning)
    logger.info(
        "parsed %s: %d tables, %d sections, %d warnings in %.2fs",
        file, len(tables), len(sections), len(warnings), time.perf_counter() - started,
    )
    recognised, numeric = cell_coverage(source.lines, tables)
    return Document(meta=meta, lines=source.lines, sections=sections, tables=tables, warnings=warnings,
                    numeric_cells=numeric, recognised_cells=recognised)
