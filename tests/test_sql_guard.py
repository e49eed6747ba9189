"""The read-only SQL guard: one SELECT over the project's tables, bounded rows, time and memory, no files."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from index.errors import QueryMemoryError, QueryTimeoutError, SqlExecutionError, UnsafeSQLError
from assistant.engines.sql_guard import check_sql, connect_guarded, unique_columns
from assistant.engines.sql_sandbox import SqlSandbox

REFUSED = [
    ("INSERT INTO cells (doc_id) VALUES ('x')", "只允许只读的 SELECT 查询，不允许 INSERT"),
    ("UPDATE cells SET value = 0", "只允许只读的 SELECT 查询，不允许 UPDATE"),
    ("DELETE FROM cells", "只允许只读的 SELECT 查询，不允许 DELETE"),
    ("CREATE TABLE x (a INTEGER)", "只允许只读的 SELECT 查询，不允许 CREATE TABLE"),
    ("CREATE TABLE x AS SELECT * FROM cells", "只允许只读的 SELECT 查询，不允许 CREATE TABLE"),
    ("DROP TABLE cells", "只允许只读的 SELECT 查询，不允许 DROP"),
    ("ATTACH '/tmp/other.duckdb' AS other", "只允许只读的 SELECT 查询，不允许 ATTACH"),
    ("COPY cells TO '/tmp/cells.csv'", "只允许只读的 SELECT 查询，不允许 COPY"),
    ("COPY (SELECT * FROM cells) TO '/tmp/cells.parquet' (FORMAT parquet)", "只允许只读的 SELECT 查询，不允许 COPY"),
    ("EXPORT DATABASE '/tmp/dump'", "只允许只读的 SELECT 查询，不允许 EXPORT DATABASE"),
    ("INSTALL httpfs", "只允许只读的 SELECT 查询，不允许 INSTALL"),
    ("LOAD httpfs", "只允许只读的 SELECT 查询，不允许 LOAD"),
    ("PRAGMA database_list", "只允许只读的 SELECT 查询，不允许 PRAGMA"),
    ("SET enable_external_access = true", "只允许只读的 SELECT 查询，不允许 SET"),
    ("CALL pragma_version()", "只允许只读的 SELECT 查询，不允许 CALL"),
    ("SELECT 1; SELECT 2", "一次只能执行一条语句（收到 2 条）"),
    ("SELECT 1; DROP TABLE cells", "一次只能执行一条语句（收到 2 条）"),
    ("SELECT * FROM read_csv('/etc/passwd')", "不允许读取文件或调用表函数 read_csv()"),
    ("SELECT * FROM glob('*')", "不允许读取文件或调用表函数 glob()"),
    ("SELECT * FROM cells WHERE doc_id IN (SELECT file FROM glob('/etc/*'))", "不允许读取文件或调用表函数 glob()"),
    ("SELECT getenv('HOME')", "不允许调用函数 getenv()"),
    ("SELECT * FROM other.main.cells", "不允许访问其他数据库或模式：cells"),
    ("", "没有 SQL 语句"),
    ("SHOW TABLES", "不允许 SHOW / DESCRIBE / SUMMARIZE"),
    ("DESCRIBE cells", "不允许 SHOW / DESCRIBE / SUMMARIZE"),
    ("SUMMARIZE duckdb_databases", "不允许 SHOW / DESCRIBE / SUMMARIZE"),
    ("SELECT * FROM (SHOW ALL TABLES)", "不允许 SHOW / DESCRIBE / SUMMARIZE"),
    ("SELECT " + "abs(" * 400 + "1" + ")" * 400, "只允许普通的 SELECT 查询（表达式嵌套超过 100 层）"),
    ("SELECT '\udcff'", "含有无法识别的字符（不是有效的 UTF-8 文本）"),
    ("SELECT 1" + " UNION ALL SELECT 1" * 6000, "语句过长（114008 个字符，最多 100000 个）"),
]
UNKNOWN = "未知的表 {}（可查询：" + ", ".join(sorted([
    "documents", "source_files", "tables", "cells", "sections", "passages", "expenditure_by_function",
    "basic_by_economic", "projects", "three_public_items", "carryover_items", "income_by_source", "variances",
    "budget_execution", "audit_findings"])) + "）"
# A WITH name stands for a table only inside its own query: these reach DuckDB's catalogs (the database path).
OUT_OF_SCOPE = [
    ("SELECT * FROM (WITH duckdb_databases AS (SELECT 1) SELECT 1) s, duckdb_databases", "duckdb_databases"),
    ("SELECT * FROM (WITH duckdb_tables AS (SELECT 1) SELECT 1) s, duckdb_tables", "duckdb_tables"),
    ("SELECT * FROM cells WHERE EXISTS (WITH pragma_database_list AS (SELECT 1) SELECT 1) "
     "UNION ALL SELECT * FROM pragma_database_list", "pragma_database_list"),
    ("WITH duckdb_databases AS (SELECT * FROM duckdb_databases) SELECT * FROM duckdb_databases", "duckdb_databases"),
    ("WITH a AS (SELECT * FROM duckdb_settings), duckdb_settings AS (SELECT 1) SELECT * FROM a", "duckdb_settings"),
    ("WITH RECURSIVE duckdb_tables AS (SELECT * FROM duckdb_tables UNION ALL SELECT * FROM duckdb_tables) "
     "SELECT 1", "duckdb_tables"),
]


@pytest.mark.parametrize("sql, reason", REFUSED, ids=[r[0][:40] or "empty" for r in REFUSED])
def test_guard_refuses_each_forbidden_statement_with_its_message(sql, reason):
    with pytest.raises(UnsafeSQLError) as caught:
        check_sql(sql)
    assert caught.value.user_message == f"拒绝执行该 SQL：{reason}"


@pytest.mark.parametrize("sql, table", OUT_OF_SCOPE, ids=[t for _, t in OUT_OF_SCOPE])
def test_a_with_name_does_not_hide_a_catalog_outside_its_own_query(sql, table):
    with pytest.raises(UnsafeSQLError) as caught:
        check_sql(sql)
    assert caught.value.user_message == "拒绝执行该 SQL：" + UNKNOWN.format(table)


def test_guard_refuses_a_file_path_used_as_a_table():
    with pytest.raises(UnsafeSQLError) as caught:
        check_sql("SELECT * FROM '/etc/passwd'")
    assert caught.value.user_message.startswith("拒绝执行该 SQL：未知的表 /etc/passwd（可查询：")


@pytest.mark.parametrize("sql", [
    "SELECT * FROM cells LIMIT 1",
    "select doc_id, sum(value) from cells group by doc_id;",
    "WITH t AS (SELECT * FROM expenditure_by_function) SELECT subject_name FROM t",
    "FROM documents",
    "SELECT 1 UNION ALL SELECT 2",
    "WITH t AS (SELECT * FROM cells) SELECT * FROM t UNION ALL SELECT * FROM t",
    "WITH t AS (SELECT * FROM cells), u AS (SELECT * FROM t) SELECT * FROM u WHERE value IN (SELECT value FROM t)",
    "SELECT * FROM (WITH t AS (SELECT * FROM cells) SELECT * FROM t) s JOIN cells USING (value)",
    "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t",
    "SELECT * FROM (VALUES (1), (2)) v(x)",
])
def test_guard_accepts_plain_selects_and_drops_the_trailing_semicolon(sql):
    assert check_sql(sql) == sql.strip().rstrip(";")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("guard") / "guard.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE cells AS SELECT range AS value FROM range(5000)")
    return path


@pytest.fixture(scope="module")
def sandbox(database):
    with SqlSandbox(database, max_rows=10, timeout_s=1.0) as sandbox:
        yield sandbox


def test_guarded_connection_blocks_file_access_even_past_the_parser(database, tmp_path):
    connection = connect_guarded(database)
    with pytest.raises(duckdb.Error):
        connection.execute(f"COPY cells TO '{tmp_path / 'out.csv'}'")
    with pytest.raises(duckdb.Error):
        connection.execute("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        connection.execute("SET enable_external_access = true")
    assert not (tmp_path / "out.csv").exists()


def test_guarded_connection_has_a_memory_limit_and_never_spills_to_disk(database):
    connection = connect_guarded(database, memory_mb=256)
    settings = connection.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    assert settings == ("244.1 MiB", "")  # 256 MB
    connection.close()


def test_rows_are_bounded_and_marked_truncated(sandbox):
    result = sandbox.select("SELECT value FROM cells ORDER BY value")
    assert [r["value"] for r in result.rows] == list(range(10))
    assert result.truncated


def test_repeated_column_names_keep_every_value(sandbox):
    result = sandbox.select("SELECT 1 AS a, 2 AS a, 3 AS a_1")
    assert result.columns == ["a", "a_2", "a_1"]
    assert result.rows == [{"a": 1, "a_2": 2, "a_1": 3}]
    assert unique_columns(["x", "x", "x"]) == ["x", "x_1", "x_2"]


FAILURES = [  # one exact message per kind of failure
    ("DROP TABLE cells", UnsafeSQLError, "拒绝执行该 SQL：只允许只读的 SELECT 查询，不允许 DROP"),
    ("SELECT nosuch FROM cells", SqlExecutionError,
     'SQL 执行失败：Binder Error: Referenced column "nosuch" not found in FROM clause!'),
    ("SELECT repeat('x', 2000000000)", QueryMemoryError, "查询所需内存超过 1024 MB 上限，已中止"),
    # one call DuckDB cannot interrupt (13 s on this machine): the query process is killed at the limit
    ("SELECT levenshtein(repeat('ab', 40000), repeat('ba', 40000))", QueryTimeoutError, "查询超过 1 秒，已中止"),
]


@pytest.mark.parametrize("sql, error, message", FAILURES, ids=[e.__name__ for _, e, _ in FAILURES])
def test_each_kind_of_failure_has_its_own_message(sandbox, sql, error, message):
    with pytest.raises(error) as caught:
        sandbox.select(sql)
    assert caught.value.user_message == message


def test_a_killed_query_process_is_replaced_for_the_next_query(sandbox):
    with pytest.raises(QueryTimeoutError):
        sandbox.select("SELECT count(*) FROM cells a, cells b, cells c WHERE hash(a.value * b.value + c.value) = 42")
    assert sandbox.select("SELECT count(*) AS n FROM cells").rows == [{"n": 5000}]


def test_closing_the_sandbox_ends_its_query_process(database):
    sandbox = SqlSandbox(database)
    sandbox.select("SELECT 1")
    child = sandbox._child
    sandbox.close()
    assert child.poll() is not None


HOSTILE = [
    "SELECT list_sum(range(1000000000))",
    "SELECT repeat('x', 2000000000)",
    "SELECT string_agg(repeat('x', 100000000), ',') FROM cells",
]
MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from assistant.engines.sql_sandbox import SqlSandbox
    from index.config import Settings
    from index.errors import BudgetError

    settings = Settings.from_env({})
    sandbox = SqlSandbox(sys.argv[1], settings.sql_max_rows, settings.sql_timeout_s, settings.sql_memory_mb)
    sandbox.select("SELECT 1")
    outcomes = []
    for sql in json.loads(sys.argv[2]):
        started = time.perf_counter()
        try:
            sandbox.select(sql)
            message = None
        except BudgetError as exc:
            message = exc.user_message
        outcomes.append((message, time.perf_counter() - started))
    sandbox.close()
    peak = [resource.getrusage(who).ru_maxrss // 1024 for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    print(json.dumps({"outcomes": outcomes, "peak_mb": peak}))
""")


def test_statements_that_ignore_interrupts_end_with_a_message_within_bounded_time_and_memory(database):
    """The default limits (5 s, 1024 MB) hold for calls DuckDB cannot interrupt: measured in a fresh process."""
    from conftest import ROOT

    done = subprocess.run([sys.executable, "-c", MEASURE, str(database), json.dumps(HOSTILE)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for sql, (message, seconds) in zip(HOSTILE, report["outcomes"]):
        assert message in ("查询所需内存超过 1024 MB 上限，已中止", "查询超过 5 秒，已中止"), sql
        assert seconds < 10, sql
    parent_mb, query_process_mb = report["peak_mb"]
    assert parent_mb < 2048 and query_process_mb < 2048


def test_a_sandbox_dropped_without_closing_ends_its_query_process(database):
    import gc

    sandbox = SqlSandbox(database)
    child = sandbox._child
    del sandbox
    gc.collect()
    assert child.poll() is not None
