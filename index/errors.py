"""Every error with a message for the user, in one tree (错误).

    BudgetError                      base: ``user_message`` is safe to show to a person
    ├── UnreadableDocumentError      empty, binary, undecodable or oversized file
    ├── UnsupportedDocumentError     readable, but not a budget disclosure
    ├── DocumentParseError           a budget disclosure with a defect at a line
    ├── DocumentConflictError        two files claim the same document but disagree
    ├── DatabaseUnavailableError     the database file is missing, locked or damaged
    ├── DatabaseMissingError         no database and no documents to build it from
    ├── IndexMissingError            no narrative index built yet
    ├── EmbeddingModelError          the configured embedding model cannot be loaded
    ├── ClusterUnavailableError      the Ray path is asked for but Ray is missing or unreachable
    ├── AuditUnavailableError        no audit findings for what was asked
    ├── SettingError                 a BUDGET_* environment variable that cannot be read
    ├── InvalidQuestionError         a question too long, or not valid text
    ├── UnsafeSQLError               a statement the read-only guard refuses
    ├── SqlExecutionError            a permitted statement that fails when run
    ├── QueryTimeoutError            a query stopped after the time limit
    └── QueryMemoryError             a query stopped at the memory limit

Foreign exceptions are mapped to these once, at the edge (``raise … from exc``);
the CLI and the app show ``user_message`` and log anything else.
"""
from __future__ import annotations

from pathlib import Path


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


class DatabaseUnavailableError(BudgetError):
    """The database file cannot be opened: missing, locked by another process, or damaged."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: 无法打开数据库（{reason}）")
        self.path = path
        self.reason = reason


class DatabaseMissingError(BudgetError):
    def __init__(self, data_dir: str) -> None:
        super().__init__(f"{data_dir} 中没有数据库，也没有可载入的文件")
        self.data_dir = data_dir


class IndexMissingError(BudgetError):
    """No narrative index has been built yet (run ingestion first)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"尚未建立段落索引（{path}），请先载入文件")
        self.path = path


class IndexUnavailableError(BudgetError):
    """The narrative index cannot be written now: another process is writing it, or the disk refused."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"段落索引暂不可用（{path}：{reason}）")
        self.path = path
        self.reason = reason


class EmbeddingModelError(BudgetError):
    """The configured embedding model cannot be loaded."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"无法加载向量模型 {name}（{reason}）")
        self.name = name
        self.reason = reason


class ClusterUnavailableError(BudgetError):
    """The Ray path was asked for (``BUDGET_RAY_ADDRESS`` / ``ingest --ray``) but Ray is missing or unreachable."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"无法使用 Ray 集群 {address}（{reason}）")
        self.address = address
        self.reason = reason


class AuditUnavailableError(BudgetError):
    """The database holds no audit findings (loaded before audits existed, or no such document)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"没有核对结果：{reason}")
        self.reason = reason


class SettingError(BudgetError):
    """A ``BUDGET_*`` environment variable whose value is not of the setting's type."""

    def __init__(self, variable: str, value: str, expected: str) -> None:
        super().__init__(f"环境变量 {variable} 的值 {value!r} 无效：应为{expected}")
        self.variable = variable
        self.value = value
        self.expected = expected


class InvalidQuestionError(BudgetError):
    """A question the assistant does not try to answer: too long, or not valid text."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"无法回答该问题：{reason}")
        self.reason = reason


class UnsafeSQLError(BudgetError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"拒绝执行该 SQL：{reason}")
        self.reason = reason


class SqlExecutionError(BudgetError):
    """A read-only statement the guard accepts, which DuckDB then cannot run (a typo, a type error)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"SQL 执行失败：{reason}")
        self.reason = reason


class QueryTimeoutError(BudgetError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"查询超过 {seconds:g} 秒，已中止")
        self.seconds = seconds


class QueryMemoryError(BudgetError):
    def __init__(self, limit_mb: int) -> None:
        super().__init__(f"查询所需内存超过 {limit_mb} MB 上限，已中止")
        self.limit_mb = limit_mb
