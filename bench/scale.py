"""Scale benchmark: the real budgets grown to N documents, ingested, indexed and asked.

    python -m bench scale [--docs 1000] [--sizes 100,1000] [--workers W] [--work DIR] [--rounds 3]

1. Originals (../shared/wild + ../shared/corpus): read and parsed with every
   core (cached in the work folder), and a sample with one process: pages/s
   and documents/s, how many load and how many have tables.
2. For each corpus size (default 100 and N; see scale_corpus.py for how copies
   are relabelled), in a fresh data folder, each step a fresh process:
   ingest (parse + load with every core, then the narrative index), parse +
   load again with one process (smallest size only), database and index size,
   peak RSS, cold start to a table answer and to a passage answer
   (``python -m assistant ask``), warm answer p50/p95 over a fixed question mix,
   and adding one document to the corpus.
3. A table of every figure by size, with the ratio largest/smallest, and the targets.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from bench.scale_corpus import (
    CorpusDoc, Original, build_corpus, original_paths, place_names, read_original, read_originals, relabel, write_lines,
)
from index.cluster.local import available_cores

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Question mix: {d} a relabelled document's department, {y} its year. Intents: look up, rank, share,
# compare, explain a change, narrative facts, definition, out of scope.
DOC_TEMPLATES = [
    "{d}{y}年一般公共预算支出是多少？",
    "{d}{y}年“三公”经费预算是多少？",
    "{d}{y}年基本支出和项目支出分别是多少？",
    "{d}{y}年哪个功能科目的支出最多？",
    "{d}{y}年人员经费占基本支出的比例是多少？",
    "{d}{y}年支出预算为什么比上年增加？",
    "{d}的主要职能是什么？",
    "{d}{y}年机关运行经费是多少？",
    "{d}{y}年政府采购预算情况如何？",
    "{d}{y}年上年结转结余是多少？",
]
GENERAL = ["什么是“三公”经费？", "明天会下雨吗？"]
TABLE_QUESTION, PASSAGE_QUESTION = 0, 6
TARGETS = {"warm_p95_ms": 300, "answer_rss_mb": 2048, "parse_load_rss_mb": 2048, "ingest_rss_mb": 2048,
           "cold_table_s": 3, "cold_passage_s": 5}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--sizes", help="corpus sizes, comma-separated (default: 100 and --docs)")
    parser.add_argument("--workers", type=int, default=available_cores())
    parser.add_argument("--work", type=Path, default=Path("/tmp/budget-scale"), help="folder for corpora and data")
    parser.add_argument("--sample", type=int, default=12, help="originals read with one process")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of the question mix")
    parser.add_argument("--embed-up-to", type=int, default=100,
                        help="larger corpora are indexed with stand-in vectors (see scale_probe.StandInEmbedding)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",")} if args.sizes else {min(100, args.docs), args.docs})
    print(machine())
    originals = measure_originals(args)
    if not originals:
        print("no original loaded: nothing to grow")
        return 1
    args.base = min(len(originals), sizes[0] // 2)
    print(f"corpora: the first {args.base} loaded originals, then relabelled copies of them")
    results, questions = {}, []
    for n in sizes:  # the corpora nest: the question mix chosen at the smallest size is asked at every size
        results[n], questions = measure_size(n, originals, args, questions)
    print_growth(results)
    return 0


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return (f"machine: {cpu}, {available_cores()} cores, {memory / 1024:.0f} GB RAM, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}")


def measure_originals(args: argparse.Namespace) -> list[Original]:
    paths = original_paths()
    originals, failures, seconds = read_originals(paths, args.workers, cache=args.work / "originals.pkl")
    pages = sum(o.pages for o in originals)
    with_tables = [o for o in originals if o.n_cells]
    print(f"\noriginals: {len(paths)} files, {len(originals)} load ({len(with_tables)} with table cells), "
          f"{len(failures)} refused")
    print(f"  read + parse with {args.workers} processes: {seconds:.0f} s, {pages / seconds:.1f} pages/s "
          f"(pages of loaded files), {len(paths) / seconds:.2f} files/s")
    sample = paths[:: max(1, len(paths) // args.sample)][: args.sample]
    timings = {}
    for workers in (1, args.workers):
        started = time.perf_counter()
        results = read_originals(sample, workers)[0] if workers > 1 else [read_original(p) for p in sample]
        elapsed = time.perf_counter() - started
        sample_pages = sum(r.pages for r in results if isinstance(r, Original))
        timings[workers] = elapsed
        print(f"  sample of {len(sample)} with {workers} process(es): {elapsed:.1f} s, "
              f"{sample_pages / elapsed:.1f} pages/s, {len(sample) / elapsed:.2f} files/s")
    print(f"  speed-up {args.workers} vs 1: {timings[1] / timings[args.workers]:.2f}")
    reasons: dict[str, int] = {}
    for failure in failures:
        reason = failure.split("（", 1)[-1].split("）")[0] if "（" in failure else failure.split(": ", 1)[-1][:40]
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda r: -r[1])[:6]:
        print(f"  refused {count:>3}: {reason[:70]}")
    return originals


def measure_size(n: int, originals: list[Original], args: argparse.Namespace, questions: list[str]) -> tuple[dict, list[str]]:
    """Every figure for a corpus of ``n`` documents, and the question mix (chosen here when none is given).

    The first (smallest) size also times parse + load with one process.
    """
    single = not questions
    print(f"\n== N = {n}")
    folder, data = args.work / f"corpus-{n}", args.work / f"data-{n}"
    for old in (folder, data):
        shutil.rmtree(old, ignore_errors=True)
    docs = build_corpus(originals, n, folder, args.base)
    result: dict = {"files": n, "copies": sum(d.copy for d in docs)}

    index = "1" if n <= args.embed_up_to else "stand-in"
    result["vectors"] = "model" if index == "1" else "stand-in"
    ingest, wall, rss = run_measured([PYTHON, "-m", "bench.scale_probe", "ingest", str(data), str(args.workers), index,
                                      str(folder)])
    result.update(ingest_figures(ingest, n, wall, rss))
    print(f"  ingest ({args.workers} processes): {result['loaded']} of {n} loaded, {ingest['counts']['failed']} failed;"
          f" parse+load {ingest['parse_load_seconds']:.0f} s ({result['docs_per_s']:.2f} docs/s, "
          f"{result['pages_per_s']:.0f} pages/s); index {ingest['index_seconds']:.0f} s "
          f"({ingest['embedded']} passages embedded, {result['embed_per_s']:.1f}/s)")
    for failure in ingest["failures"][:3]:
        print(f"  failed: {failure[:150]}")
    if single:
        alone, _, _ = run_measured([PYTHON, "-m", "bench.scale_probe", "ingest", str(args.work / f"data-{n}-1"), "1",
                                    "0", str(folder)])
        result["docs_per_s_1"] = alone["counts"]["loaded"] / alone["parse_load_seconds"]
        result["pages_per_s_1"] = alone["pages"] / alone["parse_load_seconds"]
        shutil.rmtree(args.work / f"data-{n}-1", ignore_errors=True)
        print(f"  parse+load with 1 process: {alone['parse_load_seconds']:.0f} s, {result['docs_per_s_1']:.2f} docs/s")
    result.update(sizes(data))
    result.update(database_counts(data))
    questions = questions or question_mix(data, docs)
    result.update(cold_starts(data, questions))
    result.update(warm_answers(data, questions, args.rounds))
    result.update(add_one(data, originals, args, n, index))
    for key, value in result.items():
        print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
    return result, questions


def ingest_figures(ingest: dict, files: int, wall: float, rss: tuple[float, float]) -> dict:
    counts = ingest["counts"]
    seconds = ingest["parse_load_seconds"]
    return {
        "loaded": counts["loaded"] + counts["replaced"], "failed": counts["failed"],
        "ingest_s": seconds, "ingest_ms_per_doc": seconds * 1000 / files,
        "docs_per_s": counts["loaded"] / seconds, "pages_per_s": ingest["pages"] / seconds,
        "index_s": ingest["index_seconds"], "embedded": ingest["embedded"] or 0,
        "embed_per_s": (ingest["embedded"] or 0) / ingest["index_seconds"] if ingest["index_seconds"] else 0.0,
        "ingest_wall_s": wall, "ingest_rss_mb": rss[0], "ingest_tree_rss_mb": rss[1],
        "parse_load_rss_mb": ingest["parse_load_rss_mb"],
    }


def sizes(data: Path) -> dict:
    db = sum(p.stat().st_size for p in data.glob("budget.duckdb*") if p.is_file())
    index = sum(p.stat().st_size for p in (data / "index").rglob("*") if p.is_file())
    return {"db_mb": db / 2**20, "index_mb": index / 2**20}


def database_counts(data: Path) -> dict:
    with duckdb.connect(str(data / "budget.duckdb"), read_only=True) as con:
        counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("documents", "tables", "cells", "passages")}
        counts["docs_with_tables"] = con.execute("SELECT count(DISTINCT doc_id) FROM cells").fetchone()[0]
    return counts


def question_mix(data: Path, docs: list[CorpusDoc]) -> list[str]:
    """~20 questions over five relabelled budget documents that loaded with an expenditure table and passages."""
    with duckdb.connect(str(data / "budget.duckdb"), read_only=True) as con:
        loaded = {Path(path).name: (department, year) for path, department, year in con.execute(
            "SELECT s.path, d.department, d.year FROM source_files s JOIN documents d USING (doc_id) "
            "WHERE d.kind = '预算' AND d.doc_id IN (SELECT doc_id FROM expenditure_by_function WHERE total > 0) "
            "AND d.doc_id IN (SELECT doc_id FROM passages)").fetchall()}
    chosen = [loaded[d.file] for d in docs if d.copy and d.file in loaded and d.file.startswith("01_")]
    chosen = chosen[:: max(1, len(chosen) // 5)][:5]
    questions = [DOC_TEMPLATES[(k * 4 + j) % len(DOC_TEMPLATES)].format(d=department, y=year)
                 for k, (department, year) in enumerate(chosen) for j in range(4)]
    first = chosen[0] if chosen else ("", "")
    questions[0:0] = [DOC_TEMPLATES[TABLE_QUESTION].format(d=first[0], y=first[1]),
                      DOC_TEMPLATES[PASSAGE_QUESTION].format(d=first[0], y=first[1])]
    return list(dict.fromkeys(questions + GENERAL))


def cold_starts(data: Path, questions: list[str], repeat: int = 3) -> dict:
    """Wall time of fresh ``python -m assistant ask`` processes: a table question and a passage question."""
    result = {}
    for key, question in (("cold_table_s", questions[0]), ("cold_passage_s", questions[1])):
        times, route = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            out = subprocess.run([PYTHON, "-m", "assistant", "--data-dir", str(data), "ask", "--json", question],
                                 cwd=ROOT, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            route = json.loads(out.stdout)["route"] if out.returncode == 0 and out.stdout.strip() else "error"
        result[key] = statistics.median(times)
        result[key.replace("_s", "_route")] = route
    return result


def warm_answers(data: Path, questions: list[str], rounds: int) -> dict:
    mix = data.parent / f"{data.name}-questions.json"
    mix.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    warm, _, rss = run_measured([PYTHON, "-m", "bench.scale_probe", "warm", str(data), str(mix), str(rounds)])
    latencies = sorted(ms for per_question in warm["latencies_ms"] for ms in per_question)
    slowest = max(range(len(questions)), key=lambda i: max(warm["latencies_ms"][i]))
    return {
        "questions": len(questions), "answered": sum(warm["answered"]),
        "routes": ",".join(sorted(set(warm["routes"]))),
        "warm_p50_ms": percentile(latencies, 50), "warm_p95_ms": percentile(latencies, 95),
        "slowest_question": questions[slowest], "answer_rss_mb": rss[0], "preload_s": warm["preload_seconds"],
    }


def add_one(data: Path, originals: list[Original], args: argparse.Namespace, n: int, index: str) -> dict:
    """Ingest one new relabelled document into the corpus (parse, load, index) in a fresh process."""
    extra = args.work / f"extra-{n}"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir(parents=True)
    original = next(o for o in originals if o.n_cells)
    lines, _, _ = relabel(original, place_names(originals), copy_number=97)
    write_lines(lines, extra / "one_more.txt")
    ingest, wall, _ = run_measured([PYTHON, "-m", "bench.scale_probe", "ingest", str(data), str(args.workers), index,
                                    str(extra / "one_more.txt")])
    return {"add_one_s": wall, "add_one_index_s": ingest["index_seconds"], "add_one_status": ingest["counts"]}


def run_measured(command: list[str]) -> tuple[dict, float, tuple[float, float]]:
    """Run a probe; its JSON, wall seconds, and (largest process, whole tree) peak RSS in MB, sampled."""
    peak = [0.0, 0.0]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            largest, total = tree_rss(process.pid)
            peak[0], peak[1] = max(peak[0], largest), max(peak[1], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} exited {process.returncode}")
    return json.loads(out.strip().splitlines()[-1]), wall, (peak[0] / 1024, peak[1] / 1024)


def tree_rss(root: int) -> tuple[int, int]:
    """(largest, sum) of VmRSS in kB over a process and its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    largest = total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
        largest, total = max(largest, rss), total + rss
    return largest, total


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


ROWS = [
    ("documents loaded", "loaded", "{:.0f}"), ("documents with tables", "docs_with_tables", "{:.0f}"),
    ("cells", "cells", "{:.0f}"), ("passages", "passages", "{:.0f}"),
    ("parse+load s (all cores)", "ingest_s", "{:.0f}"), ("  ms per document", "ingest_ms_per_doc", "{:.0f}"),
    ("  documents/s", "docs_per_s", "{:.2f}"), ("  pages/s", "pages_per_s", "{:.0f}"),
    ("  documents/s, 1 process", "docs_per_s_1", "{:.2f}"),
    ("index build s (vectors: see below)", "index_s", "{:.0f}"), ("  passages embedded", "embedded", "{:.0f}"),
    ("  passages/s", "embed_per_s", "{:.1f}"),
    ("database MB", "db_mb", "{:.0f}"), ("index MB", "index_mb", "{:.0f}"),
    ("peak RSS parse+load MB (ingest process)", "parse_load_rss_mb", "{:.0f}"),
    ("peak RSS ingest+index MB (largest process)", "ingest_rss_mb", "{:.0f}"),
    ("peak RSS ingest MB (all processes)", "ingest_tree_rss_mb", "{:.0f}"),
    ("peak RSS answering MB", "answer_rss_mb", "{:.0f}"),
    ("cold start → table answer s", "cold_table_s", "{:.2f}"),
    ("cold start → passage answer s", "cold_passage_s", "{:.2f}"),
    ("warm answer p50 ms", "warm_p50_ms", "{:.0f}"), ("warm answer p95 ms", "warm_p95_ms", "{:.0f}"),
    ("add one document s", "add_one_s", "{:.1f}"), ("  of which index s", "add_one_index_s", "{:.1f}"),
]


def print_growth(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    first, last = results[sizes[0]], results[sizes[-1]]
    print("\n" + f"{'':<40}" + "".join(f"{'N=' + str(n):>12}" for n in sizes) + f"{'ratio':>9}{'target':>10}")
    for label, key, fmt in ROWS:
        values = [results[n].get(key) for n in sizes]
        cells = "".join(f"{fmt.format(v) if v is not None else '-':>12}" for v in values)
        ratio = f"{last[key] / first[key]:.2f}" if first.get(key) and last.get(key) is not None else ""
        target = TARGETS.get(key)
        verdict = "" if target is None or last.get(key) is None else ("ok" if last[key] < target else "MISSED")
        print(f"{label:<40}{cells}{ratio:>9}{(f'<{target} ' + verdict) if target else '':>10}")
    print("vectors: " + ", ".join(f"N={n} {results[n]['vectors']}" for n in sizes)
          + " (stand-in: hash vectors, embedding speed not measured at that size)")
    print(f"routes at N={sizes[-1]}: {last['routes']}; answered {last['answered']} of {last['questions']}; "
          f"cold routes: table {last['cold_table_route']}, passage {last['cold_passage_route']}; "
          f"slowest warm question: {last['slowest_question']}")
