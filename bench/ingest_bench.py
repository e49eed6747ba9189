"""Ingestion speed: per seed document by phase, then the real corpus with 1 process and with every core.

    python -m bench.ingest_bench [--repeat N] [--workers 1,2]

Seeds: each repeat reads the file, parses it and loads it into a fresh DuckDB
file (schema creation not timed); prints the median and p90 per document, the
time per 1,000 source lines, and how parse time compares with load time.

Corpus (../shared/corpus, when present): the whole folder ingested into a new
data folder (narrative index not built) with each worker count; prints files
loaded, pages, seconds, pages/s, documents/s and the speed-up over 1 process.
"""
from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from pathlib import Path

from index.cluster.local import available_cores
from index.cluster.rows import prepare_source, read_file
from index.config import Settings
from index.ingest import ingest_paths
from index.store.database import BudgetStore

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data").glob("0*.txt"))
CORPUS = ROOT.parent / "shared" / "corpus"
PHASES = ("read", "parse", "load", "total")


def measure(path: Path, settings: Settings, workdir: Path, run: int) -> dict[str, float]:
    """One read → parse → load of ``path`` into a new database; seconds per phase."""
    started = time.perf_counter()
    source = read_file(path, settings)
    read_done = time.perf_counter()
    prepared = prepare_source(source)
    parse_done = time.perf_counter()
    with BudgetStore.open(workdir / f"{path.stem}-{run}.duckdb") as store:
        load_started = time.perf_counter()
        store.load_document(prepared.document, prepared.passages, prepared.variances, prepared.executions, [source])
        load_done = time.perf_counter()
    return {
        "read": read_done - started,
        "parse": parse_done - read_done,
        "load": load_done - load_started,
        "total": (read_done - started) + (parse_done - read_done) + (load_done - load_started),
        "lines": len(source.lines),
    }


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", default=f"1,{available_cores()}", help="worker counts for the corpus run")
    args, _ = parser.parse_known_args(argv)
    settings = Settings()
    print(f"ingest: {args.repeat} runs per document (after one warm-up), milliseconds")
    print(f"{'document':<28}{'lines':>7}{'read':>8}{'parse':>8}{'load':>8}{'total':>8}{'p90':>8}"
          f"{'per 1k lines':>14}{'parse/load':>12}")
    all_lines = 0
    all_medians = {phase: 0.0 for phase in PHASES}
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        workdir = Path(tmp)
        for path in SEEDS:
            measure(path, settings, workdir, run=-1)
            runs = [measure(path, settings, workdir, run) for run in range(args.repeat)]
            median = {phase: statistics.median(r[phase] for r in runs) * 1000 for phase in PHASES}
            lines = int(runs[0]["lines"])
            print(f"{path.name:<28}{lines:>7}{median['read']:>8.1f}{median['parse']:>8.1f}{median['load']:>8.1f}"
                  f"{median['total']:>8.1f}{p90([r['total'] for r in runs]) * 1000:>8.1f}"
                  f"{median['total'] * 1000 / lines:>14.1f}{median['parse'] / median['load']:>12.2f}")
            all_lines += lines
            all_medians = {phase: all_medians[phase] + median[phase] for phase in PHASES}
    print(f"{'all seeds (sum of medians)':<28}{all_lines:>7}{all_medians['read']:>8.1f}{all_medians['parse']:>8.1f}"
          f"{all_medians['load']:>8.1f}{all_medians['total']:>8.1f}{'':>8}"
          f"{all_medians['total'] * 1000 / all_lines:>14.1f}{all_medians['parse'] / all_medians['load']:>12.2f}")
    corpus_speed(sorted({int(w) for w in args.workers.split(",")}))


def corpus_speed(worker_counts: list[int]) -> None:
    """Ingest the whole corpus folder once per worker count (fresh data folder each time)."""
    if not CORPUS.is_dir():
        print(f"corpus: {CORPUS} not present, skipped")
        return
    print(f"corpus {CORPUS} (read + parse + load, no narrative index)")
    print(f"{'workers':>8}{'files':>7}{'loaded':>8}{'failed':>8}{'pages':>7}{'seconds':>9}{'pages/s':>9}"
          f"{'docs/s':>8}{'speed-up':>10}")
    baseline = None
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
            settings = Settings(data_dir=Path(tmp), ingest_workers=workers)
            started = time.perf_counter()
            report = ingest_paths([CORPUS], settings, refresh=False)
            seconds = time.perf_counter() - started
        counts = report.counts
        parsed = len(report.entries) - counts["unchanged"] - counts["duplicate"]
        baseline = baseline or seconds
        print(f"{workers:>8}{len(report.entries):>7}{counts['loaded'] + counts['replaced']:>8}{counts['failed']:>8}"
              f"{report.pages:>7}{seconds:>9.1f}{report.pages / seconds:>9.1f}{parsed / seconds:>8.2f}"
              f"{baseline / seconds:>10.2f}")


if __name__ == "__main__":
    main()
