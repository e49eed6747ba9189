"""Which cell answers a concept, on cells laid out as templates print them (no document needed)."""
from __future__ import annotations

from assistant.engines.resolve import Resolver
from assistant.question.concepts import BY_KEY

DOC = "2026-预算-部门-甲市审计局"


class _Cells:
    """A connection that knows one document's cells (the rows of resolve.CELLS_SQL) and its year."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows
        self.result: list[tuple] = []

    def execute(self, sql: str, params: list) -> "_Cells":
        self.result = [(2026,)] if sql.startswith("SELECT year") else self.rows
        return self

    def fetchone(self):
        return self.result[0] if self.result else None

    def fetchall(self):
        return self.result


def _cell(table_id, kind, row, label, path, measure, value, panel=None):
    return (table_id, f"表{table_id}", kind, kind, row, label, panel, None, None, path, measure, value, 10 + row, 3)


INCOME_WITH_CARRYOVER_BY_FUND = [
    _cell(1, "summary", 0, "上年结转结余", "收入/预算数", "total", 120.0, "收入"),
    _cell(2, "income", 0, "合计", "合计", "total", 1120.0),
    _cell(2, "income", 0, "合计", "上年结转结余/小计", "total", 120.0),
    _cell(2, "income", 0, "合计", "上年结转结余/一般公共预算资金", "general_budget", 100.0),
    _cell(2, "income", 0, "合计", "上年结转结余/单位资金", "unit_funds", 20.0),
    _cell(2, "income", 0, "合计", "本年收入/一般公共预算资金", "general_budget", 900.0),
]


def test_one_funds_carryover_is_its_column_of_the_carryover_group_not_this_years_income():
    resolver = Resolver(_Cells(INCOME_WITH_CARRYOVER_BY_FUND))
    assert resolver.concept(BY_KEY["carryover"], DOC, False).value == 120.0
    general = resolver.concept(BY_KEY["carryover"], DOC, False, fund="general_budget")
    assert general.value == 100.0 and general.cells[0].column_path == "上年结转结余/一般公共预算资金"
