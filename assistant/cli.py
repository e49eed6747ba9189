"""Command line: ``python -m assistant COMMAND``.

Thin over the library: each command builds Settings once, calls one library
function and prints. Only this module (and its handlers in commands.py) prints;
every BudgetError, including a bad BUDGET_* variable, becomes one ``错误：`` line
and exit code 1.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from index.config import Settings
from index.errors import BudgetError

logger = logging.getLogger(__name__)


def _text(value: str) -> str:
    """A free-text argument (question, SQL, document name): valid UTF-8, else a usage error (not a path)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise argparse.ArgumentTypeError("含有无法识别的字符（不是有效的 UTF-8 文本）") from exc
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="预算问答: budget disclosure Q&A")
    parser.add_argument("--data-dir", default=None, help="documents, database and index folder (default: data/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO to stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="parse and load documents (files or folders)")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--workers", type=int, help="processes parsing at once (default: one per core)")
    ingest.add_argument("--ray", metavar="ADDRESS", help="parse on Ray: ray://host:10001, auto, or local")
    ingest.add_argument("--department", type=_text, help="the documents' department, when the files do not say it")
    ingest.add_argument("--year", type=int, help="their year")
    ingest.add_argument("--kind", choices=["预算", "决算"], help="预算 or 决算")
    ingest.add_argument("--scope", choices=["部门", "单位"], help="部门 or 单位")

    commands.add_parser("docs", help="list the loaded documents")

    ask = commands.add_parser("ask", help="answer a question (or one per stdin line)")
    ask.add_argument("question", nargs="?", type=_text)
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")

    sql = commands.add_parser("sql", help="run one read-only SELECT over the database")
    sql.add_argument("query", type=_text)
    sql.add_argument("--json", action="store_true")

    audit = commands.add_parser("audit", help="check each document's narrative numbers against its tables")
    audit.add_argument("doc", nargs="?", type=_text, help="document id or part of its department name")
    audit.add_argument("--format", choices=["text", "csv", "markdown"], default="text")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    if hasattr(sys.stdin, "reconfigure"):  # an undecodable stdin line reaches `ask` as text and gets its error
        sys.stdin.reconfigure(errors="surrogateescape")
    from assistant import commands

    handler = getattr(commands, f"run_{args.command}")
    try:
        return handler(Settings.from_env(data_dir=args.data_dir), args)
    except BudgetError as exc:
        print(f"错误：{exc.user_message}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (| head): stop quietly, no traceback at exit either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
