"""One program per office file: a lock file beside the database, held by an OS lock.

The lock file is created with O_EXCL and carries who holds it (host, user, pid, since).
The OS lock (flock on POSIX, msvcrt.locking on Windows) dies with its process, so a
lock file whose OS lock can be taken belongs to a program that crashed or lost power:
it is taken over, and the caller learns the previous holder did not close cleanly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import getpass
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Iterator

from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

# Windows locks byte ranges and refuses to read a locked range, so the lock sits past the text.
_WIN_LOCK_OFFSET = 1 << 20
# Windows opens files in text mode unless told otherwise; the holder's bytes are read back as written.
_BINARY = getattr(os, "O_BINARY", 0)
# What a clean release leaves in a lock file that Windows would not let it remove.
_RELEASED = b"released"


@dataclass(frozen=True)
class Holder:
    host: str
    user: str
    pid: int
    since: str

    def describe(self) -> str:
        return tr("电脑“{host}”上的用户“{user}”（进程号 {pid}），自 {since} 起").format(
            host=self.host or "?", user=self.user or "?", pid=self.pid, since=self.since or "?"
        )


class LockHeld(GridOfficeError):
    """Another running program has the file open (or, on a share, may still have it open)."""

    def __init__(self, path: Path, holder: Holder | None, *, uncertain: bool = False):
        who = holder.describe() if holder else tr("另一个正在运行的程序")
        if uncertain:
            message = tr("数据文件“{name}”最后由{who}打开，没有正常关闭。文件在网络共享上，无法确认那台电脑上的程序"
                         "是否还在运行。请先到那台电脑上关闭程序；确认已经关闭后，可以选择“仍然打开”。")
        else:
            message = tr("数据文件“{name}”已被{who}打开使用。为防止两处同时修改把数据写乱，本程序不能再打开它。"
                         "请先在那里关闭程序，或改用只读查看。")
        super().__init__(message.format(name=Path(path).name, who=who))
        self.holder = holder
        # True when only the lock file speaks for the holder: the caller may offer to take over.
        self.uncertain = uncertain


def lock_path(db_path: str | PurePath) -> PurePath:
    """The lock file beside the office file (a PureWindowsPath stays one, for tests of Windows paths)."""
    p = db_path if isinstance(db_path, PurePath) else Path(db_path)
    return p.with_name(p.name + ".lock")


def _me() -> Holder:
    try:
        user = getpass.getuser()
    except Exception:  # getuser raises when no user name can be found at all
        user = ""
    return Holder(socket.gethostname(), user, os.getpid(), dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"))


def _read(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 4096)


def _read_holder(fd: int, raw: bytes | None = None) -> Holder | None:
    raw = _read(fd) if raw is None else raw
    try:
        data = json.loads(raw.decode("utf-8"))
        return Holder(str(data["host"]), str(data["user"]), int(data["pid"]), str(data["since"]))
    except (ValueError, KeyError, TypeError):
        return None


def _try_os_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise


def _unlock(fd: int) -> None:
    """Windows: let go of the lock before closing. Windows frees a closed handle's locks only "when
    resources allow", so a lock left to close() can still refuse the next program for a while."""
    if sys.platform == "win32":
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


class OfficeLock:
    """Held for the life of a program that writes to the file; release() on a clean exit."""

    def __init__(self, path: Path, fd: int, previous: Holder | None, stale: bool):
        self.path = path
        self._fd: int | None = fd
        # Who held the file before a crash, when the lock was taken over.
        self.previous = previous
        self.stale = stale

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        if sys.platform == "win32":
            try:
                # Marked first: Windows cannot remove a file another program has open (one asking who
                # holds the office, say), and the lock file left behind must read as a clean release.
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, _RELEASED)
                _unlock(fd)
            finally:
                os.close(fd)
            try:
                os.unlink(self.path)
            except OSError:
                pass  # open in another program for a moment, or already replaced by its own lock file
        else:
            # Unlink while still locked, so nobody can lock the old file after we let go.
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            os.close(fd)

    def __enter__(self) -> "OfficeLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@contextlib.contextmanager
def briefly(path: Path, *, timeout: float = 10.0) -> Iterator[bool]:
    """An OS lock on `path` (made owner-only if missing) for a few reads and writes by one process
    at a time, waited for up to `timeout` seconds; yields False when it could not be had (a
    read-only folder, a lock held too long), and the caller goes on unlocked. The file stays."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _BINARY, 0o600)
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + timeout
        while not (got := _try_os_lock(fd)) and time.monotonic() < deadline:
            time.sleep(0.005)
        try:
            yield got
        finally:
            if got:
                _unlock(fd)
    finally:
        os.close(fd)


def holder(db_path: str | Path) -> Holder | None:
    """Who holds the file now, or None when nobody does (a stale lock file counts as nobody)."""
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDWR | _BINARY)
    except FileNotFoundError:
        return None
    try:
        if _try_os_lock(fd):
            _unlock(fd)
            return None
        return _read_holder(fd) or Holder("", "", 0, "")
    finally:
        os.close(fd)


def acquire(db_path: str | Path, *, trust_other_hosts: bool = True, wait: float = 0.0) -> OfficeLock:
    """Take the file for this program; raises LockHeld naming the holder.

    On a network share another computer's OS lock may be invisible here (e.g. CIFS mounted with
    nobrl), so with trust_other_hosts=False a lock file left by another host is not taken over
    silently: LockHeld(uncertain=True) lets the clerk confirm that computer is closed.
    `wait` seconds are spent retrying while a running program holds the file (a command started
    while another finishes its work waits instead of failing).
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            return _acquire(db_path, trust_other_hosts)
        except LockHeld as exc:
            if exc.uncertain or time.monotonic() >= deadline:
                raise
        time.sleep(0.1)


def _acquire(db_path: str | Path, trust_other_hosts: bool) -> OfficeLock:
    path = lock_path(db_path)
    for _attempt in range(20):
        existed = locked = False
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _BINARY, 0o644)
        except FileExistsError:
            existed = True
            try:
                fd = os.open(path, os.O_RDWR | _BINARY)
            except FileNotFoundError:
                continue  # its holder just released it; try to create it again
        try:
            if not _try_os_lock(fd):
                raise LockHeld(Path(db_path), _read_holder(fd))
            locked = True
            if sys.platform != "win32":
                # The holder may have unlinked the file between our open and our lock.
                try:
                    same = os.fstat(fd).st_ino == os.stat(path).st_ino
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
            # A leftover lock file means a crash, unless it says it was released (Windows leaves one
            # when another program had it open at the time).
            raw = _read(fd) if existed else b""
            stale = existed and raw != _RELEASED
            previous = _read_holder(fd, raw) if stale else None
            if previous and not trust_other_hosts and previous.host != socket.gethostname():
                raise LockHeld(Path(db_path), previous, uncertain=True)
            me = json.dumps(_me().__dict__, ensure_ascii=False).encode("utf-8")
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, me)
            os.fsync(fd)
            return OfficeLock(path, fd, previous, stale=stale)
        except BaseException:
            if locked:
                _unlock(fd)
            os.close(fd)
            raise
    raise LockHeld(Path(db_path), None)
