"""Audit (核对) on the three seed documents: coverage, the real findings, and an edited copy."""
from __future__ import annotations

import copy
from argparse import Namespace
from pathlib import Path

import duckdb
import pytest

from index.audit.findings import link_coverage
from index.audit.narrative import audit_document
from index.errors import AuditUnavailableError
from index.store.findings import read_findings
from ui.audit_report import findings_frame, render_findings, summarize
from index.parse.document import parse_document
from index.read.files import read_source
from conftest import LUNTAI, SEEDS, corpus_document, parsed_seed

MAX_BYTES = 50_000_000
SCHEMA = Path(__file__).resolve().parent.parent / "index" / "store" / "schema.sql"

# Every mismatch of the seeds, checked by reading the source lines:
# (kind, line, stated, table value or recomputed figure)
KNOWN_MISMATCHES = {
    "luntai": set(),
    # L518 "社会保障和就业支出（类）3,280.83 万元，占 94.09%": 3280.83 ÷ 3487.24 (表5 总计, L289) = 94.08%.
    # L481 "财政拨款结转 2,596.00 万元，占 40.20%": 2596.00 ÷ 6459.22 (表2 总计, L151) = 40.19%.
    "bazhou": {("recomputed_ratio", 518, 94.09, 94.081), ("recomputed_ratio", 481, 40.2, 40.191)},
    "xuchang": set(),
}
LINKED = {"luntai": (67, 67), "bazhou": (60, 60), "xuchang": (70, 70)}


@pytest.fixture(scope="session")
def documents():
    return {name: parsed_seed(path) for name, path in SEEDS.items()}


@pytest.fixture(scope="session")
def findings(documents):
    return {name: audit_document(document) for name, document in documents.items()}


def _mismatches(found, name):
    return {(f.kind, f.line_start, f.stated_value, round(f.table_value, 3)) for f in found if f.status == "mismatch"}


@pytest.mark.parametrize("name", list(SEEDS))
def test_audit_links_at_least_90_percent_of_subject_amounts(findings, name):
    linked, total = link_coverage(findings[name])
    assert (linked, total) == LINKED[name]
    assert linked / total >= 0.9


@pytest.mark.parametrize("name", list(SEEDS))
def test_seed_mismatches_are_exactly_the_known_ones(findings, name):
    assert _mismatches(findings[name], name) == KNOWN_MISMATCHES[name]
    assert not [f for f in findings[name] if f.status == "not_found"]


def test_final_accounts_class_amount_is_compared_with_the_fiscal_table(findings):
    """L2969 社会保障和就业支出（类）10663.65: 公开05表 says 10663.65, the all-funds 公开03表 10663.67."""
    finding = next(f for f in findings["xuchang"] if f.kind == "narrative_vs_table"
                   and f.line_start == 2969 and f.stated_value == 10663.65)
    assert (finding.status, finding.table_number, finding.row_label, finding.table_value) == (
        "match", "公开05表", "社会保障和就业支出", 10663.65)


def test_basic_expenditure_of_final_accounts_links_to_its_own_table(findings):
    """L3003 基本支出7645.69 (公开05表 合计 基本支出), not 公开03表's 7645.71."""
    finding = next(f for f in findings["xuchang"] if f.line_start == 3003 and f.stated_value == 7645.69)
    assert (finding.status, finding.table_number, finding.column_path) == ("match", "公开05表", "本年支出/基本支出")


def test_completion_rate_is_recomputed_from_the_table(findings):
    """L2973 其他一般公共服务支出: 决算数 272.03 ÷ 年初预算数 12.00 = 2266.92%."""
    finding = next(f for f in findings["xuchang"] if f.kind == "recomputed_ratio" and f.line_start == 2973)
    assert (finding.status, finding.stated_value, round(finding.table_value, 2)) == ("match", 2266.92, 2266.92)


def test_growth_rate_is_recomputed_from_the_table(findings):
    """L517 行政运行 209.44, 比上年预算增加 69.12: 69.12 ÷ (209.44 − 69.12) = 49.26%."""
    finding = next(f for f in findings["luntai"] if f.kind == "recomputed_ratio" and f.line_start == 517)
    assert (finding.status, finding.stated_value, round(finding.table_value, 2)) == ("match", 49.26, 49.26)


def test_project_spread_over_two_subjects_is_summed(findings):
    """巴州 L644 中央就业补助资金项目 1,400.00 = 表7 社会保险补贴 551 + 公益性岗位补贴 849."""
    finding = next(f for f in findings["bazhou"] if f.line_start == 644)
    assert (finding.status, finding.table_value) == ("match", 1400.0)


def test_amounts_after_a_list_intro_are_audited(findings):
    """L2969 "…主要用于以下方面：一般公共服务支出（类）302.61万元，占2.55%": 用于以下方面 opens the list."""
    found = [(f.kind, f.status, f.stated_value) for f in findings["xuchang"] if f.line_start == 2969]
    assert ("narrative_vs_table", "match", 302.61) in found
    assert ("recomputed_ratio", "match", 2.55) in found


def test_edited_copy_yields_exactly_the_two_edits(tmp_path, findings):
    """One narrative number (L517 209.44 → 290.44) and one table cell (表2 行政运行 一般公共预算 → 219.44)."""
    lines = LUNTAI.read_text(encoding="utf-8").split("\n")
    assert lines[141].startswith("208\t01\t01\t行政运行\t209.44\t209.44\t209.44\t")
    lines[141] = lines[141].replace("209.44\t209.44\t209.44", "209.44\t209.44\t219.44", 1)
    lines[516] = lines[516].replace("预算数为209.44万元", "预算数为290.44万元")
    edited = tmp_path / LUNTAI.name
    edited.write_text("\n".join(lines), encoding="utf-8")

    found = audit_document(parse_document(read_source(edited, MAX_BYTES)))

    problems = [f for f in found if f.status != "match"]
    assert [(f.kind, f.line_start, f.stated_value, f.table_value) for f in problems] == [
        ("narrative_vs_table", 517, 290.44, 209.44),
        ("parent_sum", 141, 263.59, 273.59),
    ]
    assert problems[0].message == "文中 290.44 万元 ≠ 表5 一般公共预算支出情况表“行政运行”合计 209.44 万元（差 +81.00）"
    assert (problems[1].table_number, problems[1].row_label, problems[1].line_end) == (
        "表2", "人力资源和社会保障管理事务", 144)


def _edited_luntai(tmp_path: Path, line: int, old: str, new: str) -> list:
    lines = LUNTAI.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    edited = tmp_path / LUNTAI.name
    edited.write_text("\n".join(lines), encoding="utf-8")
    found = audit_document(parse_document(read_source(edited, MAX_BYTES)))
    return [f for f in found if f.status != "match"]


def test_basic_expenditure_off_by_a_cent_breaks_total_split(tmp_path):
    """表5 L282 行政运行 合计 209.44 | 基本支出 209.44 → 209.45: 合计 ≠ 基本 + 项目 (one part: no 尾差 allowed);
    20801's 基本支出 (two parts, 263.59 vs 263.60) is within rounding."""
    problems = _edited_luntai(tmp_path, 282, "209.44\t209.44", "209.44\t209.45")
    assert [(f.kind, f.line_start, f.stated_value, f.table_value, f.column_path) for f in problems] == [
        ("total_split", 282, 209.44, 209.45, "一般公共预算支出/基本支出"),
    ]


def test_class_total_differing_between_tables_is_a_cross_table_finding(tmp_path):
    """表4 L236 教育支出 一般公共预算 0.82 → 1.82, while 表5 says 0.82."""
    problems = _edited_luntai(tmp_path, 236, "0.82\t0.82", "0.82\t1.82")
    assert [(f.kind, f.stated_value, f.table_number, f.row_label, f.table_value) for f in problems] == [
        ("cross_table", 0.82, "表4", "教育支出", 1.82),
    ]
    assert problems[0].message == ("表5 一般公共预算支出情况表“教育支出”合计（第 277 行）0.82 ≠ "
                                   "表4 财政拨款收支预算总体情况表“教育支出”一般公共预算（第 236 行）1.82（差 -1.00）")


@pytest.fixture()
def audit_db(tmp_path, findings, documents):
    path = tmp_path / "budget.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(SCHEMA.read_text(encoding="utf-8"))
    for name in ("luntai", "bazhou"):
        meta = documents[name].meta
        connection.execute("INSERT INTO documents (doc_id, department, year, kind, scope) VALUES (?, ?, ?, ?, ?)",
                           [meta.doc_id, meta.department, meta.year, meta.kind.value, meta.scope.value])
        frame = findings_frame(findings[name])
        connection.register("frame", frame)
        connection.execute("INSERT INTO audit_findings SELECT * FROM frame")
        connection.unregister("frame")
    connection.close()
    return path


def test_findings_are_read_back_by_department_name(audit_db):
    connection = duckdb.connect(str(audit_db), read_only=True)
    frame = read_findings(connection, "巴音郭楞")
    connection.close()
    assert set(frame["doc_id"]) == {"2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"}
    summary = summarize(frame).iloc[0]
    assert (summary["subject_amounts"], summary["linked"], summary["coverage_pct"]) == (60, 60, 100.0)


def test_reading_findings_of_an_unknown_document_is_an_error(audit_db):
    connection = duckdb.connect(str(audit_db), read_only=True)
    with pytest.raises(AuditUnavailableError) as error:
        read_findings(connection, "许昌")
    connection.close()
    assert error.value.user_message == "没有核对结果：没有与“许昌”对应的文件"


def test_text_report_names_both_sides_and_the_lines(audit_db):
    connection = duckdb.connect(str(audit_db), read_only=True)
    text = render_findings(read_findings(connection, "巴音郭楞"), "text")
    connection.close()
    assert text.splitlines()[0] == ("2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局：叙述数额 60 个，"
                                    "对应到表格 60 个（100.0%）；比较基数：上年预算；问题 2 个（高 2、中 0、低 0），尾差 0 个")
    assert ("  [高·比率复算] 第 518 行：文中 94.09%，占比 = "
            "表5 一般公共预算支出情况表“社会保障和就业支出”合计 3280.83 ÷ 表5 一般公共预算支出情况表“总计”合计 3487.24"
            " = 94.08%") in text.splitlines()


def test_csv_and_markdown_exports(audit_db):
    connection = duckdb.connect(str(audit_db), read_only=True)
    frame = read_findings(connection)
    connection.close()
    csv = render_findings(frame, "csv")
    assert csv.splitlines()[0].startswith("doc_id,seq,kind,status,statement,line_start")
    assert len(csv.splitlines()) > len(frame)  # a statement may hold a line break
    markdown = render_findings(frame, "markdown")
    assert markdown.startswith("## 核对汇总\n\n| 文件 | 叙述数额 | 已对应 | 对应率% | 比较基数 | 问题 | 高 | 中 | 低 | 尾差 |")
    assert "| 高 |  | 518 | 比率复算 |" in markdown


def test_audit_command_prints_the_stored_findings(audit_db, monkeypatch, capsys):
    from assistant import commands
    from index.config import Settings

    monkeypatch.setattr(commands, "_ensure_database", lambda settings: None)
    settings = Settings.from_env(data_dir=str(audit_db.parent))
    assert settings.db_path == audit_db
    assert commands.run_audit(settings, Namespace(doc="轮台", format="text")) == 0
    assert capsys.readouterr().out == (
        "2024-预算-部门-轮台县人力资源和社会保障局：叙述数额 67 个，对应到表格 67 个（100.0%）；比较基数：上年预算；"
        "问题 0 个（高 0、中 0、低 0），尾差 0 个\n")


# Change statements recomputed from the text (index.audit.changes), on sentences as printed in real documents.

def _block(text: str):
    from index.model import PassageKind
    from index.narrative.passages import Block

    return Block(PassageKind.PARAGRAPH, ("情况说明",), text, [(0, 100)])


def _changes(text: str) -> list[tuple]:
    from index.audit.changes import check_changes

    return [(f["kind"], f["status"], f["stated_value"], f["table_value"] and round(f["table_value"], 2),
             f["column_path"]) for f in check_changes([_block(text)])]


def test_growth_rate_contradicted_by_its_amounts_is_a_mismatch():
    """国家信访局 2024 决算 p17: 5834.37 ÷ (22066.59 − 5834.37) = 35.94%, printed 35.74%."""
    assert _changes("国家信访局 2024 年度收、支总计 22066.59 万元，与 2023 年相比，收、支总计各增加 5834.37 万元，"
                    "增长 35.74%。") == [("recomputed_ratio", "mismatch", 35.74, 35.94, "上年")]


def test_growth_rate_of_whole_wan_amounts_allows_their_rounding():
    """江苏 2017 p28: 4032.99 ÷ 1586.32 = 254.2356%, printed 254.23: within the rounding of the amounts."""
    assert _changes("机关运行经费预算支出 5619.31 万元，比 2016 年增加 4032.99 万元，增加 254.23%。") == [
        ("recomputed_ratio", "match", 254.23, 254.24, "上年")]


@pytest.mark.parametrize("text, status", [
    ("一般公共预算财政拨款支出 1668.14万元，比年初预算数增加 1668.14万元，增长 0%；", "mismatch"),
    ("专项普查活动60.13万元，比上年预算增加60.13万元，增长100.00%。", "match"),  # a new item: 100% by convention
])
def test_rate_from_a_zero_base_is_only_the_new_item_convention(text, status):
    assert [(kind, found) for kind, found, *_ in _changes(text)] == [("recomputed_ratio", status)]


def test_zero_amount_after_an_increase_is_an_impossible_base():
    """万里街道 2023 p6: "政府性基金拨款支出预算0万元，比2022年预算增加1421.25万元" → 上年预算 −1421.25."""
    found = _changes("政府性基金拨款支出预算0万元，比2022年预算增加1421.25万元；")
    assert found == [("change_statement", "mismatch", 1421.25, 0.0, "上年预算")]


def test_item_amount_stated_twice_and_its_rate_are_checked_against_the_base():
    """万里街道 2023 item 16: 220.63 at the head, 441.25 as 预算安排; 60.54% fits neither (66.40%, 232.79%)."""
    text = ("16. “社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）”220.63万元，"
            "主要用于机关事业单位职业年金缴费支出。2022年当年预算执行数为132.59万元，2023年预算安排441.25万元，"
            "比2022年预算执行数增加60.54%。主要原因是：事业单位离退休经费增加。")
    found = _changes(text)
    assert ("duplicate_value", "mismatch", 441.25, 220.63, "上年预算执行数") in found
    assert ("recomputed_ratio", "mismatch", 60.54, 232.79, "上年预算执行数") in found


def test_rate_agreeing_with_the_head_amount_is_not_a_second_finding():
    """万里街道 2024 item 31: 350.35 (the table's) and 352.67; 0.53% is right for 350.35."""
    text = ("31. “住房保障支出（类）住房改革支出（款）住房公积金（项）”350.35万元，主要用于住房公积金。2023年当年预算执行数为"
            "348.52万元，2024年预算安排352.67万元，比2023年预算执行数增加0.53%。主要原因是：住房公积金经费增加。")
    assert [(kind, status) for kind, status, *_ in _changes(text)] == [
        ("duplicate_value", "mismatch"), ("recomputed_ratio", "match")]


def test_reason_against_the_direction_of_the_change_is_found():
    """万里街道 2024 item 4: 114.00 → 110.60 (−2.98%), "主要原因是：宣传事务一般行政管理事务经费增加"."""
    text = ("4. “一般公共服务支出（类）宣传事务（款）一般行政管理事务（项）”110.60万元，主要用于宣传事务一般行政管理事务。"
            "2023年当年预算执行数为114.00万元，2024年预算安排110.60万元，比2023年预算执行数减少2.98%。"
            "主要原因是：宣传事务一般行政管理事务经费增加。")
    assert ("reason", "mismatch", None, None, None) in _changes(text)


def test_empty_reason_is_found():
    assert _changes("公务接待费预算支出 427.5 万元，与上年预算数持平，主要原因是。") == [
        ("reason", "mismatch", None, None, None)]


@pytest.mark.parametrize("text, status", [
    ("“三公”经费财政拨款支出决算为 0.16万元，完成预算 0 万元的 0% 。", "mismatch"),
    ("因公出国（境）费支出决算为 0万元，完成预算 0万元的 0%；", "match"),
    ("年初预算为 5717.32 万元，支出决算为 5757.63 万元，完成年初预算的 100.71%。", "match"),
    ("年初预算为 590.53 万元，支出决算为 4.7 万元，完成年初预算的 8.0%。", "mismatch"),
])
def test_completion_rate_is_recomputed(text, status):
    assert [(kind, found) for kind, found, *_ in _changes(text)] == [("recomputed_ratio", status)]


@pytest.fixture(scope="session")
def corpus_findings():
    from conftest import corpus_pdf

    names = ("n06_shanghai_ShanghaiTechUniversityAffiliatedSchool_2026_unit_budget.pdf",
             "14_putuo_wanli_street_2023_dept_budget.pdf")
    return {name: audit_document(parse_document(read_source(corpus_pdf(name), MAX_BYTES))) for name in names}


def test_whole_wan_narrative_of_a_yuan_table_has_no_problem(corpus_findings):
    """上海 单位预算 prints 10,806万元 for 108,059,614 元: right at its precision, not a mismatch."""
    found = corpus_findings["n06_shanghai_ShanghaiTechUniversityAffiliatedSchool_2026_unit_budget.pdf"]
    assert not [f for f in found if f.status == "mismatch"]
    income = next(f for f in found if f.kind == "narrative_vs_table" and f.stated_value == 10806)
    assert (income.status, income.table_value, income.page) == ("match", 10805.9614, 6)


def test_shanghai_items_are_linked_and_their_defects_ranked_with_pages(corpus_findings):
    """万里街道 2023: the 预算安排 amounts link to their 表5 row; the hand-checked defects are found on their pages."""
    found = corpus_findings["14_putuo_wanli_street_2023_dept_budget.pdf"]
    linked, amounts = link_coverage(found)
    assert linked / amounts >= 0.9
    problems = {(f.kind, f.page, f.stated_value) for f in found if f.status == "mismatch"}
    assert problems == {("change_statement", 6, 1421.25), ("recomputed_ratio", 6, 314.82),
                        ("narrative_vs_table", 7, 441.25), ("recomputed_ratio", 7, 60.54)}
    assert all(f.severity == 3 for f in found if f.status == "mismatch")
    frame = findings_frame(found)
    from ui.audit_report import ranked_problems
    ranked = ranked_problems(frame)
    assert list(ranked.columns) == ["文件", "严重程度", "页", "行", "类型", "文中", "表格", "核算", "差额"]
    assert ranked.iloc[0]["核算"].startswith("本年 0 万元比上年预算增加 1421.25 万元")


def test_note_saying_a_filled_table_is_empty_is_found():
    """万里街道 2024 表9: "注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。" over 47.91 and 443.18."""
    from types import SimpleNamespace

    from index.audit.table_sums import check_notes
    from index.model import Cell, Measure, Row, Table, TableKind

    cells = [Cell("合计", Measure.TOTAL, 47.91, "47.91", 900, 31), Cell("机关运行经费", Measure.OTHER, 443.18, "443.18", 900, 31)]
    table = Table(None, "部门“三公”经费和机关运行经费预算表", TableKind.THREE_PUBLIC, "万元", 895, 901,
                  rows=[Row(0, "", 900, cells=cells)], note="注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。")
    conditional = Table(None, "“三公”经费支出情况表", TableKind.THREE_PUBLIC, "万元", 905, 910,
                        rows=[Row(0, "合计", 908, cells=cells[:1])], note="注：此表如无数字则表示单位无该项支出。")
    found = check_notes(SimpleNamespace(tables=[table, conditional]))
    assert [(f["kind"], f["line_start"], f["message"]) for f in found] == [
        ("table_note", 900, "表注称本表为空表，但表中有数额（47.91、443.18 万元）")]


HUZHOU = "n18_zhejiang_Huzhou_HealthCommission_2026_dept_budget.pdf"
XIAN_TABLES = "n31_shaanxi_Xian_WorkSafetyBureau_2019_dept_budget_tables.pdf"
CHANGCHUN = "n33_jilin_Changchun_PublicComplaintsBureau_2026_dept_budget.pdf"


def _table_sums(document) -> list[tuple]:
    from index.audit.linking import CellIndex
    from index.audit.table_sums import check_tables

    return [(f["kind"], f["section"], f["statement"]) for f in check_tables(CellIndex.from_document(document), final=False)
            if f["kind"] in ("parent_sum", "total_split")]


@pytest.mark.parametrize("name", [HUZHOU, XIAN_TABLES])
def test_column_groups_and_per_unit_sections_raise_no_false_sums(name):
    """湖州 表05: 合计 = 基本支出/小计 + 项目支出 (its 人员经费/公用经费 sit inside 基本支出's 小计);
    西安 表5–8 list the subjects again under each unit (合计, unit, 类…, unit, 类…): sums hold per unit."""
    assert _table_sums(corpus_document(name)) == []


def test_a_group_subtotal_off_by_one_is_still_found():
    """湖州 表05's first row with a 基本支出/小计 (the 合计 row): raised by 1, 合计 no longer equals 基本 + 项目."""
    document = copy.deepcopy(corpus_document(HUZHOU))  # the shared parse stays untouched
    table = next(t for t in document.tables if t.kind.value == "general_expenditure")
    row = next(r for r in table.rows if any(c.column_path.endswith("基本支出/小计") and c.value for c in r.cells))
    cell = next(c for c in row.cells if c.column_path.endswith("基本支出/小计"))
    cell.value = round(cell.value + 1, 2)
    found = [(kind, text.split("（第")[0]) for kind, _, text in _table_sums(document)]
    assert ("total_split", f"{table.number} {table.name}“{row.label}”合计") in found
    assert {kind for kind, _ in found} <= {"total_split", "parent_sum"}  # and the sum over its children


def test_a_document_whose_subtotal_misses_its_project_column_is_found():
    """长春 预算表3 p8 prints 2014002 一般行政管理事务 合计 458.00 | 当年预算 小计 0.00 | 项目支出 458.00:
    the 当年预算 小计 is not 基本 + 项目, and 信访事务's 小计 1378.41 not the sum of its 项."""
    found = _table_sums(corpus_document(CHANGCHUN))
    assert any(kind == "total_split" and "“一般行政管理事务”小计" in text for kind, _, text in found)
    assert any(kind == "parent_sum" and "“信访事务”小计" in text for kind, _, text in found)


def test_an_amount_of_an_earlier_year_named_by_its_year_is_not_compared_with_this_year():
    """长春 2026 p18: "2026年“三公经费”预算数为7.61万元，2025年预算数为9.23万元" — 9.23 is last year's."""
    found = audit_document(corpus_document(CHANGCHUN))
    assert not [f for f in found if f.kind == "narrative_vs_table" and f.stated_value == 9.23]
    assert any(f.kind == "narrative_vs_table" and f.stated_value == 7.61 and f.status == "match" for f in found)


def test_a_row_that_states_the_amount_in_another_column_links_to_that_column():
    """长沙 2026 p8 "（二）项目支出：… 其中：一般公共服务支出 417.41 万元" is the row's 项目支出, not its 总计."""
    found = audit_document(corpus_document("n24_hunan_Changsha_PublicComplaintsBureau_2026_dept_budget.pdf"))
    stated = [f for f in found if f.kind == "narrative_vs_table" and f.stated_value == 417.41]
    assert not [f for f in stated if f.status == "mismatch"]
    assert any(f.status == "match" and f.column_path == "项目支出" and f.row_label == "一般公共服务支出" for f in stated)
