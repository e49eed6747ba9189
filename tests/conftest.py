"""Shared fixtures: the three seed documents in data/, the PDF corpus when present."""
from __future__ import annotations

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


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    return dict(SEEDS)


def row_counts(connection) -> dict[str, int]:
    """Rows per base table of a budget database (views excluded), e.g. {"cells": 1234, …}."""
    tables = [row[0] for row in connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name").fetchall()]
    return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}
