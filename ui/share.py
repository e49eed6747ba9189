"""Sharing an answer (分享): a link that asks the question again, and the answer as a Markdown file.

The link holds the state: ``?q=<question>`` and, when the chat is limited to
some documents, one ``doc=<label>`` each (the label the document choice shows,
e.g. 轮台县人力资源和社会保障局 2024 预算); opening it asks again and shows the
same answer. The Markdown export carries the answer with its rows, SQL,
citations and number checks, so an editor can verify it without the app.
"""
from __future__ import annotations

import re
from typing import Any, Sequence
from urllib.parse import urlencode, urlsplit, urlunsplit

import pandas as pd

from assistant.answer import Answer
from ui.frames import readable
from ui.markdown import CHECK_LABELS, citation_heading, escape, text_markdown

ROUTE_LABELS = {"sql": "表格查询", "passages": "段落检索", "both": "表格 + 段落", "none": "无法回答"}
QUESTION_PARAM = "q"
DOCUMENT_PARAM = "doc"


def permalink(base_url: str | None, question: str, documents: Sequence[str] = ()) -> str:
    """The address that asks ``question`` again (over the ``documents`` labelled so); relative without a base."""
    query = urlencode([(QUESTION_PARAM, question), *((DOCUMENT_PARAM, d) for d in documents)])
    if not base_url:
        return f"?{query}"
    scheme, host, path, _, _ = urlsplit(base_url)
    return urlunsplit((scheme, host, path or "/", query, ""))


def scoped_question(question: str, documents: Sequence[Any]) -> str:
    """The question limited to the chosen documents: their names before it, unless it names them already.

    ``documents`` have ``department``, ``year`` and ``kind`` (``DocumentSummary``).
    """
    missing = [d for d in documents if d.department not in question]
    if not missing:
        return question
    names = "、".join(f"{d.department}{d.year}年{d.kind}" for d in missing)
    return f"{names}：{question}"


def answer_markdown(answer: Answer, link: str | None = None) -> str:
    """The answer as a Markdown document: question, answer, rows, SQL, citations, number checks."""
    parts = [f"# {escape(answer.question)}", "", text_markdown(answer.answer), ""]
    route = ROUTE_LABELS.get(answer.route, answer.route)
    parts += [f"*{escape(route)}{'：' + escape(answer.reason) if answer.reason else ''}*", ""]
    if link:
        parts += [f"链接：<{link}>", ""]
    if answer.rows:
        parts += ["## 查询结果", "", markdown_table(readable(pd.DataFrame(answer.rows)).frame), ""]
    if answer.sql:
        fence = "`" * max(3, _longest_backtick_run(answer.sql) + 1)
        parts += ["## SQL", "", f"{fence}sql", answer.sql, fence, ""]
    if answer.citations:
        parts += ["## 引用", ""]
        for n, citation in enumerate(answer.citations, 1):
            parts.append(f"{n}. **{escape(citation_heading(citation))}**")
            parts += ["", *("   > " + escape(line) for line in citation.text.splitlines() if line.strip()), ""]
    if answer.checks:
        parts += ["## 数字核对", ""]
        for check in answer.checks:
            expected = f"（表中为 {check.expected:g}）" if check.expected is not None else ""
            parts.append(f"- {CHECK_LABELS.get(check.status, check.status)}：{escape(f'{check.value:g}')} "
                         f"{escape(check.unit)}{escape(expected)} — {escape(check.source)}")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub Markdown table of display strings (pipes and line breaks inside cells escaped)."""
    def cell(value: Any) -> str:
        return escape(str(value)).replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)
