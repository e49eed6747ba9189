"""Ingestion generality on ../shared/wild (192 real city budgets): identity read right, tables recognised.

    .venv/bin/python -m bench.wild_bench [--workers 2] [--limit N] [--out bench/output/wild.json]
    .venv/bin/python -m bench.wild_bench --losses Xian   # numeric rows not stored in a recognised table

Each file is read and parsed (no database): its department, year, 预算/决算 and 部门/单位 are compared
with the folder's README table; a file is "right" when all four agree (the department compared without
spaces, brackets' contents such as （本级） and a leading 中共). The share of numeric cells in
tables of a recognised kind is the numeric cells of those tables over every numeric cell the reader
put in a table row; it is printed per city. Split Beijing publications (a narrative file and a tables
file) count as joined when both parse to one document identity.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WILD = ROOT.parent / "shared" / "wild"
MAX_BYTES = 200 * 1024 * 1024


def truth() -> dict[str, dict]:
    """The README table: file → city, department, year, kind, scope, part."""
    rows = {}
    for line in (WILD / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8 or not cells[0].endswith((".pdf", ".html", ".htm")):
            continue
        rows[cells[0]] = {"city": cells[1], "department": cells[2], "year": int(cells[3]), "kind": cells[4],
                          "scope": cells[5], "part": cells[6]}
    return rows


def department_key(name: str) -> str:
    """A department name without spaces, bracketed qualifiers (（本级）) or a leading 中共."""
    name = re.sub(r"\s+", "", name or "")
    name = re.sub(r"[（(][^（()）]*[)）]", "", name)
    return name.removeprefix("中共")


def examine(path: str) -> dict:
    """Parse one file; its identity, tables by kind and numeric-cell coverage, or the refusal."""
    from index.errors import BudgetError
    from index.parse.document import parse_document
    from index.read.files import read_source

    started = time.perf_counter()
    result: dict = {"file": Path(path).name}
    try:
        source = read_source(path, MAX_BYTES)
        document = parse_document(source)
    except BudgetError as exc:
        result.update(error=exc.user_message, seconds=time.perf_counter() - started)
        return result
    except Exception as exc:  # a crash is a finding of the benchmark, not a reason to stop it
        result.update(error=f"内部错误 {type(exc).__name__}: {exc}", seconds=time.perf_counter() - started)
        return result
    meta = document.meta
    kept = sum(1 for table in document.tables for row in table.rows for cell in row.cells if cell.value is not None)
    result.update(
        department=meta.department, year=meta.year, kind=meta.kind.value, scope=meta.scope.value,
        doc_id=meta.doc_id, tables=dict(Counter(t.kind.value for t in document.tables)),
        pages=len({line.page for line in source.lines if line.page}), numeric_cells=document.numeric_cells,
        recognised_cells=document.recognised_cells, kept_cells=kept, warnings=len(document.warnings),
        seconds=time.perf_counter() - started,
    )
    return result


def losses(path: str) -> list[str]:
    """The rows with numbers that no recognised table stored, grouped by the table (or none) holding them."""
    from index.model import TableKind
    from index.parse.document import parse_document
    from index.parse.layouts import read_items
    from index.parse.tables import value_cells
    from index.read.files import read_source

    document = parse_document(read_source(path, MAX_BYTES))
    holder = {n: t for t in document.tables for r in t.rows for n in (r.line, *(c.line for c in r.cells))}
    recognised = {n for n, t in holder.items() if t.kind is not TableKind.OTHER}
    groups: dict[str, list] = defaultdict(list)
    for item in read_items(document.lines):
        values = value_cells(item.cells or []) if item.is_row else 0
        if not values or item.line in recognised or not recognised.isdisjoint(item.cell_lines):
            continue
        table = holder.get(item.line) or next((t for t in document.tables if t.line_start <= item.line <= t.line_end), None)
        groups[f"{table.kind.value} “{table.name}”" if table else "in no table"].append((item, values))
    lost = sum(v for group in groups.values() for _, v in group)
    out = [f"{Path(path).name}: {lost} of {document.numeric_cells} numeric cells not in a recognised table"]
    for where, group in sorted(groups.items(), key=lambda g: -sum(v for _, v in g[1])):
        pages = sorted({item.page for item, _ in group if item.page})
        first = group[0][0]
        out.append(f"  {sum(v for _, v in group):6d} cells, {len(group)} rows, pages {pages}: {where[:60]}; "
                   f"first line {first.line}: {' | '.join(first.cells or [])[:100]}")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (by name)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "output" / "wild.json")
    parser.add_argument("--losses", metavar="TEXT", help="list the lost rows of the files whose name holds TEXT")
    args = parser.parse_args(argv)
    if not WILD.is_dir():
        print(f"{WILD} not present: nothing to measure")
        return
    expected = truth()
    files = sorted(p for p in WILD.iterdir() if p.name in expected and (args.losses or "") in p.name)
    files = files[: args.limit or None]
    if args.losses:
        with ProcessPoolExecutor(args.workers) as pool:
            for lines in pool.map(losses, map(str, files)):
                print("\n".join(lines))
        return
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(examine, map(str, files)))
    elapsed = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    report(results, expected, elapsed)


def report(results: list[dict], expected: dict[str, dict], elapsed: float) -> None:
    by_city: dict[str, list[dict]] = defaultdict(list)
    for result in results:
        by_city[expected[result["file"]]["city"]].append(result)
    right = lambda r: _identity_right(r, expected[r["file"]])  # noqa: E731
    loaded = [r for r in results if "error" not in r]
    print(f"{len(results)} files in {elapsed:.0f} s; ingested {len(loaded)}; identity right {sum(map(right, results))}; "
          f"with ≥ 1 recognised table {sum(1 for r in loaded if _recognised_tables(r))}")
    print(f"{'city':6s} {'files':>5s} {'ingested':>8s} {'identity':>8s} {'tables':>6s} {'cells in recognised':>20s}")
    for city, group in sorted(by_city.items(), key=lambda item: -len(item[1])):
        ok = [r for r in group if "error" not in r]
        numeric = sum(r["numeric_cells"] for r in ok)
        recognised = sum(r["recognised_cells"] for r in ok)
        share = f"{100 * recognised / numeric:.1f}%" if numeric else "-"
        print(f"{city:6s} {len(group):5d} {len(ok):8d} {sum(map(right, group)):8d} "
              f"{sum(1 for r in ok if _recognised_tables(r)):6d} {share:>20s}")
    numeric = sum(r["numeric_cells"] for r in loaded)
    recognised = sum(r["recognised_cells"] for r in loaded)
    if numeric:
        print(f"all: {100 * recognised / numeric:.1f}% of {numeric} numeric cells in recognised tables")
    pairs = _beijing_pairs(results, expected)
    print(f"Beijing split publications joined: {sum(pairs.values())}/{len(pairs)}")
    errors = Counter(re.sub(r"^[^:]*: ", "", r["error"])[:60] for r in results if "error" in r)
    for message, count in errors.most_common(8):
        print(f"  refused ×{count}: {message}")
    wrong = Counter(field for r in loaded for field in _wrong_fields(r, expected[r["file"]]))
    if wrong:
        print("  identity fields wrong: " + ", ".join(f"{k} ×{v}" for k, v in wrong.most_common()))
    seconds = sorted(r["seconds"] for r in results)
    pages = sum(r.get("pages", 0) for r in loaded)
    print(f"read+parse per file: p50 {seconds[len(seconds) // 2]:.2f} s, p95 {seconds[int(0.95 * (len(seconds) - 1))]:.2f} s; "
          f"{pages / elapsed:.1f} pages/s overall")


def _recognised_tables(result: dict) -> int:
    return sum(n for kind, n in result.get("tables", {}).items() if kind != "other")


def _wrong_fields(result: dict, truth_row: dict) -> list[str]:
    wrong = [field for field in ("year", "kind", "scope") if result.get(field) != truth_row[field]]
    if department_key(result.get("department", "")) != department_key(truth_row["department"]):
        wrong.append("department")
    return wrong


def _identity_right(result: dict, truth_row: dict) -> bool:
    return "error" not in result and not _wrong_fields(result, truth_row)


def _beijing_pairs(results: list[dict], expected: dict[str, dict]) -> dict[str, bool]:
    parts: dict[str, list[dict]] = defaultdict(list)
    for result in results:
        row = expected[result["file"]]
        if row["part"] in ("narrative", "tables"):
            parts[row["department"]].append(result)
    return {department: len(group) == 2 and all("doc_id" in r for r in group)
            and group[0]["doc_id"] == group[1]["doc_id"] for department, group in parts.items()
            if {expected[r["file"]]["part"] for r in group} == {"narrative", "tables"}}


if __name__ == "__main__":
    main()
