"""Question understanding: documents by short names, years, subjects by synonyms, measures and intents.

The catalog is built by hand from the three seed documents' metadata and a few
of their printed names, so these tests need no database.
"""
from __future__ import annotations

import pytest

from assistant.question.lexicon import Intent, org_variants, place_variants, split_department
from index.model import Measure
from assistant.question.catalog import Catalog, Term, document_ref as _document_ref, expand_synonyms, term_key
from assistant.question.parse import parse_question
from assistant.question.shares import share_sides

LUNTAI = "2024-预算-部门-轮台县人力资源和社会保障局"
BAZHOU = "2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"
XUCHANG = "2023-决算-部门-许昌市人力资源和社会保障局"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    documents = [
        _document_ref(LUNTAI, "轮台县人力资源和社会保障局", "新疆维吾尔自治区巴音郭楞蒙古自治州轮台县", 2024, "预算", "部门", ""),
        _document_ref(BAZHOU, "巴音郭楞蒙古自治州人力资源和社会保障局", "巴音郭楞蒙古自治州", 2024, "预算", "单位", ""),
        _document_ref(XUCHANG, "许昌市人力资源和社会保障局", "许昌市", 2023, "决算", "部门", ""),
    ]
    terms = {
        "住房公积金": Term("住房公积金", codes={"2210201", "30113"}),
        "社会保险补贴": Term("社会保险补贴", codes={"2080704"}),
        "行政运行": Term("行政运行", codes={"2080101"}),
        "教育支出": Term("教育支出", codes={"205"}),
        "技校教育": Term("技校教育", codes={"2050303"}),
        "退休费": Term("退休费", codes={"30302"}),
    }
    return Catalog(documents, terms)


@pytest.mark.parametrize("question, doc_ids", [
    ("轮台县人社局2024年住房公积金预算多少？", [LUNTAI]),
    ("轮台人社局住房公积金多少", [LUNTAI]),
    ("巴州人社局2024年技校教育支出多少？", [BAZHOU]),
    ("巴音郭楞州人社局的住房公积金", [BAZHOU]),
    ("巴音郭楞蒙古自治州人力资源和社会保障局的行政运行预算", [BAZHOU]),
    ("许昌市人社局2023年退休费决算多少？", [XUCHANG]),
    ("巴州人社局和轮台县人社局2024年的住房公积金预算分别是多少？", [BAZHOU, LUNTAI]),
    ("住房公积金决算是多少？", [XUCHANG]),
    ("2024年社保补贴预算是多少？", [LUNTAI, BAZHOU]),
])
def test_documents_are_resolved_from_short_names_years_and_kind(catalog, question, doc_ids):
    assert sorted(parse_question(question, catalog).doc_ids) == sorted(doc_ids)


@pytest.mark.parametrize("question, reason", [
    ("巴州人社局2030年的预算是多少？", "没有载入巴音郭楞蒙古自治州人力资源和社会保障局 2030 年的文件"),
    ("北京市财政局2024年三公经费是多少？", "没有载入“北京市财政局”的文件"),
    ("许昌市财政局的三公经费", "没有载入“许昌市财政局”的文件"),
    ("轮台县人社局2023年住房公积金决算", "没有载入轮台县人力资源和社会保障局 2023 年的文件"),
])
def test_a_document_year_or_department_not_loaded_is_out_of_scope(catalog, question, reason):
    parsed = parse_question(question, catalog)
    assert parsed.intent is Intent.OUT_OF_SCOPE
    assert parsed.out_of_scope == reason
    assert parsed.documents == []


@pytest.mark.parametrize("question, name", [
    ("轮台县人社局社保补贴预算多少", "社会保险补贴"),
    ("巴州人社局公积金预算", "住房公积金"),
    ("轮台县人社局三公经费一共多少", "三公经费"),
    ("轮台县人社局“三公”经费是多少", "三公经费"),
    ("轮台县人社局三公是多少", "三公经费"),
    ("许昌市人社局教育支出决算", "教育支出"),
    ("巴州人社局技校教育支出多少", "技校教育"),
])
def test_subjects_are_found_by_printed_name_and_short_form(catalog, question, name):
    assert [s.name for s in parse_question(question, catalog).subjects] == [name]


@pytest.mark.parametrize("question, measure", [
    ("许昌市人社局行政运行年初预算是多少", Measure.INITIAL_BUDGET),
    ("许昌市人社局行政运行决算数是多少", Measure.FINAL),
    ("轮台县人社局行政运行的基本支出是多少", Measure.BASIC),
    ("巴州人社局住房公积金预算多少", None),
])
def test_measure_words_are_recognised(catalog, question, measure):
    assert parse_question(question, catalog).measure is measure


@pytest.mark.parametrize("question, concept", [
    ("轮台县人社局项目支出按金额从高到低排列", "project"),
    ("巴州人社局基本支出是多少", "basic"),
    ("轮台县人社局人员经费多少", "personnel"),
    ("轮台县人社局公用经费多少", "public"),
])
def test_a_measure_named_on_its_own_is_the_standard_quantity_asked(catalog, question, concept):
    assert [c.key for c in parse_question(question, catalog).concepts] == [concept]


@pytest.mark.parametrize("question, fund", [
    ("轮台县人社局一般公共预算拨款安排的住房公积金是多少", "general_budget"),
    ("轮台县人社局政府性基金安排的社会保险补贴", "gov_fund"),
    ("轮台县人社局财政拨款安排的行政运行", "fiscal"),
    ("轮台县人社局住房公积金是多少", None),
])
def test_the_source_of_funds_is_a_field_of_its_own(catalog, question, fund):
    assert parse_question(question, catalog).fund == fund


@pytest.mark.parametrize("question, years", [
    ("轮台县人社局24年住房公积金", [2024]),
    ("轮台县人社局二〇二四年住房公积金", [2024]),
    ("轮台县人社局今年的住房公积金", [2024]),
    ("轮台县人社局住房公积金比上年增加多少", []),
    ("轮台县人社局到2023年底有几辆车", [2023, 2024]),
])
def test_years_are_read_in_the_forms_people_write(catalog, question, years):
    assert parse_question(question, catalog).years == years


def test_a_stock_at_a_years_end_is_asked_of_the_next_years_budget(catalog):
    """“到2023年底” is reported by the 2023 决算 and the 2024 预算 (截至2023年12月31日, 共有车辆…)."""
    assert parse_question("轮台县人社局截至2023年12月31日共有几辆车", catalog).doc_ids == [LUNTAI]


@pytest.mark.parametrize("question, concept", [
    ("轮台县人社局今年打算花多少钱买公务用车", "vehicle_purchase"),
    ("轮台县人社局购置公务用车的预算", "vehicle_purchase"),
    ("巴州人社局出国（境）经费预算多少", "abroad"),
])
def test_colloquial_names_of_the_three_public_items(catalog, question, concept):
    assert [c.key for c in parse_question(question, catalog).concepts] == [concept]


def test_chinese_numerals_give_the_count_of_a_ranking(catalog):
    assert parse_question("巴州人社局金额最大的五个项目", catalog).top_n == 5
    assert parse_question("巴州人社局支出前三的科目", catalog).top_n == 3


@pytest.mark.parametrize("question, intent", [
    ("轮台县人社局住房公积金预算多少？", Intent.LOOKUP),
    ("轮台县人社局项目支出按金额从高到低排列", Intent.RANK),
    ("巴州人社局哪项支出最多？", Intent.RANK),
    ("巴州人社局支出前三的科目", Intent.RANK),
    ("巴州人社局和轮台县人社局的住房公积金分别是多少", Intent.COMPARE),
    ("巴州人社局项目支出占总支出的比例", Intent.SHARE),
    ("巴州人社局培训支出预算比上年增长多少？", Intent.CHANGE),
    ("轮台县人社局行政运行预算为什么增加？", Intent.EXPLAIN),
    ("巴州人社局机关运行经费比上年减少的原因？", Intent.EXPLAIN),
    ("什么是三公经费？", Intent.DEFINE),
    ("巴州人社局编制数和实有人数是多少？", Intent.FACT),
    ("许昌市人社局考务费项目的自评得分是多少？", Intent.FACT),
    ("轮台县人社局有几辆公务用车？", Intent.FACT),
    ("许昌市人社局公务接待了多少批次？", Intent.FACT),  # a count, though 公务接待 names an amount
    ("许昌市人社局公务接待费花了多少钱？", Intent.LOOKUP),
    ("巴州人社局2030年的预算是多少？", Intent.OUT_OF_SCOPE),
])
def test_each_intent_is_recognised_from_its_cue_words(catalog, question, intent):
    assert parse_question(question, catalog).intent is intent


def test_ranking_reads_direction_and_count(catalog):
    top3 = parse_question("巴州人社局支出最少的前三个科目", catalog)
    assert (top3.descending, top3.top_n) == (False, 3)
    assert parse_question("轮台县人社局项目支出从高到低", catalog).descending


def test_a_question_naming_no_department_covers_every_loaded_document(catalog):
    assert len(parse_question("什么是三公经费？", catalog).documents) == 3


def test_development_zones_and_bodies_under_the_government_are_asked_by_short_names():
    assert "福州经开区" in place_variants("福州经济技术开发区")
    assert "苏州高新区" in place_variants("苏州高新技术产业开发区")
    assert "国资委" in org_variants("人民政府国有资产监督管理委员会")
    assert "口岸办" in org_variants("人民政府口岸办公室")
    assert "办公室" not in org_variants("人民政府办公室")  # 市政府办公室 keeps its government
    assert "教委" in org_variants("教育委员会") and "卫健委" in org_variants("卫生健康委员会")


def _sides(question: str, catalog: Catalog):
    sides = share_sides(parse_question(question, catalog))
    if sides is None:
        return None
    parts, wholes, fund, whole_fund = sides
    return [s.name for s in parts], [s.name for s in wholes], fund, whole_fund


@pytest.mark.parametrize("question, expected", [
    ("巴州人社局项目支出占基本支出的比例", (["项目支出"], ["基本支出"], None, None)),
    ("巴州人社局人员经费占一般公共预算基本支出的比例", (["人员经费"], ["基本支出"], None, "general_budget")),
    # the container's fund holds for the part inside it
    ("巴州人社局财政拨款基本支出里，公用经费占百分之几？", (["公用经费"], ["基本支出"], "fiscal", "fiscal")),
    ("巴州人社局项目支出在支出合计中占多大比重？", (["项目支出"], ["支出合计"], None, None)),
    ("巴州人社局基本支出和项目支出各占多少比例", (["基本支出", "项目支出"], [], None, None)),
    ("巴州人社局基本支出的人员经费是项目支出的百分之几", None),  # a relation not understood: no share
])
def test_a_share_reads_its_part_and_whole_from_the_question_structure(catalog, question, expected):
    assert _sides(question, catalog) == expected


def test_department_names_split_into_place_and_organisation():
    assert split_department("巴音郭楞蒙古自治州人力资源和社会保障局") == ("巴音郭楞蒙古自治州", "人力资源和社会保障局")
    assert place_variants("巴音郭楞蒙古自治州") == ["巴音郭楞蒙古自治州", "巴音郭楞州", "巴州", "巴音郭楞"]
    assert place_variants("轮台县") == ["轮台县", "轮台"]
    assert split_department("青岛市市场监督管理局") == ("青岛市", "市场监督管理局")  # 市场 is no place
    assert "住建局" in org_variants("住房和建设局")


def test_printed_names_lose_numbering_quotes_and_subtotal_marks():
    assert term_key("五、教育支出") == "教育支出"
    assert term_key("其中：公务用车购置费") == "公务用车购置费"
    assert term_key("公务用车购置及运行费（小计）") == "公务用车购置及运行费"
    assert term_key("财政拨款“三公”经费") == "财政拨款三公经费"
    assert term_key("市民中心外墙维修工程-2026年") == term_key("2025年度市民中心外墙维修工程") == "市民中心外墙维修工程"
    assert expand_synonyms("住房公积金和社保补贴") == "住房公积金和社会保险补贴"


def test_a_quoted_name_is_one_subject_whatever_words_it_holds(catalog):
    parsed = parse_question("许昌市人社局“2023年度就业专项人员经费补助”项目的绩效自评得分是多少？", catalog)
    assert [(s.name, s.concept) for s in parsed.subjects] == [("就业专项人员经费补助", None)]
    assert parsed.intent is Intent.FACT


def test_a_fund_after_qizhong_asks_its_part_and_restricts_nothing(catalog):
    parsed = parse_question("轮台县人社局收入预算是多少？其中一般公共预算拨款多少？", catalog)
    assert [s.concept.key for s in parsed.subjects] == ["income"]
    assert (parsed.fund, parsed.part_fund) == (None, "general_budget")


def test_a_department_name_wins_over_a_bare_place_shared_by_two_documents():
    finance = _document_ref("2024-预算-部门-巴音郭楞蒙古自治州财政局", "巴音郭楞蒙古自治州财政局", "", 2024, "预算", "部门", "")
    hrss = _document_ref(BAZHOU, "巴音郭楞蒙古自治州人力资源和社会保障局", "", 2024, "预算", "单位", "")
    catalog = Catalog([finance, hrss], {})
    assert parse_question("巴州人社局2024年预算多少", catalog).doc_ids == [BAZHOU]
    assert sorted(parse_question("巴州2024年预算多少", catalog).doc_ids) == sorted([finance.doc_id, BAZHOU])


def test_a_department_without_a_place_takes_it_from_the_region_and_short_forms_apply():
    ref = _document_ref("2024-预算-部门-卫生健康委员会", "卫生健康委员会", "新疆维吾尔自治区库尔勒市", 2024, "预算", "部门", "")
    assert {"库尔勒市卫健委", "库尔勒卫健委", "库尔勒市卫生健康委员会"} <= set(ref.aliases)


@pytest.mark.parametrize("department, question_name", [
    ("上海市普陀区人民政府办公室", "普陀区政府办公室"),
    ("上海市普陀区人民政府办公室", "普陀区政府办"),
    ("上海市普陀区人民政府万里街道办事处", "万里街道"),
    ("江苏省人大常委会办公厅", "江苏省人大办公厅"),
    ("新疆维吾尔自治区人力资源和社会保障厅", "新疆人社厅"),
])
def test_departments_of_other_templates_are_found_by_their_common_short_names(department, question_name):
    ref = _document_ref(f"2024-预算-部门-{department}", department, "", 2024, "预算", "部门", "")
    other = _document_ref("2024-预算-部门-上海市普陀区财政局", "上海市普陀区财政局", "", 2024, "预算", "部门", "")
    parsed = parse_question(f"{question_name}2024年三公经费是多少", Catalog([ref, other], {}))
    assert parsed.doc_ids == [ref.doc_id]


def test_an_english_question_is_understood_by_the_same_rules(catalog):
    parsed = parse_question("Which department has the largest three public expenses?", catalog)
    assert parsed.intent is Intent.RANK
    assert [s.name for s in parsed.subjects] == ["三公经费"]
    assert len(parsed.documents) == 3


@pytest.mark.parametrize("question", [
    "巴州人社局三公经费比上年少了多少？降了百分之几？",  # a change's rate, not a share
    "轮台县人社局今年的收入比去年增加了多少？",
    "许昌市人社局基本支出比2022年减少了多少？",  # the year is read out of the text: 比减少了多少
])
def test_a_change_asked_in_any_wording_is_a_change(catalog, question):
    assert parse_question(question, catalog).intent is Intent.CHANGE


def test_a_recipient_after_the_department_is_no_unit_below_it(catalog):
    parsed = parse_question("轮台县人社局今年给新疆大学安排了多少钱？", catalog)
    assert parsed.doc_ids == [LUNTAI] and not parsed.out_of_scope


def test_a_division_below_a_named_department_that_no_table_prints_is_out_of_scope(catalog):
    parsed = parse_question("许昌市人社局就业促进司2023年的接待经费是多少？", catalog)
    assert parsed.intent is Intent.OUT_OF_SCOPE and "就业促进司" in parsed.out_of_scope


def test_how_much_a_part_takes_after_qizhong_asks_its_amount_elsewhere_a_share(catalog):
    part = parse_question("巴州人社局收支总计是多少？其中政府性基金预算拨款占多少？", catalog)
    assert part.intent is Intent.LOOKUP and part.part_fund == "gov_fund"
    assert parse_question("巴州人社局基本支出里人员经费占多少？", catalog).intent is Intent.SHARE


@pytest.mark.parametrize("question, doc_ids", [
    ("What was the 三公经费 of the Xuchang Human Resources and Social Security Bureau in 2023?", [XUCHANG]),
    ("How much is the housing provident fund of the Human Resources and Social Security Bureau of Luntai County?",
     [LUNTAI]),
    ("Compare the basic expenditure of Xuchang and Luntai", [XUCHANG, LUNTAI]),
])
def test_english_organisation_and_place_names_name_the_loaded_documents(catalog, question, doc_ids):
    assert sorted(parse_question(question, catalog).doc_ids) == sorted(doc_ids)


def test_an_english_organisation_of_a_place_not_loaded_is_out_of_scope(catalog):
    parsed = parse_question("How much did the Hangzhou Audit Bureau spend on 三公经费 in 2024?", catalog)
    assert parsed.intent is Intent.OUT_OF_SCOPE and "Hangzhou" in parsed.out_of_scope


@pytest.mark.parametrize("question, doc_ids", [
    ("新疆维吾尔自治区人力资源和社会保障厅下属的巴州人社局2024年三公经费多少？", [BAZHOU]),  # its parent, not loaded
    ("轮台县人社局2024年“新疆维吾尔自治区人才发展中心建设”项目安排了多少？", [LUNTAI]),  # an organisation in a quoted name
])
def test_organisations_around_a_named_document_are_not_documents_asked(catalog, question, doc_ids):
    parsed = parse_question(question, catalog)
    assert parsed.doc_ids == doc_ids and not parsed.out_of_scope


def test_an_english_word_before_an_organisation_is_a_place_only_when_spelt_in_pinyin(catalog):
    parsed = parse_question("Which Human Resources and Social Security Bureau spent most on 三公经费?", catalog)
    assert not parsed.out_of_scope and len(parsed.documents) == 3


def test_a_bare_name_after_another_documents_place_names_that_place_not_these_documents():
    exam = "2026-预算-单位-上海市职业能力考试院"
    catalog = Catalog([
        _document_ref(exam, "上海市职业能力考试院", "上海市", 2026, "预算", "单位", ""),
        _document_ref("2026-预算-部门-深圳市人力资源和社会保障局", "深圳市人力资源和社会保障局", "深圳市", 2026, "预算", "部门", ""),
    ], {})
    parsed = parse_question("上海人社局下面的职业能力考试院今年三公经费多少？", catalog)
    assert parsed.doc_ids == [exam] and not parsed.out_of_scope  # 上海人社局 is its parent, not 深圳's 人社局


@pytest.mark.parametrize("question, years, intent", [
    ("How many vehicles did the Xuchang Human Resources and Social Security Bureau have at the end of 2023?",
     [2023, 2024], None),
    ("How much higher was the Xuchang Human Resources and Social Security Bureau's 三公经费 than in 2022?", [2023],
     Intent.CHANGE),
])
def test_english_years_of_a_stock_and_of_a_change(catalog, question, years, intent):
    parsed = parse_question(question, catalog)
    assert parsed.years == years and (intent is None or parsed.intent is intent)


def test_a_printed_name_ending_a_longer_name_the_question_gives_is_not_the_subject(catalog):
    terms = dict(catalog.terms, 工作经费=Term("工作经费", projects={"工作经费"}))
    wider = Catalog(catalog.documents, terms)
    longer = parse_question("轮台县人社局的城市体检工作经费安排了多少？", wider)
    assert "工作经费" not in [s.name for s in longer.subjects]  # 城市体检工作经费: a name no table prints
    assert [s.name for s in parse_question("轮台县人社局今年工作经费安排了多少？", wider).subjects] == ["工作经费"]
