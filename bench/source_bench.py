"""How often the app finds and marks a cited cell or sentence on its PDF page (查看原文).

    python -m bench.source_bench [--data-dir DIR] [--cells 50] [--sentences 30] [--seed 1]

Without ``--data-dir`` the corpus PDFs (../shared/corpus) are loaded into a
temporary folder first (a few minutes). A sample of money cells with a
printed value (and of passages, for their first sentence) is drawn from the
PDF documents; for each the page is searched as the app does. Prints the
share found with one mark, with several (the same value twice in one row,
or a row that could not be told apart), and not found, with the misses, and
the time per lookup. A single mark is also compared with pdfplumber's ruled
grid (its row holds the row label or code, and as many equal values stand
left of it as the cell's position says); a transposed table (labels printed
as column headers) or a label printed otherwise than stored (支出总计 stored as
合计) is reported as "not confirmed" although marked right: look at those.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pdfplumber

from index.config import Settings
from index.ingest import ingest_paths
from index.text import compact
from ui import browse, provenance, sources

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def sample_cells(con: duckdb.DuckDBPyConnection, n: int, rng: random.Random) -> list[provenance.SourceRef]:
    rows = con.execute(
        """
        SELECT c.rowid, c.doc_id, c.line, c.page, c.raw, c.row_label, NULL, NULL, c.subject_code
        FROM cells c JOIN source_files s USING (doc_id)
        WHERE s.path ILIKE '%.pdf' AND c.page IS NOT NULL AND c.raw IS NOT NULL AND c.raw <> ''
          AND c.unit = '万元' AND c.value <> 0
        GROUP BY ALL ORDER BY c.doc_id, c.rowid
        """
    ).fetchall()
    chosen = rng.sample(rows, min(n, len(rows)))
    return [provenance.cell_ref(con, dict(zip(provenance.CELL_KEYS, row)), row[4]) for row in chosen]


def sample_sentences(con: duckdb.DuckDBPyConnection, n: int, rng: random.Random) -> list[provenance.SourceRef]:
    rows = con.execute(
        """
        SELECT p.doc_id, p.line_start, p.line_end, p.page, p.text FROM passages p JOIN source_files s USING (doc_id)
        WHERE s.path ILIKE '%.pdf' AND p.page IS NOT NULL GROUP BY ALL ORDER BY p.doc_id, p.line_start
        """
    ).fetchall()
    refs = []
    for doc_id, start, end, page, text in rng.sample(rows, min(n, len(rows))):
        sentence = browse.sentences(text)[0].strip()
        refs.append(provenance.SourceRef(sentence[:20], doc_id, "text", start, end, page, sentence))
    return refs


def measure(con: duckdb.DuckDBPyConnection, refs: list[provenance.SourceRef], data_dir: Path) -> dict:
    outcome = {"one": 0, "several": 0, "none": 0, "wrong": 0, "misses": [], "seconds": []}
    for ref in refs:
        parts = sources.document_parts(con, ref.doc_id, data_dir)
        part = sources.part_of(parts, ref.page, ref.line)
        started = time.perf_counter()
        marks, _ = sources._pdf_marks(part.path, ref.page - part.page_offset, ref)
        outcome["seconds"].append(time.perf_counter() - started)
        kind = "none" if not marks else "one" if len(marks) == 1 or ref.kind == "text" else "several"
        outcome[kind] += 1
        where = f"{part.path.name} p.{ref.page - part.page_offset} {ref.row_label} {ref.needle[:40]!r}"
        if kind != "one":
            outcome["misses"].append(f"{kind}: {where}")
        elif ref.kind == "cell" and not grid_agrees(part.path, ref.page - part.page_offset, ref, marks[0]):
            outcome["wrong"] += 1
            outcome["misses"].append(f"not confirmed by the grid: {where}")
    return outcome


def grid_agrees(path: Path, page_number: int, ref: provenance.SourceRef, mark) -> bool:
    """An independent check of a cell mark: in pdfplumber's ruled grid, the marked cell's row holds the
    row's label or code, and as many equal values stand left of it as ``position`` says."""
    with pdfplumber.open(path) as pdf:
        for table in pdf.pages[page_number - 1].find_tables():
            for row, texts in zip(table.rows, table.extract()):
                for i, box in enumerate(row.cells):
                    if box and box[0] - 1 <= (mark.x0 + mark.x1) / 2 <= box[2] + 1 \
                            and box[1] - 1 <= (mark.top + mark.bottom) / 2 <= box[3] + 1:
                        keys = [compact(t) for t in texts if t]
                        row_text = "".join(keys)
                        named = (compact(ref.row_label)[:4] in row_text if ref.row_label else True) or (
                            ref.row_code and ref.row_code in "".join(k for k in keys if k.isdigit()))
                        left = sum(1 for t in texts[:i] if t and compact(t) == compact(ref.needle))
                        return bool(named) and left == ref.position
    return True  # no ruled grid on the page: nothing to compare with


def report(name: str, outcome: dict) -> None:
    total = outcome["one"] + outcome["several"] + outcome["none"]
    if not total:
        print(f"{name}: none sampled")
        return
    print(f"{name}: {total} sampled; one mark {outcome['one']} ({100 * outcome['one'] / total:.0f} %; "
          f"{outcome['wrong']} of them not confirmed by the PDF's grid), "
          f"several {outcome['several']}, not found {outcome['none']}; "
          f"median {1000 * statistics.median(outcome['seconds']):.0f} ms per lookup")
    for miss in outcome["misses"]:
        print("   ", miss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a data folder with PDF documents loaded")
    parser.add_argument("--cells", type=int, default=50)
    parser.add_argument("--sentences", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            if not CORPUS.is_dir():
                print(f"skipped: {CORPUS} is absent")
                return
            data_dir = Path(tmp)
            ingest_paths(sorted(CORPUS.glob("*.pdf")), Settings.from_env(data_dir=data_dir), refresh=False)
        rng = random.Random(args.seed)
        with duckdb.connect(str(Settings.from_env(data_dir=data_dir).db_path), read_only=True) as con:
            report("cells", measure(con, sample_cells(con, args.cells, rng), data_dir))
            report("sentences", measure(con, sample_sentences(con, args.sentences, rng), data_dir))


if __name__ == "__main__":
    main()
