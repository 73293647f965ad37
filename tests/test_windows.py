"""Windows behaviour of our own logic, run on Linux by simulation: the office lock with msvcrt's
byte-range locks, where a file lives (UNC paths, long-path spellings, mapped drives), paths with
drive letters and UNC prefixes, and names in Chinese that Windows must accept.

FakeWindows stands in for what lock.py meets on Windows, as far as its logic depends on it:
- msvcrt.locking locks bytes per handle: a second handle is refused, even in the same process, and
  locking a range twice fails; reading a range another handle has locked is refused;
- a file open in any program cannot be removed (Python opens files without FILE_SHARE_DELETE);
- a handle closed with a lock still on it keeps refusing others until Windows gets round to freeing
  it ("when resources allow"), which here is reap(); a program that ends has its locks freed.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import PureWindowsPath
from types import SimpleNamespace

import pytest

from gridoffice.store import backup, lock, opening, storage

HOST, USER = "社区服务站-01", "张晓梅"


class FakeWindows:
    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self):
        self.locks: dict[tuple[int, int], int | None] = {}  # (file, offset) → handle; None once closed
        self.handles: dict[int, int] = {}  # handle → file

    # --- msvcrt ---
    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        key = (self.handles[fd], os.lseek(fd, 0, os.SEEK_CUR))
        if mode == self.LK_NBLCK:
            if key in self.locks:
                raise OSError(errno.EACCES, "Permission denied")
            self.locks[key] = fd
        elif mode == self.LK_UNLCK:
            if self.locks.get(key) != fd:
                raise OSError(errno.EACCES, "Permission denied")
            del self.locks[key]
        else:
            raise AssertionError(f"lock.py waits on nothing: mode {mode}")

    # --- os, as lock.py uses it ---
    def open(self, path, flags, mode=0o777):
        fd = os.open(path, flags, mode)
        self.handles[fd] = os.fstat(fd).st_ino
        return fd

    def close(self, fd: int) -> None:
        self.handles.pop(fd)
        for key, owner in self.locks.items():
            if owner == fd:
                self.locks[key] = None
        os.close(fd)

    def read(self, fd: int, n: int) -> bytes:
        file, start = self.handles[fd], os.lseek(fd, 0, os.SEEK_CUR)
        for (locked_file, offset), owner in self.locks.items():
            if locked_file == file and owner != fd and start <= offset < start + n:
                raise PermissionError(errno.EACCES, "The process cannot access the file: a portion is locked")
        return os.read(fd, n)

    def unlink(self, path) -> None:
        if os.stat(path).st_ino in self.handles.values():
            raise PermissionError(errno.EACCES, "The process cannot access the file: it is being used")
        os.unlink(path)

    def __getattr__(self, name):
        return getattr(os, name)

    # --- the test's hand on Windows ---
    def reap(self) -> None:
        """Windows frees the locks of closed handles."""
        self.locks = {k: v for k, v in self.locks.items() if v is not None}

    def crash(self, held: lock.OfficeLock) -> None:
        """The holder's program ends without releasing: its handle closes and Windows frees its lock."""
        fd, held._fd = held._fd, None
        self.close(fd)
        self.reap()


@pytest.fixture
def windows(monkeypatch) -> FakeWindows:
    fake = FakeWindows()
    monkeypatch.setattr(lock, "sys", SimpleNamespace(platform="win32"))
    monkeypatch.setattr(lock, "os", fake)
    monkeypatch.setattr(lock, "msvcrt", fake, raising=False)
    # A Chinese Windows: the computer's and the user's names in Chinese.
    monkeypatch.setattr(lock, "socket", SimpleNamespace(gethostname=lambda: HOST))
    monkeypatch.setattr(lock, "getpass", SimpleNamespace(getuser=lambda: USER))
    return fake


def test_a_second_program_is_refused_and_told_who_holds_the_office(windows, tmp_path):
    db_path = tmp_path / "秋埠社区.db"
    first = lock.acquire(db_path)
    with pytest.raises(lock.LockHeld) as err:
        lock.acquire(db_path)
    assert f"电脑“{HOST}”上的用户“{USER}”" in err.value.message and "不能再打开" in err.value.message
    assert lock.holder(db_path).user == USER
    first.release()
    assert not lock.lock_path(db_path).exists()
    again = lock.acquire(db_path)
    assert not again.stale and again.previous is None
    again.release()


def test_the_lock_sits_past_the_holder_text_because_windows_refuses_to_read_a_locked_range(windows, tmp_path,
                                                                                          monkeypatch):
    db_path = tmp_path / "秋埠社区.db"
    monkeypatch.setattr(lock, "_WIN_LOCK_OFFSET", 0)
    first = lock.acquire(db_path)
    with pytest.raises(PermissionError):
        lock.holder(db_path)
    first.release()


def test_a_crashed_program_is_taken_over_and_named(windows, tmp_path):
    db_path = tmp_path / "秋埠社区.db"
    windows.crash(lock.acquire(db_path))
    # Looking takes the lock for a moment and must give it back at once, not at close.
    assert lock.holder(db_path) is None
    taken = lock.acquire(db_path)
    assert taken.stale and taken.previous.user == USER and taken.previous.host == HOST
    taken.release()


def test_a_release_while_another_program_looks_at_the_lock_file_is_still_a_clean_release(windows, tmp_path):
    db_path = tmp_path / "秋埠社区.db"
    first = lock.acquire(db_path)
    looking = windows.open(str(lock.lock_path(db_path)), os.O_RDONLY)
    first.release()
    assert lock.lock_path(db_path).exists()  # Windows would not remove a file open elsewhere
    windows.close(looking)
    again = lock.acquire(db_path)
    assert not again.stale and again.previous is None
    again.release()


def test_a_lock_left_by_another_computer_is_confirmed_then_taken_at_once(windows, tmp_path, monkeypatch):
    db_path = tmp_path / "秋埠社区.db"
    windows.crash(lock.acquire(db_path))
    monkeypatch.setattr(lock, "socket", SimpleNamespace(gethostname=lambda: "村委会电脑"))
    with pytest.raises(lock.LockHeld) as err:
        lock.acquire(db_path, trust_other_hosts=False)
    assert err.value.uncertain and HOST in err.value.message
    # The clerk confirms the other computer is closed: the refusal must not have kept the lock.
    taken = lock.acquire(db_path, trust_other_hosts=True)
    assert taken.stale and taken.previous.host == HOST
    taken.release()


def test_brief_locks_are_let_go(windows, tmp_path):
    path = tmp_path / "秋埠社区.db.logins.lock"
    with lock.briefly(path, timeout=0.05) as got:
        assert got
        with lock.briefly(path, timeout=0.05) as second:
            assert not second
    with lock.briefly(path, timeout=0.05) as again:
        assert again
    assert not windows.locks


def test_the_office_opens_once_and_reports_an_unclean_shutdown_under_windows_locks(windows, tmp_path):
    db_path = tmp_path / "秋埠社区.db"
    first = opening.OpenOffice(db_path)
    with pytest.raises(lock.LockHeld):
        opening.OpenOffice(db_path)
    first.db.close()
    windows.crash(first.lock)
    reopened = opening.OpenOffice(db_path)
    try:
        assert reopened.report.unclean and any("没有正常关闭" in n for n in reopened.report.notices)
    finally:
        reopened.close()
    assert not lock.lock_path(db_path).exists() and not windows.locks


# --- where the file lives -------------------------------------------------------------------

DRIVES = {"C:\\": 3, "D:\\": 3, "E:\\": 2, "Z:\\": storage.DRIVE_REMOTE}  # fixed, removable (USB), mapped


@pytest.mark.parametrize("path, where", [
    (r"\\服务器\共享\社区\秋埠社区.db", "UNC"),
    ("//server/share/秋埠社区.db", "UNC"),
    (r"\\?\UNC\server\share\秋埠社区.db", "UNC"),
    (r"\\?\C:\网格档案\秋埠社区.db", None),
    (r"\\.\D:\网格档案\秋埠社区.db", None),
    (r"C:\Users\张晓梅\AppData\Local\GridOffice\秋埠社区.db", None),
    (r"E:\备份\秋埠社区.db", None),
    (r"Z:\社区\秋埠社区.db", "网络驱动器"),
    (r"z:/社区/秋埠社区.db", "网络驱动器"),
])
def test_network_locations_on_windows(monkeypatch, path, where):
    asked = []

    def drive_type(root):
        asked.append(root)
        return DRIVES[root]

    monkeypatch.setattr(storage, "_drive_type", drive_type)
    assert storage.network_location(path, platform="win32") == where
    # A share named by its path needs no question to Windows; a drive letter is asked as "X:\".
    assert all(re.fullmatch(r"[A-Z]:\\", root) for root in asked)


@pytest.mark.parametrize("office, lock_file, backups", [
    (r"D:\社区档案\秋埠社区.db", r"D:\社区档案\秋埠社区.db.lock", r"D:\社区档案\秋埠社区-备份"),
    (r"\\服务器\共享\秋埠社区.db", r"\\服务器\共享\秋埠社区.db.lock", r"\\服务器\共享\秋埠社区-备份"),
    (r"C:\Users\张晓梅\AppData\Local\GridOffice\demo-office.db",
     r"C:\Users\张晓梅\AppData\Local\GridOffice\demo-office.db.lock",
     r"C:\Users\张晓梅\AppData\Local\GridOffice\demo-office-备份"),
])
def test_files_beside_the_office_keep_the_drive_and_the_share(office, lock_file, backups):
    path = PureWindowsPath(office)
    assert lock.lock_path(path) == PureWindowsPath(lock_file)
    assert backup.default_dir(path) == PureWindowsPath(backups)
    assert lock.lock_path(path).drive == backup.default_dir(path).drive == path.drive


# Windows refuses these characters in a name, names ending in a dot or space, and the device names.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def _windows_accepts(name: str) -> bool:
    return (not _FORBIDDEN.search(name) and not name.endswith((".", " "))
            and name.split(".")[0].upper() not in _DEVICES and len(name) <= 255)


def test_the_names_the_program_gives_files_are_valid_on_windows(tmp_path):
    db_path = tmp_path / "秋埠社区.db"
    with opening.OpenOffice(db_path) as opened:
        opened.db.execute("INSERT INTO settings(key, value) VALUES('k', 'v')")
        opened.db.conn.commit()
    made = backup.backup_now(db_path)
    aside = storage.move_aside(db_path, "damaged")
    names = {p.name for p in tmp_path.rglob("*")}
    assert made.backup.path.name in names and aside.name in names
    assert all(_windows_accepts(name) for name in names), sorted(names)
