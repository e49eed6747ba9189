"""The read-only SQL guard: one SELECT over the project's tables, bounded rows and time, no files."""
from __future__ import annotations

import threading

import duckdb
import pytest

from index.errors import QueryTimeoutError, SqlExecutionError, UnsafeSQLError
from assistant.engines.sql_guard import check_sql, connect_guarded, run_select

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
]


@pytest.mark.parametrize("sql, reason", REFUSED, ids=[r[0][:40] or "empty" for r in REFUSED])
def test_guard_refuses_each_forbidden_statement_with_its_message(sql, reason):
    with pytest.raises(UnsafeSQLError) as caught:
        check_sql(sql)
    assert caught.value.user_message == f"拒绝执行该 SQL：{reason}"


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
])
def test_guard_accepts_plain_selects_and_drops_the_trailing_semicolon(sql):
    assert check_sql(sql) == sql.strip().rstrip(";")


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "guard.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE cells AS SELECT range AS value FROM range(5000)")
    return path


def test_guarded_connection_blocks_file_access_even_past_the_parser(database, tmp_path):
    connection = connect_guarded(database)
    with pytest.raises(duckdb.Error):
        connection.execute(f"COPY cells TO '{tmp_path / 'out.csv'}'")
    with pytest.raises(duckdb.Error):
        connection.execute("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        connection.execute("SET enable_external_access = true")
    assert not (tmp_path / "out.csv").exists()


def test_rows_are_bounded_and_marked_truncated(database):
    result = run_select(connect_guarded(database), "SELECT value FROM cells ORDER BY value", max_rows=10)
    assert [r["value"] for r in result.rows] == list(range(10))
    assert result.truncated


def test_a_slow_query_is_interrupted_with_a_timeout_error(database):
    slow = "SELECT count(*) FROM cells a, cells b, cells c WHERE hash(a.value * b.value + c.value) = 42"
    with pytest.raises(QueryTimeoutError) as caught:
        run_select(connect_guarded(database), slow, timeout_s=0.3)
    assert caught.value.user_message == "查询超过 0.3 秒，已中止"
    assert threading.active_count() < 5


def test_guarded_connection_coexists_with_a_plain_read_only_connection(database):
    from index.store.database import connect_read_only

    plain = connect_read_only(database)
    guarded = connect_guarded(database)
    assert run_select(guarded, "SELECT count(*) AS n FROM cells").rows == [{"n": 5000}]
    assert plain.execute("SELECT count(*) FROM cells").fetchone() == (5000,)
