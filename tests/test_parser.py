"""Parsing a read file into a Document (index/parser.py): metadata, tables and sections together."""
from __future__ import annotations

import pytest

from index.errors import UnsupportedDocumentError
from index.model import Document, DocumentKind, DocumentScope, Line, SourceText
from index.parse.document import parse_document
from index.read.files import read_source
from conftest import SEEDS, parsed_seed


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {name: parsed_seed(path) for name, path in SEEDS.items()}


def table_lines(document: Document) -> set[int]:
    return {n for t in document.tables for n in range(t.line_start, t.line_end + 1)}


@pytest.mark.parametrize(
    "name, department, year, kind, scope",
    [
        ("luntai", "轮台县人力资源和社会保障局", 2024, DocumentKind.BUDGET, DocumentScope.DEPARTMENT),
        ("bazhou", "巴音郭楞蒙古自治州人力资源和社会保障局", 2024, DocumentKind.BUDGET, DocumentScope.UNIT),
        ("xuchang", "许昌市人力资源和社会保障局", 2023, DocumentKind.FINAL, DocumentScope.DEPARTMENT),
    ],
)
def test_seed_documents_have_metadata_tables_and_sections(documents, name, department, year, kind, scope):
    document = documents[name]
    meta = document.meta
    assert (meta.department, meta.year, meta.kind, meta.scope) == (department, year, kind, scope)
    assert len(document.tables) >= 9
    assert len(document.sections) >= 20
    assert document.lines[0].number == 1 and document.lines[-1].number == len(document.lines)


def test_section_text_leaves_out_the_parsed_tables(documents):
    document = documents["luntai"]
    assert any(t.line_start <= 95 <= t.line_end for t in document.tables)  # 一、本年收入 2,103.50
    inside = table_lines(document)
    for section in document.sections:
        for text in section.text.split("\n"):
            assert "2,103.50" not in text
    assert all(s.line_start not in inside for s in document.sections)
    part_2 = next(s for s in document.sections if s.title.startswith("第二部分"))
    assert (part_2.line_start, part_2.line_end) == (83, 447)
    assert part_2.text == "第二部分 2024年部门预算公开表"


def test_luntai_use_of_funds_section_is_found_with_tables_present(documents):
    section = next(s for s in documents["luntai"].sections if s.title == "（三）一般公共预算当年拨款具体使用情况")
    assert section.path[0] == "第三部分 2024 年部门预算情况说明"
    assert section.path[1].startswith("五、")
    assert "社会保险补贴(项)" in section.text


def test_performance_tables_do_not_swallow_the_last_part(documents):
    document = documents["xuchang"]
    glossary = document.sections[-1]
    assert (glossary.path, glossary.line_start) == (("第四部分 名词解释",), 8647)
    evaluation = next(s for s in document.sections if s.title == "（三）部门重点绩效评价结果")
    assert evaluation.text == "（三）部门重点绩效评价结果\n根据工作实际，我部门未选取项目开展部门重点绩效评价。"


def test_a_non_budget_text_is_refused_before_any_table_parsing():
    lines = [Line(1, "静夜思"), Line(2, "床前明月光，疑是地上霜。")]
    poem = SourceText(path="/tmp/poem.txt", sha256="", encoding="utf-8", n_bytes=0, lines=lines)
    with pytest.raises(UnsupportedDocumentError) as caught:
        parse_document(poem)
    assert caught.value.file == "poem.txt"
