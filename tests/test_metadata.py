"""Document identity (index/metadata.py): department, region, year, kind, scope, title."""
from __future__ import annotations

import pdfplumber
import pytest

from index.errors import UnsupportedDocumentError
from index.parse.metadata import IdentityOverride, ensure_disclosure, extract_metadata
from index.parse.tables import parse_tables
from index.model import DocumentKind, DocumentScope, Line, SourceText
from index.read.pdf import page_lines
from index.read.files import read_source
from conftest import SEEDS, corpus_pdf

BUDGET, FINAL = DocumentKind.BUDGET, DocumentKind.FINAL
DEPARTMENT, UNIT = DocumentScope.DEPARTMENT, DocumentScope.UNIT


def source_of(*texts: str, name: str = "doc.txt") -> SourceText:
    lines = [Line(number, text) for number, text in enumerate(texts, start=1)]
    return SourceText(path=f"/uploads/{name}", sha256="0" * 64, encoding="utf-8", n_bytes=0, lines=lines)


@pytest.mark.parametrize(
    "name, department, region, year, kind, scope, title",
    [
        ("luntai", "轮台县人力资源和社会保障局", "新疆维吾尔自治区巴音郭楞蒙古自治州轮台县", 2024, BUDGET, DEPARTMENT,
         "轮台县人力资源和社会保障局 2024 年部门预算公开"),
        ("bazhou", "巴音郭楞蒙古自治州人力资源和社会保障局", "巴音郭楞蒙古自治州", 2024, BUDGET, UNIT,
         "巴音郭楞蒙古自治州人力资源和社会保障局 2024 年单位预算公开"),
        ("xuchang", "许昌市人力资源和社会保障局", "许昌市", 2023, FINAL, DEPARTMENT,
         "许昌市人力资源和社会保障局 2023年度部门决算"),
    ],
)
def test_seed_metadata(name, department, region, year, kind, scope, title):
    source = read_source(SEEDS[name], 50 * 1024 * 1024)
    meta, _ = extract_metadata(source)
    assert (meta.department, meta.region, meta.year, meta.kind, meta.scope, meta.title) == (
        department, region, year, kind, scope, title,
    )
    assert meta.source_file == str(SEEDS[name])
    assert meta.sha256 == source.sha256
    assert meta.doc_id == f"{year}-{kind.value}-{scope.value}-{department}"


def test_title_wrapped_over_cover_lines_is_read_whole():
    meta, _ = extract_metadata(corpus_source("19_jiangsu_npc_office_2018_dept_budget.pdf"))
    assert (meta.department, meta.region, meta.year, meta.kind, meta.scope) == (
        "江苏省人大常委会办公厅", "江苏省", 2018, BUDGET, DEPARTMENT,
    )
    assert meta.title == "江苏省人大常委会办公厅 2018年度部门预算公开"


def corpus_source(name: str, pages: int = 2) -> SourceText:
    """The first pages of a corpus PDF (the cover is all metadata needs; faster than the whole file)."""
    with pdfplumber.open(corpus_pdf(name)) as pdf:
        texts = [text for page in pdf.pages[:pages] for text in page_lines(page) or []]
    return source_of(*texts, name=name)


@pytest.mark.parametrize(
    "lines, expected",
    [
        (  # Shanghai: 区级 in the title, 预算主管部门 on the cover
            ("上海市普陀区 2025年区级部门预算", "预算主管部门：上海市普陀区人民政府办公室", "目 录"),
            ("上海市普陀区人民政府办公室", "上海市普陀区", 2025, BUDGET, DEPARTMENT),
        ),
        (
            ("上海市普陀区2025年区级单位预算", "预算单位：上海市普陀区人民政府办公室"),
            ("上海市普陀区人民政府办公室", "上海市普陀区", 2025, BUDGET, UNIT),
        ),
        (  # no caption: the cover's organisation line names the department
            ("上海市普陀区财政局", "2024年度部门决算", "目 录", "第一部分 上海市普陀区财政局概况"),
            ("上海市普陀区财政局", "上海市普陀区", 2024, FINAL, DEPARTMENT),
        ),
        (  # caption and unit run together, as PDF tables print them
            ("收支预算总表公开表一部门：江苏省人大常委会办公厅单位：万元", "2019年政府采购预算"),
            ("江苏省人大常委会办公厅", "江苏省", 2019, BUDGET, DEPARTMENT),
        ),
        (  # no scope in the title: 编制单位 captions mean a unit's disclosure
            ("2023年预算公开", "编制单位：某某县财政局 单位：万元", "编制单位：某某县财政局"),
            ("某某县财政局", "某某县", 2023, BUDGET, UNIT),
        ),
        (  # the department inside the title phrase
            ("2023年度甲市教育局部门综合决算", "编制部门：甲市教育局"),
            ("甲市教育局", "甲市", 2023, FINAL, DEPARTMENT),
        ),
        (  # the department only in the overview heading
            ("第一部分", "许昌市人力资源和社会保障局概况", "", "2023年度部门决算表"),
            ("许昌市人力资源和社会保障局", "许昌市", 2023, FINAL, DEPARTMENT),
        ),
        (  # a name opening with its city without 市: the city as a table prints it
            ("株洲职业技术教育中心", "2026年部门预算", "目 录", "本中心为株洲市教育局所属事业单位。"),
            ("株洲职业技术教育中心", "株洲市", 2026, BUDGET, DEPARTMENT),
        ),
        (  # the cover's qualified form, however often the narrative drops it
            ("甲市教育局（汇总）", "2022年度部门决算", "目 录", *["编制部门：甲市教育局"] * 30),
            ("甲市教育局（汇总）", "甲市", 2022, FINAL, DEPARTMENT),
        ),
    ],
)
def test_metadata_of_other_layouts(lines, expected):
    meta, _ = extract_metadata(source_of(*lines))
    assert (meta.department, meta.region, meta.year, meta.kind, meta.scope) == expected


def test_most_frequent_caption_names_the_department():
    meta, _ = extract_metadata(source_of(
        "2024年部门预算公开", "编制部门：甲市教育局", "编制部门：甲市教育局", "编制部门：甲市第一中学",
    ))
    assert meta.department == "甲市教育局"


def test_unit_rows_of_performance_tables_do_not_name_the_department():
    meta, _ = extract_metadata(source_of(
        "2024年部门预算公开", "编制部门：甲市教育局", *["单位名称：甲市第一中学"] * 5,
    ))
    assert meta.department == "甲市教育局"


def test_a_narrative_mention_of_another_year_does_not_override_the_title():
    meta, _ = extract_metadata(source_of(
        "甲县教育局", "2024年部门预算公开", "目录", "与2023年部门预算相比，支出增加。",
    ))
    assert meta.year == 2024


def test_a_text_about_disclosures_is_not_one():
    notes = source_of("# Real documents for development", "| file | year | kind |",
                      "| 2026年上海市交通运输局_部门预算.pdf | 2026 | 预算 |", "tables in 元; 收入 支出 合计 万元",
                      name="README.md")
    with pytest.raises(UnsupportedDocumentError):
        ensure_disclosure(notes, [])


def test_the_first_part_of_a_disclosure_in_parts_is_one():
    part = source_of("甲县教育局", "2025年部门预算公开", "目录", "第一部分 部门概况",
                     "一、收支总体情况表", "二、一般公共预算基本支出情况表", "主要职能：负责全县教育工作。")
    ensure_disclosure(part, [])


def test_a_poem_is_not_a_budget_disclosure():
    poem = source_of("静夜思", "床前明月光，疑是地上霜。", "举头望明月，低头思故乡。", name="poem.txt")
    with pytest.raises(UnsupportedDocumentError) as caught:
        ensure_disclosure(poem, [])
    assert caught.value.user_message == "poem.txt: 不是可识别的部门预算/决算公开文件（没有预算/决算的收支内容）"


def test_a_department_without_any_budget_content_is_refused():
    with pytest.raises(UnsupportedDocumentError) as caught:
        ensure_disclosure(source_of("轮台县人力资源和社会保障局", "工作总结", "编制部门：轮台县人力资源和社会保障局"), [])
    assert caught.value.reason == "没有预算/决算的收支内容"


def test_a_budget_without_a_department_loads_under_its_file_name_with_a_warning():
    meta, warnings = extract_metadata(source_of("2024年部门预算公开", "收支总预算 100 万元，其中基本支出 60 万元。",
                                                name="预算表.md"))
    assert (meta.department, meta.year, meta.identity_source) == ("预算表", 2024, "file name")
    assert warnings == ["预算表.md：文件中没有找到编制部门名称，暂以文件名“预算表”载入；可用 ingest --department 指定"]


def test_a_year_found_nowhere_in_the_text_comes_from_the_file_name():
    lines = ("收支总表", "编制部门：甲市教育局 单位：万元", "项目\t预算数", "合计\t100.00")
    source = source_of(*lines, name="budget_2026_tables.pdf")
    meta, warnings = extract_metadata(source, parse_tables(source.lines, "budget_2026_tables.pdf")[0])
    assert (meta.department, meta.year, meta.kind) == ("甲市教育局", 2026, BUDGET)
    assert warnings == ["budget_2026_tables.pdf：文件中没有找到年度，暂定为2026；可用 ingest --year 指定"]


def test_what_the_user_states_overrides_what_was_read():
    meta, _ = extract_metadata(source_of("2024年部门预算公开", "编制部门：甲市教育局", "收入 支出 万元"),
                               override=IdentityOverride(department="甲市教育局（本级）", year=2025))
    assert (meta.department, meta.year, meta.identity_source) == ("甲市教育局（本级）", 2025, "user")


def test_a_short_name_is_never_a_tail_of_the_full_name_printed():
    from index.parse.metadata import self_names
    texts = ["江苏省人民检察院2024年部门预算。省检察院主要职责是……", "省检察院收入预算……江苏省人民检察院支出预算……"]
    assert self_names(texts, "江苏省人民检察院") == ("省检察院",)  # not 苏省人民检察院, the name printed whole
