"""Parsing on this machine's cores (本机并行): one process per document, or this process for one.

Workers come from a ``forkserver``: a clean process that imported the parser
once, so a worker starts in milliseconds and inherits no open database
connection or thread from the parent. Results come back as they finish.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Iterator, Sequence

import pyarrow as pa

from index.cluster.rows import FileInput, PublicationRows, RowsFailure, run_publication
from index.config import Settings

logger = logging.getLogger(__name__)

PRELOAD = ["index.cluster.rows", "index.parse.document", "index.read.pdf", "index.narrative.passages",
           "index.narrative.variances", "index.audit.narrative", "index.store.database", "pandas"]
Result = PublicationRows | RowsFailure


def available_cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class LocalRunner:
    """Runs ``run_publication`` here (one worker or one task) or in a pool of processes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = settings.ingest_workers or available_cores()
        self._pool: ProcessPoolExecutor | None = None

    def run(self, tasks: Sequence[Sequence[FileInput]]) -> Iterator[tuple[int, Result]]:
        """(task index, result) for every task, in the order they finish."""
        if self.workers <= 1 or len(tasks) <= 1:
            for i, files in enumerate(tasks):
                yield i, run_publication(files, self.settings)
            return
        pool = self._open_pool(min(self.workers, len(tasks)))
        futures = {pool.submit(run_publication, tasks[i], self.settings): i for i in largest_first(tasks)}
        for future in as_completed(futures):
            yield futures[future], _result(future, tasks[futures[future]])

    def tables(self, rows: PublicationRows) -> dict[str, pa.Table]:
        return rows.frames

    def finish(self, loaded: Sequence[PublicationRows]) -> None:
        """Nothing to tidy: the rows lived in memory."""

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _open_pool(self, workers: int) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                             initargs=(logging.getLogger().getEffectiveLevel(),))
            logger.info("parsing in %d processes", workers)
        return self._pool


def largest_first(tasks: Sequence[Sequence[FileInput]]) -> list[int]:
    """Task indexes, biggest files first: a long document started last would finish alone."""
    def size(files: Sequence[FileInput]) -> int:
        total = 0
        for file in files:
            try:
                total += Path(file.path).stat().st_size
            except OSError:
                pass
        return total

    return sorted(range(len(tasks)), key=lambda i: -size(tasks[i]))


def _result(future: Future, files: Sequence[FileInput]) -> Result:
    """The worker's result; a worker that died (killed, out of memory) fails its file only."""
    try:
        return future.result()
    except Exception as exc:
        name = Path(files[0].path).name
        logger.error("worker parsing %s died: %s", name, exc)
        return RowsFailure(f"{name}: 内部错误（解析进程意外退出：{type(exc).__name__}）", {})


def _init_worker(level: int) -> None:
    """Log from the worker as the parent does (warnings such as skipped scanned pages reach stderr)."""
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
