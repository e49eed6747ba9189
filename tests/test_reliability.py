"""Hostile input gets a clear message, never a traceback; costs stay bounded (issue 16).

The SQL limits (time, memory, catalogs) are tested in test_sql_guard.py.
"""
from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import time

import pytest

from assistant.cli import main
from index.config import Settings
from index.errors import InvalidQuestionError, SettingError
from conftest import BAZHOU, ROOT, XUCHANG


@pytest.fixture(scope="module")
def data_dir(seeded_data):
    return str(seeded_data)


# -- settings -------------------------------------------------------------------------------------

@pytest.mark.parametrize("variable, value, expected", [
    ("BUDGET_SQL_TIMEOUT_S", "abc", "正数"),
    ("BUDGET_SQL_TIMEOUT_S", "-1", "正数"),
    ("BUDGET_SQL_TIMEOUT_S", "nan", "正数"),
    ("BUDGET_SQL_MAX_ROWS", "1.5", "正整数"),
    ("BUDGET_SQL_MEMORY_MB", "0", "正整数"),
    ("BUDGET_MAX_QUESTION_CHARS", "", "正整数"),
])
def test_a_setting_that_is_not_a_positive_number_names_the_variable(variable, value, expected):
    with pytest.raises(SettingError) as caught:
        Settings.from_env({variable: value})
    assert caught.value.user_message == f"环境变量 {variable} 的值 {value!r} 无效：应为{expected}"


def test_a_bad_setting_is_one_error_line_on_the_command_line(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("BUDGET_SQL_TIMEOUT_S", "abc")
    assert main(["--data-dir", data_dir, "docs"]) == 1
    assert capsys.readouterr().err == "错误：环境变量 BUDGET_SQL_TIMEOUT_S 的值 'abc' 无效：应为正数\n"


# -- questions ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def assistant(data_dir):
    from assistant.factory import build_assistant

    assistant = build_assistant(Settings.from_env({}, data_dir=data_dir))
    yield assistant
    assistant.close()


def test_a_question_over_the_length_cap_is_refused_before_any_work(assistant):
    started = time.perf_counter()
    with pytest.raises(InvalidQuestionError) as caught:
        assistant.ask("轮台县人社局三公经费" * 100_000)
    assert caught.value.user_message == "无法回答该问题：问题过长（1000000 个字符，最多 500 个）"
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("question", ["\udcff\udcfe三公经费", "三公经费\ud800"], ids=["undecodable bytes", "surrogate"])
def test_a_question_that_is_not_valid_text_is_refused(assistant, question):
    with pytest.raises(InvalidQuestionError) as caught:
        assistant.ask(question)
    assert caught.value.user_message == "无法回答该问题：含有无法识别的字符（不是有效的 UTF-8 文本）"


def test_one_bad_line_in_a_batch_gets_its_own_error_line_and_the_rest_are_answered(data_dir, monkeypatch, capsys):
    lines = ["轮台县人社局2024年三公经费一共多少？".encode(), b"\xff\xfe", ("问" * 501).encode(),
             "许昌市人社局2023年本年支出合计是多少？".encode()]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\n".join(lines) + b"\n"), encoding="utf-8"))
    assert main(["--data-dir", data_dir, "ask", "--json"]) == 1
    captured = capsys.readouterr()
    answers = [json.loads(line) for line in captured.out.splitlines()]
    assert [a["question"] for a in answers] == [lines[0].decode(), "\\xff\\xfe", "问" * 501, lines[3].decode()]
    assert [a.get("error") for a in answers] == [
        None, "无法回答该问题：含有无法识别的字符（不是有效的 UTF-8 文本）",
        "无法回答该问题：问题过长（501 个字符，最多 500 个）", None]
    assert [a["route"] for a in answers] == ["sql", "none", "none", "sql"]
    assert "Traceback" not in captured.err


def test_a_short_batch_ends_cleanly_while_the_narrative_index_is_still_loading(indexed_data):
    """The batch preloads the index in a background thread; ending before it is done must not leave DuckDB
    objects alive at interpreter exit (DuckDB's bindings print a screen of 'leaked instance' lines)."""
    done = subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(indexed_data), "ask", "--json"],
                          cwd=ROOT, capture_output=True, input="轮台县人社局2024年三公经费一共多少？\n".encode())
    assert done.returncode == 0 and json.loads(done.stdout)["route"] == "sql"
    assert "leaked" not in done.stderr.decode()


def test_undecodable_bytes_in_an_argument_are_a_usage_message_not_a_traceback():
    done = subprocess.run([sys.executable, "-m", "assistant", "ask", b"\xff\xfe"], cwd=ROOT, capture_output=True)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines()[-1] == (
        "python -m assistant ask: error: argument question: 含有无法识别的字符（不是有效的 UTF-8 文本）")


# -- SQL on the command line ----------------------------------------------------------------------

def test_repeated_column_names_print_every_value(data_dir, capsys):
    assert main(["--data-dir", data_dir, "sql", "SELECT 1 AS a, 2 AS a"]) == 0
    assert capsys.readouterr().out.splitlines() == ["a  a_1", "-  ---", "1  2", "共 1 行"]
    assert main(["--data-dir", data_dir, "sql", "--json", "SELECT 1 AS a, 2 AS a"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == [{"a": 1, "a_1": 2}]


def test_deeply_nested_sql_is_refused_with_a_message(data_dir, capsys):
    nested = "SELECT " + "abs(" * 400 + "1" + ")" * 400
    assert main(["--data-dir", data_dir, "sql", nested]) == 1
    assert capsys.readouterr().err == "错误：拒绝执行该 SQL：只允许普通的 SELECT 查询（表达式嵌套超过 100 层）\n"


def test_a_value_with_line_breaks_stays_on_its_row(data_dir, capsys):
    assert main(["--data-dir", data_dir, "sql", "SELECT 'a' || chr(10) || 'b' AS text"]) == 0
    assert capsys.readouterr().out.splitlines() == ["text", "----", "a\\nb", "共 1 行"]


# -- the ingest report ----------------------------------------------------------------------------

FORGED = "a\n已载入：fake.txt → 2024-预算-部门-假\x1b[31m\u202e.txt"


def test_a_file_name_with_control_characters_is_one_line_of_the_ingest_report(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / FORGED).write_text("这不是预算公开文件。\n", encoding="utf-8")
    (folder / "b\udcff.txt").write_text("这也不是。\n", encoding="utf-8")  # a name that is not UTF-8
    assert main(["--data-dir", str(tmp_path / "data"), "ingest", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert out[0].startswith("失败：a\\n已载入：fake.txt → 2024-预算-部门-假\\x1b[31m\\u202e.txt: ")
    assert out[1].startswith("失败：b\\xff.txt: ")
    assert out[2].startswith("共 2 个文件：已载入 0，已替换 0，未变更 0，重复 0，失败 2")


def test_a_loaded_file_with_a_line_break_in_its_name_is_one_line(capsys):
    from assistant.commands import _ingest_lines
    from index.ingest import IngestEntry, IngestReport

    report = IngestReport(entries=[IngestEntry("/d/a\n已载入：b.txt", "loaded", "2024-预算-部门-甲")])
    assert _ingest_lines(report)[0] == "已载入：/d/a\\n已载入：b.txt → 2024-预算-部门-甲"


# -- cost that grows with the input ---------------------------------------------------------------

def _parse_seconds(path) -> float:
    """CPU seconds (not wall time: the machine is shared) to read, parse and cut ``path``; best of two."""
    from index.narrative.passages import cut_blocks
    from index.parse.document import parse_document
    from index.read.files import read_source

    best = float("inf")
    for _ in range(2):
        gc.collect()
        started = time.process_time()
        cut_blocks(parse_document(read_source(path, 1 << 30)))
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("seed, times", [(BAZHOU, 2), (XUCHANG, 1)], ids=["bazhou", "xuchang"])
def test_parsing_a_file_four_times_as_long_takes_about_four_times_as_long(tmp_path, seed, times):
    """Parse and passage cutting are linear: a quadratic step would make 4× the lines cost ~16× the time."""
    once, four = tmp_path / f"once{seed.suffix}", tmp_path / f"four{seed.suffix}"
    once.write_bytes(seed.read_bytes() * times)
    four.write_bytes(seed.read_bytes() * times * 4)
    once_seconds = _parse_seconds(once)  # first: its discarded first run pays for imports and patterns
    assert _parse_seconds(four) < 6 * once_seconds


@pytest.mark.parametrize("seed", [BAZHOU, XUCHANG], ids=["bazhou", "xuchang"])
def test_each_passage_lies_in_the_deepest_section_holding_its_first_line(seed):
    from index.narrative.passages import cut_blocks
    from conftest import parsed_seed

    document = parsed_seed(seed)
    for block in cut_blocks(document):
        holding = [s for s in document.sections if s.line_start <= block.line_start <= s.line_end]
        deepest = max((s.level for s in holding), default=0)
        assert block.section_path == ([s.path for s in holding if s.level == deepest] or [()])[-1]
