"""PDF ingestion speed: pages per second to read (pdfplumber) and parse, per document, with the median.

    python -m bench.pdf_bench [--repeat N] [--corpus DIR] [FILE.pdf ...]

Reads every PDF of the corpus folder (default ../shared/corpus) or the files
given, ``N`` times each (default 1), and prints per document the pages, the
read and parse seconds (median over the repeats) and pages per second for
read + parse; then the median of pages per second over the documents and the
overall rate. Loading into DuckDB is left out (see bench.ingest_bench).
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from index.parse.document import parse_document
from index.read.pdf import read_pdf_with_warnings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def measure(path: Path) -> dict[str, float]:
    """One read + parse of ``path``: seconds per phase and the pages that have text."""
    started = time.perf_counter()
    source, warnings = read_pdf_with_warnings(path)
    read_done = time.perf_counter()
    document = parse_document(source)
    parse_done = time.perf_counter()
    return {
        "pages": len({line.page for line in source.lines}),
        "skipped": len(warnings),
        "tables": len(document.tables),
        "read": read_done - started,
        "parse": parse_done - read_done,
    }


def run(paths: list[Path], repeat: int) -> list[dict[str, float]]:
    rows = []
    for path in paths:
        runs = [measure(path) for _ in range(repeat)]
        read = statistics.median(r["read"] for r in runs)
        parse = statistics.median(r["parse"] for r in runs)
        rows.append({"file": path.name, "mb": path.stat().st_size / 1e6, "pages": runs[0]["pages"],
                     "skipped": runs[0]["skipped"], "tables": runs[0]["tables"], "read": read, "parse": parse,
                     "pps": runs[0]["pages"] / (read + parse)})
    return rows


def report(rows: list[dict[str, float]]) -> None:
    print(f"{'file':48} {'MB':>5} {'pages':>5} {'tables':>6} {'read s':>7} {'parse s':>7} {'pages/s':>7}")
    for r in rows:
        print(f"{r['file']:48} {r['mb']:5.1f} {r['pages']:5d} {r['tables']:6d} {r['read']:7.2f} {r['parse']:7.3f}"
              f" {r['pps']:7.1f}" + (f"  ({r['skipped']} pages without text skipped)" if r["skipped"] else ""))
    pages = sum(r["pages"] for r in rows)
    seconds = sum(r["read"] + r["parse"] for r in rows)
    print(f"median {statistics.median(r['pps'] for r in rows):.1f} pages/s per document; "
          f"overall {pages} pages in {seconds:.1f} s = {pages / seconds:.1f} pages/s; "
          f"parse is {100 * sum(r['parse'] for r in rows) / seconds:.0f}% of the time")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv if argv is not None else [])
    paths = args.files or sorted(args.corpus.glob("*.pdf"))
    if not paths:
        print(f"no PDF to measure (corpus folder {args.corpus} is empty or absent)")
        return
    report(run(paths, max(1, args.repeat)))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
