"""Audit (核对): the document's numbers checked against themselves.

``audit_document(document)`` returns the findings of one parsed document:

- narrative_vs_table: every subject amount of the 情况说明 linked (``index.audit.linking``)
  to the cell it describes, in the tables its section speaks about;
- recomputed_ratio: 占比 / 增长率 / 完成率 recomputed from the linked cells;
- parent_sum, total_split, cross_table: the tables' own sums (``index.audit.table_sums``).

Narrative findings are kept whatever their status (match / mismatch / not_found);
internal checks are kept only when they fail. ``Finding`` fields are the
columns of the ``audit_findings`` table.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Iterable, Sequence

import duckdb
import pandas as pd

from index.errors import BudgetError
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
from index.model import Document, PassageKind
from index.narrative.passages import Block, cut_blocks
from index.audit.table_sums import check_tables

logger = logging.getLogger(__name__)

AMOUNT_TOLERANCE = 0.0051  # 万元: the narrative rounds to 0.01
PERCENT_SLACK = 0.006  # a printed percentage rounds to 0.01
_NUM = r"\d[\d,]*(?:\.\d+)?"
_TOKEN = re.compile(rf"(?P<amount>{_NUM})\s*万元|(?P<pct>{_NUM})\s*[%％]")
_SENTENCE = re.compile(r"[。；;\n]")
_CHANGE_END = re.compile(r"(?P<dir>增加|减少|增长|下降|增减)(?:\s*[（(](?:增加|减少|增长|下降)[)）])?\s*$")
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
_YEAR = re.compile(r"\d{4}\s*年度?(?:的)?|截至\s*\d{4}\s*年底")


@dataclass
class Finding:
    """One audit result; the columns of ``audit_findings``."""

    doc_id: str
    seq: int  # order in the document's findings, from 1
    kind: str  # narrative_vs_table | recomputed_ratio | parent_sum | total_split | cross_table
    status: str  # match | mismatch | not_found
    statement: str  # the narrative clause, or the left side of an internal check
    line_start: int | None
    line_end: int | None
    section: str  # section path joined with " > " (the table for internal checks)
    stated_value: float | None  # the amount or percentage as stated (left side)
    unit: str  # 万元 | %
    table_id: int | None
    table_number: str | None
    table_name: str | None
    row_label: str | None
    column_path: str | None
    table_value: float | None  # the linked cell, or the recomputed figure (right side)
    difference: float | None  # stated_value - table_value
    message: str


COLUMNS = [f.name for f in fields(Finding)]


@dataclass
class _Subject:
    """The subject an amount is about, within one sentence."""

    text: str
    stated: float | None = None
    linked: LinkedCell | None = None


class _Auditor:
    """Findings of one document's narrative, over its cell index."""

    def __init__(self, index: CellIndex, doc_id: str, department: str = "") -> None:
        self.index = index
        self.doc_id = doc_id
        self.department = re.sub(r"\s+", "", department)
        self.final = index.final
        self.findings: list[Finding] = []
        self.skipped: Counter[str] = Counter()  # narrative amounts that are no subject amount, by reason

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
            self.audit_block(block)

    def audit_block(self, block: Block) -> None:
        scope = _block_scope(block, self.index)
        if not scope:
            self.skip("section_without_table", _amount_count(block.text))
            return
        if block.kind is PassageKind.PROJECT or _PROJECT.search(block.text):
            self._audit_project(block, scope)
            return
        for start, end in _sentences(block.text):
            self._audit_sentence(block, start, end, scope)

    def _audit_project(self, block: Block, scope: str | tuple[str, ...]) -> None:
        """项目名称 …  预算安排规模：X 万元 — the project's row of 表7 (or 表11)."""
        name = re.search(r"项目名称\s*[:：]\s*(?P<name>[^\n]+)", block.text)
        size = re.search(rf"预算安排规模\s*[:：]?\s*(?P<amount>{_NUM})\s*万元", block.text)
        self.skip("project_detail", _amount_count(block.text) - (1 if name and size else 0))
        if not name or not size:
            return
        project = re.sub(r"设立的政策依据.*$", "", name["name"]).strip()
        linked = link_amount(self.index, "项目名称:" + project, None, scope)
        statement = f"项目名称：{project}；{block.text[size.start():size.end()]}"
        self._compare(block, size.start(), size.end(), statement, _number(size["amount"]), linked, project)

    def _audit_sentence(self, block: Block, start: int, end: int, scope: str | tuple[str, ...]) -> None:
        text = block.text
        sentence = text[start:end].strip()
        current: _Subject | None = None
        change: tuple[str, float] | None = None
        budget: float | None = None  # the 预算 of a 完成预算的 % in this sentence
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
                self._audit_percent(block, token, before, current, change, budget, sentence)
                continue
            amount = _number(token["amount"])
            direction = _CHANGE_END.search(before)
            if direction:
                subject_text = _clean_subject(_COMPARATOR.sub("", before[:direction.start()]), self.department)
                if subject_text:
                    current = _Subject(subject_text, None, link_amount(self.index, subject_text, None, scope))
                change = (direction["dir"], amount)
                self.skip("change_amount")
                continue
            subject_text = _clean_subject(before, self.department)
            measure = self._measure(before, scope)
            if not subject_text and current is not None:
                subject_text = current.text
            if not subject_text or _NOT_IN_TABLES.search(subject_text):
                self.skip("no_subject" if not subject_text else "item_not_in_tables")
                continue
            linked = link_amount(self.index, subject_text, measure, scope)
            if measure in ("initial_budget", "prior_year") and linked is None:
                if measure == "initial_budget":
                    budget = amount  # 年初预算数: no table carries it; kept for 完成率
                current = _Subject(subject_text)
                self.skip("measure_not_in_tables")
                continue
            if measure in ("initial_budget", "adjusted_budget"):
                budget = linked.value if linked is not None and linked.value is not None else amount
            current = _Subject(subject_text, amount, linked)
            change = None
            self._compare(block, token.start(), token.end(), sentence, amount, linked, subject_text)

    def _measure(self, before: str, scope: str | tuple[str, ...]) -> str | None:
        measure = measure_from_words(before)
        if measure is None and self.final and "three_public" in _kinds(scope) and "预算" in before:
            return "adjusted_budget"  # “三公” 预算数 of a 决算 document
        return measure

    def _compare(self, block: Block, start: int, end: int, statement: str, amount: float,
                 linked: LinkedCell | None, subject: str) -> None:
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
        difference = round(amount - table_value, 4)
        ok = abs(difference) <= AMOUNT_TOLERANCE
        stated = format_amount(amount)
        shown = "为空" if value is None else f"{format_amount(table_value)} 万元"
        message = (f"文中 {stated} 万元 = {place} {shown}" if ok
                   else f"文中 {stated} 万元 ≠ {place} {shown}（差 {difference:+.2f}）")
        self.add_cell(cell, kind="narrative_vs_table", status="match" if ok else "mismatch",
                      table_value=value, difference=difference, message=message, **lines)

    def _audit_percent(self, block: Block, token: re.Match, before: str, current: _Subject | None,
                       change: tuple[str, float] | None, budget: float | None, sentence: str) -> None:
        if current is None or current.linked is None:
            return
        if current.stated is not None and abs(current.stated - (current.linked.value or 0.0)) > AMOUNT_TOLERANCE:
            return  # the amount itself disagrees: reported once, as narrative_vs_table
        stated = _number(token["pct"])
        decimals = len(token["pct"].split(".")[1]) if "." in token["pct"] else 0
        slack = PERCENT_SLACK if decimals >= 2 else 0.5 * 10 ** -decimals + 0.001
        cell = current.linked.cell
        value = current.linked.value or 0.0
        if "占" in before:
            base = self._share_base(cell, before)
            if base is None or not base.value:
                return
            low = high = 100 * value / base.value
            label = f"占比 = {where(cell)} {format_amount(value)} ÷ {where(base)} {format_amount(base.value)}"
        elif "完成" in before:
            if not budget:
                return
            low = high = 100 * value / budget
            label = f"完成率 = {where(cell)} {format_amount(value)} ÷ 预算 {format_amount(budget)}"
        elif re.search(r"增长|下降|增加|减少", before) and change is not None:
            direction, delta = change
            ratio = _growth_range(value, delta, direction in ("减少", "下降"))
            if ratio is None:
                return
            low, high = ratio
            sign = "+" if direction in ("减少", "下降") else "−"
            change_text = format_amount(delta)
            label = f"增减率 = {change_text} ÷ 上年数（{where(cell)} {format_amount(value)} {sign} {change_text}）"
        else:
            return
        recomputed = round((low + high) / 2, 4)
        ok = low - slack <= stated <= high + slack
        self.add_cell(cell, kind="recomputed_ratio", status="match" if ok else "mismatch", unit="%",
                      statement=sentence, line_start=block.line_at(token.start()),
                      line_end=block.line_at(token.end() - 1), section=" > ".join(block.section_path),
                      stated_value=stated, table_value=recomputed, difference=round(stated - recomputed, 4),
                      message=f"文中 {format_amount(stated)}%，{label} = {recomputed:.2f}%")

    def _share_base(self, cell: CellRef, before: str) -> CellRef | None:
        """The whole a 占 X% is a share of: the table's total row (the 支出合计 for a table's own total)."""
        if cell.table_kind == "three_public":  # a share of the “三公” total, even where 会议费 / 培训费 follow
            whole = link_amount(self.index, "“三公”经费", cell.measure, ["three_public"])
            return whole.cell if whole is not None and whole.cell.row_index != cell.row_index else None
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


def audit_document(document: Document) -> list[Finding]:
    """Every finding of one parsed document (ingest time)."""
    auditor = _document_auditor(document)
    auditor.audit_narrative(cut_blocks(document))
    for check in check_tables(auditor.index, auditor.final):
        auditor.add(**check)
    logger.info("%s: %d audit findings (%d mismatch, %d not found)", document.meta.doc_id, len(auditor.findings),
                sum(f.status == "mismatch" for f in auditor.findings),
                sum(f.status == "not_found" for f in auditor.findings))
    return auditor.findings


def amount_census(document: Document) -> dict[str, int]:
    """Every 万元 amount of the 情况说明 by what it is: linked, not_found, or why it is no subject amount.

    Keys: linked, not_found, change_amount (比上年增减额), reason_or_use (inside 主要原因 / 主要用于),
    section_without_table (机关运行经费, 政府采购, 国有资产, 绩效 …), project_detail (a project's
    资金分配情况 etc.), measure_not_in_tables (年初预算数 of a 决算, 上年执行数), item_not_in_tables (外宾接待 …),
    in_brackets, no_subject.
    """
    auditor = _document_auditor(document)
    auditor.audit_narrative(cut_blocks(document))
    linked, total = link_coverage(auditor.findings)
    return {"linked": linked, "not_found": total - linked, **auditor.skipped}


def check_passage(index: CellIndex, text: str, section_path: str | Sequence[str], line_start: int = 0,
                  doc_id: str = "", department: str = "") -> list[Finding]:
    """Narrative findings of one passage (answer time): each subject amount linked and compared, ratios recomputed.

    ``section_path`` is the passage's path (a tuple, or the " > " string of the passages table); it picks
    the tables the passage may speak about. Line numbers count from ``line_start``.
    """
    path = tuple(section_path.split(" > ")) if isinstance(section_path, str) else tuple(section_path)
    auditor = _Auditor(index, doc_id, department)
    auditor.audit_block(Block(PassageKind.PARAGRAPH, path, text, [(0, line_start)]))
    return auditor.findings


def _document_auditor(document: Document) -> _Auditor:
    return _Auditor(CellIndex.from_document(document), document.meta.doc_id, document.meta.department)


def _amount_count(text: str) -> int:
    return sum(1 for token in _TOKEN.finditer(text) if token["amount"])


def link_coverage(findings: list[Finding]) -> tuple[int, int]:
    """(linked, subject amounts): narrative amounts linked to a cell, of all subject amounts found."""
    narrative = [f for f in findings if f.kind == "narrative_vs_table"]
    return sum(f.status != "not_found" for f in narrative), len(narrative)


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


def _clean_subject(before: str, department: str) -> str:
    """The subject named by the words before an amount: "…（项）：2024 年预算数为" → "…（项）"."""
    text = re.sub(r"\s+", "", before)
    if not re.search(r"[（(](?:类|款|项)[)）]", text):
        text = re.split(r"[，,]", text)[-1]
        text = re.split(r"[:：]|其中|包括", text)[-1]
    if department:
        text = text.replace(department, "")
    text = _YEAR.sub("", text)
    text = re.sub(r"^(?:本|我)?(?:部门|单位)(?!资金|经费)", "", text)
    text = _LEAD.sub("", text)
    text = re.sub(r"^\d{1,2}\s*[.、．](?!\d)", "", text)
    text = re.sub(r"[:：]$", "", text)
    text = _TAIL.sub("", text)
    return text.strip(" ，,、:：")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _growth_range(current: float, delta: float, decrease: bool) -> tuple[float, float] | None:
    """增减率 bounds (%) over the rounding of the current amount and the change (each ±0.005)."""
    if delta == 0:
        return 0.0, 0.0
    values = []
    for c in (current - 0.005, current + 0.005):
        for d in (delta - 0.005, delta + 0.005):
            prior = c + d if decrease else c - d
            if prior <= 0.005:
                return (100.0, 100.0) if not decrease else None  # new this year: 增长 100%
            values.append(100 * d / prior)
    return min(values), max(values)


# reading and rendering (the CLI and the app)
class AuditUnavailableError(BudgetError):
    """The database holds no audit findings (loaded before audits existed, or no such document)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"没有核对结果：{reason}")
        self.reason = reason


_SELECT = f"SELECT {', '.join('f.' + c for c in COLUMNS)} FROM audit_findings f JOIN documents d USING (doc_id)"
SUMMARY_LABELS = {"doc_id": "文件", "subject_amounts": "叙述数额", "linked": "已对应", "coverage_pct": "对应率%",
                  "narrative_vs_table_mismatch": "文表不一致", "recomputed_ratio_mismatch": "比率不一致",
                  "parent_sum_mismatch": "上下级合计不符", "total_split_mismatch": "合计≠基本+项目",
                  "cross_table_mismatch": "表间不一致", "not_found": "未找到"}
STATUS_LABELS = {"match": "一致", "mismatch": "不一致", "not_found": "未找到"}
KIND_LABELS = {"narrative_vs_table": "文表核对", "recomputed_ratio": "比率复算", "parent_sum": "上下级合计",
               "total_split": "合计=基本+项目", "cross_table": "表间一致"}


def findings_frame(findings: list[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with the ``audit_findings`` columns."""
    return pd.DataFrame([asdict(f) for f in findings], columns=COLUMNS)


def read_findings(connection: duckdb.DuckDBPyConnection, doc: str | None = None) -> pd.DataFrame:
    """Stored findings, all documents or one (doc_id, or part of its department name), in order."""
    try:
        if doc:
            frame = connection.execute(
                f"{_SELECT} WHERE f.doc_id = ? OR d.department LIKE '%' || ? || '%' ORDER BY f.doc_id, f.seq",
                [doc, doc]).df()
        else:
            frame = connection.execute(f"{_SELECT} ORDER BY f.doc_id, f.seq").df()
    except duckdb.CatalogException as exc:
        raise AuditUnavailableError("数据库中没有 audit_findings 表，请重新载入文件（python -m assistant ingest …）") from exc
    if frame.empty:
        raise AuditUnavailableError(f"没有与“{doc}”对应的文件" if doc else "数据库中还没有核对结果，请重新载入文件")
    return frame


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """Per document: subject amounts, linked, coverage %, and mismatches / not found by kind."""
    rows = []
    for doc_id, group in frame.groupby("doc_id", sort=False):
        narrative = group[group["kind"] == "narrative_vs_table"]
        linked = int((narrative["status"] != "not_found").sum())
        problems = group[group["status"] != "match"]
        rows.append({
            "doc_id": doc_id,
            "subject_amounts": len(narrative),
            "linked": linked,
            "coverage_pct": round(100 * linked / len(narrative), 1) if len(narrative) else None,
            **{f"{kind}_mismatch": int((problems["kind"] == kind).sum()) for kind in KIND_LABELS},
            "not_found": int((group["status"] == "not_found").sum()),
        })
    return pd.DataFrame(rows)


def render_findings(frame: pd.DataFrame, fmt: str = "text") -> str:
    """text: a summary and every problem; csv: every finding; markdown: summary and problem tables."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    summary = summarize(frame)
    problems = frame[frame["status"] != "match"]
    if fmt == "markdown":
        parts = ["## 核对汇总", "", _markdown(summary.rename(columns=SUMMARY_LABELS)), ""]
        for doc_id, group in problems.groupby("doc_id", sort=False):
            table = pd.DataFrame({
                "类型": group["kind"].map(KIND_LABELS), "结果": group["status"].map(STATUS_LABELS),
                "行": group.apply(_line_range, axis=1), "文中": group.apply(_stated, axis=1),
                "表格": group.apply(_cell, axis=1), "差额": group["difference"].map(_plain),
                "说明": group["message"],
            })
            parts += [f"## {doc_id}", "", _markdown(table), ""]
        return "\n".join(parts).rstrip() + "\n"
    lines = []
    for record in summary.to_dict("records"):
        doc_problems = problems[problems["doc_id"] == record["doc_id"]]
        lines.append(f"{record['doc_id']}：叙述数额 {record['subject_amounts']} 个，对应到表格 {record['linked']} 个"
                     f"（{record['coverage_pct']}%），问题 {len(doc_problems)} 个")
        for finding in doc_problems.to_dict("records"):
            lines.append(f"  [{STATUS_LABELS[finding['status']]}·{KIND_LABELS[finding['kind']]}] "
                         f"第 {_line_range(finding)} 行（{finding['section']}）：{finding['message']}")
    return "\n".join(lines)


def _line_range(finding) -> str:
    start, end = finding["line_start"], finding["line_end"]
    if pd.isna(start):
        return ""
    return f"{int(start)}" if pd.isna(end) or int(end) == int(start) else f"{int(start)}-{int(end)}"


def _stated(finding) -> str:
    value = finding["stated_value"]
    return "" if pd.isna(value) else f"{format_amount(value)} {finding['unit']}"


def _cell(finding) -> str:
    if pd.isna(finding["table_number"]) and pd.isna(finding["table_name"]):
        return ""
    unit = " %" if finding["unit"] == "%" else ""
    value = "" if pd.isna(finding["table_value"]) else f" = {format_amount(finding['table_value'])}{unit}"
    title = " ".join(str(v) for v in (finding["table_number"], finding["table_name"]) if not pd.isna(v))
    return f"{title}“{finding['row_label']}”{finding['column_path']}{value}"


def _plain(value) -> str:
    return "" if pd.isna(value) else f"{value:+.2f}"


def _markdown(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])
