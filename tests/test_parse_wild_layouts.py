"""Layouts met in city budgets outside the corpus templates: titles wrapped over two lines, 绩效 form pages
whose indicator columns follow the project's merged cells. Synthetic pages reproduce each layout."""
from __future__ import annotations

from conftest import paged_lines
from index.model import Measure, TableKind
from index.parse.tables import cell_coverage, parse_tables

K = TableKind


ECONOMIC = ("表6\n2022年部门综合预算一般公共预算支出明细表\n（按经济分类科目分）\n预算单位：甲市档案局 金额单位：万元\n"
            "序号\t经济科目编码\t经济科目名称\t合计\t人员经费支出\t公用经费支出\n"
            "1\t\t合计\t120.00\t100.00\t20.00\n"
            "2\t301\t工资福利支出\t100.00\t100.00\t\n"
            "3\t302\t商品和服务支出\t20.00\t\t20.00")


def test_a_classification_printed_under_its_title_is_part_of_the_title():
    lines = paged_lines([ECONOMIC])
    [economic], _ = parse_tables(lines, "wrapped.pdf")
    assert (economic.number, economic.kind) == ("表6", K.GENERAL_ECONOMIC)
    assert economic.name == "2022年部门综合预算一般公共预算支出明细表(按经济分类科目分)"
    assert economic.line_start == 1 and economic.rows[1].label == "工资福利支出"
    assert economic.rows[1].value(Measure.PERSONNEL) == 100.0
    assert cell_coverage(lines, [economic]) == (7, 7)


PROCUREMENT_HEAD = ("2022年部门综合预算政府采购（资产配置、购买服务）\n预算表（不含上年结转）\n"
                    "预算单位：甲市档案局 金额单位：万元\n"
                    "序号\t单位编码\t采购项目\t采购目录\t数量\t预算金额\n")


def test_a_title_wrapped_over_two_lines_is_one_title_and_its_next_page_continues_it():
    """Neither line alone names the table (the second reads as the heading of all tables): joined they do."""
    first = "表12\n" + PROCUREMENT_HEAD + "1\t\t合计\t\t3\t60.00\n2\t101001\t档案密集架\tA0601\t1\t40.00"
    second = PROCUREMENT_HEAD + "3\t101001\t扫描仪\tA0202\t2\t20.00"
    [procurement], _ = parse_tables(paged_lines([first, second]), "wrapped.pdf")
    assert (procurement.number, procurement.kind) == ("表12", K.PROCUREMENT)
    assert procurement.name == "2022年部门综合预算政府采购(资产配置、购买服务)预算表(不含上年结转)"
    assert [r.label for r in procurement.rows] == ["合计", "档案密集架", "扫描仪"]
    assert [r.value(Measure.TOTAL) for r in procurement.rows] == [60.0, 40.0, 20.0]


def test_a_three_public_title_broken_after_its_first_words_names_the_three_public_table():
    text = ("表13\n2022年部门综合预算一般公共预算拨款“三公”经费、\n会议费、培训费表（不含上年结转）\n"
            "预算单位：甲市档案局 金额单位：万元\n"
            "序号\t单位名称\t合计\t公务接待费\t会议费\t培训费\n"
            "1\t甲市档案局\t9.00\t2.00\t3.00\t4.00")
    [three], _ = parse_tables(paged_lines([text]), "wrapped.pdf")
    assert three.kind is K.THREE_PUBLIC
    assert three.name.startswith("2022年部门综合预算一般公共预算拨款“三公”经费、会议费、培训费表")
    assert three.rows[0].value(Measure.TOTAL) == 9.0


def test_lines_around_a_title_are_not_joined_to_it():
    """A running header above a title that names its kind alone, and a year caption under a title, stay apart."""
    text = ("甲市档案局2022年部门预算\n收入总表\n（2022年）\n单位：万元\n"
            "项目\t合计\t财政拨款\n合计\t50.00\t50.00")
    [income], _ = parse_tables(paged_lines([text]), "apart.pdf")
    assert (income.kind, income.name) == (K.INCOME, "收入总表")


FORM_HEADER = ("项目名称\t项目总额\t财政资金\t其他资金\t绩效目标\t一级指标\t二级指标\t三级指标\t指标性质\t指标值\t"
               "度量单位")


def test_form_pages_whose_indicators_follow_empty_project_cells_stay_the_form():
    """A 项目支出绩效目标表 running over pages: each page's rows open with the project's merged cells (printed
    empty, or holding amounts and the objective), its name and more objective text fall out as a dozen loose
    lines. Every page is the form, its indicator columns named as on the first page."""
    first = ("预算12表项目支出绩效目标表\n金额单位：万元\n" + FORM_HEADER + "\n"
             "档案数字化\t56.80\t56.80\t\t完成馆藏档案数字化\t产出指标\t数量指标\t加工页数\t≥\t10\t万页")
    loose = "\n".join(f"项目概述续第{n}行" for n in range(12))
    second = (loose + "\n\t\t\t\t产出指标\t质量指标\t成果验收合格率\t≥\t98\t%\n"
              "\t\t\t\t满意度指标\t服务对象满意度指标\t利用者满意度\t≥\t90\t%")
    third = (loose + "\n12.50\t12.50\t保障库房安全运行\t成本指标\t经济成本指标\t设备维护成本\t≤\t12.5\t万元\n"
             "\t\t\t产出指标\t时效指标\t完成时间\t≤\t12\t月")
    lines = paged_lines([first, second, third])
    tables, _ = parse_tables(lines, "forms.pdf")
    assert [t.kind for t in tables] == [K.PERFORMANCE_TARGET] * 3
    assert {t.name for t in tables} == {"项目支出绩效目标表"}
    rows = [r for t in tables[1:] for r in t.rows]
    assert [(r.label, r.texts.get("一级指标"), r.texts.get("指标值")) for r in rows] == [
        ("成果验收合格率", "产出指标", "98"), ("利用者满意度", "满意度指标", "90"),
        ("设备维护成本", "成本指标", "12.5"), ("完成时间", "产出指标", "12")]
    assert rows[2].texts["3"] == "保障库房安全运行"  # the merged columns printed fewer: unnamed
    recognised, numeric = cell_coverage(lines, tables)
    assert recognised == numeric


def test_rows_naming_no_indicator_after_a_form_are_not_taken_for_it():
    """A grid after a form whose rows carry no indicator word is a table of its own, not form rows."""
    first = ("项目支出绩效目标表\n金额单位：万元\n" + FORM_HEADER + "\n"
             "档案数字化\t56.80\t56.80\t\t完成馆藏档案数字化\t产出指标\t数量指标\t加工页数\t≥\t10\t万页")
    loose = "\n".join(f"说明第{n}行" for n in range(12))
    second = loose + "\n序号\t项目\t金额\n1\t档案数字化\t56.80\n2\t库房维护\t12.50"
    tables, _ = parse_tables(paged_lines([first, second]), "forms.pdf")
    assert [t.kind for t in tables] == [K.PERFORMANCE_TARGET, K.OTHER]


def test_a_caption_stating_only_the_unit_is_read_even_when_misprinted():
    """'金位：元' (a misprinted 金额单位：元) between the title and the header: a caption, and its unit converts."""
    text = ("政府采购预算表\n金位：元\n"
            "单位编码\t采购项目\t数量\t预算金额\n"
            "\t合计\t3\t600000.00\n"
            "101001\t档案密集架\t3\t600000.00")
    [procurement], _ = parse_tables(paged_lines([text]), "caption.pdf")
    assert (procurement.kind, procurement.unit) == (K.PROCUREMENT, "元")
    assert procurement.rows[0].value(Measure.TOTAL) == 60.0
