"""`python main.py restore --db PATH BACKUP`: replace the office file with a backup, keeping it aside first."""

from __future__ import annotations

import sys

from gridoffice import backup
from gridoffice.errors import GridOfficeError

from . import _files

NAME = "restore"
NEW_DB = True
HELP = "从备份恢复数据文件（原文件先另存一份，不会删除）"


def add_arguments(parser) -> None:
    parser.add_argument("--db", required=True, help="要恢复的数据文件路径")
    parser.add_argument("backup", help="备份文件路径；写 latest 表示最近一份完好的备份")
    parser.add_argument("--from-dir", help="备份文件夹（与 latest 一起使用；默认：数据文件旁的“<文件名>-备份”）")


def run(args) -> int:
    source = args.backup
    if source == "latest":
        source = backup.newest_good_backup(args.db, args.from_dir)
        if source is None:
            print("没有找到完好的备份。", file=sys.stderr)
            return 1
    try:
        result = backup.restore(args.db, source, actor="命令行", wait=_files.LOCK_WAIT)
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"已从 {result.restored_from} 恢复。")
    if result.kept_aside:
        print(f"恢复前的文件原样保存在 {result.kept_aside}")
    return 0
