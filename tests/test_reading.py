"""Reading files into numbered lines (index/reading.py): encodings, line numbers, refusals."""
from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest

from index.errors import UnreadableDocumentError, UnsupportedDocumentError
from index.read.files import format_size, read_source
from conftest import BAZHOU, LUNTAI, SEEDS, XUCHANG, corpus_pdf

LIMIT = 50 * 1024 * 1024
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def texts(path: Path) -> list[str]:
    return [line.text for line in read_source(path, LIMIT).lines]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_seed_lines_are_numbered_as_in_the_file():
    source = read_source(LUNTAI, LIMIT)
    data = LUNTAI.read_bytes()
    assert source.encoding == "utf-8"
    assert source.n_bytes == len(data)
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert len(source.lines) == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    assert [line.number for line in source.lines] == list(range(1, len(source.lines) + 1))
    assert source.lines[88].number == 89
    assert source.lines[88].text == "编制部门：轮台县人力资源和社会保障局"
    assert source.lines[530].text.startswith("8. 社会保障和就业支出(类)就业补助(款)社会保险补贴(项)")
    assert all(line.page is None for line in source.lines)


def test_tab_prefixed_cells_keep_their_tabs():
    lines = read_source(XUCHANG, LIMIT).lines
    assert lines[49].text == "\t部门：许昌市人力资源和社会保障局"


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_gbk_copy_reads_identically(tmp_path, name):
    original = SEEDS[name]
    copy = write(tmp_path, "gbk.txt", original.read_text(encoding="utf-8").encode("gb18030"))
    source = read_source(copy, LIMIT)
    assert source.encoding == "gb18030"
    assert texts(copy) == texts(original)


def test_gbk_text_without_rare_characters_reads_as_gb18030(tmp_path):
    path = write(tmp_path, "gbk.txt", "编制部门：轮台县人力资源和社会保障局\n单位：万元\n".encode("gbk"))
    assert texts(path) == ["编制部门：轮台县人力资源和社会保障局", "单位：万元"]


def test_utf8_with_bom_reads_identically(tmp_path):
    copy = write(tmp_path, "bom.md", codecs.BOM_UTF8 + BAZHOU.read_bytes())
    source = read_source(copy, LIMIT)
    assert source.encoding == "utf-8"
    assert source.lines[0].text == ""
    assert texts(copy) == texts(BAZHOU)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_reads_identically(tmp_path, codec):
    text = LUNTAI.read_text(encoding="utf-8")
    data = text.encode(codec) if codec == "utf-16" else ("\ufeff" + text).encode(codec)
    copy = write(tmp_path, "utf16.txt", data)
    source = read_source(copy, LIMIT)
    assert source.encoding == "utf-16"
    assert texts(copy) == texts(LUNTAI)


def test_windows_and_old_mac_line_endings_keep_line_numbers(tmp_path):
    path = write(tmp_path, "crlf.txt", "第一行\r\n\r\n第三行\r第四行\n".encode("utf-8"))
    assert [(line.number, line.text) for line in read_source(path, LIMIT).lines] == [
        (1, "第一行"), (2, ""), (3, "第三行"), (4, "第四行"),
    ]


def test_word_line_breaks_and_unicode_separators_do_not_split_a_line(tmp_path):
    path = write(tmp_path, "sep.txt", "甲\x0b乙\u2028丙\x85\u2029\n丁\n".encode("utf-8"))
    assert texts(path) == ["甲\x0b乙\u2028丙\x85\u2029", "丁"]


def test_form_feed_starts_a_new_page(tmp_path):
    path = write(tmp_path, "pages.txt", "第一页\n\f第二页\n续\n\f\n第三页\n".encode("utf-8"))
    lines = read_source(path, LIMIT).lines
    assert [(line.number, line.text, line.page) for line in lines] == [
        (1, "第一页", 1), (2, "第二页", 2), (3, "续", 2), (4, "", 3), (5, "第三页", 3),
    ]


def test_markdown_and_upper_case_extensions_are_read(tmp_path):
    assert texts(write(tmp_path, "a.md", "# 标题\n".encode("utf-8"))) == ["# 标题"]
    assert texts(write(tmp_path, "B.TXT", "正文\n".encode("utf-8"))) == ["正文"]


def test_pdf_goes_to_the_pdf_reader():
    source = read_source(corpus_pdf("21_jiangsu_npc_2019_dept_budget_tables.pdf"), LIMIT)
    assert source.encoding == "pdf"
    assert source.lines[0].page == 1


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "文件为空"),
        ("blank.txt", "  \n\u3000\n\t\r\n".encode("utf-8"), "文件为空"),
        ("bom-only.txt", codecs.BOM_UTF8 + b"\n", "文件为空"),
        ("utf16-blank.txt", " \n".encode("utf-16"), "文件为空"),
        ("empty.pdf", b"", "文件为空"),
        ("image.txt", PNG_BYTES, "不是文本文件（含二进制内容）"),
        ("controls.txt", "预算".encode("utf-8") + bytes(range(1, 9)) * 20, "不是文本文件（含二进制内容）"),
        ("latin.txt", b"caf\xe9 au lait", "无法识别文字编码（支持 UTF-8、UTF-16、GBK/GB18030）"),
    ],
)
def test_unusable_text_is_unreadable(tmp_path, name, data, reason):
    path = write(tmp_path, name, data)
    with pytest.raises(UnreadableDocumentError) as caught:
        read_source(path, LIMIT)
    assert caught.value.user_message == f"{name}: 无法读取（{reason}）"


def test_oversized_file_names_the_limit(tmp_path):
    path = write(tmp_path, "big.txt", "预算".encode("utf-8") * 400)
    with pytest.raises(UnreadableDocumentError) as caught:
        read_source(path, 1024)
    assert caught.value.user_message == "big.txt: 无法读取（文件大小 2.3 KB 超过上限 1 KB）"


def test_oversized_seed_against_the_default_limit_is_refused_before_reading(tmp_path):
    with pytest.raises(UnreadableDocumentError) as caught:
        read_source(XUCHANG, 100 * 1024)
    assert caught.value.reason == "文件大小 106.7 KB 超过上限 100 KB"


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableDocumentError) as caught:
        read_source(tmp_path / "gone.txt", LIMIT)
    assert caught.value.user_message == "gone.txt: 无法读取（文件不存在）"


@pytest.mark.parametrize(
    "name, shown",
    [("report.docx", ".docx"), ("sheet.xlsx", ".xlsx"), ("image.png", ".png"), ("README", "（无扩展名）")],
)
def test_other_file_types_are_unsupported(tmp_path, name, shown):
    path = write(tmp_path, name, b"PK\x03\x04 anything")
    with pytest.raises(UnsupportedDocumentError) as caught:
        read_source(path, LIMIT)
    assert caught.value.user_message == (
        f"{name}: 不是可识别的部门预算/决算公开文件（不支持的文件类型 {shown}，只支持 .txt、.md、.pdf、.html 和 .htm）"
    )


@pytest.mark.parametrize(
    "n_bytes, shown",
    [(12, "12 字节"), (1024, "1 KB"), (1536, "1.5 KB"), (50 * 1024 * 1024, "50 MB"), (5_500_000, "5.2 MB")],
)
def test_sizes_are_shown_as_people_read_them(n_bytes, shown):
    assert format_size(n_bytes) == shown
