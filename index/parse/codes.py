"""Classification subject codes (科目编码): 类/款/项 → one code, its level and system.

Functional codes (支出功能分类) start with 2: 类 205, 款 20508, 项 2050803.
Economic codes (支出经济分类) start with 3 or 5: 类 301, 款 30101.
Printed forms: three columns (205 | 08 | 03), one column (2050803, 20508),
a code before the name in one cell ("208 社会保障和就业支出").
"""
from __future__ import annotations

import re

from index.model import Subject, SubjectSystem

_PART = re.compile(r"^\d{2,7}$")
# 2xx functional, 3xx/5xx economic: "201 一般公共服务支出", "[301]工资福利支出", "【30101】基本工资"
_LEADING = re.compile(r"^(?:([235]\d{2}(?:\s?\d{2}){0,2})\s+|[\[【(（]([235]\d{2}(?:\d{2}){0,2})[\]】)）]\s*)(\S.*)$")
_LEVELS = {3: 1, 5: 2, 7: 3}
# 人员经费 = 工资福利支出 (301) + 对个人和家庭的补助 (303); 公用经费: the other classes of a basic expenditure
PERSONNEL_CLASSES = ("301", "303")
# The economic classes (支出经济分类 类) by their standard names, for tables that print no codes.
ECONOMIC_CLASSES = {
    "工资福利支出": "301", "商品和服务支出": "302", "对个人和家庭的补助": "303", "对个人和家庭补助": "303",
    "债务利息及费用支出": "307", "资本性支出(基本建设)": "309", "资本性支出": "310", "对企业补助(基本建设)": "311",
    "对企业补助": "312", "对社会保障基金补助": "313", "其他支出": "399",
}


def join_code(parts: list[str]) -> str | None:
    """'205','08','03' → '2050803'; '301 01' → '30101'; None when not a code."""
    digits = "".join(re.sub(r"\s+", "", p) for p in parts if p and p.strip())
    if not digits or not _PART.match(digits) or len(digits) not in _LEVELS:
        return None
    return digits


def system_of(code: str, economic_table: bool = False) -> SubjectSystem:
    """Economic when the table lists economic subjects or the code starts with 3/5."""
    if economic_table or code[0] in "35":
        return SubjectSystem.ECONOMIC
    return SubjectSystem.FUNCTIONAL


def make_subject(code: str, name: str = "", economic_table: bool = False) -> Subject:
    """Subject of a normalised code ('2050803' → level 3, functional)."""
    return Subject(code=code, level=_LEVELS[len(code)], system=system_of(code, economic_table), name=name)


def split_leading_code(label: str) -> tuple[str | None, str]:
    """'201 一般公共服务支出' → ('201', '一般公共服务支出'); no code → (None, label)."""
    match = _LEADING.match(label.strip())
    if not match:
        return None, label.strip()
    code = join_code([match.group(1) or match.group(2)])
    return (code, match.group(3).strip()) if code else (None, label.strip())
