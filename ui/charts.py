"""Charts for answer rows (图表): only where a person would rather look than read.

``plan_chart(rows)`` decides: a ranking (three or more labelled amounts of
one document), a comparison across documents (one amount per document, or
per subject and document), or budget against final (预算数 vs 决算数). Any
other shape — one row, no label, no amount, only zeros — gets no chart.
``build_chart(plan)`` turns the plan into an Altair horizontal bar chart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import altair as alt
import pandas as pd

ChartKind = Literal["ranking", "comparison", "budget_vs_final"]

MAX_BARS = 40
LEGEND = alt.Legend(orient="bottom", direction="vertical", labelLimit=360)  # one long document name a line
LABEL_COLUMNS = (
    "subject_name", "item", "project_name", "source", "row_label", "name", "title", "label",
    "科目名称", "项目名称", "项目", "名称",
)
DOC_COLUMNS = ("department", "doc_id", "部门", "单位")
NOT_AMOUNTS = re.compile(
    r"(^|_)(id|year|line|lines|line_start|line_end|page|level|code|index|row_index|table_id|section_id|n_\w+)$"
    r"|年度|行号|代码|编码"
)
RATE = re.compile(r"rate|pct|percent|ratio|率|比例|%")
BUDGET = re.compile(r"budget|预算")
FINAL = re.compile(r"final|actual|execution|决算|执行")
MAIN_AMOUNTS = ("total", "amount", "value", "合计", "金额", "final", "budget")
SERIES_LABELS = {
    "total": "合计", "basic": "基本支出", "project": "项目支出", "amount": "金额", "value": "金额",
    "personnel": "人员经费", "public": "公用经费", "budget": "预算数", "initial_budget": "年初预算数",
    "adjusted_budget": "全年预算数", "final": "决算数", "final_amount": "决算数", "change": "增减额",
    "change_amount": "增减额",
}


@dataclass(frozen=True)
class ChartPlan:
    """What to draw: ``data`` is long form with columns 项目, 系列, 万元 (and 文件 for comparisons)."""

    kind: ChartKind
    data: pd.DataFrame
    title: str
    unit: str = "万元"


def plan_chart(rows: list[dict[str, Any]]) -> ChartPlan | None:
    """The chart that helps with these answer rows, or None when a table reads better."""
    if len(rows) < 2 or len(rows) > MAX_BARS:
        return None
    frame = pd.DataFrame(rows)
    amounts = amount_columns(frame)
    label = label_column(frame)
    if not amounts or label is None:
        return None
    doc = document_column(frame)
    pair = budget_final_pair(amounts)
    if pair is not None:
        return _grouped(frame, label, doc, list(pair), "budget_vs_final", "预算数与决算数")
    main = main_amount(amounts)
    if doc is not None:
        if frame[label].nunique() == 1 or frame[label].equals(frame[doc]):
            return _bars(frame, doc, main, "comparison", f"各文件{_series_name(main)}对比")
        return _grouped_by_document(frame, label, doc, main)
    if len(frame) < 3 or frame[label].nunique() < len(frame):
        return None
    return _bars(frame, label, main, "ranking", f"{_series_name(main)}排序")


def build_chart(plan: ChartPlan) -> alt.Chart:
    """A horizontal bar chart, largest first; grouped bars carry a colour legend."""
    data = plan.data
    grouped = data["系列"].nunique() > 1 or "文件" in data
    series = "文件" if "文件" in data and data["系列"].nunique() == 1 else "系列"
    order = data.groupby("项目", sort=False)["万元"].max().sort_values(ascending=False).index.tolist()
    encodings: dict[str, Any] = {
        "x": alt.X("万元:Q", title=plan.unit),
        "y": alt.Y("项目:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        "tooltip": [alt.Tooltip(c) for c in data.columns],
    }
    if grouped:
        encodings["color"] = alt.Color(f"{series}:N", title=None, legend=LEGEND)
        encodings["yOffset"] = alt.YOffset(f"{series}:N")
    bars = len(data)
    return (
        alt.Chart(data, title=plan.title)
        .mark_bar()
        .encode(**encodings)
        .properties(height=max(120, 22 * bars))
    )


def chart_for(rows: list[dict[str, Any]]) -> alt.Chart | None:
    plan = plan_chart(rows)
    return build_chart(plan) if plan is not None else None


def amount_columns(frame: pd.DataFrame) -> list[str]:
    """Numeric columns that hold amounts (not codes, years, lines; rates only when nothing else)."""
    numeric = [
        c for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        and not NOT_AMOUNTS.search(str(c)) and frame[c].notna().any()
    ]
    amounts = [c for c in numeric if not RATE.search(str(c))]
    return amounts or numeric


def label_column(frame: pd.DataFrame) -> str | None:
    """The text column naming each row: a known name first, else the first text column that varies."""
    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    for name in LABEL_COLUMNS:
        if name in text and frame[name].notna().all():
            return name
    varying = [c for c in text if c not in DOC_COLUMNS and frame[c].nunique() > 1]
    if varying:
        return varying[0]
    return document_column(frame)


def document_column(frame: pd.DataFrame) -> str | None:
    """The column naming the document, when the rows come from more than one."""
    for name in DOC_COLUMNS:
        if name in frame and frame[name].nunique() > 1:
            return name
    return None


def budget_final_pair(amounts: list[str]) -> tuple[str, str] | None:
    budget = next((c for c in amounts if BUDGET.search(str(c)) and not FINAL.search(str(c))), None)
    final = next((c for c in amounts if FINAL.search(str(c))), None)
    return (budget, final) if budget and final else None


def main_amount(amounts: list[str]) -> str:
    for name in MAIN_AMOUNTS:
        if name in amounts:
            return name
    return amounts[0]


def _series_name(column: str) -> str:
    return SERIES_LABELS.get(column, column)


def _bars(frame: pd.DataFrame, label: str, amount: str, kind: ChartKind, title: str) -> ChartPlan | None:
    data = pd.DataFrame({"项目": frame[label].astype(str), "系列": _series_name(amount), "万元": frame[amount]})
    return _plan(kind, data, title)


def _grouped(frame: pd.DataFrame, label: str, doc: str | None, amounts: list[str], kind: ChartKind,
             title: str) -> ChartPlan | None:
    labels = frame[label].astype(str)
    if doc is not None:
        labels = labels + "（" + frame[doc].astype(str) + "）"
    data = pd.concat(
        [pd.DataFrame({"项目": labels, "系列": _series_name(c), "万元": frame[c]}) for c in amounts],
        ignore_index=True,
    )
    return _plan(kind, data, title)


def _grouped_by_document(frame: pd.DataFrame, label: str, doc: str, amount: str) -> ChartPlan | None:
    data = pd.DataFrame({
        "项目": frame[label].astype(str), "系列": _series_name(amount), "文件": frame[doc].astype(str),
        "万元": frame[amount],
    })
    return _plan("comparison", data, f"各文件{_series_name(amount)}对比")


def _plan(kind: ChartKind, data: pd.DataFrame, title: str) -> ChartPlan | None:
    data = data.dropna(subset=["万元"])
    if data.empty or not (data["万元"] != 0).any() or (kind == "ranking" and data["项目"].nunique() < 2):
        return None
    return ChartPlan(kind, data.reset_index(drop=True), title)


def comparison_chart(frame: pd.DataFrame, title: str) -> alt.Chart | None:
    """The 对比 page's chart (``ui.compare`` frame): a group of bars per quantity, one bar per document."""
    data = frame.dropna(subset=["value"])[["quantity", "document", "value"]]
    if data.empty:
        return None
    order = list(dict.fromkeys(data["quantity"]))
    return (
        alt.Chart(data.rename(columns={"quantity": "项目", "document": "文件", "value": "万元"}), title=title)
        .mark_bar()
        .encode(
            x=alt.X("万元:Q", title="万元"),
            y=alt.Y("项目:N", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("文件:N"),
            color=alt.Color("文件:N", title=None, legend=LEGEND),
            tooltip=["项目", "文件", alt.Tooltip("万元:Q", format=",.2f")],
        )
        .properties(height=max(120, 18 * len(data)))
    )
