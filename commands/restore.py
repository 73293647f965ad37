"""`python main.py restore --db PATH BACKUP`: replace the office file with a backup, keeping it aside first."""

from __future__ import annotations

import sys

from pathlib import Path

from gridoffice.access import keys
from gridoffice.store import backup, officefile
from gridoffice.store.db import connect
from gridoffice.errors import GridOfficeError

from . import _files, _login

NAME = "restore"
NEW_DB = True
OWN_DB_CHECK = True  # an encrypted office whose key file is lost is what a restore is for
HELP = "从备份恢复数据文件（原文件先另存一份，不会删除）"


def add_arguments(parser) -> None:
    _login.add_arguments(parser, db_help="要恢复的数据文件路径")
    parser.add_argument("backup", help="备份文件路径；写 latest 表示最近一份完好的备份")
    parser.add_argument("--from-dir", help="备份文件夹（与 latest 一起使用；默认：数据文件旁的“<文件名>-备份”）")


def run(args) -> int:
    found = officefile.classify(Path(args.db))
    # Without its key file an encrypted office reads as unknown bytes; the backup brings the key file
    # back and the current file is kept aside. Anything else --db names is checked as for every command.
    key_lost = found.kind == officefile.KEYLESS
    if not key_lost and (message := _files.db_problem(args.db, new_ok=True)):
        print(message, file=sys.stderr)
        return 2
    source = args.backup
    # An administrator's log-in unlocks the office, or, when the office or its key file is gone, the
    # backup to restore (every backup carries the same key file), and says who restored.
    office = Path(args.db)
    if office.is_file() and keys.path_for(office).is_file():
        unlock_on = office
    elif source == "latest":
        listed = backup.list_backups(office, args.from_dir)
        unlock_on = listed[0].path if listed else None
    else:
        unlock_on = Path(source) if Path(source).is_file() else None
    if unlock_on is None:
        print(f"找不到备份文件“{source}”" if source != "latest" else "没有找到完好的备份。", file=sys.stderr)
        return 1
    login = _login.log_in(args, unlock_on, opener=lambda p: connect(p, readonly=True), need="restore")
    actor = login.user.name
    login.close()
    if source == "latest":
        source = backup.newest_good_backup(args.db, args.from_dir)
        if source is None:
            print("没有找到完好的备份。", file=sys.stderr)
            return 1
    try:
        result = backup.restore(args.db, source, actor=actor, wait=_files.LOCK_WAIT)
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已从 {result.restored_from} 恢复。")
    if result.kept_aside:
        print(f"恢复前的文件原样保存在 {result.kept_aside}")
    return 0
