"""Errors raised while reading, parsing and loading documents.

    BudgetError                      every error with a message for the user
    ├── UnreadableDocumentError      empty, binary, undecodable or oversized file
    ├── UnsupportedDocumentError     readable, but not a budget disclosure we know
    ├── DocumentParseError           a budget disclosure with a defect at a line
    └── DocumentConflictError        two files claim the same document but disagree

The answering side adds its own subclasses of BudgetError (assistant/errors.py).
"""
from __future__ import annotations


class BudgetError(Exception):
    """Base class: ``user_message`` is safe to show to a person."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class UnreadableDocumentError(BudgetError):
    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: 无法读取（{reason}）")
        self.file = file
        self.reason = reason


class UnsupportedDocumentError(BudgetError):
    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: 不是可识别的部门预算/决算公开文件（{reason}）")
        self.file = file
        self.reason = reason


class DocumentParseError(BudgetError):
    def __init__(self, file: str, line: int | None, reason: str) -> None:
        where = f"第 {line} 行" if line is not None else "文件"
        super().__init__(f"{file}: {where}解析失败：{reason}")
        self.file = file
        self.line = line
        self.reason = reason


class DocumentConflictError(BudgetError):
    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: 与已载入的同一文件冲突（{reason}）")
        self.file = file
        self.reason = reason
