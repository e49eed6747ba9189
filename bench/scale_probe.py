"""The scale benchmark's measuring processes, run fresh by bench/scale.py; each prints one JSON line.

    python -m bench.scale_probe ingest DATA_DIR WORKERS INDEX PATH…   ingest; INDEX: 0 none, 1 the narrative index,
                                                                      stand-in: indexed with stand-in vectors
    python -m bench.scale_probe warm DATA_DIR QUESTIONS.json ROUNDS   answer latencies in one warm process
"""
from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from index.config import Settings


def ingest(data_dir: str, workers: str, index: str, *paths: str) -> dict:
    """Parse and load (peak RSS of this process taken here), then build the narrative index."""
    import resource

    from index.ingest import ingest_paths

    embed_model = None
    if index == "stand-in":
        from bench.stand_in_embedding import StandInEmbedding

        embed_model = StandInEmbedding(model_name="stand-in")
    settings = Settings.from_env(data_dir=Path(data_dir), ingest_workers=int(workers))
    started = time.perf_counter()
    report = ingest_paths(list(paths), settings, refresh=False)
    parse_load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index_seconds, embedded = 0.0, None
    if index != "0" and report.changed:
        from index.search.retriever import read_manifest, refresh_index

        indexing = time.perf_counter()
        refresh_index(settings, embed_model)
        index_seconds = time.perf_counter() - indexing
        embedded = (read_manifest(settings.index_path) or {}).get("embedded")
    return {
        "seconds": time.perf_counter() - started, "parse_load_seconds": report.seconds,
        "parse_load_rss_mb": parse_load_rss, "index_seconds": index_seconds,
        "pages": report.pages, "counts": report.counts, "embedded": embedded,
        "failures": [e.detail for e in report.entries if e.status == "failed"],
    }


def warm(data_dir: str, questions_file: str, rounds: str) -> dict:
    """Every question once to warm up, then ``rounds`` timed rounds; latencies in ms per question."""
    from assistant.factory import build_assistant

    settings = Settings.from_env(data_dir=Path(data_dir))
    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    assistant = build_assistant(settings)
    assistant.preload()
    preload_seconds = time.perf_counter() - started
    routes, answered = [], []
    for question in questions:
        answer = assistant.ask(question)
        routes.append(answer.route)
        answered.append(answer.route != "none")
    latencies: list[list[float]] = [[] for _ in questions]
    for _ in range(int(rounds)):
        for i, question in enumerate(questions):
            started = time.perf_counter()
            assistant.ask(question)
            latencies[i].append((time.perf_counter() - started) * 1000)
    return {"preload_seconds": preload_seconds, "routes": routes, "answered": answered, "latencies_ms": latencies}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    command, *args = argv
    print(json.dumps({"ingest": ingest, "warm": warm}[command](*args), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
