"""Parquet shards (分片): a document's rows as one Parquet file per table — what the Ray path writes and loads.

    <location>/<table>/<doc key>/<content key>.parquet

``doc key`` is a short hash of the doc_id (portable folder names), ``content
key`` the sha256 of the document's source file(s): a new version of a document
is a new file, and two workers never write the same one. After a run the
driver keeps the shards of the documents it loaded and removes the rest
(failed files, copies, parts superseded by their joined document, older
versions), so ``<location>/<table>/*/*.parquet`` holds the rows the Ray path
loaded, for any Parquet reader (DuckDB ``read_parquet``, Trino, Spark).
``location`` is a folder, or a pyarrow filesystem URI (s3://…, gs://…,
hdfs://…) that the driver and the workers share.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Sequence

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from index.cluster.rows import PublicationRows

logger = logging.getLogger(__name__)


def filesystem(location: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem of ``location`` and the base path inside it."""
    if "://" in location:
        return pafs.FileSystem.from_uri(location)
    return pafs.LocalFileSystem(), Path(location).resolve().as_posix()


def doc_key(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16]


def write_shards(rows: PublicationRows, location: str) -> dict[str, str]:
    """Write each table's rows of one document; returns table → shard path (inside ``location``'s filesystem)."""
    fs, base = filesystem(location)
    shards = {}
    for table, frame in rows.frames.items():
        folder = f"{base}/{table}/{doc_key(rows.doc_id)}"
        fs.create_dir(folder, recursive=True)
        path = f"{folder}/{rows.sha256[:32]}.parquet"
        partial = f"{path}.partial"
        pq.write_table(frame, partial, filesystem=fs)
        fs.move(partial, path)
        shards[table] = path
    return shards


def read_shards(shards: dict[str, str], location: str) -> dict[str, pa.Table]:
    fs, _ = filesystem(location)
    return {table: pq.read_table(path, filesystem=fs) for table, path in shards.items()}


def prune(location: str, written: Sequence[PublicationRows], loaded: Sequence[PublicationRows]) -> None:
    """Keep the shards of ``loaded``; remove the other shards written, and older versions of loaded documents."""
    fs, base = filesystem(location)
    keep = {path for rows in loaded for path in rows.shards.values()}
    stale = {path for rows in written for path in rows.shards.values()} - keep
    for rows in loaded:
        for table in rows.shards:
            folder = f"{base}/{table}/{doc_key(rows.doc_id)}"
            listed = fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
            stale.update(info.path for info in listed if info.type == pafs.FileType.File and info.path not in keep)
    for path in sorted(stale):
        try:
            fs.delete_file(path)
        except FileNotFoundError:
            pass
    logger.info("shards: %d kept, %d removed", len(keep), len(stale))
