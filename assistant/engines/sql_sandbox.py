"""The query sandbox (查询子进程): guarded SELECTs run in a child process that can be killed.

DuckDB interrupts most operators, but not a single long function call
(``repeat('x', 2000000000)``, ``levenshtein`` over long strings…): a timer in
the same process cannot stop those. So every checked statement runs in one
persistent child (``python -m assistant.engines.sql_sandbox``), started once
per ``SqlSandbox``:

- time: the parent waits ``timeout_s`` for the answer, then kills the child
  (``QueryTimeoutError``); the next query starts a new one;
- memory: the child's DuckDB has ``memory_limit`` and no spilling, and its
  address space is capped at its size after start-up plus ``memory_mb``, so an
  allocation past the cap fails there (``QueryMemoryError``), never here;
- rows: at most ``max_rows`` (+1 to tell truncation), and at most
  ``MAX_RESULT_MB`` of them cross the pipe.

Messages are length-prefixed pickles over the child's stdin and a private
copy of its stdout (the real fd 1 goes to /dev/null, so nothing DuckDB prints
can corrupt a frame). The parent unpickles only what its own child wrote:
values DuckDB returned.
"""
from __future__ import annotations

import logging
import os
import pickle
import resource
import select
import struct
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, BinaryIO

import duckdb

from assistant.engines.sql_guard import (
    DEFAULT_MEMORY_MB, QueryResult, check_sql, connect_checker, connect_guarded, unique_columns,
)
from index.errors import (
    BudgetError, DatabaseUnavailableError, QueryMemoryError, QueryTimeoutError, SqlExecutionError,
)

logger = logging.getLogger(__name__)

HEADER = struct.Struct("!Q")
MAX_RESULT_MB = 64
START_TIMEOUT_S = 30.0
ROOT = Path(__file__).resolve().parents[2]


class SqlSandbox:
    """Runs checked SELECTs over ``path`` in a killable child process, one at a time."""

    def __init__(self, path: Path | str, max_rows: int = 1000, timeout_s: float = 5.0,
                 memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        self.path = Path(path).resolve()
        if not self.path.exists():
            raise DatabaseUnavailableError(str(path), "文件不存在")
        self.max_rows = max_rows
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._checker = connect_checker()
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._ready = False
        self._finalizer: weakref.finalize | None = None
        self._start()  # boots while the caller loads its catalog

    def select(self, sql: str) -> QueryResult:
        """Check ``sql``, run it in the child, return at most ``max_rows`` rows (typed errors only)."""
        with self._lock:
            query = check_sql(sql, self._checker)
            child = self._ready_child()
            started = time.perf_counter()
            try:
                _send(child.stdin, (query, self.max_rows))
                reply = _receive(child.stdout.fileno(), started + self.timeout_s)
            except (TimeoutError, OSError, EOFError) as exc:
                self._stop()
                if isinstance(exc, TimeoutError):
                    raise QueryTimeoutError(self.timeout_s) from exc
                raise SqlExecutionError("执行查询的进程意外退出") from exc
        seconds = time.perf_counter() - started
        status, *payload = reply
        if status == "memory":
            raise QueryMemoryError(self.memory_mb)
        if status == "too large":
            raise SqlExecutionError(f"结果超过 {MAX_RESULT_MB} MB，请减少行或列")
        if status == "failed":
            raise SqlExecutionError(payload[0])
        names, values, truncated = payload
        columns = unique_columns(names)
        rows = [dict(zip(columns, row)) for row in values]
        logger.info("SQL %.1f ms, %d rows: %s", seconds * 1000, len(rows), " ".join(query.split()))
        return QueryResult(query, columns, rows, truncated=truncated, seconds=seconds)

    def close(self) -> None:
        """Stop the child (it holds a read lock on the database file) and the checker."""
        with self._lock:
            self._stop()
            self._checker.close()

    def __enter__(self) -> "SqlSandbox":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _start(self) -> None:
        paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.path), str(self.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))},
        )
        self._ready = False
        self._finalizer = weakref.finalize(self, _kill, self._child)  # also when dropped unclosed, or at exit

    def _ready_child(self) -> subprocess.Popen:
        if self._child is None:
            self._start()
        if not self._ready:
            try:
                status, *detail = _receive(self._child.stdout.fileno(), time.perf_counter() + START_TIMEOUT_S)
            except (TimeoutError, OSError, EOFError) as exc:
                self._stop()
                raise DatabaseUnavailableError(str(self.path), "查询进程未能启动") from exc
            if status != "ready":
                self._stop()
                raise DatabaseUnavailableError(str(self.path), detail[0])
            self._ready = True
        return self._child

    def _stop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._child, self._ready, self._finalizer = None, False, None


def _kill(child: subprocess.Popen) -> None:
    child.kill()
    child.wait()
    child.stdin.close()
    child.stdout.close()


def _send(stream: BinaryIO, message: Any) -> None:
    _send_bytes(stream, pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _send_bytes(stream: BinaryIO, data: bytes) -> None:
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(fd: int, deadline: float | None) -> Any:
    """One frame from ``fd`` before ``deadline`` (TimeoutError); EOFError when the writer is gone."""
    (size,) = HEADER.unpack(_read(fd, HEADER.size, deadline))
    return pickle.loads(_read(fd, size, deadline))


def _read(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    poller = select.poll()  # not select.select: a long-running app may hold file descriptors past 1024
    poller.register(fd, select.POLLIN)
    while missing:
        if deadline is not None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                raise TimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- the child


def serve(path: str, memory_mb: int) -> int:
    """The child's loop: answer (query, max_rows) requests on stdin until it closes."""
    replies = os.fdopen(os.dup(1), "wb")
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        connection = connect_guarded(path, memory_mb=memory_mb, threads=1)
    except BudgetError as exc:
        _send(replies, ("unavailable", getattr(exc, "reason", exc.user_message)))
        return 1
    _cap_address_space(memory_mb)
    _send(replies, ("ready",))
    while True:
        try:
            query, max_rows = _receive(0, None)
        except EOFError:
            return 0
        _send_bytes(replies, _run(connection, query, max_rows))


def _run(connection: duckdb.DuckDBPyConnection, query: str, max_rows: int) -> bytes:
    """The pickled reply: ("rows", names, rows, truncated), ("memory",), ("too large",) or ("failed", why)."""
    try:
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description or []]
        fetched = cursor.fetchmany(max_rows + 1)
        data = pickle.dumps(("rows", names, fetched[:max_rows], len(fetched) > max_rows),
                            protocol=pickle.HIGHEST_PROTOCOL)
        reply = data if len(data) <= MAX_RESULT_MB << 20 else ("too large",)
    except (duckdb.OutOfMemoryException, MemoryError):
        reply = ("memory",)
    except duckdb.Error as exc:
        text = str(exc).strip()
        reply = ("failed", text.splitlines()[0] if text else type(exc).__name__)
    except (pickle.PicklingError, TypeError) as exc:
        reply = ("failed", f"结果无法传回（{type(exc).__name__}）")
    return reply if isinstance(reply, bytes) else pickle.dumps(reply)


def _cap_address_space(memory_mb: int) -> None:
    """Let the process grow by ``memory_mb`` beyond its size after start-up, not further."""
    with open("/proc/self/statm") as statm:
        size = int(statm.read().split()[0]) * resource.getpagesize()
    limit = size + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], int(sys.argv[2])))
