"""A fake Assistant for AppTest: canned answers from the 轮台县人社局 2024 document, one per route.

``build_assistant(settings)`` has the factory's signature, so a test can put
this module in place of ``assistant.factory``. The figures are the document's
own (三公经费 2.77 万元, 行政运行 209.44 万元, line 517 and 741).
"""
from __future__ import annotations

from assistant.answer import Answer, Citation, NumberCheck
from index.errors import BudgetError

LUNTAI = "2024-预算-部门-轮台县人力资源和社会保障局"
TITLE = "轮台县人力资源和社会保障局2024年部门预算"
SQL = "SELECT item, value FROM three_public_items WHERE doc_id = ? AND measure = 'total'"
THREE_PUBLIC_ROWS = [
    {"item": "因公出国（境）费", "value": 0.0},
    {"item": "公务用车购置费", "value": 0.0},
    {"item": "公务用车运行费", "value": 2.64},
    {"item": "公务接待费", "value": 0.13},
]
THREE_PUBLIC_PASSAGE = (
    "轮台县人力资源和社会保障局部门 2024 年财政拨款“三公”经费数为 2.77 万元，其中：因公出国（境）费 0 万元，"
    "公务用车购置费 0 万元，公务用车运行费 2.64 万元，公务接待费 0.13 万元。"
)
ADMIN_PASSAGE = (
    "2. 社会保障和就业支出(类)人力资源和社会保障管理事务(款)行政运行(项): 2024年预算数为209.44万元, "
    "比上年预算增加69.12万元, 增长49.26%, 主要原因是: 本年度我单位支付办公楼取暖费及驻村路桥路灯设施费增加, 预算增加。"
)
GLOSSARY_PASSAGE = "七、“三公”经费：指部门（单位）因公出国（境）费、公务用车购置及运行维护费和公务接待费。"
FAILING_QUESTION = "坏问题"


def sql_answer(question: str) -> Answer:
    return Answer(
        question=question, route="sql", sql=SQL,
        answer="轮台县人力资源和社会保障局2024年预算：\n- 三公经费：2.77 万元（表10 财政拨款“三公”经费支出情况表 第 420 行）",
        rows=THREE_PUBLIC_ROWS,
        citations=[Citation(LUNTAI, TITLE, "十、“三公”经费预算情况说明", THREE_PUBLIC_PASSAGE, "741")],
        checks=[NumberCheck(2.77, "万元", "computed", "2.64 + 0.13 + 0 + 0")],
        reason="问的是金额，有部门和年度",
    )


def passage_answer(question: str) -> Answer:
    return Answer(
        question=question, route="passages", answer="“三公”经费指因公出国（境）费、公务用车购置及运行维护费和公务接待费。",
        citations=[Citation(LUNTAI, TITLE, "第四部分 名词解释", GLOSSARY_PASSAGE, "855")],
        reason="问的是概念",
    )


def both_answer(question: str) -> Answer:
    return Answer(
        question=question, route="both",
        answer="行政运行 2024 年预算 209.44 万元，比上年增加 69.12 万元，主要原因是办公楼取暖费及驻村路桥路灯设施费增加。",
        sql="SELECT subject_name, total FROM expenditure_by_function WHERE subject_code = '2080101'",
        rows=[{"subject_name": "行政运行", "total": 209.44}],
        citations=[Citation(LUNTAI, TITLE, "三、支出预算情况说明", ADMIN_PASSAGE, "517")],
        checks=[
            NumberCheck(209.44, "万元", "match", "表5 行政运行 合计"),
            NumberCheck(69.12, "万元", "unverified", "上年数不在表中"),
            NumberCheck(49.3, "%", "mismatch", "69.12 / 140.32", expected=49.26),
        ],
        reason="问原因，也问金额",
    )


class FakeAssistant:
    """Answers by keyword: 为什么 → both, 什么是 → passages, else sql; counts questions asked."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.closed = False

    def warm_up(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def ask(self, question: str) -> Answer:
        self.questions.append(question)
        if question == FAILING_QUESTION:
            raise BudgetError("无法理解这个问题")
        if "为什么" in question:
            return both_answer(question)
        if "什么是" in question:
            return passage_answer(question)
        return sql_answer(question)


def build_assistant(settings, load_retriever=None) -> FakeAssistant:
    return FakeAssistant()
