"""The cluster path: Ray tasks (local mode) write Parquet shards; the database is the single-process one, row for row."""
from __future__ import annotations

import shutil
import sys
import types
from pathlib import Path

import duckdb
import pytest

from conftest import LUNTAI, corpus_pdf
from index.config import Settings
from index.ingest import ingest_paths

pytest.importorskip("ray", reason="ray is not installed (optional: pip install -r requirements-cluster.txt)")

TIMESTAMPS = {"ingested_at"}


@pytest.fixture(autouse=True)
def no_index(monkeypatch):
    """The narrative index is not this file's subject."""
    monkeypatch.setitem(sys.modules, "index.search.retriever", types.SimpleNamespace(refresh_index=lambda s: None))


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> Path:
    """A Shanghai PDF, the two files of the split Jiangsu 2019 publication, a seed and an identical copy of it."""
    folder = tmp_path_factory.mktemp("documents")
    for name in ("01_putuo_gov_office_2025_dept_budget.pdf", "20_jiangsu_npc_2019_dept_budget_narrative.pdf",
                 "21_jiangsu_npc_2019_dept_budget_tables.pdf"):
        shutil.copy(corpus_pdf(name), folder / name)
    shutil.copy(LUNTAI, folder / LUNTAI.name)
    shutil.copy(LUNTAI, folder / "zz_copy.txt")
    return folder


def base_tables(db_path: Path) -> dict[str, list[tuple]]:
    """Every base table's rows, timestamps left out, in a stable order."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
        rows = {}
        for table in tables:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table]).fetchall() if r[0] not in TIMESTAMPS]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[table] = con.execute(f'SELECT {listed} FROM "{table}" ORDER BY ALL').fetchall()
    return rows


def test_the_ray_path_loads_the_database_of_the_single_process_ingest(documents, tmp_path):
    single = Settings(data_dir=tmp_path / "single", ingest_workers=1)
    on_ray = Settings(data_dir=tmp_path / "ray", ray_address="local", ingest_workers=2)
    reports = {name: ingest_paths([documents], settings) for name, settings in (("single", single), ("ray", on_ray))}
    outcomes = {name: [(Path(e.file).name, e.status, e.detail) for e in r.entries] for name, r in reports.items()}
    assert outcomes["ray"] == outcomes["single"]
    assert [status for _, status, _ in outcomes["ray"]] == ["loaded", "loaded", "loaded", "loaded", "duplicate"]

    expected, loaded = base_tables(single.db_path), base_tables(on_ray.db_path)
    assert expected["documents"] and expected["cells"] and expected["passages"]
    assert loaded == expected

    shards = Path(on_ray.shard_location)
    with duckdb.connect() as con:
        for table in ("documents", "cells", "passages"):
            count = con.execute(f"SELECT count(*) FROM read_parquet('{shards}/{table}/*/*.parquet')").fetchone()[0]
            assert count == len(expected[table]), table  # one shard set per loaded document, the joined one for 20+21
