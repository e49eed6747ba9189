"""The section tree (index/sections.py) on the seed documents and on messy headings."""
from __future__ import annotations

import pytest

from index.model import Line, Section
from index.read.pdf import read_pdf
from index.read.files import read_source
from index.parse.sections import is_title, marker_rank, parse_sections
from conftest import SEEDS, corpus_pdf

LUNTAI_PART_3 = "第三部分 2024 年部门预算情况说明"
LUNTAI_FIVE = "五、关于轮台县人力资源和社会保障局部门 2024 年一般公共预算当年拨款情况说明"
LUNTAI_USE = "（三）一般公共预算当年拨款具体使用情况"


@pytest.fixture(scope="module")
def seed_lines() -> dict[str, list[Line]]:
    return {name: read_source(path, 50 * 1024 * 1024).lines for name, path in SEEDS.items()}


@pytest.fixture(scope="module")
def trees(seed_lines) -> dict[str, list[Section]]:
    return {name: parse_sections(lines, []) for name, lines in seed_lines.items()}


def by_path(sections: list[Section]) -> dict[tuple[str, ...], Section]:
    return {s.path: s for s in sections}


def lines_of(*texts: str, page: int | None = None) -> list[Line]:
    return [Line(number, text, page) for number, text in enumerate(texts, start=1)]


@pytest.mark.parametrize("name, count", [("luntai", 26), ("bazhou", 26), ("xuchang", 27)])
def test_seed_section_counts(trees, name, count):
    assert len(trees[name]) == count


def test_luntai_subsection_holds_its_numbered_items(trees):
    section = by_path(trees["luntai"])[(LUNTAI_PART_3, LUNTAI_FIVE, LUNTAI_USE)]
    assert (section.line_start, section.line_end) == (513, 555)
    assert "8. 社会保障和就业支出(类)就业补助(款)社会保险补贴(项): 2024年预算数为1600万元" in section.text
    assert section.text.startswith(LUNTAI_USE + "\n1. 教育支出(类)进修及培训(款)培训支出(项)：")


def test_numbered_explanation_items_are_not_headings(trees):
    titles = [s.title for s in trees["luntai"] + trees["bazhou"] + trees["xuchang"]]
    assert not [t for t in titles if t[0].isdigit() or t.startswith(("（1", "(1"))]


def test_table_of_contents_is_skipped(trees):
    first = trees["luntai"][0]
    assert (first.path, first.line_start, first.line_end) == (("第一部分 2024年部门概况",), 59, 81)
    assert all(s.line_start >= 58 for s in trees["bazhou"])
    parts = [s.title for s in trees["luntai"] if s.level == 1]
    assert parts == [
        "第一部分 2024年部门概况", "第二部分 2024年部门预算公开表", LUNTAI_PART_3, "第四部分 名词解释",
    ]


def test_part_marker_alone_on_its_line_joins_its_title(trees):
    parts = [(s.title, s.line_start) for s in trees["xuchang"] if s.level == 1]
    assert parts == [
        ("第一部分 许昌市人力资源和社会保障局概况", 1),
        ("第二部分 2023年度部门决算表", 42),
        ("第三部分 2023年度部门决算情况说明", 2955),
        ("第四部分 名词解释", 8647),
    ]


def test_markdown_markup_and_heading_levels_do_not_decide_the_tree(trees):
    sections = by_path(trees["bazhou"])
    part = "第三部分 2024 年单位预算情况说明"
    twelve = "十二、 其他重要事项的情况说明"
    assert (part, twelve, "(四) 预算绩效情况") in sections  # "#### **(四) 预算绩效情况**"
    assert (part, "五、关于巴音郭楞蒙古自治州人力资源和社会保障局 2024 年一般公共预算当年拨款情况说明",
            "（二）一般公共预算当年拨款结构情况") in sections  # "## （二）…" under "#### 五、…"


def test_parent_range_covers_children_and_own_text_excludes_them(trees):
    sections = by_path(trees["luntai"])
    five = sections[(LUNTAI_PART_3, LUNTAI_FIVE)]
    assert (five.line_start, five.line_end) == (497, 555)
    assert five.text == LUNTAI_FIVE
    children = [s for s in trees["luntai"] if s.path[:2] == five.path and s.level == 3]
    assert [(s.line_start, s.line_end) for s in children] == [(499, 503), (505, 511), (513, 555)]


def test_sentence_split_by_a_page_break_stays_in_its_section(trees):
    four = next(s for s in trees["luntai"] if s.title.startswith("四、关于轮台县"))
    assert four.line_start <= 493 < 495 <= four.line_end
    assert "农林水支\n出 10 万元" in four.text


def test_list_of_units_is_not_a_set_of_headings(trees):
    structure = next(s for s in trees["xuchang"] if s.title == "二、机构设置")
    assert (structure.line_start, structure.line_end) == (18, 29)
    assert "2.许昌市社会保险中心" in structure.text


def test_glossary_entries_are_text_of_their_part(trees):
    glossary = trees["xuchang"][-1]
    assert glossary.path == ("第四部分 名词解释",)
    assert "十七、“三公”经费：纳入同级财政预决算管理“三公”经费" in glossary.text


def test_table_lines_are_left_out_of_section_text(seed_lines):
    sections = parse_sections(seed_lines["luntai"], [(85, 125), (127, 166)])
    part_2 = by_path(sections)[("第二部分 2024年部门预算公开表",)]
    assert "2,103.50" not in part_2.text
    assert "1,762.25" not in part_2.text
    assert "表3\n部门支出总体情况表" in part_2.text  # outside the given ranges


def test_a_part_heading_inside_a_table_range_still_opens_its_part(seed_lines):
    sections = parse_sections(seed_lines["luntai"], [(440, 452)])
    assert (LUNTAI_PART_3,) in by_path(sections)
    assert not any(s.title.startswith("一、关于") for s in sections)  # line 451 is in the range


def test_heading_wrapped_over_two_lines_is_one_heading():
    sections = parse_sections(lines_of(
        "## 第三部分 2024年单位预算情况说明",
        "四、关于某局 2024年财政拨款收",
        "",
        "## 支预算情况的总体说明",
        "某局 2024 年财政拨款收支总预算 3,487.24 万元。",
    ), [])
    assert [(s.path, s.line_start, s.line_end) for s in sections] == [
        (("第三部分 2024年单位预算情况说明",), 1, 5),
        (("第三部分 2024年单位预算情况说明", "四、关于某局 2024年财政拨款收支预算情况的总体说明"), 2, 5),
    ]
    assert sections[1].text == "四、关于某局 2024年财政拨款收支预算情况的总体说明\n某局 2024 年财政拨款收支总预算 3,487.24 万元。"


def test_wrapped_table_of_contents_entry_is_skipped_with_the_contents(trees):
    assert not any("收入预" == s.title[-3:] or s.title.startswith("算情况") for s in trees["luntai"])


def test_numbered_item_cut_by_a_line_break_is_not_a_heading():
    sections = parse_sections(lines_of(
        "（三）一般公共预算当年拨款具体使用情况",
        "7. 社会保障和就业支出(类)行政事业单位养老支出(款)",
        "机关事业单位职业年金缴费支出(项): 2024年预算数为10.82万元。",
        "（四）讨论、决定本省行政区域内的政治、经济、教育、科",
        "学、文化、卫生、环境和资源保护、民政、民族等工作的重大事",
        "项；",
    ), [])
    assert [s.title for s in sections] == ["（三）一般公共预算当年拨款具体使用情况"]


def test_short_numbered_heading_with_a_body_is_a_heading():
    sections = parse_sections(lines_of(
        "六、基本支出情况说明",
        "1.人员经费",
        "人员经费320.35万元，主要包括基本工资。",
        "2.公用经费",
        "公用经费15.9万元，主要包括办公费。",
    ), [])
    assert [s.path for s in sections] == [
        ("六、基本支出情况说明",),
        ("六、基本支出情况说明", "1.人员经费"),
        ("六、基本支出情况说明", "2.公用经费"),
    ]


def test_contents_with_dot_leaders_and_page_numbers_are_skipped():
    sections = parse_sections(lines_of(
        "目 录",
        "一、部门主要职能 ……………………………… 3",
        "二、部门机构设置 ……………………………… 4",
        "1. 2025年部门财务收支预算总表 ………… 5",
        "4．2025年部门财政拨款收支预算总表 ………… 6",
        "- 2 -",
        "一、部门主要职能",
        "协助区政府领导处理日常工作。",
    ), [])
    assert [(s.title, s.line_start) for s in sections] == [("一、部门主要职能", 7)]


def test_section_takes_the_page_of_its_heading():
    sections = parse_sections(lines_of("一、主要职能", "负责全县就业工作。", page=4), [])
    assert sections[0].page == 4


def test_no_headings_no_sections():
    assert parse_sections(lines_of("床前明月光，疑是地上霜。"), []) == []
    assert parse_sections([], []) == []


@pytest.mark.parametrize(
    "text, rank",
    [
        ("第三部分 2024 年部门预算情况说明", 0),
        ("十二、其他重要事项的情况说明", 1),
        ("（一）单位运行经费情况", 2),
        ("(五) 其他需说明的事项", 2),
        ("1. 教育支出", 3),
        ("4．2025年部门财政拨款收支预算总表", 3),
        ("（1）2021年度许昌市工程系列中级职称评审", 4),
        ("2.5万元用于培训", None),
        ("主要职能", None),
    ],
)
def test_marker_ranks(text, rank):
    assert marker_rank(text) == rank


@pytest.mark.parametrize(
    "text, expected",
    [
        ("（一）单位运行经费情况", True),
        ("一、财政拨款：指由一般公共预算、政府性基金预算安排的财政拨款数。", False),
        ("1. 教育支出（类）0.82 万元，占 0.04%。", False),
        ("3. 办公家具价值 106.41 万元", False),
        ("1、《关于劳动能力鉴定费管理使用有关问题的通知》（新劳鉴字〔1993〕1号）", False),
        ("(一) 项目名称：2024 年人事考试及初任培训项目", False),
    ],
)
def test_titles_are_told_from_content(text, expected):
    assert is_title(text, marker_rank(text)) is expected


def test_pdf_narrative_sections_skip_contents_and_wrapped_items():
    source = read_pdf(corpus_pdf("20_jiangsu_npc_2019_dept_budget_narrative.pdf"))
    sections = parse_sections(source.lines, [])
    parts = [(s.title, s.page) for s in sections if s.level == 1]
    assert parts == [
        ("第一部分 部门概况", 3), ("第二部分 2019年度部门预算表", 8),
        ("第三部分 2019年度部门预算情况说明", 9), ("第四部分 名词解释", 18),
    ]
    assert len(sections) == 21
    assert not any(s.title.startswith("（四）讨论") for s in sections)


def test_unnumbered_body_headings_named_in_the_contents_are_headings():
    # the layout of the Shanghai Putuo disclosures: numbered contents, unnumbered body headings
    sections = parse_sections(lines_of(
        "上海市普陀区 2025年区级部门预算",
        "目 录",
        "一、部门主要职能 ……………………………… 3",
        "二、部门机构设置 ……………………………… 4",
        "五、部门预算表 ……………………………… 8",
        "1. 2025年部门财务收支预算总表 ………… 8",
        "六、其他相关情况说明 ……………………… 21",
        "七、项目经费情况说明 ……………………… 22",
        "上海市普陀区人民政府办公室主要职能",
        "上海市普陀区人民政府办公室是协助区政府领导处理区政府日常工作的机构。",
        "上海市普陀区人民政府办公室机构设置",
        "本部门中，行政单位1家，事业单位1家。",
        "2025年部门财务收支预算总表",
        "其他相关情况说明",
        "一、2025年“三公”经费预算情况说明",
        "2025年“三公”经费预算数为867.50万元。",
        "区政府督查及建议提案工作业务经费项目经费情况说明",
        "一、项目概述",
        "主要推进区委、区政府年度重点工作。",
    ), [])
    assert [(s.path, s.line_start, s.line_end) for s in sections] == [
        (("上海市普陀区人民政府办公室主要职能",), 9, 10),
        (("上海市普陀区人民政府办公室机构设置",), 11, 13),
        (("其他相关情况说明",), 14, 16),
        (("其他相关情况说明", "一、2025年“三公”经费预算情况说明"), 15, 16),
        (("区政府督查及建议提案工作业务经费项目经费情况说明",), 17, 19),
        (("区政府督查及建议提案工作业务经费项目经费情况说明", "一、项目概述"), 18, 19),
    ]
