"""Ingestion over the real seeds: load, no-op re-ingest, replace, failures leave the database as it was."""
from __future__ import annotations

import hashlib
import shutil
import sys
import types
from argparse import Namespace
from pathlib import Path

import pytest

from conftest import BAZHOU, LUNTAI, XUCHANG, row_counts
from index.config import Settings
from index.ingest import ensure_database, ingest_lock, ingest_paths
from index.model import Line, SourceText
from index.read.parts import join_sources
from index.errors import DatabaseUnavailableError
from index.store.database import BudgetStore

LUNTAI_ID = "2024-预算-部门-轮台县人力资源和社会保障局"
BAZHOU_ID = "2024-预算-单位-巴音郭楞蒙古自治州人力资源和社会保障局"
XUCHANG_ID = "2023-决算-部门-许昌市人力资源和社会保障局"


@pytest.fixture(autouse=True)
def fake_index(monkeypatch):
    """A fake narrative index: building the real one (embeddings) is not this file's subject."""
    monkeypatch.setitem(sys.modules, "index.search.retriever", types.SimpleNamespace(refresh_index=fake_refresh_index))
    fake_refresh_index.calls.clear()


def fake_refresh_index(settings: Settings) -> None:
    fake_refresh_index.calls.append(settings)
    settings.index_path.mkdir(parents=True, exist_ok=True)


fake_refresh_index.calls = []


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir)


def copy_seeds(data_dir: Path, *seeds: Path) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(seed, data_dir / seed.name)) for seed in seeds]


def fingerprint(settings: Settings) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every base table."""
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        return {
            table: store.connection.execute(f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{table}" t').fetchone()
            for table in row_counts(store.connection)
        }


CONTENT = ("tables", "cells", "sections", "passages", "variances", "budget_execution")


def content(settings: Settings) -> dict[str, tuple[int, int]]:
    """The fingerprint of what was parsed, leaving out when and from which file it was loaded."""
    return {t: v for t, v in fingerprint(settings).items() if t in CONTENT}


def statuses(report) -> list[tuple[str, str]]:
    return [(Path(e.file).name, e.status) for e in report.entries]


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory) -> Path:
    """A database with the three seeds, built once; tests copy it."""
    data_dir = tmp_path_factory.mktemp("seeds")
    copy_seeds(data_dir, LUNTAI, BAZHOU, XUCHANG)
    report = ingest_paths([data_dir], settings_for(data_dir), refresh=False)
    assert not report.failed, report.entries
    return data_dir


def test_ingesting_a_folder_loads_the_three_seeds(tmp_path):
    settings = settings_for(tmp_path)
    copy_seeds(tmp_path, LUNTAI, BAZHOU, XUCHANG)
    report = ingest_paths([tmp_path], settings, refresh=False)
    assert statuses(report) == [(LUNTAI.name, "loaded"), (BAZHOU.name, "loaded"), (XUCHANG.name, "loaded")]
    assert [e.detail for e in report.entries] == [LUNTAI_ID, BAZHOU_ID, XUCHANG_ID]
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        documents = {d.doc_id: d for d in store.documents()}
        basic_wages = store.connection.execute(
            "SELECT doc_id, value FROM cells WHERE subject_code = '30101' AND measure = 'total' ORDER BY value"
        ).fetchall()
        counts = row_counts(store.connection)
    assert set(documents) == {LUNTAI_ID, BAZHOU_ID, XUCHANG_ID}
    assert all(d.n_tables > 0 and d.n_cells > 0 and d.n_passages > 0 for d in documents.values())
    assert documents[XUCHANG_ID].source_files == (str(tmp_path / XUCHANG.name),)
    assert basic_wages == [(LUNTAI_ID, 54.96), (BAZHOU_ID, 366.95), (XUCHANG_ID, 1590.77)]  # 基本工资
    assert counts["variances"] > 0 and counts["budget_execution"] > 0


def test_reingesting_the_same_file_is_a_no_op(tmp_path, monkeypatch):
    [path] = copy_seeds(tmp_path, LUNTAI)
    settings = settings_for(tmp_path)
    ingest_paths([path], settings)
    before = fingerprint(settings)
    fake_refresh_index.calls.clear()
    monkeypatch.setattr("index.cluster.rows.prepare_source", lambda source: pytest.fail("parsed an unchanged file"))
    report = ingest_paths([path], settings)
    assert [(e.status, e.detail) for e in report.entries] == [("unchanged", LUNTAI_ID)]
    assert not report.changed and fake_refresh_index.calls == []
    assert fingerprint(settings) == before


def test_renamed_file_is_unchanged_and_lists_its_new_path(tmp_path):
    settings = settings_for(tmp_path)
    [path] = copy_seeds(tmp_path, XUCHANG)
    ingest_paths([path], settings, refresh=False)
    renamed = path.rename(tmp_path / "许昌2023决算.txt")
    report = ingest_paths([tmp_path], settings, refresh=False)
    assert [(e.status, e.detail) for e in report.entries] == [("unchanged", XUCHANG_ID)]
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert [d.source_files for d in store.documents()] == [(str(renamed),)]


def test_identical_copy_is_a_duplicate_of_the_loaded_file_every_run(tmp_path):
    settings = settings_for(tmp_path)
    [path] = copy_seeds(tmp_path, XUCHANG)
    ingest_paths([path], settings, refresh=False)
    copy = Path(shutil.copy(path, tmp_path / "zz_copy.txt"))
    for _ in range(2):
        report = ingest_paths([tmp_path], settings, refresh=False)
        assert [(Path(e.file).name, e.status, e.detail, e.same_as) for e in report.entries] == [
            (XUCHANG.name, "unchanged", XUCHANG_ID, ""), (copy.name, "duplicate", XUCHANG_ID, str(path)),
        ]
        assert not report.failed
        with BudgetStore.open(settings.db_path, read_only=True) as store:
            assert [d.source_files for d in store.documents()] == [(str(path),)]


def test_a_folder_of_identical_copies_is_one_document_and_duplicates_every_run(tmp_path, capsys):
    from assistant.commands import run_ingest

    folder = tmp_path / "copies"
    folder.mkdir()
    for n in range(200):
        shutil.copy(LUNTAI, folder / f"copy_{n:03}.txt")
    settings = settings_for(tmp_path / "data")
    kept = folder / "copy_000.txt"
    for first_status, first_label in (("loaded", "已载入"), ("unchanged", "未变更")):
        assert run_ingest(settings, Namespace(paths=[str(folder)])) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith(f"{first_label}：{kept} → {LUNTAI_ID}")
        assert out[1] == f"重复：{folder / 'copy_001.txt'} → {LUNTAI_ID}（与 {kept} 内容相同，未再载入）"
        assert out[200].startswith(f"共 200 个文件：已载入 {int(first_status == 'loaded')}，已替换 0，"
                                   f"未变更 {int(first_status == 'unchanged')}，重复 199，失败 0（用时 ")
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert [(d.doc_id, d.source_files) for d in store.documents()] == [(LUNTAI_ID, (str(kept),))]


def test_copies_arriving_in_later_runs_are_duplicates_of_the_loaded_file(tmp_path):
    settings = settings_for(tmp_path / "data")
    [kept] = copy_seeds(tmp_path / "a", BAZHOU)
    ingest_paths([kept], settings, refresh=False)
    before = fingerprint(settings)
    later = copy_seeds(tmp_path / "b", BAZHOU)[0]
    report = ingest_paths([later], settings, refresh=False)
    assert [(e.status, e.detail, e.same_as) for e in report.entries] == [("duplicate", BAZHOU_ID, str(kept))]
    assert not report.changed and fingerprint(settings) == before


def test_when_the_loaded_file_is_gone_the_first_copy_takes_its_place(tmp_path):
    settings = settings_for(tmp_path / "data")
    [kept] = copy_seeds(tmp_path / "a", XUCHANG)
    ingest_paths([kept], settings, refresh=False)
    copies = [Path(shutil.copy(XUCHANG, tmp_path / name)) for name in ("x1.txt", "x2.txt")]
    kept.unlink()
    for _ in range(2):
        report = ingest_paths(copies, settings, refresh=False)
        assert [(e.status, e.same_as) for e in report.entries] == [("unchanged", ""), ("duplicate", str(copies[0]))]


def test_a_data_folder_copied_with_its_database_keeps_its_own_files(tmp_path, loaded_db):
    shutil.copytree(loaded_db, tmp_path / "data")
    settings = settings_for(tmp_path / "data")
    for _ in range(2):
        report = ingest_paths([settings.data_dir], settings, refresh=False)
        assert [e.status for e in report.entries] == ["unchanged"] * 3
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert {p for d in store.documents() for p in d.source_files} == {
            str(settings.data_dir / seed.name) for seed in (LUNTAI, BAZHOU, XUCHANG)}
    report = ingest_paths([loaded_db / LUNTAI.name], settings, refresh=False)
    assert [(e.status, e.same_as) for e in report.entries] == [("duplicate", str(settings.data_dir / LUNTAI.name))]


def test_copies_of_a_bad_file_fail_with_its_reason(tmp_path):
    for name in ("bad.txt", "bad_copy.txt"):
        (tmp_path / name).write_text("关于召开年度工作会议的通知\n请各科室准时参加。\n", encoding="utf-8")
    report = ingest_paths([tmp_path], settings_for(tmp_path / "data"), refresh=False)
    first, copy = report.entries
    assert first.status == "failed" and first.detail.startswith("bad.txt: 不是可识别的部门预算/决算公开文件")
    assert (copy.status, copy.detail) == ("failed", f"bad_copy.txt: 与 bad.txt 内容相同（{first.detail}）")


def test_parsing_in_parallel_loads_what_one_process_loads(tmp_path):
    databases = {}
    for workers in (1, 2):
        settings = Settings(data_dir=tmp_path / str(workers), ingest_workers=workers)
        copy_seeds(settings.data_dir, BAZHOU, XUCHANG)
        split_luntai(settings.data_dir / "split")
        report = ingest_paths([settings.data_dir, settings.data_dir / "split"], settings, refresh=False)
        assert [e.status for e in report.entries] == ["loaded"] * 4
        databases[workers] = content(settings)
    assert databases[1] == databases[2]


def test_changed_file_replaces_the_old_rows(tmp_path):
    [path] = copy_seeds(tmp_path / "data", LUNTAI)
    settings = settings_for(tmp_path / "data")
    ingest_paths([path], settings, refresh=False)
    text = LUNTAI.read_text(encoding="utf-8")
    edited = text.replace("主要职能", "主要职能职责", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    report = ingest_paths([path], settings, refresh=False)
    assert [(e.status, e.detail) for e in report.entries] == [("replaced", LUNTAI_ID)]
    fresh = settings_for(tmp_path / "fresh")
    copy_seeds(fresh.data_dir, LUNTAI)
    (fresh.data_dir / LUNTAI.name).write_text(edited, encoding="utf-8")
    ingest_paths([fresh.data_dir], fresh, refresh=False)
    counts = {table: n for table, (n, _) in fingerprint(settings).items()}
    assert counts == {table: n for table, (n, _) in fingerprint(fresh).items()}
    assert counts["documents"] == 1 and counts["source_files"] == 1
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert store.has_source(hashlib.sha256(edited.encode("utf-8")).hexdigest())
        assert not store.has_source(hashlib.sha256(LUNTAI.read_bytes()).hexdigest())


def test_gbk_copy_of_a_seed_loads_like_the_utf8_one(tmp_path):
    utf8 = settings_for(tmp_path / "utf8")
    gbk = settings_for(tmp_path / "gbk")
    copy_seeds(utf8.data_dir, BAZHOU)
    gbk.data_dir.mkdir()
    (gbk.data_dir / BAZHOU.name).write_bytes(BAZHOU.read_text(encoding="utf-8").encode("gbk"))
    for settings in (utf8, gbk):
        report = ingest_paths([settings.data_dir], settings, refresh=False)
        assert [(e.status, e.detail) for e in report.entries] == [("loaded", BAZHOU_ID)]
    assert content(gbk) == content(utf8)


def write_empty(path: Path) -> None:
    path.write_bytes(b"")


def write_binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)


def write_truncated_table(path: Path) -> None:
    """轮台 预算 cut inside 表6: its header is printed, its rows are not."""
    lines = LUNTAI.read_text(encoding="utf-8").splitlines(keepends=True)
    first_row = next(n for n, line in enumerate(lines) if line.startswith("301\t\t工资福利支出"))
    path.write_text("".join(lines[:first_row]), encoding="utf-8")


@pytest.mark.parametrize("write_bad, message", ids=["empty", "binary"], argvalues=[
    (write_empty, "bad.txt: 无法读取（文件为空）"),
    (write_binary, "bad.txt: 无法读取（不是文本文件（含二进制内容））"),
])
def test_bad_file_fails_with_its_name_and_leaves_the_database_unchanged(tmp_path, loaded_db, write_bad, message):
    shutil.copytree(loaded_db, tmp_path / "data")
    settings = settings_for(tmp_path / "data")
    ingest_paths([settings.data_dir], settings, refresh=False)  # records the copies' paths
    before = fingerprint(settings)
    bad = tmp_path / "bad.txt"
    write_bad(bad)
    report = ingest_paths([bad, settings.data_dir], settings, refresh=False)
    assert statuses(report) == [
        ("bad.txt", "failed"), (LUNTAI.name, "unchanged"), (BAZHOU.name, "unchanged"), (XUCHANG.name, "unchanged"),
    ]
    assert report.entries[0].detail == message
    assert fingerprint(settings) == before


def test_a_truncated_table_costs_only_itself_and_is_named_in_a_warning(tmp_path):
    settings = settings_for(tmp_path)
    cut = tmp_path / "cut.txt"
    write_truncated_table(cut)
    report = ingest_paths([cut], settings, refresh=False)
    assert statuses(report) == [("cut.txt", "loaded")]
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        tables, warnings = store.connection.execute(
            "SELECT (SELECT count(*) FROM tables), warnings FROM documents").fetchone()
    assert tables == 5  # 表1 to 表5, printed before the cut
    assert warnings == ["“一般公共预算基本支出情况表”（第 317 行）只有表头、没有数据行，已跳过"]


def test_missing_file_is_reported_and_the_others_load(tmp_path):
    settings = settings_for(tmp_path)
    [path] = copy_seeds(tmp_path, LUNTAI)
    missing = tmp_path / "nope.txt"
    report = ingest_paths([missing, path], settings, refresh=False)
    assert [(e.status, e.detail) for e in report.entries] == [
        ("failed", "nope.txt: 无法读取（文件不存在）"), ("loaded", LUNTAI_ID),
    ]


def test_failure_half_way_through_loading_leaves_the_database_unchanged(tmp_path, loaded_db, monkeypatch):
    shutil.copytree(loaded_db, tmp_path / "data")
    settings = settings_for(tmp_path / "data")
    before = fingerprint(settings)
    edited = tmp_path / "data" / LUNTAI.name
    edited.write_text(LUNTAI.read_text(encoding="utf-8").replace("主要职能", "主要职能职责", 1), encoding="utf-8")
    insert = BudgetStore._insert

    def failing_insert(store, table, frame):
        if table == "cells":
            raise RuntimeError("disk full")
        insert(store, table, frame)

    monkeypatch.setattr(BudgetStore, "_insert", failing_insert)
    settings.index_path.mkdir()
    report = ingest_paths([edited], settings)
    assert [(e.status, e.detail) for e in report.entries] == [
        ("failed", f"{LUNTAI.name}: 内部错误（RuntimeError: disk full）"),
    ]
    assert fingerprint(settings) == before
    assert fake_refresh_index.calls == []


def test_two_versions_of_one_document_keep_the_first_and_fail_the_other_every_run(tmp_path):
    settings = settings_for(tmp_path)
    shutil.copy(LUNTAI, tmp_path / "a.txt")
    second = tmp_path / "b.txt"
    second.write_bytes(LUNTAI.read_text(encoding="utf-8").encode("gbk"))
    conflict = f"b.txt: 与已载入的同一文件冲突（与 a.txt 是同一文件 {LUNTAI_ID}，已保留 a.txt）"
    for expected_first in ("loaded", "unchanged"):
        report = ingest_paths([tmp_path], settings, refresh=False)
        assert [(e.status, e.detail) for e in report.entries] == [
            (expected_first, LUNTAI_ID), ("failed", conflict),
        ]


def split_luntai(folder: Path) -> list[Path]:
    """轮台 预算 as two files: cover and 第一部分 (narrative), then 第二部分 onward (tables, explanations)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = LUNTAI.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = [n for n, line in enumerate(lines) if line.startswith("第二部分")][-1]
    parts = [folder / "luntai_1.txt", folder / "luntai_2.txt"]
    parts[0].write_text("".join(lines[:cut]), encoding="utf-8")
    parts[1].write_text("".join(lines[cut:]), encoding="utf-8")
    return parts


def test_two_parts_of_one_document_load_as_the_whole_file(tmp_path):
    whole = settings_for(tmp_path / "whole")
    copy_seeds(whole.data_dir, LUNTAI)
    ingest_paths([whole.data_dir], whole, refresh=False)
    split = settings_for(tmp_path / "split")
    parts = split_luntai(split.data_dir)
    report = ingest_paths([split.data_dir], split, refresh=False)
    assert [(e.status, e.detail) for e in report.entries] == [("loaded", LUNTAI_ID), ("loaded", LUNTAI_ID)]
    assert content(split) == content(whole)
    with BudgetStore.open(split.db_path, read_only=True) as store:
        assert [d.source_files for d in store.documents()] == [tuple(str(p) for p in parts)]


def test_a_part_ingested_later_joins_the_loaded_part(tmp_path):
    whole = settings_for(tmp_path / "whole")
    copy_seeds(whole.data_dir, LUNTAI)
    ingest_paths([whole.data_dir], whole, refresh=False)
    split = settings_for(tmp_path / "split")
    first, second = split_luntai(split.data_dir)
    assert statuses(ingest_paths([first], split, refresh=False)) == [("luntai_1.txt", "loaded")]
    assert statuses(ingest_paths([second], split, refresh=False)) == [("luntai_2.txt", "replaced")]
    assert content(split) == content(whole)
    assert statuses(ingest_paths([split.data_dir], split, refresh=False)) == [
        ("luntai_1.txt", "unchanged"), ("luntai_2.txt", "unchanged"),
    ]


def test_joined_parts_count_lines_and_pages_on_through_the_files():
    first = SourceText("/d/20_narrative.pdf", "a" * 64, "pdf", 10, [Line(1, "说明", 1), Line(2, "…", 2)])
    second = SourceText("/d/21_tables.pdf", "b" * 64, "pdf", 20, [Line(1, "表1", 1), Line(2, "合计", 1)])
    joined = join_sources([first, second])
    assert [(line.number, line.text, line.page) for line in joined.lines] == [
        (1, "说明", 1), (2, "…", 2), (3, "表1", 3), (4, "合计", 3),
    ]
    assert (joined.path, joined.n_bytes) == ("/d/20_narrative.pdf + 21_tables.pdf", 30)


def test_refresh_runs_once_after_a_change(tmp_path):
    settings = settings_for(tmp_path)
    copy_seeds(tmp_path, LUNTAI, BAZHOU)
    report = ingest_paths([tmp_path], settings)
    assert report.index_refreshed and fake_refresh_index.calls == [settings]


def test_refresh_runs_without_a_change_when_the_index_is_missing(tmp_path):
    settings = settings_for(tmp_path)
    copy_seeds(tmp_path, LUNTAI)
    ingest_paths([tmp_path], settings, refresh=False)
    report = ingest_paths([tmp_path], settings)
    assert statuses(report) == [(LUNTAI.name, "unchanged")]
    assert report.index_refreshed and fake_refresh_index.calls == [settings]


def test_ensure_database_builds_from_the_data_folder_once(tmp_path):
    settings = settings_for(tmp_path)
    copy_seeds(tmp_path, LUNTAI, XUCHANG)
    report = ensure_database(settings, refresh=False)
    assert statuses(report) == [(LUNTAI.name, "loaded"), (XUCHANG.name, "loaded")]
    assert ensure_database(settings, refresh=False) is None


def test_ensure_database_on_a_folder_without_documents_creates_nothing(tmp_path):
    settings = settings_for(tmp_path / "empty")
    report = ensure_database(settings)
    assert report.entries == [] and not settings.data_dir.exists()


def test_second_ingest_waits_for_the_lock(tmp_path):
    settings = settings_for(tmp_path)
    with ingest_lock(settings):
        with pytest.raises(DatabaseUnavailableError) as caught:
            with ingest_lock(settings, timeout_s=0):
                pass
    assert caught.value.user_message == f"{settings.db_path}: 无法打开数据库（另一个进程正在载入文件）"
    with ingest_lock(settings, timeout_s=0):
        pass


def test_ingest_command_prints_one_line_per_file_and_fails_on_a_bad_file(tmp_path, capsys):
    from assistant.commands import run_ingest

    settings = settings_for(tmp_path / "data")
    [path] = copy_seeds(settings.data_dir, BAZHOU)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert run_ingest(settings, Namespace(paths=[str(path)])) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"已载入：{path} → {BAZHOU_ID}（表中数值 100% 在已识别的表里）"
    assert out[1].startswith("共 1 个文件：已载入 1，已替换 0，未变更 0，重复 0，失败 0（用时 ")
    assert out[2].startswith("叙述索引已更新（用时 ")
    assert run_ingest(settings, Namespace(paths=[str(path), str(empty)])) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"未变更：{path} → {BAZHOU_ID}"
    assert out[1] == "失败：empty.txt: 无法读取（文件为空）"
    assert out[2].startswith("共 2 个文件：已载入 0，已替换 0，未变更 1，重复 0，失败 1（用时 ")
    assert len(out) == 3


def test_docs_command_builds_the_database_and_lists_documents(tmp_path, capsys):
    from assistant.commands import run_docs

    settings = settings_for(tmp_path)
    copy_seeds(tmp_path, LUNTAI, BAZHOU, XUCHANG)
    assert run_docs(settings, Namespace()) == 0
    captured = capsys.readouterr()
    assert f"已载入：{tmp_path / LUNTAI.name} → {LUNTAI_ID}" in captured.err
    lines = captured.out.splitlines()
    assert lines[0].split() == ["doc_id", "部门", "年度", "类型", "范围", "表", "数值", "已识别", "段落", "警告", "源文件"]
    assert [line.split()[0] for line in lines[2:5]] == [XUCHANG_ID, BAZHOU_ID, LUNTAI_ID]
    assert lines[2].split()[1:5] == ["许昌市人力资源和社会保障局", "2023", "决算", "部门"]
    assert lines[2].split()[7] == "100%"
    assert lines[2].endswith(str(tmp_path / XUCHANG.name))
    assert lines[-1] == "共 3 个文件"


def test_docs_command_without_documents_says_so(tmp_path):
    from assistant.commands import run_docs
    from index.errors import DatabaseMissingError

    with pytest.raises(DatabaseMissingError) as caught:
        run_docs(settings_for(tmp_path), Namespace())
    assert caught.value.user_message == f"{tmp_path} 中没有数据库，也没有可载入的文件"


def test_a_database_of_an_older_format_is_rebuilt_from_its_files_losing_none(tmp_path):
    data_dir = tmp_path / "data"
    elsewhere = copy_seeds(tmp_path / "elsewhere", XUCHANG)
    copy_seeds(data_dir, LUNTAI)
    settings = settings_for(data_dir)
    ingest_paths([data_dir, *elsewhere], settings)
    with BudgetStore.open(settings.db_path) as store:
        store.connection.execute("UPDATE data_format SET version = 'older'")
    assert ensure_database(settings) is not None
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert store.is_current
        assert {d.doc_id for d in store.documents()} == {LUNTAI_ID, XUCHANG_ID}


def test_a_database_of_an_older_format_is_rebuilt_when_every_file_lies_outside_the_data_folder(tmp_path):
    data_dir = tmp_path / "data"
    elsewhere = copy_seeds(tmp_path / "elsewhere", BAZHOU)
    settings = settings_for(data_dir)
    ingest_paths(elsewhere, settings)
    with BudgetStore.open(settings.db_path) as store:
        store.connection.execute("UPDATE data_format SET version = 'older'")
    report = ensure_database(settings)
    assert [(e.status, e.detail) for e in report.entries] == [("loaded", BAZHOU_ID)]
    with BudgetStore.open(settings.db_path, read_only=True) as store:
        assert store.is_current and [d.doc_id for d in store.documents()] == [BAZHOU_ID]


def test_what_the_user_states_about_a_files_identity_wins_and_is_recorded(tmp_path, capsys):
    from assistant.cli import main

    data_dir = tmp_path / "data"
    [path] = copy_seeds(data_dir, BAZHOU)
    assert main(["--data-dir", str(data_dir), "ingest", str(path), "--department", "巴州人社局本级",
                 "--year", "2025", "--kind", "预算", "--scope", "部门"]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"已载入：{path} → 2025-预算-部门-巴州人社局本级（表中数值 100% 在已识别的表里")
    with BudgetStore.open(settings_for(data_dir).db_path, read_only=True) as store:
        [document] = store.documents()
        source = store.connection.execute("SELECT identity_source FROM documents").fetchone()[0]
    assert (document.department, document.year, document.recognised_text, source) == (
        "巴州人社局本级", 2025, "100%", "user")
