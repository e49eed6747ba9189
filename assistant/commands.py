"""CLI command handlers: ``run_<command>(settings, args) -> exit code``.

Each handler calls one library function and prints; assistant/cli.py maps
BudgetError to a message and exit code 1.
"""
from __future__ import annotations

import sys
import unicodedata
from argparse import Namespace

from index.config import Settings

INGEST_LABELS = {"loaded": "已载入", "replaced": "已替换", "unchanged": "未变更", "duplicate": "重复"}
UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})  # controls, format marks, line breaks, lone surrogates


def run_ingest(settings: Settings, args: Namespace) -> int:
    """ingest PATH… [--workers N] [--ray ADDRESS] [--department D --year Y --kind K --scope S]: load files and
    folders; one line per file, then a summary. What the user states about the documents' identity wins over
    what is read. Exit 1 if any file failed (a duplicate of a loaded file is not a failure).
    """
    from dataclasses import replace

    from index.ingest import ingest_paths
    from index.model import DocumentKind, DocumentScope
    from index.parse.metadata import IdentityOverride

    options = {"ingest_workers": getattr(args, "workers", None), "ray_address": getattr(args, "ray", None)}
    settings = replace(settings, **{name: value for name, value in options.items() if value is not None})
    kind, scope = getattr(args, "kind", None), getattr(args, "scope", None)
    identity = IdentityOverride(getattr(args, "department", None), getattr(args, "year", None),
                                DocumentKind(kind) if kind else None, DocumentScope(scope) if scope else None)
    report = ingest_paths(args.paths, settings, progress=sys.stderr.isatty(),
                          identity=identity if identity != IdentityOverride() else None)
    for line in _ingest_lines(report, _loaded_details(settings, report)):
        print(line)
    return 1 if report.failed else 0


def _loaded_details(settings: Settings, report) -> dict[str, str]:
    """Per document loaded in this run: the share of its numbers in recognised tables, and its warnings."""
    from index.store.database import BudgetStore

    loaded = {e.detail for e in report.entries if e.status in ("loaded", "replaced")}
    if not loaded or not settings.db_path.exists():
        return {}
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        documents = [d for d in store.documents() if d.doc_id in loaded]
    details = {}
    for d in documents:
        warned = f"；{len(d.warnings)} 条警告：{_shown('；'.join(d.warnings))}" if d.warnings else ""
        details[d.doc_id] = f"（表中数值 {d.recognised_text} 在已识别的表里{warned}）"
    return details


def run_docs(settings: Settings, args: Namespace) -> int:
    """docs: list the loaded documents, building the database from the data folder when missing."""
    from index.errors import DatabaseMissingError
    from index.ingest import ensure_database
    from index.store.database import BudgetStore

    report = ensure_database(settings, progress=sys.stderr.isatty())
    if report is not None and report.entries:
        for line in _ingest_lines(report):
            print(line, file=sys.stderr)
    if not settings.db_path.exists():
        raise DatabaseMissingError(str(settings.data_dir))
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        documents = store.documents()
    if not documents:
        raise DatabaseMissingError(str(settings.data_dir))
    headers = ["doc_id", "部门", "年度", "类型", "范围", "表", "数值", "已识别", "段落", "警告", "源文件"]
    rows = [
        [d.doc_id, d.department, str(d.year), d.kind, d.scope, str(d.n_tables), str(d.n_cells),
         d.recognised_text, str(d.n_passages), str(len(d.warnings)), ", ".join(d.source_files)]
        for d in documents
    ]
    for line in _text_table(headers, rows):
        print(line)
    print(f"共 {len(documents)} 个文件")
    return 0


def _ingest_lines(report, details: dict[str, str] | None = None) -> list[str]:
    """One line per file (names shown with :func:`_shown`, so a name cannot add a line), then totals;
    ``details`` adds to a loaded document's line (its recognised share and warnings)."""
    details = details or {}
    lines = []
    for entry in report.entries:
        if entry.status == "failed":
            lines.append(f"失败：{_shown(entry.detail)}")
        elif entry.status == "duplicate":
            lines.append(f"重复：{_shown(entry.file)} → {_shown(entry.detail)}"
                         f"（与 {_shown(entry.same_as)} 内容相同，未再载入）")
        else:
            extra = details.get(entry.detail, "") if entry.status in ("loaded", "replaced") else ""
            lines.append(f"{INGEST_LABELS[entry.status]}：{_shown(entry.file)} → {_shown(entry.detail)}{extra}")
    counts = report.counts
    lines.append(
        f"共 {len(report.entries)} 个文件：已载入 {counts['loaded']}，已替换 {counts['replaced']}，"
        f"未变更 {counts['unchanged']}，重复 {counts['duplicate']}，失败 {counts['failed']}（用时 {report.seconds:.1f} 秒）"
    )
    if report.index_refreshed:
        lines.append(f"叙述索引已更新（用时 {report.index_seconds:.1f} 秒）")
    elif report.index_message:
        lines.append(f"叙述索引未更新：{report.index_message}")
    return lines


def _shown(text: str) -> str:
    """``text`` on one printable line: control and format characters as escapes (``\\n``, ``\\u202e``),
    bytes that were not valid UTF-8 as ``\\xff``."""
    if text.isprintable():
        return text
    return "".join(_escaped(ch) if unicodedata.category(ch) in UNPRINTABLE else ch for ch in text)


def _escaped(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # an undecodable byte, as Python's surrogateescape carries it
        return f"\\x{ord(ch) - 0xdc00:02x}"
    return ch.encode("unicode_escape").decode("ascii")


def _text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns, padded by display width (a CJK character is two columns); one line per row."""
    headers = [_shown(h) for h in headers]
    rows = [[_shown(c) for c in r] for r in rows]
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def run_ask(settings: Settings, args: Namespace) -> int:
    """ask [QUESTION] [--json]: answer one question, or one per stdin line (one JSON line each, in order)."""
    import json

    from assistant.factory import build_assistant
    from index.errors import BudgetError

    _ensure_database(settings)
    assistant = build_assistant(settings)
    try:
        if args.question is not None:
            answer = assistant.ask(args.question)
            print(json.dumps(answer.to_dict(), ensure_ascii=False, default=str) if args.json else _answer_text(answer))
            return 0
        assistant.preload()
        failed = False
        for line in sys.stdin:
            question = line.strip()
            if not question:
                continue
            try:
                answer = assistant.ask(question)
            except BudgetError as exc:  # one failed question must not end the batch: report it in its place
                failed = True
                print(f"错误：{exc.user_message}", file=sys.stderr)
                if args.json:
                    print(json.dumps({"question": _shown(question), "route": "none", "answer": "", "sql": None,
                                      "rows": [], "citations": [], "checks": [], "error": exc.user_message},
                                     ensure_ascii=False), flush=True)
                continue
            if args.json:
                print(json.dumps(answer.to_dict(), ensure_ascii=False, default=str), flush=True)
            else:
                print(_answer_text(answer) + "\n", flush=True)
        return 1 if failed else 0
    finally:
        assistant.close()


def run_sql(settings: Settings, args: Namespace) -> int:
    """sql "SELECT …" [--json]: one guarded read-only SELECT; rows as a table or JSON."""
    import json

    from assistant.engines.sql_sandbox import SqlSandbox

    _ensure_database(settings)
    with SqlSandbox(settings.db_path, max_rows=settings.sql_max_rows, timeout_s=settings.sql_timeout_s,
                    memory_mb=settings.sql_memory_mb) as sandbox:
        result = sandbox.select(args.query)
    if args.json:
        print(json.dumps({"sql": result.sql, "columns": result.columns, "rows": result.rows,
                          "truncated": result.truncated}, ensure_ascii=False, default=str))
        return 0
    cells = [["" if v is None else str(v) for v in row.values()] for row in result.rows]
    for line in _text_table(result.columns, cells):
        print(line)
    more = f"（只显示前 {len(result.rows)} 行）" if result.truncated else ""
    print(f"共 {len(result.rows)} 行{more}")
    return 0


def run_audit(settings: Settings, args: Namespace) -> int:
    """audit [DOC] [--format text|csv|markdown]: the findings stored at ingest (narrative vs tables, sums)."""
    from index.store.findings import read_findings
    from ui.audit_report import render_findings
    from index.store.database import connect_read_only

    _ensure_database(settings)
    connection = connect_read_only(settings.db_path)
    try:
        frame = read_findings(connection, args.doc)
    finally:
        connection.close()
    print(render_findings(frame, args.format), end="" if args.format != "text" else "\n")
    return 0


def _ensure_database(settings: Settings) -> None:
    from index.errors import DatabaseMissingError
    from index.ingest import ensure_database

    report = ensure_database(settings, progress=sys.stderr.isatty())
    if report is not None and report.entries:
        for line in _ingest_lines(report):
            print(line, file=sys.stderr)
    if not settings.db_path.exists():
        raise DatabaseMissingError(str(settings.data_dir))


def _answer_text(answer) -> str:
    """The answer for a person: text, then SQL, citations and number checks."""
    status = {"match": "✓ 与表格一致", "mismatch": "✗ 与表格不一致", "unverified": "? 无法核对", "computed": "= 计算"}
    lines = [answer.answer]
    if answer.sql:
        lines += ["", "SQL：", answer.sql]
    if answer.citations:
        lines += ["", "引用："] + [f"- {c.title}｜{c.section}｜第 {c.lines} 行" for c in answer.citations]
    if answer.checks:
        lines += ["", "数字核对："]
        lines += [f"- {c.value:g} {c.unit}：{status[c.status]}（{c.source}）" for c in answer.checks]
    lines += ["", f"路由：{answer.route}（{answer.reason}）"]
    return "\n".join(lines)
