"""PDF input: pages become lines, ruled tables become tab-separated rows (index/pdf.py).

The corpus PDFs are read from ../shared/corpus and skipped when absent; the
image-only, encrypted and damaged files are tiny PDFs written by hand here.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import pdfplumber
import pytest

from index.errors import UnreadableDocumentError
from index.model import Line, SourceText
from index.read.pdf import page_lines, read_pdf, read_pdf_with_warnings
from conftest import corpus_pdf

PUTUO_BUDGET = "01_putuo_gov_office_2025_dept_budget.pdf"
WANLI_2024 = "05_putuo_wanli_street_2024_dept_budget.pdf"
PUTUO_FINAL = "09_putuo_finance_2024_dept_final.pdf"
JIANGSU_2017 = "18_jiangsu_npc_office_2017_dept_budget.pdf"
JIANGSU_2018 = "19_jiangsu_npc_office_2018_dept_budget.pdf"
JIANGSU_2019_TABLES = "21_jiangsu_npc_2019_dept_budget_tables.pdf"


@pytest.fixture(scope="module")
def putuo_budget() -> SourceText:
    return read_pdf(corpus_pdf(PUTUO_BUDGET))


@pytest.fixture(scope="module")
def jiangsu_tables() -> SourceText:
    return read_pdf(corpus_pdf(JIANGSU_2019_TABLES))


def pages_of(name: str, *numbers: int) -> dict[int, list[str]]:
    """Selected pages of a corpus PDF through page_lines (faster than the whole file)."""
    with pdfplumber.open(corpus_pdf(name)) as pdf:
        return {n: page_lines(pdf.pages[n - 1]) or [] for n in numbers}


def find(source: SourceText, text: str) -> Line:
    matches = [line for line in source.lines if line.text == text]
    assert matches, f"no line {text!r}"
    return matches[0]


def test_putuo_budget_is_read_page_by_page_with_running_line_numbers(putuo_budget):
    assert putuo_budget.encoding == "pdf"
    assert putuo_budget.n_bytes == corpus_pdf(PUTUO_BUDGET).stat().st_size
    assert [line.number for line in putuo_budget.lines] == list(range(1, len(putuo_budget.lines) + 1))
    assert {line.page for line in putuo_budget.lines} == set(range(1, 23))
    assert find(putuo_budget, "预算主管部门：上海市普陀区人民政府办公室").page == 1
    assert find(putuo_budget, "2025年部门预算编制说明").page == 6
    assert find(putuo_budget, "其他相关情况说明").page == 21


def test_narrative_keeps_reading_order_and_wrapped_lines(putuo_budget):
    start = find(putuo_budget, "2025年部门预算编制说明").number
    assert putuo_budget.lines[start].text.startswith(
        "2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入9,101.68万元，比2024年预算减少"
    )
    assert putuo_budget.lines[start + 1].text.startswith("元；事业收入0万元")


def test_financial_summary_row_comes_out_as_tab_separated_cells(putuo_budget):
    row = find(putuo_budget, "一、财政拨款收入\t91,016,775.35\t一、一般公共服务支出\t82,096,797.42")
    assert row.page == 8
    assert find(putuo_budget, "收入总计\t91,016,775.35\t支出总计\t91,016,775.35").page == 8


def test_title_and_unit_lines_stay_above_the_table(putuo_budget):
    title = find(putuo_budget, "2025年部门财务收支预算总表")
    following = [line.text for line in putuo_budget.lines[title.number : title.number + 3]]
    assert following == [
        "编制部门：上海市普陀区人民政府办公室 单位：元",
        "本年收入\t\t本年支出\t",
        "项目\t预算数\t项目\t预算数",
    ]


def test_merged_header_cells_leave_blanks_in_their_columns(putuo_budget):
    title = find(putuo_budget, "2025年部门收入预算总表")
    header = [line.text for line in putuo_budget.lines[title.number + 1 : title.number + 5]]
    assert header == [
        "项目\t\t\t\t收入预算\t\t\t\t",
        "功能分类科目编码\t\t\t功能分类科目名称\t合计\t财政拨款收入\t事业收入\t事业单位经营收入\t其他收入",
        "类\t款\t项\t\t\t\t\t\t",
        "201\t\t\t一般公共服务支出\t82,096,797.42\t82,096,797.42\t\t\t",
    ]


def test_blank_cells_stay_in_their_columns(putuo_budget):
    row = find(putuo_budget, "201\t03\t02\t一般行政管理事务\t46,140,000.00\t\t46,140,000.00")
    assert row.page == 11


def test_page_split_table_continues_as_rows_on_the_next_page(putuo_budget):
    assert find(putuo_budget, "210\t\t\t卫生健康支出\t1,097,073.43\t1,097,073.43\t\t\t").page == 10
    assert find(putuo_budget, "合计\t\t\t\t91,016,775.35\t91,016,775.35\t\t\t").page == 10


def test_lone_total_row_on_a_continuation_page_keeps_the_code_columns():
    source = read_pdf(corpus_pdf(WANLI_2024), pages=range(14, 16))
    assert [(line.page, line.text) for line in source.lines[-2:]] == [
        (14, "221\t03\t99\t其他城乡社区住宅支出\t2,177,200\t2,177,200\t0\t0\t0"),
        (15, "合计\t\t\t\t156,211,123\t156,211,123\t0\t0\t0"),
    ]


def test_continuation_row_keeps_the_columns_of_the_page_before():
    source = read_pdf(corpus_pdf(JIANGSU_2017), pages={7, 8, 9, 14, 15})
    by_text = {line.text: line for line in source.lines}
    assert by_text["\t\t十八、住房保障支出\t1,512.23\t\t"].page == 8
    assert by_text["收入合计\t13,649.07\t支出合计\t\t\t13,649.07"].page == 9
    assert by_text["30312\t提租补贴\t1,018.01"].page == 15


def test_only_the_selected_pages_are_read():
    source = read_pdf(corpus_pdf(PUTUO_FINAL), pages={21})
    assert {line.page for line in source.lines} == {21}
    assert source.lines[0].number == 1


def test_page_numbers_in_the_footer_are_dropped():
    pages = pages_of(JIANGSU_2018, 7, 16)
    assert pages[7][-1] == "员和人大机关干部队伍的思想政治素质和业务能力。"
    assert pages[16][-1] == "用车运行维护费及其他费用。"


def test_three_public_table_keeps_its_header_levels(putuo_budget):
    title = find(putuo_budget, "2025年部门“三公”经费和机关运行经费预算表")
    rows = [line.text for line in putuo_budget.lines[title.number : title.number + 5]]
    assert rows == [
        "编制部门：上海市普陀区人民政府办公室 单位:万元",
        "“三公”经费预算数\t\t\t\t\t\t机关运行经费预算数",
        "合计\t因公出国(境)费\t公务接待费\t公务用车购置及运行费\t\t\t",
        "\t\t\t小计\t购置费\t运行费\t",
        "867.50\t839.00\t28.50\t\t\t\t213.28",
    ]


def test_final_accounts_rows_keep_code_columns_and_values():
    pages = pages_of(PUTUO_FINAL, 8, 16)
    assert "201\t06\t01\t行政运行\t1,511.90\t1,511.89\t\t\t\t\t0.01" in pages[8]
    assert "208\t05\t05\t机关事业单位基本养老保险缴费支出\t160.75\t160.75\t\t\t\t\t" in pages[8]
    assert "301\t13\t住房公积金\t187.19\t302\t12\t因公出国（境）费用\t" in pages[16]


def test_numbers_in_another_font_stay_on_their_line():
    narrative = pages_of(PUTUO_FINAL, 21)[21]
    assert "上海市普陀区财政局2024年度收入支出总计2995.39万元。与2023年度相比，收入" in narrative
    assert "一般公共预算财政拨款支出年初预算为2993.92万元，支出决算为2940.05万元，完" in narrative


def test_captions_inside_the_grid_become_plain_lines():
    page = pages_of(JIANGSU_2017, 9)[9]
    start = page.index("收入预算总表")
    assert page[start - 1] == "收入合计\t13,649.07\t支出合计\t13,649.07"
    assert page[start + 1 : start + 4] == [
        "部门： 江苏省人大常委会办公厅 单位：万元",
        "项目名称\t\t金额",
        "收入总计\t\t13,649.07",
    ]


def test_content_drawn_past_the_page_edge_is_ignored():
    page = pages_of(JIANGSU_2017, 11)[11]
    assert page[0] == "财政拨款支出预算表"
    assert page[-1] == "2210202\t提租补贴\t1,018.01"
    assert "财政拨款基本支出预算表" not in page


def test_jiangsu_tables_pdf_splits_title_cell_into_caption_lines(jiangsu_tables):
    first = [line.text for line in jiangsu_tables.lines[:5]]
    assert first == [
        "收支预算总表",
        "公开表一",
        "部门： 江苏省人大常委会办公厅 单位：万元",
        "收入\t\t支出\t\t\t",
        "项目名称\t金额\t功能分类\t\t支出用途\t",
    ]
    row = find(jiangsu_tables, "一、财政拨款\t18,330.37\t一、一般公共服务支出\t13,907.78\t一、基本支出\t9,312.90")
    assert row.page == 1
    assert {line.page for line in jiangsu_tables.lines} == set(range(1, 14))


def test_header_copy_in_an_overlapping_title_cell_is_dropped(jiangsu_tables):
    title = find(jiangsu_tables, "一般公共预算机关运行经费支出预算表")
    rows = [line.text for line in jiangsu_tables.lines[title.number : title.number + 4]]
    assert rows == [
        "公开表十一",
        "部门： 江苏省人大常委会办公厅 单位：万元",
        "科目编码\t科目名称\t机关运行经费支出",
        "合计\t\t1,642.08",
    ]


# Tiny PDFs written by hand ---------------------------------------------------


def write_pdf(path: Path, objects: list[bytes], trailer_extra: bytes = b"") -> Path:
    """A PDF from numbered object bodies (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_and_scan_pdf(path: Path, scan_text: bytes = b"") -> Path:
    """Page 1 has a text layer ("Budget 2024"); page 2 is an image, like a scan (plus ``scan_text``)."""
    text = b"BT /F1 24 Tf 72 700 Td (Budget 2024) Tj ET"
    pixels = zlib.compress(bytes([128]) * 16)
    return write_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /Font << /F1 7 0 R >> >> >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R"
            b" /Resources << /XObject << /Im1 8 0 R >> /Font << /F1 7 0 R >> >> >>",
            stream(text),
            stream(b"q 400 0 0 500 100 200 cm /Im1 Do Q " + scan_text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream(
                pixels,
                b"/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode ",
            ),
        ],
    )


def test_image_only_page_is_reported_and_skipped(tmp_path):
    path = text_and_scan_pdf(tmp_path / "scan.pdf")
    source, warnings = read_pdf_with_warnings(path)
    assert [(line.number, line.text, line.page) for line in source.lines] == [(1, "Budget 2024", 1)]
    assert warnings == ["scan.pdf 第 2 页没有文字层（扫描图像），已跳过"]


def test_scanned_page_with_a_printed_page_number_is_still_skipped(tmp_path):
    path = text_and_scan_pdf(tmp_path / "scan.pdf", scan_text=b"BT /F1 10 Tf 290 30 Td (- 2 -) Tj ET")
    source, warnings = read_pdf_with_warnings(path)
    assert {line.page for line in source.lines} == {1}
    assert warnings == ["scan.pdf 第 2 页没有文字层（扫描图像），已跳过"]


def test_read_pdf_logs_the_skipped_page(tmp_path, caplog):
    path = text_and_scan_pdf(tmp_path / "scan.pdf")
    with caplog.at_level("WARNING", logger="index.read.pdf"):
        read_pdf(path)
    assert "scan.pdf 第 2 页没有文字层（扫描图像），已跳过" in caplog.messages


def test_pdf_with_only_scanned_pages_is_unreadable(tmp_path):
    pixels = zlib.compress(bytes([0]) * 4)
    path = write_pdf(
        tmp_path / "allscan.pdf",
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
            stream(b"q 400 0 0 500 100 200 cm /Im1 Do Q"),
            stream(
                pixels,
                b"/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode ",
            ),
        ],
    )
    with pytest.raises(UnreadableDocumentError) as caught:
        read_pdf(path)
    assert caught.value.user_message == "allscan.pdf: 无法读取（PDF 没有可提取的文字（可能是扫描件））"


def test_encrypted_pdf_is_unreadable(tmp_path):
    path = write_pdf(
        tmp_path / "locked.pdf",
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            b"<< /Filter /Standard /V 1 /R 2 /P -4 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>",
        ],
        trailer_extra=b"/Encrypt 3 0 R /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ",
    )
    with pytest.raises(UnreadableDocumentError) as caught:
        read_pdf(path)
    assert caught.value.user_message == "locked.pdf: 无法读取（PDF 已加密，需要密码）"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "不是 PDF 文件"),
        (b"\xe9\xa2\x84\xe7\xae\x97 plain text", "不是 PDF 文件"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF", "PDF 文件已损坏"),
    ],
)
def test_damaged_or_foreign_file_is_unreadable(tmp_path, content, reason):
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableDocumentError) as caught:
        read_pdf(path)
    assert caught.value.reason.startswith(reason)
    assert caught.value.user_message.startswith(f"bad.pdf: 无法读取（{reason}")
