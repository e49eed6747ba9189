"""End to end: the real server (``streamlit run app.py``) driven by headless Chromium.

The data folder is a copy of the three seeds in tmp_path, loaded with the CLI
as ``make run`` does (passage embeddings already computed for data/ are
reused; without them loading takes a minute or two). Three questions of different routes are typed into the
chat; each answer is awaited, checked on the visible text, timed from
pressing Enter to the answer being shown, and screenshotted under
test-output/ (git-ignored), as are the variance and document pages.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, copy_data

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
# (question, route, text the visible answer must hold)
QUESTIONS = [
    ("轮台县人社局2024年三公经费一共多少？", "sql", "2.77"),
    ("什么是三公经费？", "passages", "公务接待"),
    ("轮台县人社局2024年行政运行预算为什么增加？", "both", "209.44"),
]
ANSWER_LIMIT_S = 10.0
ANSWER_SHOWN = """n => {
  const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
  return messages.length >= n && messages[n - 1].innerText.includes('用时');
}"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f}s")


@pytest.fixture(scope="module")
def server(indexed_data, tmp_path_factory):
    """The app on 127.0.0.1 and a free port, over a loaded copy of the seeds."""
    data_dir = copy_data(indexed_data, tmp_path_factory.mktemp("browser"))
    env = {**os.environ, "BUDGET_DATA_DIR": str(data_dir)}
    port = free_port()
    log = (data_dir.parent / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield context.new_page()
    context.close()


def open_chat(page, url: str) -> None:
    page.goto(url)
    page.get_by_text("已载入文件").wait_for(timeout=120_000)
    page.locator('[data-testid="stChatInputTextArea"]').wait_for(timeout=60_000)


def test_three_questions_are_answered_in_the_browser(server, page):
    OUTPUT.mkdir(exist_ok=True)
    open_chat(page, server)
    assert page.get_by_text("轮台县人力资源和社会保障局").first.is_visible()
    timings = []
    for i, (question, route, expected) in enumerate(QUESTIONS, start=1):
        box = page.locator('[data-testid="stChatInputTextArea"]')
        box.fill(question)
        started = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(ANSWER_SHOWN, arg=2 * i, polling="raf", timeout=60_000)
        seconds = time.perf_counter() - started
        timings.append((route, seconds))
        answer = page.locator('[data-testid="stChatMessage"]').nth(2 * i - 1)
        answer.scroll_into_view_if_needed()
        text = answer.inner_text()
        page.wait_for_timeout(1000)  # let the table and chart draw before the screenshot
        page.screenshot(path=str(OUTPUT / f"browser-{i}-{route}.png"), full_page=True)
        assert expected in text, text
        assert "出现内部错误" not in text
    print("\n" + "\n".join(f"browser answer time ({route}): {s:.2f} s" for route, s in timings))
    assert all(seconds < ANSWER_LIMIT_S for _, seconds in timings), timings


def test_example_question_in_the_sidebar_is_asked_when_clicked(server, page):
    open_chat(page, server)
    page.locator('[data-testid="stSidebar"] button', has_text="什么是三公经费？").click()
    page.wait_for_function(ANSWER_SHOWN, arg=2, polling="raf", timeout=60_000)
    question = page.locator('[data-testid="stChatMessage"] [data-testid="stChatMessageContent"]').first
    assert question.inner_text().strip() == "什么是三公经费？"


def upload(page, path: Path) -> None:
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(path))


def test_uploads_report_in_the_sidebar_and_leave_the_chat_working(server, page, tmp_path):
    open_chat(page, server)
    copy = tmp_path / "轮台副本.txt"
    shutil.copy(SEEDS["luntai"], copy)
    upload(page, copy)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("已载入过").wait_for(timeout=60_000)
    notes = tmp_path / "会议纪要.txt"
    notes.write_text("关于召开年度工作会议的通知\n请各科室准时参加。\n", encoding="utf-8")
    upload(page, notes)
    page.screenshot(path=str(OUTPUT / "browser-upload-failed.png"), full_page=True)
    sidebar.get_by_text("会议纪要.txt: 不是可识别的部门预算/决算公开文件").wait_for(timeout=60_000)
    page.screenshot(path=str(OUTPUT / "browser-upload-failed.png"), full_page=True)
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(QUESTIONS[0][0])
    box.press("Enter")
    page.wait_for_function(ANSWER_SHOWN, arg=2, polling="raf", timeout=60_000)
    assert QUESTIONS[0][2] in page.locator('[data-testid="stChatMessage"]').nth(1).inner_text()


def test_variance_and_document_pages_show_tables_and_passages(server, page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{server}/variances")
    page.get_by_text("增减变动说明").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    page.get_by_text("原文段落").first.wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "browser-variances.png"), full_page=True)
    page.goto(f"{server}/documents")
    page.get_by_text("章节").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stExpander"]').first.click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "browser-documents.png"), full_page=True)


def test_audit_page_lists_the_mismatch_of_the_bazhou_narrative(server, page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(f"{server}/audit")
    page.get_by_text("核对：文中数字与表格").first.wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').nth(1).wait_for(timeout=30_000)  # summary, then the findings
    page.get_by_text("下载 Markdown").wait_for(timeout=30_000)
    page.screenshot(path=str(OUTPUT / "browser-audit.png"), full_page=True)
