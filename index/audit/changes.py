"""Change statements recomputed (增减变动复算): the narrative's numbers checked against each other.

Wherever the narrative states a change, its parts are read and each is checked against the others:

- "A万元，比上年预算（数）增加/减少 D万元，增长/下降 R%": the base B = A ∓ D must not be negative,
  and R must be D ÷ B (a base of 0 gives no rate: only the usual 100% of a new item is accepted);
- "上年（当年）预算执行数为 B万元，本年预算安排 A万元，比上年预算执行数增加/减少 R%" (上海): R = (A − B) ÷ B,
  持平 when A = B; the item's amount stated again at its head ("…（项）”350.35万元") must be A;
- "年初预算为 B万元，决算为 A万元，完成年初预算的 R%" and "决算为 A万元，完成预算 B万元的 R%": R = A ÷ B;
- the reason: "主要原因是。" (empty), or a reason saying this subject's money went up when it went down.

``independent`` (popped before the Finding is made) marks a rate checked against both of an item's
amounts: wrong whichever is right, so it stands beside a wrong amount.

A rate is right when some values that round to the printed amounts give it, within half a unit of
its own last digit (``index.amounts.rounding``): the rounding of the inputs is allowed for, so a
rate outside that is a mismatch. The base a statement names (上年预算, 上年预算执行数, 年初预算, 上年决算 …) is kept in the
finding's ``column_path``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from index.amounts import NUMBER, UNIT_PATTERN, EPSILON, decimals, parse_number, rounding, to_wan
from index.audit.linking import format_amount
from index.narrative.passages import Block

def _m(name: str) -> str:
    """An amount with its unit, in groups ``name`` and ``name_unit``."""
    return rf"(?P<{name}>{NUMBER})\s*(?P<{name}_unit>{UNIT_PATTERN})"


_UP = ("增加", "增长", "上升", "提高")
_CHANGE = re.compile(
    rf"(?P<dir>增加|减少|增长|下降|上升|降低)了?\s*{_m('d')}"
    rf"(?:\s*[，,、]?\s*(?:同比)?(?:增长|下降|减少|增加|上升|降低|增幅为?|降幅为?)了?\s*(?P<r>{NUMBER})\s*[%％])?"
)
_COMPARATOR = re.compile(r"(?:比|较)(?P<base>[^，,。；;]{0,16}?)(?=增加|减少|增长|下降|上升|降低|持平)"
                         r"|与(?P<base2>[^，,。；;]{1,14}?)相比")
_AGAINST_BASE = re.compile(
    rf"(?P<base>(?:上年|\d{{4}}\s*年度?)(?:当年)?预算执行数|上年(?:预算|决算)数?)\s*为?\s*{_m('b')}"
    rf"\s*[，,]\s*(?:\d{{4}}\s*年度?|本年)?\s*预算(?:安排|数)?为?\s*{_m('a')}\s*[，,]\s*"
    rf"(?:比|较)[^，,。；;]{{0,16}}?(?P<dir>增加|减少|增长|下降|持平)\s*(?:(?P<r>{NUMBER})\s*[%％])?"
)
_COMPLETION = re.compile(
    rf"(?:年初|全年)?预算(?:数)?\s*为?\s*{_m('b')}\s*[，,]\s*(?:\d{{4}}\s*年度?)?\s*(?:支出)?决算(?:数)?\s*为?\s*"
    rf"{_m('a')}\s*[，,]?\s*完成(?:年初|全年)?预算(?:数)?的\s*(?P<r>{NUMBER})\s*[%％]"
    rf"|决算(?:数)?\s*为?\s*{_m('a2')}\s*[，,]\s*完成(?:年初|全年)?预算(?:数)?\s*{_m('b2')}\s*的\s*"
    rf"(?P<r2>{NUMBER})\s*[%％]"
)
_EMPTY_REASON = re.compile(r"(?:主要)?原因(?:是|为)\s*[:：]?\s*$")
_REASON = re.compile(r"[。，,\s]*(?:主要)?原因(?:是|为)\s*[:：]?\s*(?P<reason>[^。；;]{1,40})")
RATIO_SLACK = 0.001  # float noise of a recomputed percentage
_SENTENCE_END = re.compile(r"[。；;！!]")
_PATH_MARK = re.compile(r"[（(](?:\d{2,3})?[类款项][)）]")


@dataclass(frozen=True)
class _Figure:
    """A printed number: its value (万元 or %), and half a unit of its last digit."""

    value: float
    slack: float
    start: int
    end: int


def _money(match: re.Match, name: str) -> _Figure:
    raw, unit = match[name], match[f"{name}_unit"]
    return _Figure(to_wan(parse_number(raw), unit), rounding(decimals(raw), unit), match.start(name), match.end(name))


def _percent(match: re.Match, name: str) -> _Figure:
    raw = match[name]
    return _Figure(parse_number(raw), rounding(decimals(raw), "%"), match.start(name), match.end(name))


def check_changes(blocks: Iterable[Block]) -> Iterator[dict]:
    """Finding fields of every change, completion and reason statement of the narrative blocks."""
    for block in blocks:
        text = block.text
        for start, end in _sentences(text):
            yield from _growth(block, start, end)
            yield from _completion(block, start, end)
            yield from _empty_reason(block, start, end)
        yield from _against_base(block)


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _base_name(words: str) -> str:
    """The base a comparison names: 上年预算执行数, 上年预算, 年初预算, 上年决算, 上年."""
    words = re.sub(r"\s+", "", words)
    earlier = "上年" if re.search(r"上年|上一年|去年|\d{4}年", words) else ""
    if "执行" in words:
        return "上年预算执行数"
    if "年初" in words:
        return "年初预算"
    if "决算" in words:
        return earlier + "决算"
    if "预算" in words:
        return earlier + "预算" if earlier else "预算数"
    return "上年"


def _fields(block: Block, start: int, end: int, **values) -> dict:
    sentence = block.text[start:end].strip().rstrip("。；;")
    values.setdefault("unit", "%")
    for name in ("table_id", "table_number", "table_name", "row_label", "table_value", "difference", "stated_value"):
        values.setdefault(name, None)
    return dict(statement=sentence, line_start=block.line_at(start), line_end=block.line_at(max(start, end - 1)),
                section=" > ".join(block.section_path), **values)


def _rate_status(stated: _Figure, low: float, high: float) -> str:
    """match when some values that round to the printed figures give the printed rate."""
    ok = low - stated.slack - RATIO_SLACK <= stated.value <= high + stated.slack + RATIO_SLACK
    return "match" if ok else "mismatch"


def _growth(block: Block, start: int, end: int) -> Iterator[dict]:
    """A万元 … 比上年…增加/减少 D万元（，增长/下降 R%）: base A ∓ D ≥ 0, R = D ÷ base."""
    text = block.text
    for change in _CHANGE.finditer(text, start, end):
        comparator = None
        for found in _COMPARATOR.finditer(text, start, change.end()):
            if found.end() <= change.start():
                comparator = found
        if comparator is None or text.find("原因", comparator.end(), change.start()) >= 0:
            continue
        amounts = list(re.finditer(_m("a"), text[start:comparator.start()]))
        if not amounts:
            continue
        amount = _money(amounts[-1], "a")
        amount = _Figure(amount.value, amount.slack, start + amount.start, start + amount.end)
        delta = _money(change, "d")
        up = change["dir"] in _UP
        base_name = _base_name(comparator["base"] or comparator["base2"] or "")
        base = amount.value - delta.value if up else amount.value + delta.value
        slack = amount.slack + delta.slack
        where = _fields(block, start, end, column_path=base_name)
        if base < -slack:
            yield dict(where, kind="change_statement", status="mismatch", unit="万元", stated_value=delta.value,
                       table_value=round(amount.value, 4), difference=round(base, 4),
                       message=(f"本年 {format_amount(amount.value)} 万元比{base_name}增加 {format_amount(delta.value)} 万元："
                                f"{base_name} = {format_amount(amount.value)} − {format_amount(delta.value)} = "
                                f"{format_amount(base)} 万元，不可能为负"))
            continue
        if change["r"] is None:
            continue
        rate = _percent(change, "r")
        sign = "−" if up else "+"
        label = f"上年数（{base_name}" if base_name.startswith("上年") else f"{base_name}（"
        formula = (f"增减率 = {format_amount(delta.value)} ÷ {label} {format_amount(amount.value)} {sign} "
                   f"{format_amount(delta.value)} = {format_amount(base)}）")
        if base <= slack:
            ok = rate.value == 0 and delta.value <= delta.slack or abs(rate.value - 100) < EPSILON
            yield dict(where, kind="recomputed_ratio", status="match" if ok else "mismatch", stated_value=rate.value,
                       table_value=None, message=f"文中 {format_amount(rate.value)}%，{base_name}为 0（{formula}），"
                                                 f"{'新增按 100% 计' if ok else '增减率无从计算'}")
            continue
        low, high = _ratio_range(delta, amount, up)
        value = 100 * delta.value / base
        status = _rate_status(rate, low, high)
        yield dict(where, kind="recomputed_ratio", status=status, stated_value=rate.value, table_value=round(value, 4),
                   difference=round(rate.value - value, 4), line_start=block.line_at(rate.start),
                   message=f"文中 {format_amount(rate.value)}%，{formula} = {value:.2f}%")


def _ratio_range(delta: _Figure, amount: _Figure, up: bool) -> tuple[float, float]:
    """D ÷ (A ∓ D) over every A and D that round to the printed ones (%)."""
    values = []
    for a in (amount.value - amount.slack, amount.value + amount.slack):
        for d in (max(0.0, delta.value - delta.slack), delta.value + delta.slack):
            base = a - d if up else a + d
            if base > EPSILON:
                values.append(100 * d / base)
    return (min(values), max(values)) if values else (0.0, float("inf"))


def _against_base(block: Block) -> Iterator[dict]:
    """上年预算执行数为 B，本年预算安排 A，比上年预算执行数增加 R% — and the item's amount at its head."""
    text = block.text
    for match in _AGAINST_BASE.finditer(text):
        start = max(text.rfind(mark, 0, match.start()) for mark in "。；;\n") + 1
        end = _SENTENCE_END.search(text, match.end())
        end = end.end() if end else len(text)
        base, amount = _money(match, "b"), _money(match, "a")
        base_name = _base_name(match["base"])
        where = _fields(block, start, end, column_path=base_name)
        head = _head_amount(text, match.start())
        amounts = [amount]
        if head is not None and abs(head.value - amount.value) > head.slack + amount.slack + EPSILON:
            amounts.append(head)
            yield dict(where, kind="duplicate_value", status="mismatch", unit="万元", stated_value=amount.value,
                       table_value=head.value, difference=round(amount.value - head.value, 4),
                       message=(f"同一项目的本年数两处不一致：开头 {format_amount(head.value)} 万元，"
                                f"此处“预算安排” {format_amount(amount.value)} 万元（差 "
                                f"{amount.value - head.value:+.2f}）"))
        yield from _reason_direction(block, match, amounts[-1], base)
        if match["r"] is None:
            if match["dir"] == "持平" and all(abs(a.value - base.value) > a.slack + base.slack + EPSILON for a in amounts):
                yield dict(where, kind="change_statement", status="mismatch", unit="万元", stated_value=amount.value,
                           table_value=base.value, difference=round(amount.value - base.value, 4),
                           message=f"文中“持平”，但本年 {format_amount(amount.value)} 万元 ≠ {base_name} "
                                   f"{format_amount(base.value)} 万元")
            continue
        rate = _percent(match, "r")
        up = match["dir"] in _UP
        if base.value <= base.slack:
            ok = abs(rate.value - 100) < EPSILON or (rate.value == 0 and amount.value <= amount.slack)
            yield dict(where, kind="recomputed_ratio", status="match" if ok else "mismatch", stated_value=rate.value,
                       message=f"文中 {format_amount(rate.value)}%，{base_name}为 0，"
                               f"{'新增按 100% 计' if ok else '增减率无从计算'}")
            continue
        results = []
        for figure in amounts:
            value = 100 * (figure.value - base.value) / base.value
            spread = 100 * (figure.slack + base.slack) * (1 + abs(value) / 100) / base.value
            signed = rate.value if up else -rate.value
            results.append((_rate_status(_Figure(signed, rate.slack, 0, 0), value - spread, value + spread), value, figure))
        status, value, figure = min(results, key=lambda r: ("match", "mismatch").index(r[0]))
        yield dict(where, kind="recomputed_ratio", status=status, independent=len(amounts) > 1, stated_value=rate.value, table_value=round(abs(value), 4),
                   difference=round(rate.value - abs(value), 4), line_start=block.line_at(match.start("r")),
                   message=(f"文中{match['dir']} {format_amount(rate.value)}%，增减率 = ({format_amount(figure.value)} − "
                            f"{base_name} {format_amount(base.value)}) ÷ {format_amount(base.value)} = {value:+.2f}%"))


def _head_amount(text: str, before: int) -> _Figure | None:
    """The item's amount right after its subject path at the head of the item: "…（项）”350.35万元"."""
    start = text.rfind("\n", 0, before) + 1
    while start > 0 and not re.match(r"\s*(?:\d{1,2}\s*[.、．]|[（(]\s*\d{1,2}\s*[)）])", text[start:]):
        start = text.rfind("\n", 0, start - 1) + 1
    head = re.compile(rf"[类款项][)）][”\"]?\s*[:：]?\s*{_m('h')}").search(text, start, before)
    return _money(head, "h") if head else None


def _completion(block: Block, start: int, end: int) -> Iterator[dict]:
    """年初预算 B，决算 A，完成年初预算的 R% (or 决算 A，完成预算 B 的 R%): R = A ÷ B."""
    for match in _COMPLETION.finditer(block.text, start, end):
        first = match["a"] is not None
        final = _money(match, "a" if first else "a2")
        budget = _money(match, "b" if first else "b2")
        rate = _percent(match, "r" if first else "r2")
        where = _fields(block, start, end, column_path="年初预算")
        if budget.value <= budget.slack:
            ok = rate.value == 0 and final.value <= final.slack
            yield dict(where, kind="recomputed_ratio", status="match" if ok else "mismatch", stated_value=rate.value,
                       message=(f"文中完成 {format_amount(rate.value)}%，预算为 0、决算 {format_amount(final.value)} 万元"
                                f"{'' if ok else '，完成率无从计算'}"))
            continue
        value = 100 * final.value / budget.value
        low = 100 * max(0.0, final.value - final.slack) / (budget.value + budget.slack)
        high = 100 * (final.value + final.slack) / max(EPSILON, budget.value - budget.slack)
        yield dict(where, kind="recomputed_ratio", status=_rate_status(rate, low, high), stated_value=rate.value,
                   table_value=round(value, 4), difference=round(rate.value - value, 4),
                   line_start=block.line_at(rate.start),
                   message=(f"文中完成 {format_amount(rate.value)}%，完成率 = 决算 {format_amount(final.value)} ÷ "
                            f"预算 {format_amount(budget.value)} = {value:.2f}%"))


def _empty_reason(block: Block, start: int, end: int) -> Iterator[dict]:
    """"……主要原因是。": the reason left empty."""
    sentence = block.text[start:end].rstrip("。；;！! \n")
    if _EMPTY_REASON.search(sentence):
        yield dict(_fields(block, start, end, column_path=None), kind="reason", status="mismatch", unit="",
                   message="“原因是”之后没有写原因")


def _reason_direction(block: Block, match: re.Match, amount: _Figure, base: _Figure) -> Iterator[dict]:
    """A reason saying this subject's money went up when it went down (or the reverse)."""
    reason = _REASON.match(block.text, match.end())
    if reason is None or match["dir"] == "持平":
        return
    said = re.search(r"(增加|减少)$", reason["reason"].strip())
    if said is None:
        return
    stem = re.sub(r"(?:经费|资金|支出)?(?:增加|减少)$", "", re.sub(r"\s+", "", reason["reason"]))
    head = block.text[:match.start()]
    subject = _PATH_MARK.sub("", re.sub(r"\s+", "", head))
    if len(stem) < 4 or stem not in subject:
        return
    went_up = amount.value > base.value
    if (said.group(1) == "增加") == went_up:
        return
    end = _SENTENCE_END.search(block.text, reason.end())
    stop = end.end() if end else len(block.text)
    yield dict(_fields(block, reason.start("reason"), stop, column_path=None), kind="reason", status="mismatch", unit="",
               message=(f"本年 {format_amount(amount.value)} 万元比上年 {format_amount(base.value)} 万元"
                        f"{'增加' if went_up else '减少'}，原因却说“{reason['reason'].strip()}”"))
