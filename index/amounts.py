"""Amounts and their units (金额与单位): the one home of number parsing and of the tolerance.

Tables print numbers alone in a cell (the unit is the table's ``单位：元``);
narrative prints them with their unit ("352.67万元", "1.26亿元", "45.9%").
Both are read here, with thousands separators, full-width digits, parentheses
or a minus for negative amounts; money is compared in 万元.

One tolerance: a printed number stands for every value that rounds to it, so a
stated amount agrees with a cell when they differ by no more than half a unit of
the last printed digit (``rounding``) — 0.005 万元 for "352.67万元", 50 万元 for
"1.26亿元" — plus the same half unit on the cell's side when it was rounded too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import half_width_digits

UNIT_FACTORS = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "亿元": 10000.0}  # → 万元
MONEY_UNIT = "万元"
EPSILON = 1e-6  # float noise
ROUNDING_WAN = 0.005  # half a unit of the usual last digit (0.01 万元)
# A printed number: 2,103.50 / 2103.5 / 0; after ``half_width_digits``.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CELL = re.compile(rf"^(?P<sign>[-−–])?\s*(?P<number>{NUMBER})$|^[(（]\s*(?P<bracketed>{NUMBER})\s*[)）]$")
_CELL_PERCENT = re.compile(rf"^(?P<sign>[-−–])?\s*(?P<number>{NUMBER})\s*%$")
UNIT_PATTERN = "亿元|万元|千元|元"
_AMOUNT = re.compile(rf"(?<![\d.,])(?P<sign>[-−])?(?P<number>{NUMBER})\s*(?P<unit>{UNIT_PATTERN})")
_PERCENT = re.compile(rf"(?<![\d.,])(?P<sign>[-−])?(?P<number>{NUMBER})\s*%")
DASHES = frozenset({"-", "—", "--", "——", "/", "－", "–", "─"})


def parse_number(raw: str | None) -> float | None:
    """A table cell's number: '2,103.50' → 2103.5; '(12.5)' and '-12.5' → -12.5; '0' → 0.0.

    Blank, a dash, a percentage or text → None.
    """
    text = half_width_digits((raw or "").strip()).replace(" ", "")
    match = _CELL.match(text)
    if match is None:
        return None
    if match["bracketed"] is not None:
        return -_float(match["bracketed"])
    value = _float(match["number"])
    return -value if match["sign"] else value


def parse_percent(raw: str | None) -> float | None:
    """A cell printed as a percentage: '3.25 %' → 3.25; anything else → None."""
    match = _CELL_PERCENT.match(half_width_digits((raw or "").strip()))
    if match is None:
        return None
    value = _float(match["number"])
    return -value if match["sign"] else value


def decimals(raw: str) -> int:
    """Digits printed after the point: '352.67' → 2, '1.26亿元' → 2, '207' → 0."""
    match = re.search(r"\.(\d+)", half_width_digits(raw))
    return len(match.group(1)) if match else 0


def to_wan(value: float, unit: str) -> float:
    """A money value in its printed unit, in 万元 (rounded to 6 decimals, as stored)."""
    return round(value * UNIT_FACTORS[unit], 6)


def rounding(digits: int, unit: str = MONEY_UNIT) -> float:
    """Half a unit of the last printed digit, in 万元: rounding(2) = 0.005, rounding(2, '亿元') = 50."""
    return 0.5 * 10 ** -digits * UNIT_FACTORS.get(unit, 1.0)


def agrees(stated: float, value: float, slack: float = ROUNDING_WAN) -> bool:
    """The one equality of amounts: ``stated`` and ``value`` differ by no more than ``slack`` (rounding)."""
    return abs(stated - value) <= slack + EPSILON


@dataclass(frozen=True)
class Amount:
    """A number with its unit found in a sentence; ``value`` as printed, ``wan`` in 万元 for money."""

    value: float
    unit: str  # 元 / 千元 / 万元 / 亿元, or "%"
    raw: str  # the number as printed, unit excluded
    start: int
    end: int

    @property
    def is_money(self) -> bool:
        return self.unit in UNIT_FACTORS

    @property
    def wan(self) -> float:
        return to_wan(self.value, self.unit) if self.is_money else self.value

    @property
    def slack(self) -> float:
        """How far the true value may be from the printed one: half a unit of its last digit (万元 or %)."""
        return rounding(decimals(self.raw), self.unit) if self.is_money else 0.5 * 10 ** -decimals(self.raw)


def find_amounts(text: str) -> list[Amount]:
    """Money amounts with their unit, in order ("2,103.50万元", "1.26亿元", "3500元")."""
    return _found(_AMOUNT, text, lambda match: match["unit"])


def find_percents(text: str) -> list[Amount]:
    """Percentages ("45.9%", "45.9％"), in order."""
    return _found(_PERCENT, text, lambda match: "%")


def _found(pattern: re.Pattern, text: str, unit) -> list[Amount]:
    plain = half_width_digits(text)
    found = []
    for match in pattern.finditer(plain):
        value = _float(match["number"])
        found.append(Amount(-value if match["sign"] else value, unit(match), match["number"],
                            match.start(), match.end()))
    return found


def _float(text: str) -> float:
    return float(text.replace(",", ""))
