"""Reading the stored audit findings back (for the CLI's ``audit`` command and the app's 核对 page)."""
from __future__ import annotations

import duckdb
import pandas as pd

from index.audit.findings import COLUMNS
from index.errors import AuditUnavailableError

_SELECT = f"SELECT {', '.join('f.' + c for c in COLUMNS)} FROM audit_findings f JOIN documents d USING (doc_id)"


def read_findings(connection: duckdb.DuckDBPyConnection, doc: str | None = None) -> pd.DataFrame:
    """Stored findings, all documents or one (doc_id, or part of its department name), in order."""
    try:
        if doc:
            frame = connection.execute(
                f"{_SELECT} WHERE f.doc_id = ? OR d.department LIKE '%' || ? || '%' ORDER BY f.doc_id, f.seq",
                [doc, doc]).df()
        else:
            frame = connection.execute(f"{_SELECT} ORDER BY f.doc_id, f.seq").df()
    except duckdb.CatalogException as exc:
        raise AuditUnavailableError("数据库中没有 audit_findings 表，请重新载入文件（python -m assistant ingest …）") from exc
    if frame.empty:
        raise AuditUnavailableError(f"没有与“{doc}”对应的文件" if doc else "数据库中还没有核对结果，请重新载入文件")
    return frame
