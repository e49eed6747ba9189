"""Answer latency: warm p50/p95 over a question set in one process, and the CLI's cold start.

Usage: python bench/answer_bench.py [--data-dir DIR] [--questions FILE.jsonl] [--repeat N]

Targets: warm p95 < 300 ms; cold start (a fresh ``python -m assistant ask``) < 5 s.
The narrative index (embedding model) loads on the first passage question, so
the cold start is timed for an SQL question and for a passage question.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.factory import build_assistant  # noqa: E402
from index.config import Settings  # noqa: E402
from index.ingest import ensure_database  # noqa: E402

DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev.jsonl"
COLD_QUESTIONS = {"sql": "轮台县人社局2024年三公经费一共多少？", "passages": "巴州人社局编制数和实有人数是多少？"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def warm(settings: Settings, questions: list[str], repeat: int) -> dict[str, float]:
    started = time.perf_counter()
    assistant = build_assistant(settings)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    assistant.ask(COLD_QUESTIONS["passages"])  # loads the narrative index once
    first_passage_s = time.perf_counter() - started
    timings = []
    for _ in range(repeat):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            timings.append(1000 * (time.perf_counter() - started))
    return {"build_s": build_s, "first_passage_s": first_passage_s, "n": len(timings),
            "p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95), "max_ms": max(timings)}


def cold(settings: Settings, question: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(settings.data_dir), "ask", "--json",
                    question], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--questions", default=str(DEFAULT_QUESTIONS))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir)
    questions = [json.loads(line)["q"] for line in open(args.questions, encoding="utf-8") if line.strip()]
    ensure_database(settings)
    result = warm(settings, questions, args.repeat)
    print(f"build_assistant: {result['build_s']:.2f} s; first passage question (loads the index): "
          f"{result['first_passage_s']:.2f} s")
    print(f"warm: {result['n']} answers, p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, "
          f"max {result['max_ms']:.0f} ms (target p95 < 300 ms)")
    for route, question in COLD_QUESTIONS.items():
        print(f"cold start ({route} question): {cold(settings, question):.2f} s (target < 5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
