"""Opening an office file safely.

prepare() runs before the program opens its connections: it refuses a second program (lock.py),
picks a journal mode that is safe where the file lives (WAL needs shared memory, which network
file systems do not provide, so a file on a share uses the rollback journal), checks the file
after an unclean shutdown, and moves a damaged file aside so the newest good backup can replace it.
A lock file left behind by a program that died is the unclean-shutdown marker: it is written on
open and removed on a clean close.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3.dbapi2 as sqlite3

from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr
from gridoffice.store import lock as locking
from gridoffice.store import officefile
from gridoffice.store.backup import list_backups, newest_good_backup
from gridoffice.store.db import connect, fold_wal, migrate
from gridoffice.store.storage import (StorageError, had_hot_journal, integrity_problems, move_aside, network_location,
                                      storage_errors)


class DamagedFile(GridOfficeError):
    """The file failed its check and was moved aside; `backup` is the newest good one, if any."""

    def __init__(self, message: str, moved_to: Path, backup: Path | None, problems: tuple[str, ...]):
        super().__init__(message)
        self.moved_to = moved_to
        self.backup = backup
        self.problems = problems


@dataclass(frozen=True)
class OpenReport:
    path: Path
    wal: bool
    network: str | None
    unclean: bool
    checked: bool
    notices: tuple[str, ...] = field(default=())


def prepare(db_path: str | Path, *, check: str = "auto", allow_network: bool = True,
            backup_dir: str | Path | None = None, take_over: bool = False,
            wait: float = 0.0) -> tuple[locking.OfficeLock, OpenReport]:
    """Take the lock and check the file before the program opens its connections.

    check: 'auto' runs integrity_check after an unclean shutdown, 'always' every time, 'never' not at all.
    take_over: on a share, take over a lock file another computer left (the clerk confirmed it is closed).
    wait: seconds to wait for a running program to let go of the file before refusing.
    Raises NotOurFile (a folder, a text file, another program's database, a newer schema: nothing
    written, not even the lock file), LockHeld, StorageError (network path refused), or DamagedFile
    (already moved aside).
    """
    db_path = Path(db_path)
    found = officefile.classify(db_path)
    refused = found.kind in (officefile.FOLDER, officefile.FOREIGN, officefile.NEWER)
    if found.kind in (officefile.NOT_SQLITE, officefile.KEYLESS):
        # An office whose first page was destroyed looks like this too; its backups say it was ours.
        refused = not list_backups(db_path, backup_dir)
        check = "always"
    if refused:
        raise officefile.NotOurFile(found.kind, found.message)
    notices: list[str] = []
    network = network_location(db_path)
    if network:
        if not allow_network:
            raise StorageError("io", tr("数据文件位于网络共享（{fs}）上。网络文件系统不能可靠地加锁，"
                                        "多台电脑同时写入会损坏文件，因此不在网络位置上打开。请把文件复制到本机硬盘。")
                               .format(fs=network))
        notices.append(tr("数据文件位于网络共享（{fs}）上：为防止文件损坏，已改用兼容的日志方式（DELETE）打开，"
                          "保存会慢一些。建议把文件放在本机硬盘上，把备份放到共享文件夹。").format(fs=network))
    held = locking.acquire(db_path, trust_other_hosts=take_over or not network, wait=wait)
    try:
        exists = db_path.exists() and db_path.stat().st_size > 0
        unclean = exists and (held.stale or had_hot_journal(db_path))
        if unclean:
            who = held.previous.describe() if held.previous else tr("上一次运行的程序")
            notices.append(tr("{who}没有正常关闭数据文件（可能是断电或程序崩溃）。").format(who=who))
        do_check = exists and (check == "always" or (check == "auto" and unclean))
        if do_check:
            problems = integrity_problems(db_path, recover=True)
            if problems:
                moved = move_aside(db_path, "damaged")
                good = newest_good_backup(db_path, backup_dir)
                message = tr("数据文件“{name}”检查发现损坏（{first}）。为保护现场，已把它原样移到“{moved}”。").format(
                    name=db_path.name, first=problems[0], moved=moved.name)
                if good:
                    message += tr("最近一份完好的备份是“{backup}”，可以用它恢复；恢复后，此备份之后录入的内容需要补录。").format(
                        backup=good.name)
                else:
                    message += tr("没有找到可用的备份，请联系技术人员从移走的文件中抢救数据。")
                raise DamagedFile(message, moved, good, tuple(problems))
            if unclean:
                notices.append(tr("已对文件做完整性检查：数据完好，最后一次保存的内容都在。"))
        return held, OpenReport(db_path, not network, network, unclean, do_check, tuple(notices))
    except BaseException:
        held.release()
        raise


class OpenOffice:
    """An office file opened for writing by this program: the lock, one connection, the report."""

    def __init__(self, db_path: str | Path, *, check: str = "auto", allow_network: bool = True,
                 backup_dir: str | Path | None = None, take_over: bool = False, wait: float = 0.0):
        self.lock, self.report = prepare(db_path, check=check, allow_network=allow_network, backup_dir=backup_dir,
                                         take_over=take_over, wait=wait)
        try:
            with storage_errors():
                self.db = connect(db_path, wal=self.report.wal)
                self.migration_copy = migrate(self.db, db_path)
        except BaseException:
            self.lock.release()
            raise

    def close(self) -> None:
        """A clean close: the WAL folded into the file, the connection closed, the lock file removed."""
        try:
            if self.report.wal:
                with contextlib.suppress(sqlite3.Error):
                    fold_wal(self.db)
            self.db.close()
        finally:
            self.lock.release()

    def __enter__(self) -> "OpenOffice":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
