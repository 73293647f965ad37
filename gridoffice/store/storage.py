"""Where an office file lives and how its storage fails: network shares, full disks, read-only
files, damage found by a check, a file moved aside — each told to the clerk plainly.

opening.py uses these before the program opens its connections; backup.py uses them for backups.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
from pathlib import Path, PureWindowsPath
from typing import Callable, Iterator, TypeVar

import sqlcipher3.dbapi2 as sqlite3
from sqlite_utils import Database

from gridoffice.store import db as database
from gridoffice.store import officefile
from gridoffice.store.db import raw_connect
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

T = TypeVar("T")

NETWORK_FS = {
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "fuse.sshfs", "fuse.glusterfs", "fuse.rclone", "davfs", "fuse.davfs2", "lustre", "gpfs", "beegfs",
}
# The key file travels with its office file: a file moved aside stays openable.
SIDE_FILES = ("-wal", "-shm", "-journal", ".keys")


class StorageError(GridOfficeError):
    """A write failed because of the disk or the file, not because of what the clerk typed.

    `kind` is one of 'full', 'io', 'readonly', 'busy', 'corrupt', 'cantopen', 'other', and for a
    file other than the office file also 'folder' (the path is a folder) or 'missing'.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# --- where the file lives ----------------------------------------------------------------

def _unescape_mount(text: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), text)


def filesystem_type(path: str | Path, mounts: str | None = None) -> str | None:
    """The Linux file-system type holding `path`, from /proc/mounts; None where unknown."""
    if mounts is None:
        try:
            mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    real = os.path.realpath(os.path.abspath(path))
    best, best_type = "", None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape_mount(parts[1])
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


DRIVE_REMOTE = 4  # GetDriveTypeW: a mapped network drive


def _drive_type(root: str) -> int:
    """Windows' kind of drive for a root such as "Z:\\" (GetDriveTypeW)."""
    import ctypes

    return ctypes.windll.kernel32.GetDriveTypeW(root)


def _windows_location(text: str) -> str | None:
    """A share named by its UNC path (also in the long-path spelling \\\\?\\UNC\\…), or a drive letter that
    Windows maps to a share; None for a local disk, including \\\\?\\C:\\… and \\\\.\\C:\\…"""
    path = PureWindowsPath(text)
    if not path.drive and sys.platform == "win32":
        path = PureWindowsPath(os.path.abspath(text))
    drive = path.drive
    for prefix in ("\\\\?\\", "\\\\.\\"):
        if drive.startswith(prefix):
            drive = drive[len(prefix):]
            if drive.upper().startswith("UNC\\"):
                return "UNC"
            break
    else:
        if drive.startswith("\\\\"):
            return "UNC"
    if len(drive) == 2 and drive[1] == ":":
        return "网络驱动器" if _drive_type(drive.upper() + "\\") == DRIVE_REMOTE else None
    return None


def network_location(path: str | Path, *, mounts: str | None = None, platform: str | None = None) -> str | None:
    """What network storage the file is on ('UNC', 'cifs', 'nfs4', ...), or None on a local disk."""
    text = str(path)
    platform = platform or sys.platform
    if platform == "win32":
        return _windows_location(text)
    if text.startswith("\\\\"):
        return "UNC"
    if platform.startswith("linux"):
        fs = filesystem_type(text, mounts)
        if fs and (fs in NETWORK_FS or fs.startswith("nfs") or fs.startswith("smb")):
            return fs
    return None


# --- storage errors ------------------------------------------------------------------------

_SQLITE_KINDS = {
    13: "full",  # SQLITE_FULL
    10: "io",  # SQLITE_IOERR
    8: "readonly",  # SQLITE_READONLY
    5: "busy",  # SQLITE_BUSY
    6: "busy",  # SQLITE_LOCKED
    11: "corrupt",  # SQLITE_CORRUPT
    26: "corrupt",  # SQLITE_NOTADB
    14: "cantopen",  # SQLITE_CANTOPEN
    3: "readonly",  # SQLITE_PERM
}

_MESSAGES = {
    "full": "磁盘空间已满，刚才的操作没有保存（数据仍是上一次保存时的样子）。请删除一些不用的文件、"
            "清空回收站或换一个空间充足的磁盘后再试。",
    "io": "读写数据文件时磁盘出错，刚才的操作没有保存（数据仍是上一次保存时的样子）。"
          "若文件在U盘或网络共享上，请检查是否被拔出或断开；然后再试一次，并尽快做一次备份。",
    "readonly": "数据文件是只读的（可能在光盘、写保护的U盘上，或没有写入权限），刚才的操作没有保存。"
                "请把文件复制到本机可写的文件夹再打开。",
    "busy": "数据文件正被其他程序占用，刚才的操作没有保存。请稍候再试；若一直如此，请关闭其他打开此文件的程序。",
    "corrupt": "数据文件已损坏，刚才的操作没有保存。请关闭程序后重新打开：程序会检查文件，并提供从最近的备份恢复。",
    "cantopen": "无法打开数据文件或其临时文件，刚才的操作没有保存。请检查文件夹是否存在、是否有写入权限。",
    "other": "保存数据时出错，刚才的操作没有保存（数据仍是上一次保存时的样子）：{detail}",
}


# A failure on a file the program reads or writes beside the office file (an export, a report, a
# backup, a lock file): Python names the file, so the message can say which and what to do.
_FILE_MESSAGES = {
    "full": _MESSAGES["full"],
    "folder": "“{path}”是一个文件夹，不是文件。请在文件夹后面写上文件名，例如“{example}”。",
    "readonly": "不能写入文件夹“{folder}”：它是只读的（光盘、写保护的U盘、网络共享），或没有写入权限，"
                "也可能同名文件正被Excel等程序打开。刚才的操作没有完成，也没有留下不完整的文件。"
                "请换一个可写的文件夹，或关闭打开该文件的程序后再试。",
    "missing": "找不到“{path}”：文件夹不存在或文件已被移走。请检查路径后再试。",
    "io": "读写“{path}”时磁盘出错，刚才的操作没有完成。若它在U盘或网络共享上，请检查是否被拔出或断开，然后再试。",
}


def _file_kind(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "full"
    if isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        return "folder"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "readonly"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "missing"
    return "io"


def classify(exc: BaseException) -> StorageError | None:
    """A StorageError for a disk or file failure, or None when `exc` is something else.

    This is the one place where SQLite and operating-system failures become Chinese messages:
    the window's writer and every command (commands/__init__.py) go through it.
    """
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.filename:
        kind = _file_kind(exc)
        path = Path(os.fsdecode(exc.filename))
        message = tr(_FILE_MESSAGES[kind]).format(path=path, folder=path.parent, example=path / "报表.xlsx")
        return StorageError(kind, message)
    kind = None
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            kind = _SQLITE_KINDS.get(code & 0xFF)
        if kind is None:
            text = str(exc).lower()
            for needle, k in (("full", "full"), ("disk i/o", "io"), ("readonly", "readonly"),
                              ("locked", "busy"), ("malformed", "corrupt"), ("not a database", "corrupt")):
                if needle in text:
                    kind = k
                    break
        if kind is None and isinstance(exc, sqlite3.OperationalError):
            kind = "other"
    elif isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            kind = "full"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            kind = "readonly"
        else:
            kind = "io"
    if kind is None:
        return None
    return StorageError(kind, tr(_MESSAGES[kind]).format(detail=str(exc)))


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise disk and file failures as StorageError with a Chinese message."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        classified = classify(exc)
        if classified is None:
            raise
        raise classified from exc


def write(db: Database, fn: Callable[..., T], *args, **kwargs) -> T:
    """Run fn(db, ...) in one transaction; a storage failure rolls back to the last commit.

    The connection stays usable afterwards (db.atomic() rolls back even when SQLite already has).
    """
    with storage_errors():
        with db.atomic():
            return fn(db, *args, **kwargs)


# --- checks ------------------------------------------------------------------------------

def integrity_problems(path: str | Path, *, quick: bool = False, recover: bool = False,
                       key: bytes | None = None) -> list[str]:
    """What `PRAGMA integrity_check` finds wrong; an empty list means the file is sound.

    recover=True opens read-write so SQLite first rolls back a hot journal or recovers the WAL
    a crash left behind (a read-only connection cannot, and would call a sound file damaged).
    Only the holder of the office lock may ask for that. An encrypted file this process has not
    unlocked raises Locked: it is not damaged, only closed to us.
    """
    try:
        if recover:
            conn = raw_connect(path, key=key, timeout=database.BUSY_SECONDS)
        else:
            conn = officefile.look(Path(path), key=key)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        # Only damage to the file itself: a dangling reference is a data problem for the checks
        # page, never a reason to move an office's file aside.
        rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
        return [r[0] for r in rows if r[0] != "ok"]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def move_aside(db_path: str | Path, label: str) -> Path:
    """Rename the file and its -wal/-shm/-journal to `<stem>.<label>-<stamp><suffix>`; returns the new path.

    The side files keep their pairing with the main file, so SQLite still reads them together.
    """
    db_path = Path(db_path)
    stamp = _stamp()
    target = db_path.with_name(f"{db_path.stem}.{label}-{stamp}{db_path.suffix or '.db'}")
    n = 1
    while target.exists():
        n += 1
        target = db_path.with_name(f"{db_path.stem}.{label}-{stamp}-{n}{db_path.suffix or '.db'}")
    for side in SIDE_FILES:
        src = Path(str(db_path) + side)
        if src.exists():
            os.replace(src, str(target) + side)
    os.replace(db_path, target)
    return target


def had_hot_journal(db_path: str | Path) -> bool:
    """A rollback journal or a non-empty WAL left beside the file: the last writer did not finish."""
    p = str(db_path)
    wal, journal = Path(p + "-wal"), Path(p + "-journal")
    return (wal.exists() and wal.stat().st_size > 0) or (journal.exists() and journal.stat().st_size > 0)


# --- opening ------------------------------------------------------------------------------
