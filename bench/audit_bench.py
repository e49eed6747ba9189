"""Audit recall and false alarms against the hand-checked defects, link coverage and time per document.

    python -m bench.audit_bench [--cache DIR] [FILE ...]

Reads ``eval/audit_defects.jsonl`` (the defects found by reading the documents) and audits every corpus
document that loads (or the files named). A defect is found when a finding of its document, on its page
(±1), quotes its key phrase (or states one of its non-zero values). A finding that matches no listed
defect is a false alarm. Prints per document: audit time, narrative amounts linked, findings, recall and
false alarms; then the totals.

Link coverage counts the subject amounts of the narrative (an amount named by what it is the amount of;
changes, amounts in brackets, reasons and uses are not subject amounts). A document none of whose tables
is a recognised budget table (a narrative published without its tables) has nothing to link to: it is
shown as "no tables" and left out of the overall coverage, never counted as linked.
"""
from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DEFECTS = ROOT / "eval" / "audit_defects.jsonl"
# every document read in full for eval/audit_defects.jsonl (see eval/audit_defects.md), defects or not
CHECKED = {"05_putuo_wanli_street_2024_dept_budget.pdf", "14_putuo_wanli_street_2023_dept_budget.pdf",
           "18_jiangsu_npc_office_2017_dept_budget.pdf", "n02_central_NationalPublicComplaintsBureau_2024_dept_final.pdf",
           "n05_shanghai_ShanghaiJiaotongVocationalCollege_2026_unit_budget.pdf",
           "n06_shanghai_ShanghaiTechUniversityAffiliatedSchool_2026_unit_budget.pdf",
           "n15_guangdong_Foshan_RailTransitBureau_2019_dept_final.pdf",
           "n24_hunan_Changsha_PublicComplaintsBureau_2026_dept_budget.pdf"}
JOINED = {"20_jiangsu_npc_2019_dept_budget_narrative.pdf": "21_jiangsu_npc_2019_dept_budget_tables.pdf"}


def _parse(name: str, cache: Path | None):
    from index.parse.document import parse_document
    from index.read.files import read_source
    from index.read.parts import join_sources

    cached = cache / f"{name}.pkl" if cache else None
    if cached and cached.exists():
        return pickle.loads(cached.read_bytes())
    paths = [CORPUS / name] + ([CORPUS / JOINED[name]] if name in JOINED else [])
    sources = [read_source(path, 50_000_000) for path in paths]
    document = parse_document(sources[0] if len(sources) == 1 else join_sources(sources))
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(pickle.dumps(document))
    return document


def _plain(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def _is_problem(finding) -> bool:
    from index.audit import findings

    check = getattr(findings, "is_problem", None)  # before severities, every mismatch was listed
    return check(finding) if check else finding.status == "mismatch"


def _matches(finding, defect: dict, page_of: dict[int, int]) -> bool:
    page = getattr(finding, "page", None) or page_of.get(finding.line_start or -1)
    if page is None or abs(page - defect["page"]) > 1:
        return False
    if _plain(defect["key"]) in _plain(finding.statement):
        return True
    stated = finding.stated_value
    return stated is not None and any(v and abs(stated - v) < 0.006 for v in defect["values"])


def main(argv: list[str] | None = None) -> int:
    from index.audit.findings import link_coverage
    from index.audit.linking import CellIndex
    from index.audit.narrative import audit_document
    from index.errors import BudgetError
    from index.narrative.passages import cut_blocks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--cache", type=Path, help="keep parsed documents here (pickles) between runs")
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}")
        return 1
    defects = [json.loads(line) for line in DEFECTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    names = args.files or sorted(p.name for p in CORPUS.glob("*.pdf") if p.name not in JOINED.values())
    found_total = alarms_total = listed_total = linked_total = amounts_total = 0
    below, without_tables = [], []
    times = []
    print(f"{'document':44} {'ms':>5} {'linked':>11} {'problems':>8} {'recall':>7} {'false':>5}")
    for name in names:
        try:
            document = _parse(name, args.cache)
        except BudgetError as error:
            print(f"{name[:44]:44} not loaded: {error.user_message[:60]}")
            continue
        blocks = cut_blocks(document)
        started = time.perf_counter()
        findings = audit_document(document, blocks)
        elapsed = time.perf_counter() - started
        times.append(elapsed)
        page_of = {line.number: line.page for line in document.lines if line.page is not None}
        problems = [f for f in findings if _is_problem(f)]
        listed = [d for d in defects if d["doc"] == name]
        found = [d for d in listed if any(_matches(f, d, page_of) for f in problems)]
        alarms = [f for f in problems if not any(_matches(f, d, page_of) for d in listed)]
        linked, amounts = link_coverage(findings)
        share = f"{linked}/{amounts}" + (f" {100 * linked / amounts:3.0f}%" if amounts else "")
        if not CellIndex.from_document(document).has_budget_tables():
            share = "no tables"
            without_tables.append(name)
        linked_total += linked
        amounts_total += amounts
        if amounts and linked < 0.9 * amounts:
            below.append(f"{name[:24]} {100 * linked / amounts:.0f}%")
        recall = f"{len(found)}/{len(listed)}" if name in CHECKED else ""
        print(f"{name[:44]:44} {1000 * elapsed:5.0f} {share:>11} {len(problems):8} {recall:>7} {len(alarms):5}")
        for defect in listed:
            if defect not in found:
                print(f"    missed #{defect['id']} p{defect['page']} {defect['kind']}: {defect['key']}")
        label = "false alarm" if name in CHECKED else "problem (not hand-checked)"
        for finding in alarms:
            page = getattr(finding, "page", None) or page_of.get(finding.line_start or -1)
            print(f"    {label} p{page} {finding.kind}/{finding.status}: {finding.message[:110]}")
        if name in CHECKED:
            found_total += len(found)
            listed_total += len(listed)
            alarms_total += len(alarms)
    if amounts_total:
        print(f"linked {linked_total}/{amounts_total} ({100 * linked_total / amounts_total:.1f}%) of the narrative "
              f"amounts; below 90%: {', '.join(below) or 'none'}")
    if without_tables:
        print(f"no budget tables (narrative only, not counted): {', '.join(without_tables)}")
    print(f"recall {found_total}/{listed_total}; false alarms {alarms_total} on the {len(CHECKED)} hand-checked documents")
    if times:
        times.sort()
        print(f"audit time per document: median {1000 * times[len(times) // 2]:.0f} ms, max {1000 * times[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
