"""Web pages (index/read/html.py): narrative lines, tables as tab-separated rows, chrome dropped, type by content."""
from __future__ import annotations

import codecs
import logging
import shutil
from functools import cache
from pathlib import Path

import pytest

from index.config import Settings
from index.errors import UnreadableDocumentError
from index.ingest import ingest_paths
from index.model import Document, DocumentKind, SourceText
from index.parse.document import parse_document
from index.read.files import document_kind, read_source
from index.read.html import decode_html, page_lines, read_html_with_warnings
from index.store.database import connect_read_only
from conftest import CORPUS, corpus_pdf

LIMIT = 50 * 1024 * 1024
CHONGQING_PROPAGANDA = "n09_chongqing_PropagandaDept_2026_dept_budget.html"
CHONGQING_TRANSPORT = "n10_chongqing_TransportCommission_2018_dept_budget.jsp.html"
ZHENGZHOU_LAND = "n34_henan_Zhengzhou_LandResourcesBureau_LandReserveCenter_2015_dept_budget.html"

PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某县财政局2024年部门预算公开</title>
<script>document.write("<p>脚本写的字</p>");</script><style>p { margin: 0 }</style></head>
<body>
<div class="header"><a href="/">首页</a> | <a href="/gk">政务公开</a> | <a href="/ys">预算公开</a></div>
<h1>某县财政局2024年部门预算</h1>
<p>一、部门概况<br>本部门内设3个
股室，编制&nbsp;20&nbsp;名。</p>
<table border="1">
  <tr><td colspan="5">部门收支总体情况表</td></tr>
  <tr><td colspan="3">编制部门：某县财政局</td><td colspan="2">单位：万元</td></tr>
  <tr><th rowspan="2">项目</th><th rowspan="2">合计</th><th colspan="3">财政拨款</th></tr>
  <tr><th>一般公共<br>预算</th><th>政府性<br>基金</th><th>国有资本<br>经营</th></tr>
  <tr><td>收入总计</td><td>1,234.5600</td><td>1,000.0000</td><td>234.5600</td><td></td></tr>
  <tr><td rowspan="2">其中：基本支出</td><td>800.00</td><td>800.00</td><td>&nbsp;</td><td></td></tr>
  <tr><td>0.00</td><td>0.00</td><td></td><td></td></tr>
</table>
<p style="display: none">隐藏的说明</p>
<div class="footer">主办单位：某县人民政府办公室</div>
</body></html>"""
# A paragraph longer than the chrome around it (an element holding half the page's text is never chrome).
T = "2024年收入预算共计1,234.56万元，比上年增加34.56万元，主要原因是人员经费增加。"
PAGE_LINES = [
    "某县财政局2024年部门预算",
    "一、部门概况",
    "本部门内设3个股室，编制 20 名。",
    "部门收支总体情况表",
    "编制部门：某县财政局 单位：万元",
    "项目\t合计\t财政拨款\t\t",
    "\t\t一般公共预算\t政府性基金\t国有资本经营",
    "收入总计\t1,234.5600\t1,000.0000\t234.5600\t",
    "其中：基本支出\t800.00\t800.00\t\t",
    "\t0.00\t0.00\t\t",
]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def texts(source: SourceText) -> list[str]:
    return [line.text for line in source.lines]


def corpus_page(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus page {name} not present in {CORPUS}")
    return path


@cache
def corpus_read(name: str) -> tuple[SourceText, list[str]]:
    """One corpus page read with its warnings (cached for the session)."""
    return read_html_with_warnings(corpus_page(name))


@cache
def corpus_document(name: str) -> Document:
    return parse_document(corpus_read(name)[0])


def test_gbk_page_reads_as_narrative_lines_and_table_rows(tmp_path):
    source = read_source(write(tmp_path, "预算.html", PAGE.encode("gbk")), LIMIT)
    assert source.encoding == "gb18030"
    assert texts(source) == PAGE_LINES
    assert [line.number for line in source.lines] == list(range(1, len(PAGE_LINES) + 1))
    assert all(line.page is None for line in source.lines)


def test_nested_layout_table_is_narrative_and_its_inner_table_is_rows():
    page = """<html><body><table width="100%"><tr>
    <td class="left"><a href="/1">机构概况</a><a href="/2">政务公开</a><a href="/3">联系我们</a></td>
    <td><p>二、收入预算</p><table border=1><caption>表2 收入总体情况表<br>单位：万元</caption>
      <tr><td><p class=MsoNormal><span>科目</span></p><p class=MsoNormal><span>编码</span></p></td>
          <td><p class=MsoNormal>科目名称</p></td><td>金额</td></tr>
      <tr><td>201</td><td>一般公共服务支出</td><td>12.5</td></tr>
      <tr><td colspan="abc">合计</td><td rowspan="0">12.5</td></tr>
      <tr><td>注</td></tr>
    </table><p>注：本表无国有资本经营预算。</p></td></tr></table></body></html>"""
    assert page_lines(page) == ([
        "二、收入预算",
        "表2 收入总体情况表",
        "单位：万元",
        "科目编码\t科目名称\t金额",
        "201\t一般公共服务支出\t12.5",
        "合计\t12.5\t",
        "注\t\t",
        "注：本表无国有资本经营预算。",
    ], 0)


@pytest.mark.parametrize(
    "body, lines",
    [
        (f"<nav><a href='/'>首页</a></nav><p>{T}</p>", [T]),
        (f"<header>网站标题</header><p>{T}</p><footer>版权所有</footer>", [T]),
        (f"<article><header><h2>文章标题</h2></header><p>{T}</p></article>", ["文章标题", T]),
        (f"<div class='breadCutNav'>当前位置：首页</div><p>{T}</p>", [T]),
        (f"<div role='navigation'>栏目</div><p>{T}</p>", [T]),
        (f"<ul><li><a href='/a'>要闻</a></li><li><a href='/b'>公告</a></li></ul><p>{T}</p>", [T]),
        (f"<p>{T}</p><span onclick='print()'>【打印】</span>", [T]),
        (f"<p hidden>草稿</p><p aria-hidden='true'>图标</p><p style='visibility: hidden'>x</p><p>{T}</p>", [T]),
        (f"<form><p>{T}</p><input value='搜索'><button>提交</button></form>", [T]),
        ("<p>第一行<br/>第二行<br><br>第三行</p>", ["第一行", "第二行", "第三行"]),
        ("<p>部门<span>预算</span> <b>公开</b> 2024</p>", ["部门预算 公开 2024"]),
        ("<p>一般公共\n  预算</p><p>2024\n年</p>", ["一般公共预算", "2024 年"]),
        (f"<%@ page contentType=\"text/html\"%><p>{T}</p><%@ include file=\"/foot.jsp\"%>", [T]),
        ("<div class='footer'><table><tr><td>单位</td><td>金额</td></tr></table></div>", ["单位\t金额"]),
    ],
)
def test_chrome_is_dropped_and_text_kept(body, lines):
    assert page_lines(f"<html><body>{body}</body></html>")[0] == lines


@pytest.mark.parametrize(
    "images, count",
    [
        ('<img src="t1.gif">', 1),
        ('<img src="t1.gif" width="750" height="843">', 1),
        ('<img src="t1.gif" style="width: 559px; height: 224px;">', 1),
        ('<a href="big.gif"><img src="t1.gif" width="750"></a>', 1),
        ('<a href="/"><img src="logo.png"></a>', 0),
        ('<img src="icon.png" width="16" height="16">', 0),
    ],
)
def test_content_images_are_counted(images, count):
    assert page_lines(f"<html><body><p>正文</p><p>{images}</p></body></html>") == (["正文"], count)


@pytest.mark.parametrize(
    "data, encoding",
    [
        ('<meta charset="gbk"><p>喆</p>'.encode("gbk"), "gb18030"),  # GBK-only character under a GB2312-family label
        ('<meta charset="gb2312"><p>预算</p>'.encode("utf-8"), "utf-8"),  # valid UTF-8 wins over a wrong label
        ('<meta charset="utf-8"><p>预算</p>'.encode("gb18030"), "gb18030"),  # mislabelled GBK falls back
        ('<meta charset="big5"><p>預算</p>'.encode("big5"), "big5"),
        ('<meta charset="iso-8859-1"><p>预算</p>'.encode("gb18030"), "gb18030"),  # a template's Western label
        (codecs.BOM_UTF8 + '<meta charset="gbk"><p>预算</p>'.encode("utf-8"), "utf-8"),
        ('<html><p>预算</p></html>'.encode("utf-16"), "utf-16"),
    ],
)
def test_page_is_decoded_by_bom_utf8_declared_charset_then_gb18030(data, encoding):
    text, used = decode_html(data, "page.html")
    assert used == encoding
    assert page_lines(text)[0] == [next(t for t in ("喆", "預算", "预算") if t in text)]


def test_html_saved_as_pdf_is_read_as_html(tmp_path):
    source = read_source(write(tmp_path, "预算.pdf", PAGE.encode("gbk")), LIMIT)
    assert source.encoding == "gb18030"
    assert texts(source) == PAGE_LINES


def test_corpus_page_saved_as_pdf_reads_as_the_page(tmp_path):
    page = corpus_page(CHONGQING_PROPAGANDA)
    copy = Path(shutil.copy(page, tmp_path / "宣传部预算.pdf"))
    assert texts(read_source(copy, LIMIT)) == texts(corpus_read(CHONGQING_PROPAGANDA)[0])


def test_pdf_named_html_is_read_as_pdf(tmp_path):
    pdf = corpus_pdf("21_jiangsu_npc_2019_dept_budget_tables.pdf")
    copy = Path(shutil.copy(pdf, tmp_path / "tables.html"))
    source = read_source(copy, LIMIT)
    assert source.encoding == "pdf"
    assert source.lines[0].page == 1


@pytest.mark.parametrize(
    "head, suffix, kind",
    [
        (b"%PDF-1.7\n", ".html", "pdf"),
        (b"%PDF-1.4\n", ".txt", "pdf"),
        (b"\r\n<!DOCTYPE html>\n<html>", ".pdf", "html"),
        (b'<%@ page language="java"%>\n<html>', ".jsp", "html"),
        (codecs.BOM_UTF8 + b"<HTML><BODY>", ".txt", "html"),
        ("<html><body>".encode("utf-16"), ".htm", "html"),
        (b"<table><tr><td>1</td></tr></table>", ".html", "html"),  # a fragment: the name decides
        ("<b>部门预算</b>\n<html>".encode("utf-8"), ".md", "html"),
        ("# 部门预算\n<html>".encode("utf-8"), ".md", "text"),
        ("部门预算".encode("utf-8"), ".pdf", "pdf"),  # left to the PDF reader to refuse
        ("部门预算".encode("utf-8"), ".txt", "text"),
    ],
)
def test_document_kind_is_told_by_content(head, suffix, kind):
    assert document_kind(head, suffix) == kind


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.html", b"", "文件为空"),
        ("script.html", b"<html><head><script>var a = 1;</script></head><body> </body></html>", "网页没有可提取的文字"),
        ("images.htm", b'<html><body><img src="1.gif"><img src="2.gif"></body></html>',
         "网页没有可提取的文字（有 2 张图片，可能是表格）"),
        ("image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "不是文本文件（含二进制内容）"),
        ("page.pdf", "部门预算".encode("utf-8"), "不是 PDF 文件"),
    ],
)
def test_unusable_page_is_unreadable(tmp_path, name, data, reason):
    with pytest.raises(UnreadableDocumentError) as caught:
        read_source(write(tmp_path, name, data), LIMIT)
    assert caught.value.user_message == f"{name}: 无法读取（{reason}）"


def test_propaganda_page_reads_its_narrative_without_site_chrome():
    source, warnings = corpus_read(CHONGQING_PROPAGANDA)
    lines = texts(source)
    assert warnings == []
    assert source.encoding == "utf-8"
    assert lines[1] == "中共重庆市委宣传部2026年部门预算情况说明"
    assert "2026年“三公”经费预算275.80万元，与2025年持平。其中：因公出国（境）费用100.00万元，公务接待费63.80万元，" \
           "公务用车运行维护费112.00万元，公务用车购置费0万元，均与上年持平，积极响应了过紧日子要求，" \
           "严格控制“三公”经费支出。" in lines
    assert lines[lines.index("四、“三公”经费情况说明") + 1].startswith("2026年“三公”经费预算275.80万元")
    chrome = ("重庆文明网", "京ICP备", "返回首页", "首都文明网", "道德模范", "【打印】", "function")
    assert not [line for line in lines if any(word in line for word in chrome)]


def test_transport_page_reads_its_narrative_and_warns_of_its_table_images():
    source, warnings = corpus_read(CHONGQING_TRANSPORT)
    lines = texts(source)
    assert warnings == [f"{CHONGQING_TRANSPORT} 中有 8 张图片（可能是表格），无法读取其中的数字"]
    assert lines[:3] == ["重庆市交通委员会2018年部门预算情况说明", "更新时间：2018-03-06", "一、单位基本情况"]
    assert "2018年政府性基金预算收入38610万元，政府性基金预算支出38610万元，比2017年增加18610万元，" \
           "主要原因是铁路、民航等重点专项支出增加,主要用于铁路建设、民航发展、港口航道设施等项目。" in lines
    assert not [line for line in lines if "<%" in line or "%>" in line or "${" in line]


def test_transport_page_warning_is_logged_when_read_as_a_source(caplog):
    path = corpus_page(CHONGQING_TRANSPORT)
    with caplog.at_level(logging.WARNING, logger="index.read.html"):
        read_source(path, LIMIT)
    assert [r.getMessage() for r in caplog.records] == [f"{path.name} 中有 8 张图片（可能是表格），无法读取其中的数字"]


def test_land_reserve_page_reads_four_decimal_amounts_and_no_footer():
    source, warnings = corpus_read(ZHENGZHOU_LAND)
    lines = texts(source)
    assert warnings == []
    assert "郑州市国土资源局2015年度部门预算公开情况说明" in lines
    assert lines[lines.index("二、收入预算情况说明") + 1] == (
        "2015年收入预算共安排国库拨款资金923.1961万元。其中：财政拨款869.6461万元、国有资源（资产）有偿使用收入53.55万元。"
    )
    assert "3.郑州市土地储备中心2015年“三公经费”预算表" in lines
    assert not [line for line in lines if "豫ICP备" in line or "主办单位" in line or "繁體" in line]


@pytest.mark.parametrize(
    "name, department, year, headings",
    [
        (CHONGQING_PROPAGANDA, "中共重庆市委宣传部", 2026, ["一、单位基本情况", "四、“三公”经费情况说明"]),
        (CHONGQING_TRANSPORT, "重庆市交通委员会", 2018, ["二、部门预算情况说明", "五、专业性名词解释"]),
        (ZHENGZHOU_LAND, "郑州市国土资源局", 2015, ["二、收入预算情况说明", "三、支出预算情况说明"]),
    ],
)
def test_corpus_pages_go_through_the_parser(name, department, year, headings):
    document = corpus_document(name)
    assert (document.meta.department, document.meta.year, document.meta.kind) == (department, year, DocumentKind.BUDGET)
    assert set(headings) <= {section.title for section in document.sections}


def test_a_page_in_a_data_folder_is_ingested_with_its_table(tmp_path):
    write(tmp_path, "预算.htm", PAGE.encode("gbk"))
    settings = Settings.from_env({}, data_dir=tmp_path)
    report = ingest_paths([tmp_path], settings, refresh=False)
    assert [(Path(e.file).name, e.status, e.detail) for e in report.entries] == [
        ("预算.htm", "loaded", "2024-预算-部门-某县财政局")
    ]
    connection = connect_read_only(settings.db_path)
    try:
        cells = connection.execute(
            "SELECT row_label, column_path, value, raw FROM cells WHERE row_label = '收入总计' ORDER BY column_path"
        ).fetchall()
    finally:
        connection.close()
    assert cells == [
        ("收入总计", "合计", 1234.56, "1,234.5600"),
        ("收入总计", "财政拨款/一般公共预算", 1000.0, "1,000.0000"),
        ("收入总计", "财政拨款/国有资本经营", None, ""),
        ("收入总计", "财政拨款/政府性基金", 234.56, "234.5600"),
    ]
