"""A passage answer quotes the sentences that answer the question."""
from __future__ import annotations

from assistant.sentences import key_sentences, split_sentences

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
