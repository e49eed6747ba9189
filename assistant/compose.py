"""Answer text (答案文本): Chinese sentences from figures and passages, documents named, units shown."""
from __future__ import annotations

import re

from assistant.answer import Citation
from assistant.engines.passages import PassageHit
from assistant.router import RoutedResult
from assistant.sentences import key_lines, key_sentences, split_sentences
from assistant.engines.figures import Figure
from assistant.question.catalog import Catalog, DocumentRef
from assistant.question.parse import ParsedQuestion
from index.model import PassageKind

MAX_QUOTE = 600
TABLE_LINES = 6
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d%])[ \u3000]+(?=[\u4e00-\u9fff\d])|(?<=[\u4e00-\u9fff])[ \u3000]+(?=\S)")


def compose(parsed: ParsedQuestion, routed: RoutedResult, catalog: Catalog) -> str:
    if routed.selection.route == "none":
        return out_of_scope_text(routed.selection.reason, catalog)
    parts = []
    outcome = routed.sql
    if outcome is not None:
        if outcome.kind == "rank":
            parts.append(_rank_text(outcome.figures, parsed))
        elif outcome.kind == "rank_documents":
            parts.append(_document_rank_text(outcome.figures, parsed))
        else:
            parts.append(_figures_text([f for f in outcome.figures if not f.candidate]))
        candidates = [f for f in outcome.figures if f.candidate]
        if candidates:
            parts.append(_candidates_text(candidates))
        if outcome.note:
            parts.append(outcome.note)
        for doc, subject, reason in outcome.reasons:
            parts.append(f"{subject}的主要原因（{doc.department}说明）：{clean_text(reason)}")
    if routed.hits:
        quoted = [_quote(hit, parsed.question, catalog) for hit in routed.hits]
        header = "说明原文：" if outcome is not None else "文件中的相关说明："
        parts.append(header + "\n" + "\n".join(quoted))
    return "\n".join(p for p in parts if p)


def citations(hits: list[PassageHit], catalog: Catalog) -> list[Citation]:
    result = []
    for hit in hits:
        p = hit.passage
        doc = _doc(catalog, p.doc_id)
        lines = f"{p.line_start}" if p.line_start == p.line_end else f"{p.line_start}-{p.line_end}"
        result.append(Citation(p.doc_id, doc.title if doc else p.doc_id, " > ".join(p.section_path),
                               p.text, lines, p.page))
    return result


MAX_LISTED = 12


def out_of_scope_text(reason: str, catalog: Catalog) -> str:
    listed = [f"{d.department}{d.year}年{d.kind}" for d in catalog.documents[:MAX_LISTED]]
    more = f"等 {len(catalog.documents)} 个文件" if len(catalog.documents) > MAX_LISTED else ""
    return f"无法回答：{reason}。已载入的文件：{'；'.join(listed) or '无'}{more}。"


def clean_text(text: str) -> str:
    """Remove the spaces a PDF/text export leaves inside Chinese sentences; one line."""
    text = re.sub(r"\s*\n\s*", " ", text.strip())
    return _CJK_GAP.sub("", text)


def _figures_text(figures: list[Figure]) -> str:
    lines = []
    groups = _by_document(figures)
    across = [f for _, group in groups for f in group if f.formula] if len(groups) > 1 else []
    figures = [f for f in figures if f not in across]
    for doc, group in _by_document(figures):
        lines.append(f"{_doc_name(doc)}：")
        for f in group:
            if f.formula:
                lines.append(f"- {f.label}：{f.formula}")
            elif f.expected is not None:
                lines.append(f"- {f.label}：{_amount(f.value, f.unit)}（{f.source}；注意：表中为 "
                             f"{_amount(f.expected, f.unit)}，两者不一致）")
            else:
                lines.append(f"- {f.label}：{_amount(f.value, f.unit)}（{f.source}）")
    lines += [f"{f.label}：{f.formula}" for f in across]
    return "\n".join(lines)


def _candidates_text(figures: list[Figure]) -> str:
    """Cells that may be the one asked for: shown as candidates, not as the answer."""
    lines = ["表格中有几个可能的数，无法确定哪一个是所问的数（以下仅供核对，不作为答案）：" if len(figures) > 1
             else "表格中找到一个可能的数，但无法确认它就是所问的数（以下仅供核对，不作为答案）："]
    for doc, group in _by_document(figures):
        lines.append(f"{_doc_name(doc)}：")
        lines += [f"- {f.label}：{_amount(f.value, f.unit)}（{f.source}）" for f in group]
    return "\n".join(lines)


def _rank_text(figures: list[Figure], parsed: ParsedQuestion) -> str:
    order = "从高到低" if parsed.descending else "从低到高"
    lines = []
    for doc, group in _by_document(figures):
        lines.append(f"{_doc_name(doc)}（按金额{order}）：")
        lines += [f"{i}. {f.label}：{_amount(f.value, f.unit)}（{f.source}）" for i, f in enumerate(group, 1)]
    return "\n".join(lines)


def _document_rank_text(figures: list[Figure], parsed: ParsedQuestion) -> str:
    order = "从高到低" if parsed.descending else "从低到高"
    lines = [f"各文件的{figures[0].label}（按金额{order}）："]
    lines += [f"{i}. {_doc_name(f.doc)}：{_amount(f.value, f.unit)}（{f.source}）" for i, f in enumerate(figures, 1)]
    return "\n".join(lines)


def _quote(hit: PassageHit, question: str, catalog: Catalog) -> str:
    """The passage's sentences that answer the question (gaps marked ……), with document, section and lines."""
    p = hit.passage
    doc = _doc(catalog, p.doc_id)
    sentences = split_sentences(p.text) or [p.text]
    table = p.kind is PassageKind.TABLE_TEXT  # a table's rows are short lines: more of them, "；" between
    chosen = key_lines(sentences, question, TABLE_LINES) if table else key_sentences(sentences, question)
    pieces = [("……" if i and i - 1 not in chosen else "") + clean_text(sentences[i]) for i in chosen]
    text = "；".join(piece.rstrip("；") for piece in pieces) if table else "".join(pieces)
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE] + "……"
    section = p.section_path[-1] if p.section_path else ""
    where = f"第 {p.line_start} 行" if p.line_start == p.line_end else f"第 {p.line_start}–{p.line_end} 行"
    if p.page is not None:
        where = f"第 {p.page} 页，{where}"
    name = _doc_name(doc) if doc else p.doc_id
    return f"「{text}」（{name}，{section + '，' if section else ''}{where}）"


def _amount(value: float, unit: str) -> str:
    return f"{value:.2f}%" if unit == "%" else f"{value:.2f} {unit}"


def _doc_name(doc: DocumentRef) -> str:
    return f"{doc.department}{doc.year}年{doc.kind}"


def _by_document(figures: list[Figure]) -> list[tuple[DocumentRef, list[Figure]]]:
    groups: dict[str, tuple[DocumentRef, list[Figure]]] = {}
    for f in figures:
        groups.setdefault(f.doc.doc_id, (f.doc, []))[1].append(f)
    return list(groups.values())


def _doc(catalog: Catalog, doc_id: str) -> DocumentRef | None:
    return next((d for d in catalog.documents if d.doc_id == doc_id), None)
