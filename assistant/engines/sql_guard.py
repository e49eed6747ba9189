"""The read-only SQL guard (只读查询守卫): one SELECT, known tables, bounded rows and time.

Two layers, so a gap in one is covered by the other:

1. ``check_sql`` parses the text with DuckDB's own parser
   (``duckdb.extract_statements`` for the statement kind, ``json_serialize_sql``
   for the tree) and refuses anything but a single SELECT over the project's
   tables and views: no table functions (``read_csv``, ``glob``…), no file
   paths in FROM, no other catalogs.
2. ``connect_guarded`` attaches the database read-only with external access,
   extension auto-install/auto-load off and the configuration locked, and
   ``run_select`` interrupts a query from a timer (DuckDB has no statement
   timeout) and fetches at most ``max_rows`` rows.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import duckdb

from index.errors import DatabaseUnavailableError, QueryTimeoutError, SqlExecutionError, UnsafeSQLError

logger = logging.getLogger(__name__)

QUERYABLE = frozenset({
    "documents", "source_files", "tables", "cells", "sections", "passages",
    "expenditure_by_function", "basic_by_economic", "projects", "three_public_items",
    "carryover_items", "income_by_source", "variances", "budget_execution", "audit_findings",
})
REFUSED_FUNCTIONS = frozenset({"getenv", "current_setting", "query", "query_table"})
INSTANCE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
LOCKED_CONFIG = {**INSTANCE_CONFIG, "enable_external_access": False, "lock_configuration": True}
LOCK_STATEMENTS = ("SET enable_external_access = false", "SET lock_configuration = true")


@dataclass(frozen=True)
class QueryResult:
    """Rows of one guarded SELECT; ``truncated`` when more than ``max_rows`` existed."""

    sql: str
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False
    seconds: float = 0.0


def check_sql(sql: str, connection: duckdb.DuckDBPyConnection | None = None) -> str:
    """Return the single SELECT statement of ``sql`` (trailing ``;`` removed) or raise UnsafeSQLError.

    ``connection`` (a guarded one) serializes the parse tree; without it a scratch in-memory database does.
    """
    text = (sql or "").strip()
    if not text:
        raise UnsafeSQLError("没有 SQL 语句")
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
    _check_tree(query, connection)
    return query


def connect_guarded(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot reach files, the network or extensions.

    The database file is attached READ_ONLY to a private in-memory instance, then
    external access is switched off and the configuration locked. A private
    instance keeps these settings off the plain read-only connections other
    parts of the same process open on the file (DuckDB refuses two
    configurations for one file in one process).
    """
    path = Path(path)
    if not path.exists():
        raise DatabaseUnavailableError(str(path), "文件不存在")
    connection = duckdb.connect(":memory:", config=dict(INSTANCE_CONFIG))
    try:
        connection.execute("ATTACH ? AS budget (READ_ONLY)", [str(path)])
        connection.execute("USE budget")
        for statement in LOCK_STATEMENTS:
            connection.execute(statement)
    except duckdb.Error as exc:
        connection.close()
        reason = "正被其他进程占用" if "lock" in str(exc).lower() else _first_line(exc)
        raise DatabaseUnavailableError(str(path), reason) from exc
    return connection


def run_select(connection: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
               max_rows: int = 1000, timeout_s: float = 5.0) -> QueryResult:
    """Check ``sql``, run it with a timer that interrupts it, fetch at most ``max_rows`` rows."""
    import time

    query = check_sql(sql, connection)
    timer = threading.Timer(timeout_s, connection.interrupt)
    started = time.perf_counter()
    timer.start()
    try:
        cursor = connection.execute(query, params or [])
        columns = [d[0] for d in cursor.description or []]
        fetched = cursor.fetchmany(max_rows + 1)
    except duckdb.InterruptException as exc:
        raise QueryTimeoutError(timeout_s) from exc
    except duckdb.Error as exc:
        if time.perf_counter() - started >= timeout_s:
            raise QueryTimeoutError(timeout_s) from exc
        raise SqlExecutionError(_first_line(exc)) from exc
    finally:
        timer.cancel()
    seconds = time.perf_counter() - started
    rows = [dict(zip(columns, values)) for values in fetched[:max_rows]]
    logger.info("SQL %.1f ms, %d rows: %s", seconds * 1000, len(rows), " ".join(query.split()))
    return QueryResult(query, columns, rows, truncated=len(fetched) > max_rows, seconds=seconds)


def _check_tree(query: str, connection: duckdb.DuckDBPyConnection | None) -> None:
    """Walk DuckDB's parse tree: only known tables/views and CTE names, no table functions."""
    if connection is None:
        with duckdb.connect(":memory:", config=dict(LOCKED_CONFIG)) as scratch:
            serialized = scratch.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0]
    else:
        serialized = connection.execute("SELECT json_serialize_sql(?)", [query]).fetchone()[0]
    tree = json.loads(serialized)
    if tree.get("error"):
        raise UnsafeSQLError(f"只允许普通的 SELECT 查询（{tree.get('error_message', '无法分析')}）")
    ctes = {name for node in _nodes(tree) for name in _cte_names(node)}
    for node in _nodes(tree):
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise UnsafeSQLError(f"不允许读取文件或调用表函数 {name}()")
        if kind == "BASE_TABLE":
            name = node.get("table_name", "")
            if node.get("catalog_name") or node.get("schema_name") not in ("", "main"):
                raise UnsafeSQLError(f"不允许访问其他数据库或模式：{name}")
            if name.lower() not in QUERYABLE and name.lower() not in ctes:
                raise UnsafeSQLError(f"未知的表 {name}（可查询：{', '.join(sorted(QUERYABLE))}）")
        if node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in REFUSED_FUNCTIONS:
            raise UnsafeSQLError(f"不允许调用函数 {node['function_name']}()")


def _nodes(value: Any) -> Iterator[dict]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)


def _cte_names(node: dict) -> list[str]:
    cte_map = node.get("cte_map")
    if not isinstance(cte_map, dict):
        return []
    return [entry.get("key", "").lower() for entry in cte_map.get("map", [])]


def _keyword(query: str) -> str:
    words = query.split()
    first = words[0].upper() if words else "?"
    if first in ("COPY", "EXPORT", "IMPORT", "CREATE", "ALTER") and len(words) > 1 and first != "COPY":
        return f"{first} {words[1].upper()}"
    return first


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
