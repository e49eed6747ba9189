"""Variance statements (增减变动说明) and budget execution items (预决算差异) from the narrative.

``extract_variances`` reads every "…比上年预算增加/减少 X 万元，增长/下降 Y%，主要原因是…"
statement (also 较上年… / 与上年度相比… / 比2022年（上一年度，下同）预算…), and the 上海
items "上年当年预算执行数为 B 万元，本年预算安排 A 万元，比上年预算执行数增加 Y%" (the
change is then A − B); ``extract_executions`` reads the 决算
items "…年初预算数为 A 万元，决算数 B 万元，完成年初预算的 C%，…主要原因是…".
Each is linked, when its subject is a functional subject (…（类）…（款）…（项）, or from
its 款 under a 类 heading), to
the row of the 一般公共预算支出 table (预算) or the 一般公共预算财政拨款支出决算表
(公开05表, 决算) by the subject names of the table rows, level by level
(``index.audit.linking``), and the stated amount is compared with the row's total.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Sequence

from index.amounts import NUMBER, UNIT_PATTERN, find_amounts, parse_number, to_wan
from index.amounts import agrees as agrees_with
from index.audit.linking import CellIndex, link_amount
from index.model import Document, DocumentKind, Measure, PassageKind, TableKind
from index.narrative.passages import Block, cut_blocks

logger = logging.getLogger(__name__)

_NUM = NUMBER


def _money(name: str) -> str:
    """An amount with its unit, in groups ``name`` and ``name_unit`` (read by ``_wan``)."""
    return rf"(?P<{name}>{NUMBER})\s*(?P<{name}_unit>{UNIT_PATTERN})"


_PLACEHOLDER = r"(?:\s*[（(](?:增加|减少|增长|下降)[)）])?"  # template left as "增加（减少）"
_DIRECTION = rf"(?:增加|减少|增长|下降){_PLACEHOLDER}"
_CHANGE = re.compile(
    rf"(?P<dir>增加|减少|增长|下降){_PLACEHOLDER}\s*{_money('amt')}"
    rf"(?:\s*[，,、]?\s*(?:增长|下降|减少|增加){_PLACEHOLDER}\s*(?P<pct>{_NUM})\s*[%％])?"
)
# without a percentage, a change counts only right after its comparison (比上年预算 / 与上年相比 / 比2024年预算)
_COMPARATOR = re.compile(  # "比2022年（上一年度，下同）预算": a gloss may follow the year
    r"(?:(?:比|较)(?:上年|\d{4}\s*年)(?:度)?(?:[（(][^（()）]{1,12}[)）])?(?:预算|决算)?(?:数)?"
    r"|与(?:上年|\d{4}\s*年)度?相比[，,]?)\s*$"
)
_EXECUTION = re.compile(
    rf"(?:年初)?预算数?为?\s*{_money('budget')}\s*[，,]\s*(?:支出)?决算数?为?\s*{_money('final')}"
    rf"\s*[，,]?\s*(?:完成(?:年初)?预算的\s*(?P<pct>{_NUM})\s*[%％]\s*[，,。]?)?"
)
_REASON = re.compile(r"(?:主要)?原因(?:(?:是|为)\s*[:：]?|\s*[:：]|(?=一是))\s*")
_SUBJECT = re.compile(
    r"(?P<l1>[^（()）:：\d.、，,]+?)\s*[（(]类[)）]\s*(?:(?P<l2>[^（()）:：]+?)\s*[（(]款[)）])?\s*"
    r"(?:(?P<l3>[^（()）:：]+?)\s*[（(]项[)）])?"
)
# a path written from its 款 (江苏: "人大事务（款）行政运行（项）" under the heading "（一）一般公共服务（类）")
_SUBJECT_BELOW = re.compile(r"[^（()）:：\d.、，,\s]+?\s*[（(]款[)）]")
# 上海 2023+: "2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%"
_AGAINST_EXECUTION = re.compile(
    rf"预算执行数为?\s*{_money('base')}\s*[，,]\s*(?:\d{{4}}\s*年)?预算安排\s*{_money('amount')}"
    rf"\s*[，,]\s*比(?:上年|\d{{4}}\s*年)(?:当年)?预算执行数\s*(?P<dir>增加|减少|增长|下降)\s*(?P<pct>{_NUM})\s*[%％]"
)
_SHARED_REASON = re.compile(r"(?P<dir>增加|减少)的主要原因(?:是|为)\s*[:：]?(?P<reason>[^。]{1,200})。")
_EXECUTION_NOTE = re.compile(r"(?:主要)?原因|差异|持平")
_ITEM_NUMBER = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\s*\d{1,2}\s*[)）])\s*")
_CLAUSE_END = "。；;"
_SUBJECT_STOP = re.compile(
    rf"{_NUM}\s*(?:{UNIT_PATTERN})|(?:比|较)(?:上年|\d{{4}}\s*年)|与上年|{_DIRECTION}\s*{_NUM}|[，,]|预算数为|为\s*{_NUM}"
)


@dataclass
class Variance:
    """One 比上年增减 statement; columns of the ``variances`` table."""

    doc_id: str
    seq: int  # order in the document, from 1
    passage_id: str
    subject: str  # as written, e.g. "社会保障和就业支出(类)就业补助(款)社会保险补贴(项)"
    subject_code: str | None  # digits, when linked: "2080704"
    amount: float | None  # this year's amount (万元), when the statement gives it
    change_amount: float  # as written, non-negative (万元)
    change_pct: float | None  # as written, non-negative
    direction: str  # 增加 | 减少
    reason: str
    line_start: int
    line_end: int
    table_id: int | None  # linked table (order in the document, from 1)
    row_index: int | None
    linked_value: float | None  # the row's total in that table (万元)
    agrees: bool | None  # amount equals linked_value; None when nothing to compare


@dataclass
class BudgetExecution:
    """One 决算 item: 年初预算数, 决算数, 完成年初预算的 %; columns of ``budget_execution``."""

    doc_id: str
    seq: int
    passage_id: str
    subject: str
    subject_code: str | None
    initial_budget: float  # 年初预算数 (万元)
    final_amount: float  # 决算数 (万元)
    completion_pct: float | None  # 完成年初预算的 %, when printed
    reason: str  # 差异原因, or the sentence saying there is none
    line_start: int
    line_end: int
    table_id: int | None
    row_index: int | None
    linked_value: float | None
    agrees: bool | None


def extract_variances(document: Document, blocks: Sequence[Block] | None = None) -> list[Variance]:
    """Every 比上年增减 statement of the narrative, linked to the 一般公共预算支出 table where coded.

    ``blocks`` are the document's narrative blocks (``cut_blocks``), cut here when not given.
    """
    doc_id = document.meta.doc_id
    linker = SubjectLinker(document)
    found: list[Variance] = []
    for block in cut_blocks(document) if blocks is None else blocks:
        if block.kind not in (PassageKind.VARIANCE_ITEM, PassageKind.PARAGRAPH):
            continue
        matches = [m for m in _CHANGE.finditer(block.text) if _is_statement(block.text, m)]
        for i, match in enumerate(matches):
            start = _clause_start(block.text, match.start())
            end = matches[i + 1].start() if i + 1 < len(matches) else len(block.text)
            end = _clause_start(block.text, end) if i + 1 < len(matches) else end
            subject, amount = _subject_and_amount(block.text[start:match.start()], document)
            if not subject:  # "…支出13907.78万元，主要用于…。与上年相比增加…": the item's opening sentence
                start = _item_start(block.text, start)
                subject, amount = _subject_and_amount(_first_sentence(block.text, start, match.start()), document)
            if not subject:
                continue
            reason_end = _reason_end(block.text, match.end(), end)
            code, link = linker.link(subject, amount)
            found.append(Variance(
                doc_id=doc_id,
                seq=len(found) + 1,
                passage_id=block.to_passage(doc_id).passage_id,
                subject=subject,
                subject_code=code,
                amount=amount,
                change_amount=_wan(match, "amt"),
                change_pct=parse_number(match["pct"]) if match["pct"] else None,
                direction="增加" if match["dir"] in ("增加", "增长") else "减少",
                reason=_reason(block.text[match.end():reason_end]) or _shared_reason(block.text, match),
                line_start=block.line_at(start),
                line_end=block.line_at(max(start, reason_end - 1)),
                **link,
            ))
        found.extend(_against_execution(block, document, linker, len(found)))
    logger.info("%s: %d variance statements", doc_id, len(found))
    return found


def _shared_reason(text: str, match: re.Match) -> str:
    """A reason given once for several statements: "财政拨款收入支出减少的主要原因是项目调整。" (上海 编制说明)."""
    direction = "增加" if match["dir"] in ("增加", "增长") else "减少"
    shared = _SHARED_REASON.search(text, match.end())
    if shared is None or shared["dir"] != direction:
        return ""
    return shared["reason"].strip(" ，,；;\n")


def _against_execution(block: Block, document: Document, linker: "SubjectLinker", seq: int) -> list[Variance]:
    """Items compared with the previous year's execution (上年预算执行数), the change given in % only.

    ``change_amount`` is then this year's amount less that execution, both as written.
    """
    doc_id = document.meta.doc_id
    found = []
    for match in _AGAINST_EXECUTION.finditer(block.text):
        start = _item_start(block.text, match.start())
        coded = _SUBJECT.search(block.text, start, match.start())
        if coded is None:
            continue
        subject = _ITEM_NUMBER.sub("", coded.group(0)).strip(" “”\"")
        amount, base = _wan(match, "amount"), _wan(match, "base")
        reason_end = _reason_end(block.text, match.end(), len(block.text))
        code, link = linker.link(subject, amount)
        found.append(Variance(
            doc_id=doc_id,
            seq=seq + len(found) + 1,
            passage_id=block.to_passage(doc_id).passage_id,
            subject=subject,
            subject_code=code,
            amount=amount,
            change_amount=round(abs(amount - base), 2),
            change_pct=parse_number(match["pct"]),
            direction="增加" if match["dir"] in ("增加", "增长") else "减少",
            reason=_reason(block.text[match.end():reason_end]),
            line_start=block.line_at(start),
            line_end=block.line_at(max(start, reason_end - 1)),
            **link,
        ))
    return found


def extract_executions(document: Document, blocks: Sequence[Block] | None = None) -> list[BudgetExecution]:
    """Every 年初预算数 / 决算数 item of a 决算 document, linked to 公开05表 where coded."""
    if document.meta.kind is not DocumentKind.FINAL:
        return []
    doc_id = document.meta.doc_id
    linker = SubjectLinker(document)
    found: list[BudgetExecution] = []
    for block in cut_blocks(document) if blocks is None else blocks:
        for match in _EXECUTION.finditer(block.text):
            start = _clause_start(block.text, match.start())
            subject = _clean_subject(block.text[start:match.start()], document)
            if not subject:  # "1、…（类）…（款）…（项）。主要用于：…。年初预算为…"
                start = _item_start(block.text, start)
                coded = _SUBJECT.search(block.text, start, match.start())
                subject = _clean_subject(block.text[coded.start():coded.end()] if coded else "", document)
            if not subject:
                continue
            end = _reason_end(block.text, match.end(), len(block.text), _EXECUTION_NOTE)
            final = _wan(match, "final")
            code, link = linker.link(subject, final)
            found.append(BudgetExecution(
                doc_id=doc_id,
                seq=len(found) + 1,
                passage_id=block.to_passage(doc_id).passage_id,
                subject=subject,
                subject_code=code,
                initial_budget=_wan(match, "budget"),
                final_amount=final,
                completion_pct=parse_number(match["pct"]) if match["pct"] else None,
                reason=_reason(block.text[match.end():end], fallback=True),
                line_start=block.line_at(start),
                line_end=block.line_at(end - 1),
                **link,
            ))
    logger.info("%s: %d budget execution items", doc_id, len(found))
    return found


def _is_statement(text: str, match: re.Match) -> bool:
    """A change with its percentage, or right after its comparison (not an amount inside a reason)."""
    return bool(match["pct"]) or bool(_COMPARATOR.search(text, 0, match.start()))


def _item_start(text: str, position: int) -> int:
    """Start of the unit (line group) holding ``position``."""
    return text.rfind("\n", 0, position) + 1


def _first_sentence(text: str, start: int, limit: int) -> str:
    stop = text.find("。", start, limit)
    return text[start:stop if stop >= 0 else limit]


def _wan(match: re.Match, name: str) -> float:
    """The amount of group ``name`` in 万元 (its unit in ``name_unit``)."""
    return to_wan(parse_number(match[name]), match[f"{name}_unit"])


def _clause_start(text: str, position: int) -> int:
    """Start of the clause holding ``position``: after the last 。；or 其中：before it."""
    start = 0
    for mark in _CLAUSE_END:
        start = max(start, text.rfind(mark, 0, position) + 1)
    for mark in ("其中：", "其中:", "中，", "中,"):
        found = text.rfind(mark, start, position)
        if found >= 0:
            start = found + len(mark)
    newline = text.rfind("\n", start, position)
    return newline + 1 if newline >= 0 else start


def _reason_end(text: str, begin: int, limit: int, about: re.Pattern = _REASON) -> int:
    """End of the reason: the end (。) of the sentence with 主要原因是 (this one or the next), or the next statement."""
    follow = re.compile(r"[。，,；;\s]*").match(text, begin).end()
    if about.search(text[follow:follow + 20]):  # "。主要原因是…" / "。决算数小于预算数的主要原因：…"
        begin = follow
    stop = text.find("。", begin, limit)
    return limit if stop < 0 else stop + 1


def _reason(tail: str, fallback: bool = False) -> str:
    """The text after 主要原因是; without one, "" (or the sentence itself when ``fallback``)."""
    match = _REASON.search(tail)
    if match is None:
        sentence = tail.strip(" ，,。；;：:\n")
        return sentence if fallback and re.search("差异|持平", sentence) else ""
    reason = tail[match.end():]
    while True:
        again = _REASON.match(reason)
        if again is None:
            break
        reason = reason[again.end():]
    return reason.strip(" ，,。；;\n")


def _subject_and_amount(clause: str, document: Document) -> tuple[str, float | None]:
    """Subject as written and the year's amount, from the words before the change."""
    subject = _clean_subject(clause, document)
    coded = _SUBJECT.search(clause)
    amounts = find_amounts(clause)
    amount = amounts[0].wan if amounts else None
    if coded and "预算数" in clause:
        after = clause[coded.end():]
        amounts = find_amounts(after)
        amount = amounts[0].wan if amounts else amount
    return subject, amount


def _clean_subject(clause: str, document: Document) -> str:
    text = _ITEM_NUMBER.sub("", clause.strip())
    coded = _SUBJECT.match(text)
    if coded and coded.group("l1"):
        return coded.group(0).strip().rstrip("：: ")
    text = re.sub(r"^(?:与(?:上年|\d{4}\s*年)度?相比|此外|另外)\s*[，,]?\s*", "", text)
    stop = _SUBJECT_STOP.search(text)
    text = text[:stop.start()] if stop else text
    department = document.meta.department
    if department:
        text = text.replace(department, "")
    text = re.sub(r"^(?:部门|单位)?\s*\d{4}\s*年度?\s*(?:的)?", "", text.strip())
    text = re.sub(r"(?:各|均|的)$", "", text.strip())
    return text.strip(" ，,：:")


class SubjectLinker:
    """Links a written subject path (…（类）…（款）…（项）) to its row of the general expenditure table."""

    def __init__(self, document: Document) -> None:
        self.measure = Measure.FINAL.value if document.meta.kind is DocumentKind.FINAL else Measure.TOTAL.value
        self.cells = CellIndex.from_document(document)

    def link(self, subject: str, amount: float | None) -> tuple[str | None, dict]:
        empty = {"table_id": None, "row_index": None, "linked_value": None, "agrees": None}
        if not (_SUBJECT.search(subject) or _SUBJECT_BELOW.search(subject)):
            return None, empty
        found = link_amount(self.cells, subject, self.measure, (TableKind.GENERAL_EXPENDITURE.value,))
        if found is None or found.cell.subject_code is None:
            if amount == 0:
                empty["agrees"] = True  # a subject with no money has no row in the table
            return None, empty
        value = found.value
        agrees = None if value is None or amount is None else agrees_with(amount, value)
        return found.cell.subject_code, {"table_id": found.cell.table_id, "row_index": found.cell.row_index,
                                         "linked_value": value, "agrees": agrees}
