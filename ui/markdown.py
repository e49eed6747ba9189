"""Text from documents, file names and answers shown literally in Streamlit's Markdown (转义).

Streamlit renders Markdown in ``st.markdown``, captions, notices and widget
labels (buttons, expanders, tabs): a table title with ``*``, a file name with
``[x](y)`` or ``:red[…]``, a section path with ``#`` must show as printed.
``escape`` backslash-escapes every character Markdown or Streamlit's
directives give a meaning, and list and heading starts; ``label`` also makes
the text one line, as a widget label is.
"""
from __future__ import annotations

import re

from assistant.answer import Citation, NumberCheck

MARKDOWN_SPECIAL = "\\`*_[]<>#|~$"
CHECK_LABELS = {"match": "一致", "mismatch": "不一致", "unverified": "未核实", "computed": "计算"}
CHECK_BADGES = {"match": "green", "mismatch": "red", "unverified": "orange", "computed": "blue"}
_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029]+\s*")
# Also: a colon that starts a directive or emoji (:red[…], :material/x:, :smile:), an ampersand that
# starts an entity (&lt;, &#60;).
_SPECIAL = re.compile("[" + re.escape(MARKDOWN_SPECIAL) + "]|:(?=[A-Za-z][\\w/-]*[\\[:])|&(?=#?\\w+;)")
# At a line's start: a list item ("- ", "+ ", "1. ", "1) "), or a rule / setext underline ("---", "===").
_LINE_START = re.compile(r"^([ \t]*)(?:([-+])(?=[ \t]|$)|(\d+)([.)])(?=[ \t]|$)|([-=])(?=[-= \t]*$))", re.MULTILINE)


def escape(text: str | None) -> str:
    """Text shown literally in Markdown (a passage may hold *, #, <b>, [x](y), :red[…], $…$, &lt;)."""
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(), text or "")
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match) -> str:
    indent, bullet, number, delimiter, rule = match.groups()
    if number:
        return f"{indent}{number}\\{delimiter}"
    return f"{indent}\\{bullet or rule}"


def label(text: str | None, limit: int = 200) -> str:
    """A widget label (button, expander, tab): one line, escaped, cut at ``limit`` characters."""
    line = _BREAKS.sub(" ", (text or "").strip())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return escape(line)


def text_markdown(text: str) -> str:
    """Plain answer text as Markdown: its own lines kept, its "- " items a list, nothing else interpreted."""
    lines = []
    in_list = False
    for line in text.splitlines():
        item = line.lstrip().startswith("- ")
        body = escape(line.lstrip()[2:] if item else line)
        if in_list and not item:
            lines.append("")  # a blank line ends the list, or the next line joins its last item
        lines.append(f"- {body}" if item else body + "  ")
        in_list = item
    return "\n".join(lines)


def quote(before: str, sentence: str, after: str) -> str:
    """A passage as a block quote with its key sentence highlighted."""
    body = escape(before) + ":orange-background[" + escape(sentence) + "]" + escape(after)
    return "\n".join("> " + line for line in body.splitlines() if line.strip())


def check_line(check: NumberCheck, number: int | None = None) -> str:
    """One number check as a list item: badge, value, the table's value when it differs, the source."""
    status = CHECK_LABELS.get(check.status, check.status)
    expected = f"，表中为 {check.expected:g}" if check.expected is not None else ""
    color = CHECK_BADGES.get(check.status, "gray")
    where = f" :gray-badge[出处 {number}]" if number is not None else ""
    return (f"- :{color}-badge[{status}] {escape(f'{check.value:g}')} {escape(check.unit)}{escape(expected)}"
            f" — {escape(check.source)}{where}")


def citation_heading(citation: Citation) -> str:
    """文件 · 章节 · 第 N 行 (and page for a PDF), unescaped."""
    parts = [citation.title or citation.doc]
    if citation.section:
        parts.append(citation.section)
    if citation.lines:
        parts.append(f"第 {citation.lines} 行")
    if citation.page is not None:
        parts.append(f"第 {citation.page} 页")
    return " · ".join(parts)
