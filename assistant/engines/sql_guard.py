"""The read-only SQL guard (只读查询守卫): one SELECT, known tables, bounded rows, time and memory.

Three layers, so a gap in one is covered by the next:

1. ``check_sql`` parses the text with DuckDB's own parser
   (``duckdb.extract_statements`` for the statement kind, ``json_serialize_sql``
   for the tree) and refuses anything but a single SELECT over the project's
   tables and views: no table functions (``read_csv``, ``glob``…), no SHOW /
   DESCRIBE / SUMMARIZE, no file paths in FROM, no other catalogs. A WITH name
   stands for a table only inside its own query.
2. ``connect_guarded`` attaches the database read-only with external access,
   extension auto-install/auto-load and spilling to disk off, a memory limit,
   and the configuration locked.
3. ``assistant.engines.sql_sandbox`` runs the statement in a child process
   that is killed when it overruns its time (some DuckDB functions cannot be
   interrupted) and whose address space is capped.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import duckdb

from index.errors import DatabaseUnavailableError, SqlExecutionError, UnsafeSQLError

logger = logging.getLogger(__name__)

QUERYABLE = frozenset({
    "documents", "source_files", "tables", "cells", "sections", "passages",
    "expenditure_by_function", "basic_by_economic", "projects", "three_public_items",
    "carryover_items", "income_by_source", "variances", "budget_execution", "audit_findings",
})
REFUSED_FUNCTIONS = frozenset({"getenv", "current_setting", "query", "query_table"})
TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "EMPTY", "EXPRESSION_LIST", "PIVOT"})
MAX_EXPRESSION_DEPTH = 100  # generated SQL nests a few levels; DuckDB's own limit is 1000
MAX_SQL_CHARS = 100_000  # generated SQL is a few thousand; checking is linear, ~0.5 s at this length
INSTANCE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
LOCKED_CONFIG = {**INSTANCE_CONFIG, "enable_external_access": False, "lock_configuration": True}
LOCK_STATEMENTS = ("SET enable_external_access = false", "SET lock_configuration = true")
DEFAULT_MEMORY_MB = 1024


@dataclass(frozen=True)
class QueryResult:
    """Rows of one guarded SELECT; ``truncated`` when more than ``max_rows`` existed.

    ``columns`` are unique (a repeated name gets ``_1``, ``_2``…), so no value is lost in ``rows``.
    """

    sql: str
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False
    seconds: float = 0.0


def check_sql(sql: str, connection: duckdb.DuckDBPyConnection | None = None) -> str:
    """Return the single SELECT statement of ``sql`` (trailing ``;`` removed) or raise UnsafeSQLError.

    ``connection`` (from :func:`connect_checker`) serializes the parse tree; without it a new one does.
    """
    text = (sql or "").strip()
    if not text:
        raise UnsafeSQLError("没有 SQL 语句")
    if len(text) > MAX_SQL_CHARS:
        raise UnsafeSQLError(f"语句过长（{len(text)} 个字符，最多 {MAX_SQL_CHARS} 个）")
    if not _encodable(text):
        raise UnsafeSQLError("含有无法识别的字符（不是有效的 UTF-8 文本）")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise UnsafeSQLError(f"无法解析（{_first_line(exc)}）") from exc
    if len(statements) != 1:
        raise UnsafeSQLError(f"一次只能执行一条语句（收到 {len(statements)} 条）")
    statement = statements[0]
    query = statement.query.strip().rstrip(";").strip()
    if statement.type is not duckdb.StatementType.SELECT:
        raise UnsafeSQLError(f"只允许只读的 SELECT 查询，不允许 {_keyword(query)}")
    if connection is None:
        with connect_checker() as scratch:
            _check_tree(_parse_tree(query, scratch))
    else:
        _check_tree(_parse_tree(query, connection))
    return query


def connect_checker() -> duckdb.DuckDBPyConnection:
    """An empty locked in-memory DuckDB for :func:`check_sql` (opening one costs ~20 ms: keep it)."""
    return duckdb.connect(":memory:", config={**LOCKED_CONFIG, "max_expression_depth": MAX_EXPRESSION_DEPTH})


def connect_guarded(path: Path | str, memory_mb: int = DEFAULT_MEMORY_MB,
                    threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot reach files, the network or extensions, nor spill to disk.

    The database file is attached READ_ONLY to a private in-memory instance
    limited to ``memory_mb`` (and ``threads``, when given), then external
    access is switched off and the configuration locked. A private instance
    keeps these settings off the plain read-only connections other parts of
    the same process open on the file (DuckDB refuses two configurations for
    one file in one process).
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseUnavailableError(str(path), "文件不存在")
    config = {**INSTANCE_CONFIG, "memory_limit": f"{memory_mb}MB", "temp_directory": ""}
    if threads is not None:
        config["threads"] = threads
    connection = duckdb.connect(":memory:", config=config)
    try:
        connection.execute("SET enable_progress_bar = false")
        connection.execute("ATTACH ? AS budget (READ_ONLY)", [str(path)])
        connection.execute("USE budget")
        for statement in LOCK_STATEMENTS:
            connection.execute(statement)
    except duckdb.Error as exc:
        connection.close()
        reason = "正被其他进程占用" if "lock" in str(exc).lower() else _first_line(exc)
        raise DatabaseUnavailableError(str(path), reason) from exc
    return connection


def unique_columns(names: list[str]) -> list[str]:
    """Column names made unique for row dicts: ``a, a`` → ``a, a_1`` (DuckDB's own renaming)."""
    taken = set(names)
    unique: list[str] = []
    for name in names:
        if name in unique:
            suffix = 1
            while f"{name}_{suffix}" in taken:
                suffix += 1
            name = f"{name}_{suffix}"
            taken.add(name)
        unique.append(name)
    return unique


def _parse_tree(query: str, connection: duckdb.DuckDBPyConnection) -> dict:
    serialized = connection.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0]
    tree = json.loads(serialized)
    if tree.get("error"):
        message = tree.get("error_message") or "无法分析"
        if "depth" in message:
            message = f"表达式嵌套超过 {MAX_EXPRESSION_DEPTH} 层"
        raise UnsafeSQLError(f"只允许普通的 SELECT 查询（{message}）")
    return tree


def _check_tree(tree: dict) -> None:
    """Walk DuckDB's parse tree: only known tables/views and WITH names in scope, no table functions."""
    for node, ctes, table_ref in _scoped_nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise UnsafeSQLError(f"不允许读取文件或调用表函数 {name}()")
        if kind == "SHOW_REF":
            raise UnsafeSQLError("不允许 SHOW / DESCRIBE / SUMMARIZE")
        if table_ref and kind not in TABLE_REFS:
            raise UnsafeSQLError(f"不支持的 FROM 子句（{kind}）")
        if kind == "BASE_TABLE":
            name = node.get("table_name", "")
            if node.get("catalog_name") or node.get("schema_name") not in ("", "main"):
                raise UnsafeSQLError(f"不允许访问其他数据库或模式：{name}")
            if name.lower() not in QUERYABLE and name.lower() not in ctes:
                raise UnsafeSQLError(f"未知的表 {name}（可查询：{', '.join(sorted(QUERYABLE))}）")
        if node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in REFUSED_FUNCTIONS:
            raise UnsafeSQLError(f"不允许调用函数 {node['function_name']}()")


def _scoped_nodes(tree: dict) -> Iterator[tuple[dict, frozenset[str], bool]]:
    """Every dict of the tree with the WITH names visible there and whether it stands in a FROM clause.

    A query's WITH names are visible in that query (its FROM, WHERE, subqueries…);
    the body of one WITH entry sees only the entries before it, and a recursive
    one also itself in its recursive part. Iterative: a deep tree is no recursion.
    """
    stack: list[tuple[Any, frozenset[str], bool]] = [(tree, frozenset(), False)]
    while stack:
        value, ctes, table_ref = stack.pop()
        if isinstance(value, list):
            stack.extend((item, ctes, table_ref) for item in value)
            continue
        if not isinstance(value, dict):
            continue
        yield value, ctes, table_ref
        entries = (value.get("cte_map") or {}).get("map") or []
        names = [entry.get("key", "").lower() for entry in entries]
        for position, entry in enumerate(entries):
            stack.append((entry.get("value"), ctes | frozenset(names[:position]), False))
        inner = ctes | frozenset(names) if names else ctes
        kind = value.get("type")
        for key, child in value.items():
            if key == "cte_map":
                continue
            scope = inner
            if kind == "RECURSIVE_CTE_NODE" and key == "right":
                scope = inner | {value.get("cte_name", "").lower()}
            stack.append((child, scope, _is_table_ref(kind, key)))


def _is_table_ref(parent_kind: Any, key: str) -> bool:
    return key == "from_table" or (parent_kind == "JOIN" and key in ("left", "right")) or (
        parent_kind == "PIVOT" and key == "source")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _keyword(query: str) -> str:
    words = query.split()
    first = words[0].upper() if words else "?"
    if first in ("COPY", "EXPORT", "IMPORT", "CREATE", "ALTER") and len(words) > 1 and first != "COPY":
        return f"{first} {words[1].upper()}"
    return first


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def run_generated(connection: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
                  max_rows: int = 1000) -> QueryResult:
    """Run a SELECT this program wrote: checked like any SQL, parameters bound, on the guarded connection.

    Generated SQL selects the cells an answer uses, by key; it runs in-process (no query process to
    start, nothing to wait for). SQL a person types runs in ``SqlSandbox``, which can kill it.
    """
    query = check_sql(sql, connection)
    started = time.perf_counter()
    try:
        cursor = connection.execute(query, params or [])
        columns = unique_columns([d[0] for d in cursor.description or []])
        fetched = cursor.fetchmany(max_rows + 1)
    except duckdb.Error as exc:
        raise SqlExecutionError(_first_line(exc)) from exc
    seconds = time.perf_counter() - started
    rows = [dict(zip(columns, values)) for values in fetched[:max_rows]]
    logger.info("SQL %.1f ms, %d rows: %s", seconds * 1000, len(rows), " ".join(query.split()))
    return QueryResult(query, columns, rows, truncated=len(fetched) > max_rows, seconds=seconds)
