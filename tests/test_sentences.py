"""A passage answer quotes the sentences that answer the question."""
from __future__ import annotations

from assistant.sentences import WHOLE_PASSAGE_CHARS, key_lines, key_sentences, split_sentences

PROJECT = ("项目名称：巴财社[2023]81号关于提前下达2024年高校毕业生“三支一扶”计划中央财政补助资金预算的通知\n"
           "预算安排规模：147 万元\n项目承担单位：轮台县人力资源和社会保障局\n"
           "资金分配情况：发放我县现有 30 “三支一扶” 人员每月每人 2500 元生活补助，改善 “三支一扶” 人员生活质量。\n"
           "补贴标准：“三支一扶” 人员生活补助标准，2500 元/人/月，“三支一扶” 人员安家费补贴发放标准，3000 元/人。\n"
           "补贴范围：高校毕业生\n补贴方式：按月发放")


def test_sentences_split_at_full_stops_and_line_breaks():
    assert split_sentences("甲。乙；丙\n丁") == ["甲。", "乙；", "丙", "丁"]


def test_the_sentence_naming_the_asked_standard_is_chosen():
    sentences = split_sentences(PROJECT)
    chosen = [sentences[i] for i in key_sentences(sentences, "轮台县“三支一扶”人员生活补助标准是多少？")]
    assert any("2500 元/人/月" in s for s in chosen)
    assert not any(s.startswith("补贴方式") for s in chosen)


def test_a_question_asking_for_a_list_keeps_the_whole_passage():
    sentences = split_sentences(PROJECT)
    assert key_sentences(sentences, "这个项目的资金分配情况有哪些？") == list(range(len(sentences)))


def test_a_clause_closed_by_a_semicolon_is_quoted_to_the_full_stop():
    text = ("本单位共有内设机构五个，下属事业单位两个，编制人数八十人，实有人数七十六人，主要承担全市的业务管理和监督检查工作。"
            "2026年政府性基金预算当年拨款800万元，比上年减少200万元，主要是新建项目减少；"
            "另外，专项债券安排的改建项目于上年完工，本年不再安排。"
            "一般公共预算支出按照零基预算的要求编制，人员经费按标准核定，公用经费按定额安排。")
    sentences = split_sentences(text)
    chosen = "".join(sentences[i] for i in key_sentences(sentences, "政府性基金预算当年拨款为什么比上年减少？"))
    assert "专项债券" in chosen and "内设机构" not in chosen


def test_a_question_asking_an_amount_gets_the_line_that_states_one():
    target = ("项目支出绩效目标表\n项目名称：档案数字化经费\n主管部门：甲市档案局\n资金总额：56.80\n"
              "年度目标：完成馆藏档案数字化加工，提升档案利用服务水平，全年完成十万页。\n"
              "数量指标 档案数字化加工页数：≥10万页\n质量指标 数字化成果验收合格率：≥98%\n"
              "时效指标 数字化加工任务按期完成率：=100%\n成本指标 经济成本指标 单页加工成本：≤0.5元\n"
              "社会效益指标 档案查阅利用便捷程度：明显提升\n可持续影响指标 数字档案长期保存：长期\n满意度指标 利用者满意度：≥90%")
    chosen = _quoted(target, "档案数字化经费项目安排多少钱？绩效目标是什么？")
    assert any("56.80" in s for s in chosen) and any(s.startswith("年度目标") for s in chosen)


def test_a_table_line_is_chosen_by_its_label():
    lines = ["项目支出绩效目标表", "项目名称：档案数字化经费", "主管部门：甲市档案局", "资金总额：56.80",
             "年度目标：完成馆藏档案数字化加工，全年完成十万页。", "数量指标 加工页数：≥10万页", "满意度指标 利用者满意度：≥90%"]
    chosen = [lines[i] for i in key_lines(lines, "档案数字化经费安排多少钱？绩效目标是什么？", 6)]
    assert chosen[0] == "项目支出绩效目标表" and "资金总额：56.80" in chosen
    assert any(line.startswith("年度目标") for line in chosen) and "主管部门：甲市档案局" not in chosen


def test_a_question_asking_why_gets_the_sentence_giving_the_reason():
    """万里街道 2024 (p. 5): the reason is a sentence of its own after the amounts."""
    passage = ("3. “一般公共服务支出（类）组织事务（款）一般行政管理事务（项）”88.87万元，主要用于组织事务一般行政管理事务。"
               "2023年当年预算执行数为60.79万元，2024年预算安排88.87万元，比2023年预算执行数增加46.19%。"
               "主要原因是：组织事务一般行政管理事务经费增加。"
               "4. “一般公共服务支出（类）宣传事务（款）一般行政管理事务（项）”110.60万元，主要用于宣传事务一般行政管理事务。")
    chosen = _quoted(passage, "2024年预算安排比2023年预算执行数增加46.19%，为什么？")
    assert any(s.startswith("主要原因是") for s in chosen)


def _quoted(passage: str, question: str) -> list[str]:
    """The sentences a passage too long to quote whole is quoted by."""
    assert len(passage) > WHOLE_PASSAGE_CHARS
    sentences = split_sentences(passage)
    return [sentences[i] for i in key_sentences(sentences, question)]
