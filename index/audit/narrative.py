"""Audit (核对): the document's numbers checked against themselves.

``audit_document(document)`` returns the findings of one parsed document:

- narrative_vs_table: every subject amount of the 情况说明 linked (``index.audit.linking``)
  to the cell it describes, in the tables its section speaks about;
- recomputed_ratio: 占比 recomputed from the linked cells;
- recomputed_ratio, change_statement, duplicate_value, reason: change statements (增减率, 完成率,
  the base, the item's amount stated twice, the reason) recomputed from the text (``index.audit.changes``);
- parent_sum, total_split, cross_table, table_note: the tables' own sums and notes (``index.audit.table_sums``).

Narrative findings are kept whatever their status (match / rounding / mismatch / not_found: the
not-linked amounts are the coverage figure, not problems); internal checks are kept only when they
fail. ``Finding`` fields are the columns of the ``audit_findings`` table.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from index.amounts import NUMBER, ROUNDING_WAN, UNIT_PATTERN, agrees, decimals, parse_number, rounding, to_wan
from index.audit.linking import (
    CellIndex,
    CellRef,
    LinkedCell,
    first_total,
    format_amount,
    link_amount,
    measure_from_words,
    NARRATIVE_SCOPE,
    scope_for_section,
    where,
)
from index.audit.changes import check_changes
from index.audit.findings import Finding, severity
from index.model import Document, PassageKind
from index.narrative.passages import Block, cut_blocks
from index.audit.table_sums import check_notes, check_tables

logger = logging.getLogger(__name__)

RATIO_SLACK = 0.001  # a ratio recomputed from rounded cells may miss the printed one by this much more
_TOKEN = re.compile(rf"(?P<amount>{NUMBER})\s*(?P<unit>{UNIT_PATTERN})|(?P<pct>{NUMBER})\s*[%％]")
_SENTENCE = re.compile(r"[。；;\n]")
_YEAR_MEASURE = re.compile(r"(\d{4})\s*年度?(?:[^，,。\d]{0,8}?)(?:预算|决算|执行)数?(?:为|是)?\s*$")  # “2025年预算数为”
_CHANGE_END = re.compile(r"(?P<dir>增加|减少|增长|下降|增减|减低|降低|上升)(?:\s*[（(](?:增加|减少|增长|下降)[)）])?\s*$")
_COMPARATOR = re.compile(r"(?:与(?:上年|\d{4}年)度?相比[，,]?|(?:比|较)(?:上年|\d{4}年)度?(?:预算|决算)?数?)")
_PART_TITLE = re.compile(r"(?:预算|决算)(?:编制)?(?:情况)?说明$")
_PROJECT = re.compile(r"项目名称\s*[:：]")
_STOP = re.compile(r"原因|用于(?!以下)|具体情况如下")  # what follows is a reason or a use, not an amount of the subject
_UNSCOPED = re.compile(r"运行经费|政府采购|国有资产|绩效|其他重要事项|名词解释|概况|其他需说明")
_NOT_IN_TABLES = re.compile(r"外宾接待|国内公务接待|涉及|执行率|价值|采购")
_LEAD = re.compile(r"^(?:[，,、:：]|其中|包括|分别为|主要用于以下方面|均为|各为)+")
_TAIL = re.compile(
    r"(?:的)?(?:年初预算数|年初预算|预算数|预算安排|决算数|支出决算数|支出决算|决算|数)?(?:均为|各为|为|是|达|共计)?$"
)
_MEASURE_ONLY = re.compile(r"^(?:本年|当年)?(?:预算|决算)(?:数|安排|支出)?$|^(?:当年)?预算执行数?$|^$")
_PATH = re.compile(r"[（(](?:\d{2,3})?(?:类|款|项)[)）]")
_COMPLETED_BASE = re.compile(r"完成(年初)?(?:全年)?预算数?\s*$")
_SHARE_OF = re.compile(r"占([^，,。；;占]*?)的?$")  # the whole a share names: 占支出预算的 → 支出预算
_WHOLE_SPENDING = re.compile(r"^(?:部门|单位|本年|当年)?(?:预算)?(?:总支出|支出(?:预算)?(?:总额|总计|合计)?)$")
_ITEM_HEADING = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*[．.、])\s*"
                           r"(?P<item>[^，,。；;\d]{2,30}?)(?:情况)?说明[。.]?$")
_YEAR = re.compile(r"\d{4}\s*年度?(?:的)?|截至\s*\d{4}\s*年底")


@dataclass
class _Subject:
    """The subject an amount is about, within one sentence."""

    text: str
    stated: float | None = None
    linked: LinkedCell | None = None
    slack: float = ROUNDING_WAN  # half a unit of the stated amount's last digit


class _Auditor:
    """Findings of one document's narrative, over its cell index."""

    def __init__(self, index: CellIndex, doc_id: str, department: str = "", year: int | None = None) -> None:
        self.index = index
        self.year = year
        self.doc_id = doc_id
        self.department = re.sub(r"\s+", "", department)
        self.short_department = re.sub(r"[（(][^（()）]*[)）]$", "", self.department)  # 长春市信访局（本级）
        self.final = index.final
        self.findings: list[Finding] = []
        self.skipped: Counter[str] = Counter()  # narrative amounts that are no subject amount, by reason
        self.item_subject: str | None = None

    def skip(self, reason: str, count: int = 1) -> None:
        if count > 0:
            self.skipped[reason] += count

    def add(self, **values) -> None:
        values.setdefault("unit", "万元")
        for name in ("table_id", "table_number", "table_name", "row_label", "column_path", "table_value",
                     "difference", "stated_value", "line_start", "line_end"):
            values.setdefault(name, None)
        self.findings.append(Finding(doc_id=self.doc_id, seq=len(self.findings) + 1, **values))

    def add_cell(self, cell: CellRef | None, **values) -> None:
        if cell is not None:
            values.update(table_id=cell.table_id, table_number=cell.table_number, table_name=cell.table_name,
                          row_label=cell.row_label, column_path=cell.column_path)
        self.add(**values)

    # narrative
    def audit_narrative(self, blocks: Iterable[Block]) -> None:
        for block in blocks:
            if not block.section_path or "说明" not in block.section_path[0]:
                continue
            if not self.index.has_budget_tables():  # a narrative published without its tables: nothing to link
                self.skip("no_tables", _amount_count(block.text))
                continue
            self.audit_block(block)

    def audit_block(self, block: Block) -> None:
        scope = _block_scope(block, self.index)
        if not scope:
            self.skip("section_without_table", _amount_count(block.text))
            return
        if block.kind is PassageKind.PROJECT or _PROJECT.search(block.text):
            self._audit_project(block, scope)
            return
        self.item_subject = None  # an item's subject path, for amounts later in the item named by a measure only
        for start, end in _sentences(block.text):
            heading = _ITEM_HEADING.match(block.text[start:end].strip())
            if heading:  # "2．公务用车购置费支出情况说明。" names the subject of "预算 A，支出决算 B" below it
                self.item_subject = _clean_subject(heading["item"], self.department, self.short_department) or None
            self._audit_sentence(block, start, end, scope)

    def _audit_project(self, block: Block, scope: str | tuple[str, ...]) -> None:
        """项目名称 …  预算安排规模：X 万元 — the project's row of 表7 (or 表11)."""
        name = re.search(r"项目名称\s*[:：]\s*(?P<name>[^\n]+)", block.text)
        size = re.search(rf"预算安排规模\s*[:：]?\s*(?P<amount>{NUMBER})\s*(?P<unit>{UNIT_PATTERN})", block.text)
        self.skip("project_detail", _amount_count(block.text) - (1 if name and size else 0))
        if not name or not size:
            return
        project = re.sub(r"设立的政策依据.*$", "", name["name"]).strip()
        linked = link_amount(self.index, "项目名称:" + project, None, scope)
        statement = f"项目名称：{project}；{block.text[size.start():size.end()]}"
        self._compare(block, size.start(), size.end(), statement, _wan(size), linked, project)

    def _audit_sentence(self, block: Block, start: int, end: int, scope: str | tuple[str, ...]) -> None:
        text = block.text
        sentence = text[start:end].strip()
        current: _Subject | None = None
        position = start
        for token in _TOKEN.finditer(text, start, end):
            before = text[position:token.start()]
            if _STOP.search(before) or _STOP.search(text[start:token.start()]):
                self.skip("reason_or_use", _amount_count(text[token.start():end]))
                break
            if _in_brackets(text[start:token.start()]):
                self.skip("in_brackets", 1 if token["amount"] else 0)
                continue
            position = token.end()
            if token["pct"] is not None:
                self._audit_percent(block, token, before, current, sentence)
                continue
            amount = _wan(token)
            slack = rounding(decimals(token["amount"]), token["unit"])
            direction = _CHANGE_END.search(before)
            if direction:
                subject_text = _clean_subject(_COMPARATOR.sub("", before[:direction.start()]), self.department,
                                              self.short_department)
                if subject_text:
                    current = _Subject(subject_text, None, link_amount(self.index, subject_text, None, scope))
                self.skip("change_amount")
                continue
            subject_text = _clean_subject(before, self.department, self.short_department)
            measure = self._measure(before, scope)
            base = _COMPLETED_BASE.search(before)
            if base and current is not None:  # "支出决算 A，完成预算 B 的 R%": B is the subject's budget
                subject_text = current.text
                measure = "initial_budget" if base[1] else "adjusted_budget"
            if _MEASURE_ONLY.match(subject_text):  # "2024年预算安排 X 万元": the subject named before
                if current is not None and not _MEASURE_ONLY.match(current.text):
                    subject_text = _on_side_named(before, current.text)
                elif self.item_subject:
                    subject_text = self.item_subject
            if not subject_text or _NOT_IN_TABLES.search(subject_text):
                self.skip("no_subject" if not subject_text else "item_not_in_tables")
                continue
            if _PATH.search(subject_text):
                self.item_subject = subject_text
            linked = link_amount(self.index, subject_text, measure, scope)
            if measure in ("initial_budget", "prior_year") and linked is None:
                current = _Subject(subject_text)
                self.skip("measure_not_in_tables")
                continue
            current = _Subject(subject_text, amount, linked, slack)
            self._compare(block, token.start(), token.end(), sentence, amount, linked, subject_text, slack)

    def _measure(self, before: str, scope: str | tuple[str, ...]) -> str | None:
        said = _YEAR_MEASURE.search(before)
        if said and self.year and int(said[1]) < self.year:
            return "prior_year"  # “2025年预算数为 9.23 万元” in a 2026 budget
        measure = measure_from_words(before)
        if measure is None and self.final and "three_public" in _kinds(scope) and "预算" in before:
            return "adjusted_budget"  # “三公” 预算数 of a 决算 document
        return measure

    def _compare(self, block: Block, start: int, end: int, statement: str, amount: float,
                 linked: LinkedCell | None, subject: str, slack: float = ROUNDING_WAN) -> None:
        lines = dict(line_start=block.line_at(start), line_end=block.line_at(max(start, end - 1)),
                     section=" > ".join(block.section_path), statement=statement, stated_value=amount)
        if linked is None and amount == 0 and re.search(r"[（(](?:类|款|项)[)）]", subject):
            self.add(kind="narrative_vs_table", status="match", table_value=None, difference=0.0,
                     message=f"文中 0 万元，表中无“{subject}”行（无数额的科目不列示）", **lines)
            return
        if linked is None:
            self.add(kind="narrative_vs_table", status="not_found",
                     message=f"“{subject}”未能对应到表格单元格", **lines)
            return
        value = linked.value
        cell = linked.cell
        place = where(cell)
        if value is None and amount == 0:
            self.add_cell(cell, kind="narrative_vs_table", status="match", table_value=None, difference=0.0,
                          message=f"文中 0 万元，{place}为空", **lines)
            return
        table_value = 0.0 if value is None else value
        if not agrees(amount, table_value, slack + cell.slack):
            beside = self._same_row_cell(cell, amount, slack)
            if beside is not None:  # the row is certain, its column a guess: the cell that agrees
                cell, value, table_value, place = beside, beside.value, beside.value, where(beside)
        difference = round(amount - table_value, 4)
        status = ("match" if agrees(amount, table_value, slack)
                  else "rounding" if agrees(amount, table_value, slack + cell.slack) else "mismatch")
        stated = format_amount(amount)
        shown = "为空" if value is None else f"{format_amount(table_value)} 万元"
        message = {"match": f"文中 {stated} 万元 = {place} {shown}",
                   "rounding": f"文中 {stated} 万元 ≈ {place} {shown}（差 {difference:+.2f}，在两边的舍入之内：尾差）",
                   "mismatch": f"文中 {stated} 万元 ≠ {place} {shown}（差 {difference:+.2f}）"}[status]
        self.add_cell(cell, kind="narrative_vs_table", status=status,
                      table_value=value, difference=difference, message=message, **lines)

    def _same_row_cell(self, cell: CellRef, amount: float, slack: float) -> CellRef | None:
        """Another amount column of the linked row (项目支出 beside 合计) that states the amount."""
        row = self.index.rows(cell.table_id).get(cell.row_index, [])
        return next((c for c in row if c is not cell and c.value and agrees(amount, c.value, slack + c.slack)), None)

    def _audit_percent(self, block: Block, token: re.Match, before: str, current: _Subject | None,
                       sentence: str) -> None:
        """占 X%: the share recomputed from the linked cells (changes and completion rates: ``changes``)."""
        if current is None or current.linked is None or "占" not in before:
            return
        if current.stated is not None and not agrees(current.stated, current.linked.value or 0.0, current.slack):
            return  # the amount itself disagrees: reported once, as narrative_vs_table
        stated = parse_number(token["pct"])
        slack = rounding(decimals(token["pct"]), "%") + RATIO_SLACK
        cell = current.linked.cell
        value = current.linked.value or 0.0
        base = self._share_base(cell, before)
        if base is None or not base.value:
            return
        spread = 100 * (current.slack + cell.slack) / base.value  # the share of a rounded amount
        recomputed = round(100 * value / base.value, 4)
        label = f"占比 = {where(cell)} {format_amount(value)} ÷ {where(base)} {format_amount(base.value)}"
        status = "match" if abs(stated - recomputed) <= slack + spread else "mismatch"
        self.add_cell(cell, kind="recomputed_ratio", status=status, unit="%",
                      statement=sentence, line_start=block.line_at(token.start()),
                      line_end=block.line_at(token.end() - 1), section=" > ".join(block.section_path),
                      stated_value=stated, table_value=recomputed, difference=round(stated - recomputed, 4),
                      message=f"文中 {format_amount(stated)}%，{label} = {recomputed:.2f}%")

    def _share_base(self, cell: CellRef, before: str) -> CellRef | None:
        """The whole a 占 X% is a share of: the table's total row (the 支出合计 for a table's own total)."""
        if cell.table_kind == "three_public":  # a share of the “三公” total, even where 会议费 / 培训费 follow
            whole = link_amount(self.index, "“三公”经费", cell.measure, ["three_public"])
            return whole.cell if whole is not None and whole.cell.row_index != cell.row_index else None
        named = _SHARE_OF.search(re.sub(r"\s+", "", before))
        if named and _WHOLE_SPENDING.match(named[1]) and cell.table_kind != "expenditure":
            for table_id in self.index.table_ids(["expenditure"]):  # 占支出预算的 X%: of the whole budget
                whole = self.index.total_row(table_id)
                if whole:
                    return first_total(whole)
        row = self.index.total_row(cell.table_id, cell.panel) or self.index.total_row(cell.table_id)
        if row is None:
            return None
        if cell.row_index != row[0].row_index:
            same = [c for c in row if c.measure == cell.measure and c.measure is not None]
            return same[0] if same else first_total(row)
        base = first_total(row)
        if base is not None and base.column_path != cell.column_path:
            return base
        wider = "income" if "收入" in before else "expenditure"
        for table_id in self.index.table_ids([wider]):
            other = self.index.total_row(table_id)
            if other:
                return first_total(other)
        return None


def audit_document(document: Document, blocks: Sequence[Block] | None = None) -> list[Finding]:
    """Every finding of one parsed document (ingest time); ``blocks`` as ``cut_blocks`` returns them.

    Narrative amounts against their cells, changes recomputed, the tables' own sums and notes; each
    finding carries its PDF page and its severity (``index.audit.findings``).
    """
    auditor = _document_auditor(document)
    blocks = cut_blocks(document) if blocks is None else blocks
    auditor.audit_narrative(blocks)
    wrong = {(f.line_start, f.stated_value) for f in auditor.findings
             if f.kind == "narrative_vs_table" and f.status == "mismatch"}
    for check in check_changes(blocks):
        if not check.pop("independent", False) and _reported(check, wrong):
            continue
        auditor.add(**check)
    for check in check_tables(auditor.index, auditor.final):
        auditor.add(**check)
    for check in check_notes(document):
        auditor.add(**check)
    pages = {line.number: line.page for line in document.lines if line.page is not None}
    for finding in auditor.findings:
        finding.page = pages.get(finding.line_start) if finding.line_start is not None else None
        finding.severity = severity(finding.kind, finding.status)
    logger.info("%s: %d audit findings (%d mismatch, %d rounding, %d not linked)", document.meta.doc_id,
                len(auditor.findings), sum(f.status == "mismatch" for f in auditor.findings),
                sum(f.status == "rounding" for f in auditor.findings),
                sum(f.status == "not_found" for f in auditor.findings))
    return auditor.findings


def _reported(check: dict, wrong: set[tuple[int | None, float | None]]) -> bool:
    """A change check made moot by a wrong amount in its sentence, reported once already (文表不一致)."""
    if check["status"] != "mismatch" or check["kind"] not in ("recomputed_ratio", "duplicate_value"):
        return False
    lines = range(check["line_start"] or 0, (check["line_end"] or 0) + 1)
    if check["kind"] == "duplicate_value":
        return (check["stated_value"] is not None
                and any(line in lines and value == check["stated_value"] for line, value in wrong))
    return any(line in lines for line, _ in wrong)


def _document_auditor(document: Document) -> _Auditor:
    return _Auditor(CellIndex.from_document(document), document.meta.doc_id, document.meta.department,
                    document.meta.year)


def _amount_count(text: str) -> int:
    return sum(1 for token in _TOKEN.finditer(text) if token["amount"])


def _block_scope(block: Block, index: CellIndex) -> str | tuple[str, ...]:
    """What a block speaks about: the innermost section title that names tables (§五 … → 表5), the
    whole-narrative scope for text right under a 编制说明 without sub-sections, or "" (nothing to check)."""
    path = block.section_path
    if not path or "说明" not in path[0]:
        return ""
    for title in reversed(path[1:]):
        if _UNSCOPED.search(title):
            return ""
        if scope_for_section(title) or index.titled(title):
            return title
    return NARRATIVE_SCOPE if len(path) == 1 and _PART_TITLE.search(path[0]) else ""


def _kinds(scope: str | tuple[str, ...]) -> tuple[str, ...]:
    return scope_for_section(scope) if isinstance(scope, str) else scope


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _in_brackets(text: str) -> bool:
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


def _clean_subject(before: str, department: str, short_department: str = "") -> str:
    """The subject named by the words before an amount: "…（项）：2024 年预算数为" → "…（项）"."""
    text = re.sub(r"\s+", "", before)
    text = re.sub(r"[“\"]([^”\"\-—－]{2,30})[”\"]科目$", r"\1", text)  # “教育支出”科目 (a dashed path keeps it)
    if not re.search(r"[（(](?:类|款|项)[)）]", text):
        text = re.split(r"[，,]", text)[-1]
        text = re.split(r"[:：]|其中|包括", text)[-1]
    for name in (department, short_department):
        if name:
            text = text.replace(name, "")
    if re.search(r"(?:均为|各为)$", text) and "收、支" not in text:  # "收入总计、支出总计均为 X": the first names it
        text = text.split("、")[0]
    text = _YEAR.sub("", text)
    text = re.sub(r"^(?:本|我)?(?:部门|单位)(?!资金|经费)", "", text)
    text = _LEAD.sub("", text)
    text = re.sub(r"^\d{1,2}\s*[.、．](?!\d)", "", text)
    text = re.sub(r"[:：]$", "", text)
    text = _TAIL.sub("", text)
    return text.strip(" ，,、:：")


def _on_side_named(before: str, subject: str) -> str:
    """The subject named before, on the side of the account the words name: "收入决算 A，支出决算 B" — B is
    the 支出 of what A is the 收入 of."""
    words = re.sub(r"\s+", "", before)
    for side, other in (("收入", "支出"), ("支出", "收入")):
        if side in words and other in subject and side not in subject:
            return subject.replace(other, side)
    return subject


def _wan(match: re.Match) -> float:
    """The amount of a match with groups ``amount`` and ``unit``, in 万元."""
    return to_wan(parse_number(match["amount"]), match["unit"])
