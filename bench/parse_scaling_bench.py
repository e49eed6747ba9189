"""How ingestion cost grows with file length: a seed repeated 1×, 4× and 16×, seconds per 1,000 lines.

    python -m bench.parse_scaling_bench [--seed PATH] [--sizes 1,4,16]

Each stage of ``index.ingest.prepare_source`` is timed on its own: read
(decoding), parse (``parse_document``: metadata, tables, sections), cut
(passages), variances (variances and executions) and audit. A linear stage
keeps its seconds per 1,000 lines as the file grows: the last column is that
figure at the largest size over the smallest (1.0 = linear, 16 = quadratic
over 1×→16×).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from index.audit.narrative import audit_document
from index.narrative.passages import cut_blocks
from index.narrative.variances import extract_executions, extract_variances
from index.parse.document import parse_document
from index.read.files import read_source

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "000_483341c397df5066.txt"
STAGES = ("read", "parse", "cut", "variances", "audit")


def measure(path: Path) -> tuple[int, dict[str, float]]:
    """(lines, seconds per stage) of one pass over ``path``."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    source = read_source(path, max_bytes=1 << 31)
    seconds["read"], started = time.perf_counter() - started, time.perf_counter()
    document = parse_document(source)
    seconds["parse"], started = time.perf_counter() - started, time.perf_counter()
    blocks = cut_blocks(document)
    seconds["cut"], started = time.perf_counter() - started, time.perf_counter()
    extract_variances(document, blocks)
    extract_executions(document, blocks)
    seconds["variances"], started = time.perf_counter() - started, time.perf_counter()
    audit_document(document, blocks)
    seconds["audit"] = time.perf_counter() - started
    return len(source.lines), seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.parse_scaling_bench")
    parser.add_argument("--seed", type=Path, default=SEED)
    parser.add_argument("--sizes", default="1,4,16")
    args, _ = parser.parse_known_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    text = args.seed.read_bytes()
    print(f"parse scaling: {args.seed.name} repeated {', '.join(f'{n}×' for n in sizes)}; "
          "seconds per 1,000 lines (total seconds)")
    print(f"{'size':>6}{'lines':>9}" + "".join(f"{stage:>18}" for stage in STAGES))
    per_line: dict[str, list[float]] = {stage: [] for stage in STAGES}
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            path = Path(workdir) / f"repeated-{n}{args.seed.suffix}"
            path.write_bytes(text * n)
            lines, seconds = measure(path)
            cells = ""
            for stage in STAGES:
                per_line[stage].append(seconds[stage] / lines * 1000)
                cells += f"{per_line[stage][-1]:>9.3f} ({seconds[stage]:>5.1f})"
            print(f"{n:>5}×{lines:>9}{cells}")
    print(f"{'growth':>15}" + "".join(f"{values[-1] / values[0]:>18.1f}" for values in per_line.values()))


if __name__ == "__main__":
    main()
