"""Benchmarks.

    python -m bench                  every bench/*_bench.py in name order; exit 1 if any raised
    python -m bench NAME [ARGS…]     one benchmark: bench/NAME.py or bench/NAME_bench.py, with its own options
                                     (e.g. python -m bench scale --docs 1000)
"""
from __future__ import annotations

import importlib
import inspect
import logging
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).parent


def run_all() -> int:
    failed = []
    for path in sorted(HERE.glob("*_bench.py")):
        name = f"bench.{path.stem}"
        print(f"== {name}")
        try:
            importlib.import_module(name).main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def run_one(name: str, argv: list[str]) -> int:
    stems = [stem for stem in (name, f"{name}_bench") if (HERE / f"{stem}.py").is_file()]
    if not stems:
        known = sorted(p.stem.removesuffix("_bench") for p in HERE.glob("*.py") if not p.stem.startswith("_"))
        print(f"unknown benchmark {name!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    entry = importlib.import_module(f"bench.{stems[0]}").main
    result = entry(argv) if inspect.signature(entry).parameters else entry()
    return result if isinstance(result, int) else 0


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    return run_one(argv[0], argv[1:]) if argv else run_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
