"""Temporary files that may hold personal data: beside their target, owner-only, never left behind.

A document is written under a temporary name in the target's folder (so the final rename stays on
one file system), readable by its owner only, and renamed into place once complete and once its
audit entry has committed: no file exists without its entry. Every exit path removes the temporary
file; one that a killed program left behind is removed the next time a file is written to that
folder (`clean_leftovers`), when the process that made it is gone or it is a day old.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Callable, Iterator

PREFIX = ".gridoffice-tmp-"
STALE_SECONDS = 24 * 3600


def _name(suffix: str) -> str:
    return f"{PREFIX}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


@contextlib.contextmanager
def beside(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """An empty owner-only file next to `target`; removed on leaving unless it was renamed away."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    clean_leftovers(folder)
    tmp = folder / _name(suffix or target.suffix)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def private_folder(target: str | Path) -> Iterator[Path]:
    """An owner-only folder next to `target` for a library's spill files; removed with its contents."""
    target = Path(target)
    clean_leftovers(target.parent if str(target.parent) else Path("."))
    folder = (target.parent if str(target.parent) else Path(".")) / _name("")
    folder.mkdir(mode=0o700)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_file(path: Path) -> Path:
    """An empty owner-only file at `path`, for a library that opens its file by name: it keeps the
    mode when it writes over it, so the file is private even outside its private folder."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def commit(tmp: Path, target: str | Path, before_rename: Callable[[], object] | None = None) -> Path:
    """Flush `tmp` to disk, run `before_rename` (the audit entry), then rename it over `target`."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if before_rename is not None:
        before_rename()
    os.replace(tmp, target)
    return Path(target)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_leftovers(folder: str | Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files and folders a killed run left in `folder`; returns what went."""
    folder = Path(folder)
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(folder.glob(f"{PREFIX}*"))
    except OSError:
        return removed
    for entry in entries:
        try:
            pid = int(entry.name[len(PREFIX):].split("-", 1)[0])
        except ValueError:
            pid = -1
        try:
            old = now - entry.stat().st_mtime > STALE_SECONDS
        except OSError:
            continue
        if pid == os.getpid() or (pid > 0 and _alive(pid) and not old):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed
