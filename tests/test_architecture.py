"""The layout shows the architecture: imports flow one way, and the docs cover the interface."""
from __future__ import annotations

import ast
from pathlib import Path

from assistant.cli import build_parser
from index.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_index_never_imports_assistant_or_streamlit():
    for path in python_files("index"):
        assert not imported_modules(path) & {"assistant", "streamlit"}, path


def test_only_app_and_its_pages_import_streamlit():
    pages = ROOT / "ui" / "pages"
    for folder in ("index", "assistant", "bench", "ui"):
        for path in python_files(folder):
            if pages not in path.parents:
                assert "streamlit" not in imported_modules(path), path


def test_every_setting_is_in_the_readme():
    for variable in Settings.help():
        assert variable in README, variable


def test_every_cli_command_is_in_the_readme():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python -m assistant {name}" in README, name
