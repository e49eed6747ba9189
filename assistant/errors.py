"""Errors of the answering side; all are BudgetError with a user-facing message.

    BudgetError (index/errors.py)
    ├── UnsafeSQLError        a statement the read-only guard refuses
    ├── QueryTimeoutError     a query interrupted after the time limit
    └── DatabaseMissingError  no database and no documents to build it from
"""
from __future__ import annotations

from index.errors import BudgetError


class UnsafeSQLError(BudgetError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"拒绝执行该 SQL：{reason}")
        self.reason = reason


class QueryTimeoutError(BudgetError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"查询超过 {seconds:g} 秒，已中止")
        self.seconds = seconds


class DatabaseMissingError(BudgetError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(f"{data_dir} 中没有数据库，也没有可载入的文件")
        self.data_dir = data_dir
