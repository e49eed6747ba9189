"""Passages are cut along the document's own structure and keep their lines."""
from __future__ import annotations


import pytest

from index.model import Document, PassageKind
from index.parse.document import parse_document
from index.narrative.passages import cut_passages
from index.read.files import read_source
from conftest import SEEDS, parsed_seed

SEED_FILES = SEEDS


def load_seed(name: str) -> Document:
    """The seed document, parsed once per test session."""
    return parsed_seed(SEED_FILES[name])


@pytest.fixture(scope="module")
def passages():
    return {name: cut_passages(load_seed(name)) for name in SEED_FILES}


def _containing(passages, line: int):
    return next(p for p in passages if p.line_start <= line <= p.line_end)


def test_numbered_variance_item_is_one_passage(passages):
    item = _containing(passages["luntai"], 531)
    assert item.kind is PassageKind.VARIANCE_ITEM
    assert (item.line_start, item.line_end) == (531, 531)
    assert item.text.startswith("8. 社会保障和就业支出(类)就业补助(款)社会保险补贴(项)")
    assert "新增中央财政就业补助资金项目" in item.text


def test_item_wrapped_across_blank_line_is_joined(passages):
    item = _containing(passages["luntai"], 527)
    assert (item.line_start, item.line_end) == (527, 529)
    assert "行政事业单位养老支出(款)机关事业单位职业年金缴费支出(项)" in item.text
    assert item.kind is PassageKind.VARIANCE_ITEM


def test_item_wrapped_mid_word_is_joined(passages):
    item = _containing(passages["luntai"], 543)
    assert "普惠金融发展支出(款)其他普惠金融发展支出(项)" in item.text


def test_project_description_is_one_passage(passages):
    project = _containing(passages["luntai"], 600)
    assert project.kind is PassageKind.PROJECT
    assert project.text.startswith("2. 项目名称")
    assert "预算安排规模: 1600万元" in project.text
    assert "资金分配情况" in project.text and "受益人群和社会效益" in project.text
    assert _containing(passages["luntai"], 630).passage_id != project.passage_id


def test_project_with_listed_policy_basis_stays_whole(passages):
    project = _containing(passages["bazhou"], 586)
    assert project.kind is PassageKind.PROJECT
    assert "职业技能和创新创业竞赛项目" in project.text
    assert "巴州选拔赛实施方案" in project.text and "预算安排规模：87.00万元" in project.text


def test_glossary_entries_are_one_passage_each(passages):
    glossary = [p for p in passages["xuchang"] if p.kind is PassageKind.GLOSSARY]
    assert len(glossary) == 18
    assert glossary[1].text.startswith("二、事业收入：")
    assert all(p.line_start == p.line_end for p in glossary)
    assert len([p for p in passages["luntai"] if p.kind is PassageKind.GLOSSARY]) == 8


def test_passage_keeps_document_section_and_lines(passages):
    item = _containing(passages["xuchang"], 2975)
    assert item.passage_id == "2023-决算-部门-许昌市人力资源和社会保障局#L2975-2975"
    assert item.section_path[-1].startswith("（三）具体情况")
    assert item.kind is PassageKind.VARIANCE_ITEM


def test_table_lines_and_captions_are_not_passages(passages):
    texts = "\n".join(p.text for p in passages["bazhou"])
    assert "编制单位" not in texts
    assert "一般公共预算支出情况表" not in [p.text for p in passages["bazhou"]]
    assert all("\t" not in p.text for ps in passages.values() for p in ps)


def test_markup_is_removed(passages):
    texts = "\n".join(p.text for p in passages["bazhou"])
    assert "<b>" not in texts and "**" not in texts and "##" not in texts


def test_every_variance_item_of_section_five_three_is_cut(passages):
    def items(name, first, last):
        return [
            p for p in passages[name]
            if p.kind is PassageKind.VARIANCE_ITEM and first <= p.line_start <= last
        ]

    assert len(items("luntai", 513, 557)) == 19
    assert len(items("bazhou", 522, 558)) == 17
    assert len(items("xuchang", 2970, 3001)) == 30


def test_table_of_contents_entries_with_dot_leaders_are_not_passages():
    from conftest import corpus_pdf

    document = parse_document(read_source(corpus_pdf("01_putuo_gov_office_2025_dept_budget.pdf"), 50 * 1024 * 1024))
    texts = [p.text for p in cut_passages(document)]
    assert not any("……" in text for text in texts)
    assert any(text.startswith("（八）机关运行经费：") for text in texts)


def test_a_table_of_words_is_cited_under_its_title(passages):
    """巴州 项目支出绩效目标表: the project's name, amount and overall target in one passage."""
    tables = [p for p in passages["bazhou"] if p.kind is PassageKind.TABLE_TEXT]
    target = next(p for p in tables if "2024 年购买社会保险经办服务项目" in p.text)
    assert target.section_path == ("项目支出绩效目标表",)
    assert "51.00" in target.text and "项目总体目标：为了贯彻党的二十大" in target.text
    assert not any(p.kind is PassageKind.TABLE_TEXT for p in passages["luntai"] if "部门收支总体情况表" in p.text)
