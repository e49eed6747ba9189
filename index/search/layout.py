"""The narrative index folder (段落索引目录): complete versions behind a pointer file.

    index/
      CURRENT             name of the version readers open, replaced with os.replace
      v-<time>-<pid>/     one complete version (see index/search/version.py)
      cache/<model>/      embeddings of a refresh that has not finished, resumed after a crash
      PENDING             present while a refresh runs; a crash leaves it behind
      .lock               held by the process writing a version

A refresh writes a whole new version folder, flushes it to disk, then replaces
``CURRENT``: a reader opens the old version or the new one, never a half-written
one. The current version and the one before it stay (a reader may be opening it);
older versions, unfinished ones and the files of the older single-folder layout
are removed after each switch.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no cross-process lock
    fcntl = None

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
PENDING = "PENDING"
LOCK = ".lock"
CACHE = "cache"
VERSION_PREFIX = "v-"
LOCK_TIMEOUT_S = 600.0
STAGE_HOOKS: list[Callable[[str], None]] = []
LEGACY_FILES = ("manifest.json", "docstore.json", "index_store.json", "default__vector_store.json",
                "graph_store.json", "image__vector_store.json")


class IndexLayout:
    """Paths, pointer, lock and clean-up of one index folder (``settings.index_path``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current(self) -> Path | None:
        """The folder ``CURRENT`` names, or None when there is no pointer (nothing switched in yet)."""
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not name.startswith(VERSION_PREFIX) or "/" in name or "\\" in name:
            logger.warning("%s names no version (%r)", self.root / POINTER, name[:80])
            return None
        return self.root / name

    def versions(self) -> list[Path]:
        """Version folders that were finished (they hold a manifest), oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir()
                      if p.name.startswith(VERSION_PREFIX) and (p / "manifest.json").is_file())

    def pointer_stamp(self) -> int:
        """Changes whenever a version is switched in (0 when none is)."""
        try:
            stat = (self.root / POINTER).stat()
        except FileNotFoundError:
            return 0
        return stat.st_mtime_ns ^ stat.st_ino

    def new_version(self) -> Path:
        """An empty folder for a version being written (not visible to readers until ``switch``)."""
        path = self.root / f"{VERSION_PREFIX}{time.time_ns():019d}-{os.getpid()}"
        path.mkdir(parents=True)
        return path

    def switch(self, version: Path) -> None:
        """Make ``version`` the one readers open: the pointer is replaced in one step, then flushed."""
        tmp = self.root / f"{POINTER}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(version.name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / POINTER)
        fsync_dir(self.root)

    def cache_dir(self, model_slug: str) -> Path:
        return self.root / CACHE / model_slug

    @property
    def pending(self) -> bool:
        """A refresh started and has not finished (it is running, or it was killed)."""
        return (self.root / PENDING).exists()

    def mark_pending(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / PENDING).write_text(str(os.getpid()), encoding="utf-8")

    def clear_pending(self) -> None:
        (self.root / PENDING).unlink(missing_ok=True)

    def holds_files(self) -> bool:
        """Anything besides the lock file: a version, a pending refresh, or files of the older layout."""
        if not self.root.is_dir():
            return False
        return any(p.name != LOCK for p in self.root.iterdir())

    @contextmanager
    def lock(self, wait: bool = True, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[bool]:
        """Hold ``.lock`` (one writer at a time); yields False when ``wait`` is off and another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            yield True
            return
        with open(self.root / LOCK, "a+") as handle:
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not wait or time.monotonic() > deadline:
                        yield False
                        return
                    time.sleep(0.2)
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def cleanup(self) -> None:
        """Remove all but the current and the previous version, unfinished versions and older-layout files.

        Call with the lock held.
        """
        current = self.current()
        keep = {current}
        if current is not None:
            keep.update([v for v in self.versions() if v.name < current.name][-1:])
        for version in [p for p in self.root.iterdir() if p.is_dir() and p.name.startswith(VERSION_PREFIX)]:
            if version not in keep:
                shutil.rmtree(version, ignore_errors=True)
        for name in LEGACY_FILES:
            (self.root / name).unlink(missing_ok=True)
        shutil.rmtree(self.root / "bm25", ignore_errors=True)
        for path in [*self.root.glob("embeddings-*.npz"), *self.root.glob(f"{POINTER}.*.tmp")]:
            path.unlink(missing_ok=True)


def stage(name: str) -> None:
    """A step of a refresh ("embedded 256/1000", "written vectors.npy", "switching"): logged, and hookable.

    Tests append to ``STAGE_HOOKS`` to kill a refreshing process at a chosen step.
    """
    logger.debug("refresh: %s", name)
    for hook in STAGE_HOOKS:
        hook(name)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new files, renames) to disk; a no-op where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
