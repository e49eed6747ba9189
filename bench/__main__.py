"""Run every benchmark module (bench/*_bench.py) in name order; exit 1 if any raised."""
from __future__ import annotations

import importlib
import logging
import sys
import traceback
from pathlib import Path


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    failed = []
    for path in sorted(Path(__file__).parent.glob("*_bench.py")):
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


sys.exit(main())
