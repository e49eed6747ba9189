"""The answer contract: what ``Assistant.ask`` returns and ``ask --json`` prints."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Route = Literal["sql", "passages", "both", "none"]
CheckStatus = Literal["match", "mismatch", "unverified", "computed"]


@dataclass(frozen=True)
class Citation:
    """A quoted passage: document title, section, the quoted text and its lines ("12-15")."""

    doc: str
    title: str
    section: str
    text: str
    lines: str
    page: int | None = None


@dataclass(frozen=True)
class NumberCheck:
    """One number stated in the answer, checked against the tables.

    ``status``: match (found in a table cell), mismatch (the table says
    otherwise: ``expected`` holds the table's value), unverified (no table
    cell to compare with), computed (derived by the formula in ``source``).
    """

    value: float
    unit: str
    status: CheckStatus
    source: str
    expected: float | None = None


@dataclass
class Answer:
    question: str
    route: Route
    answer: str
    sql: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    checks: list[NumberCheck] = field(default_factory=list)
    reason: str = ""  # why the router chose this route

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
