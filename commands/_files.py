"""The checks every command makes on its file arguments before touching anything, and how a
writing command opens the office.

commands/__init__.py runs the checks for every command on `--db` and on the file it writes
(`-o`, `--report`, `--to`), and turns a failure met later (a full disk, a locked file) into a
message through gridoffice.store.storage.classify, the one place where such failures get their words.
What a `--db` file is (a folder, a text file, another program's database, a newer office) is
told by gridoffice.store.officefile.classify, as the window tells it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gridoffice.store import officefile, opening
from gridoffice.i18n import tr


def db_problem(db: str, *, new_ok: bool = False) -> str | None:
    """A Chinese sentence saying what is wrong with the office file, or None.

    Looks before connecting (officefile.classify): sqlite3 would create an empty file at a
    mistyped path, and a write would add our tables to another program's database. With new_ok
    (generate, restore, the first `users add`) a missing or empty file is fine.
    """
    path = Path(db)
    found = officefile.classify(path)
    if found.kind == officefile.MISSING:
        if new_ok and path.parent.is_dir():
            return None
        return tr("找不到数据库文件：{path}。请检查路径和文件名。").format(path=path)
    if found.kind == officefile.NEW:
        if new_ok:
            return None
        return tr("{path} 是空的，里面还没有任何单位的数据，请确认选择的是办公室数据库").format(path=path)
    if found.message and found.kind != officefile.DAMAGED:
        return found.message
    return None


def output_problem(output: str, *, folder: bool = False) -> str | None:
    """What is wrong with a path the command will write, or None; `folder` when it names a folder."""
    path = Path(output)
    if folder:
        if path.exists() and not path.is_dir():
            return tr("“{path}”是一个文件，不是文件夹。请用 --to 指定一个文件夹。").format(path=path)
        parent = path if path.is_dir() else path.parent
    else:
        if path.is_dir():
            return tr("输出位置“{path}”是一个文件夹。请在文件夹后面写上文件名，例如“{example}”。").format(
                path=path, example=path / ("报表" + (path.suffix or ".xlsx")))
        parent = path.parent
    if not parent.is_dir():
        return tr("输出文件夹不存在：{folder}。请先建好文件夹，或换一个位置。").format(folder=parent)
    if not os.access(parent, os.W_OK):
        return tr("不能写入文件夹“{folder}”：它是只读的（光盘、写保护的U盘、网络共享），或没有写入权限。"
                  "请换一个可写的文件夹后再试。").format(folder=parent)
    if not folder and (refusal := officefile.output_refusal(path)):
        return refusal
    return None


# Seconds a writing command waits for the window (or another command) to let go of the office.
LOCK_WAIT = 5.0


def open_office(db: str | Path) -> opening.OpenOffice:
    """The office opened for writing under its lock, as the window opens it.

    Raises GridOfficeError with a Chinese message: not an office file, held by a running window
    (naming its computer, user and since when) after LOCK_WAIT seconds, damaged, or on a share.
    What the opening found after an unclean shutdown is printed for the operator.
    """
    office = opening.OpenOffice(db, wait=LOCK_WAIT)
    for notice in office.report.notices:
        print(notice, file=sys.stderr)
    return office
