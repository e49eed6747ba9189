"""Running the parse step on many cores or machines (并行解析).

    rows.py        one publication's files → the rows of every table (the pure function)
    local.py       this machine: one process per document (forkserver pool), or in-process
    ray_runner.py  a Ray cluster: one task per document, rows written as Parquet shards
    shards.py      the Parquet shard layout, read back by the driver for DuckDB

index/ingest.py decides what to parse and loads the rows, one transaction per
document; a runner only turns files into rows.
"""
from __future__ import annotations

from typing import Iterator, Protocol, Sequence

import pyarrow as pa

from index.cluster.rows import FileInput, PublicationRows, RowsFailure
from index.config import Settings


class Runner(Protocol):
    def run(self, tasks: Sequence[Sequence[FileInput]]) -> Iterator[tuple[int, PublicationRows | RowsFailure]]: ...

    def tables(self, rows: PublicationRows) -> dict[str, pa.Table]: ...

    def finish(self, loaded: Sequence[PublicationRows]) -> None: ...

    def close(self) -> None: ...


def open_runner(settings: Settings) -> Runner:
    """Ray when ``settings.ray_address`` is set, else this machine's cores."""
    if settings.ray_address:
        from index.cluster.ray_runner import RayRunner

        return RayRunner(settings)
    from index.cluster.local import LocalRunner

    return LocalRunner(settings)
