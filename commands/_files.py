"""The checks every command makes on its file arguments before touching anything."""

from __future__ import annotations

import sys
from pathlib import Path

from gridoffice import officefile, safety


def problem(db: str, output: str | None = None) -> str | None:
    """A Chinese sentence saying what is wrong with the office file or the output path, or None.

    Looks before connecting (gridoffice.officefile.classify): sqlite3 would create an empty file at
    a mistyped path, and a write would add our tables to another program's database.
    """
    path = Path(db)
    found = officefile.classify(path)
    if found.kind == officefile.MISSING:
        return f"找不到数据库文件：{path}"
    if found.kind == officefile.NEW:
        return f"{path} 是空的，里面还没有任何单位的数据，请确认选择的是办公室数据库"
    if found.message and found.kind != officefile.DAMAGED:
        return found.message
    if output is not None and not Path(output).parent.is_dir():
        return f"输出文件夹不存在：{Path(output).parent}"
    return None


# Seconds a writing command waits for the window (or another command) to let go of the office.
LOCK_WAIT = 5.0


def open_office(db: str | Path) -> safety.OpenOffice:
    """The office opened for writing under its lock, as the window opens it.

    Raises GridOfficeError with a Chinese message: not an office file, held by a running window
    (naming its computer, user and since when) after LOCK_WAIT seconds, damaged, or on a share.
    What the opening found after an unclean shutdown is printed for the operator.
    """
    office = safety.OpenOffice(db, wait=LOCK_WAIT)
    for notice in office.report.notices:
        print(notice, file=sys.stderr)
    return office
