"""Parsing on a Ray cluster (集群并行): the same pure function, one Ray task per document.

``Settings.ray_address`` says where: ``local`` starts a Ray instance on this
machine (tests), ``auto`` joins one started with ``ray start``, ``ray://host:10001``
connects to a remote cluster. The driver ships each file's bytes with its task
(workers need no access to the driver's files) and the ``index`` package as a
``py_modules`` runtime environment (the cluster's Python needs requirements.txt
installed). Workers write Parquet shards to ``Settings.shard_location`` (see
shards.py), which the driver and workers must share, and return only what the
driver decides on; the driver loads the shards into DuckDB, one transaction
per document, as the single-machine ingest does.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Iterator, Sequence

import pyarrow as pa

import index
from index.cluster.local import Result, available_cores, largest_first
from index.cluster.rows import FileInput, PublicationRows, RowsFailure, run_publication
from index.cluster.shards import prune, read_shards, write_shards
from index.config import Settings
from index.errors import ClusterUnavailableError

logger = logging.getLogger(__name__)


def parse_to_shards(files: Sequence[FileInput], settings: Settings, location: str) -> Result:
    """The Ray task: rows of one publication, written as shards; only the summary travels back."""
    result = run_publication(files, settings)
    if isinstance(result, PublicationRows):
        result = replace(result, shards=write_shards(result, location), frames={})
    return result


class RayRunner:
    """Runs ``parse_to_shards`` as Ray tasks; the driver reads the shards back to load them."""

    def __init__(self, settings: Settings) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ClusterUnavailableError(settings.ray_address, "未安装 ray：pip install -r requirements-cluster.txt") from exc
        self._ray = ray
        self.settings = settings
        self.location = settings.shard_location
        self._started = False
        self._written: list[PublicationRows] = []

    def run(self, tasks: Sequence[Sequence[FileInput]]) -> Iterator[tuple[int, Result]]:
        """(task index, result) for every task, in the order they finish."""
        ray = self._ray
        self._connect()
        task = ray.remote(parse_to_shards)
        refs = {
            task.remote([self._shipped(file) for file in tasks[i]], self.settings, self.location): i
            for i in largest_first(tasks)
        }
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            i = refs[done[0]]
            try:
                result = ray.get(done[0])
            except Exception as exc:  # a task that crashed or a lost worker fails its file only
                name = Path(tasks[i][0].path).name
                logger.error("Ray task for %s failed: %s", name, exc)
                result = RowsFailure(f"{name}: 内部错误（Ray 任务失败：{type(exc).__name__}）", {})
            if isinstance(result, PublicationRows):
                self._written.append(result)
            yield i, result

    def tables(self, rows: PublicationRows) -> dict[str, pa.Table]:
        return read_shards(rows.shards, self.location)

    def finish(self, loaded: Sequence[PublicationRows]) -> None:
        prune(self.location, self._written, loaded)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False

    def _connect(self) -> None:
        ray = self._ray
        if ray.is_initialized():
            return
        address = self.settings.ray_address
        options: dict = {"runtime_env": {"py_modules": [str(Path(index.__file__).parent)]},
                         "logging_level": logging.WARNING}
        if address == "local":
            options.update(num_cpus=self.settings.ingest_workers or available_cores(), include_dashboard=False)
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterUnavailableError(address, str(exc)) from exc
        self._started = True
        logger.info("Ray: %s, %s CPUs", address, ray.cluster_resources().get("CPU"))

    def _shipped(self, file: FileInput) -> FileInput:
        """The file with its bytes, when this process can read them (else the worker reports what is wrong)."""
        path = Path(file.path)
        try:
            if path.is_file() and 0 < path.stat().st_size <= self.settings.max_file_mb * 1024 * 1024:
                return replace(file, data=path.read_bytes())
        except OSError:
            pass
        return file
