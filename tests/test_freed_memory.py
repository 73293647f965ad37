"""Freed memory goes back to the system after a read (gridoffice.store.db.release_freed_memory)."""

from __future__ import annotations

import ctypes
import sys
import threading
from pathlib import Path

import pytest

from gridoffice.store import db as dbmod

BLOCK = 64 * 1024  # below glibc's mmap threshold: served from the thread's arena
BLOCKS = 1600  # 100 MiB


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def freed_in_a_thread() -> None:
    """A thread fills 100 MiB of small blocks and frees them, keeping the last one: glibc keeps the
    freed blocks in the thread's arena (the kept block stops it from shrinking the arena by itself)."""
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(BLOCK) for _ in range(BLOCKS)]
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)
    for block in blocks[:-1]:
        libc.free(block)
    freed_in_a_thread.kept = blocks[-1]


@pytest.mark.skipif(dbmod._malloc_trim() is None, reason="glibc only: elsewhere nothing is called")
def test_freed_memory_of_another_thread_is_returned():
    thread = threading.Thread(target=freed_in_a_thread)
    thread.start()
    thread.join()
    held = rss_mib()
    dbmod.release_freed_memory()
    assert rss_mib() < held - 80
    ctypes.CDLL(None).free(ctypes.c_void_p(freed_in_a_thread.kept))


def test_shrinking_a_connection_releases_freed_memory(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(dbmod, "release_freed_memory", lambda: calls.append(1))
    db = dbmod.Database(dbmod.sqlite3.connect(str(tmp_path / "plain.db")))
    dbmod.shrink_memory(db)
    assert calls == [1]


def test_nothing_is_called_outside_linux(monkeypatch):
    dbmod._malloc_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "win32")
    try:
        assert dbmod._malloc_trim() is None
        dbmod.release_freed_memory()  # does nothing, raises nothing
    finally:
        monkeypatch.undo()
        dbmod._malloc_trim.cache_clear()
