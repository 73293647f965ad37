"""The log-in of every command that reads personal data or changes anything.

`--user NAME` (or GRIDOFFICE_USER) names the account; the password comes from `--password-file`,
from GRIDOFFICE_PASSWORD, or from a prompt without echo on a terminal. The audit's actor is the
account that logged in, never a name typed on the command line.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import sqlcipher3.dbapi2 as sqlite3

from gridoffice.access import session, users
from gridoffice.store.db import connect
from gridoffice.store.storage import classify
from gridoffice.errors import GridOfficeError

ENV_USER = "GRIDOFFICE_USER"
ENV_PASSWORD = "GRIDOFFICE_PASSWORD"


def add_arguments(parser, *, db_help: str = "办公室数据库文件") -> None:
    """The office file (`--db`) and the account that opens it."""
    parser.add_argument("--db", required=True, metavar="PATH", help=db_help)
    group = parser.add_argument_group("登录（读取居民信息或修改数据都要登录）")
    group.add_argument("--user", metavar="NAME", help=f"登录用户名（也可用环境变量 {ENV_USER}）")
    group.add_argument("--password-file", metavar="FILE",
                       help=f"从文件的第一行读取密码（也可用环境变量 {ENV_PASSWORD}；都没有时在终端输入，不回显）")


def subcommand(subparsers, name: str, help: str):
    """A subcommand that opens the office: its parser, with `--db` and the log-in."""
    parser = subparsers.add_parser(name, help=help)
    add_arguments(parser)
    return parser


def credentials(args) -> tuple[str, str]:
    name = (getattr(args, "user", None) or os.environ.get(ENV_USER, "")).strip()
    if not name:
        raise GridOfficeError(f"需要登录：请用 --user 用户名（或环境变量 {ENV_USER}）指定账号")
    if getattr(args, "password_file", None):
        try:
            lines = Path(args.password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise GridOfficeError(f"无法读取密码文件 {args.password_file}：{exc.strerror or exc}") from None
        return name, lines[0] if lines else ""
    if ENV_PASSWORD in os.environ:
        return name, os.environ[ENV_PASSWORD]
    if sys.stdin.isatty():
        return name, getpass.getpass(f"用户“{name}”的密码：")
    raise GridOfficeError(f"需要密码：请在终端运行以输入密码，或用 --password-file 文件 或环境变量 {ENV_PASSWORD} 提供")


def log_in(args, path: str | Path, *, opener: Callable[[Path], object] | None = None,
           need: str | None = None, failed: str = "") -> session.Session:
    """Log the account of `args` in to the office at `path`; `need` is a permission the command needs.

    Raises GridOfficeError with the message to print, after `failed` (what the command could not do).
    When this log-in encrypted an office of an earlier version, its recovery code is printed once, to be
    kept on paper.
    """
    try:
        name, password = credentials(args)
        s = session.log_in(path, name, password, opener=opener or (lambda p: connect(p)))
    except GridOfficeError as exc:
        if not failed:
            raise
        raise GridOfficeError(failed + exc.message) from None
    try:
        if need:
            users.require(s.user, need)
    except BaseException:
        s.close()
        raise
    if s.recovery_code:
        print(recovery_notice(s.recovery_code), file=sys.stderr)
    return s


def with_office(args, path: str | Path, work: Callable[[session.Session], int], *,
                opener: Callable[[Path], object] | None = None, need: str | None = None, refused: int = 1) -> int:
    """Log in, run `work` on the open office and close it whatever happens. A refusal met in `work`
    (GridOfficeError) is printed and the command ends with `refused`; a refused log-in goes on to
    commands.run, which prints it and ends with 2."""
    office = log_in(args, path, opener=opener, need=need)
    try:
        return work(office)
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return refused
    finally:
        office.close()


@contextmanager
def reading(args, path: str | Path, *, tables: tuple[str, ...], readonly: bool = True) -> Iterator[session.Session]:
    """The office opened to read (`readonly=False`: a read that leaves an audit entry), closed after;
    GridOfficeError when the file lacks one of `tables` or SQLite cannot read it (a disk's failure
    said as storage.classify says it)."""
    office = log_in(args, path, opener=lambda p: connect(p, readonly=readonly))
    try:
        if not all(office.db[table].exists() for table in tables):
            raise GridOfficeError(f"{path} 不是GridOffice的办公室数据库")
        yield office
    except sqlite3.DatabaseError as exc:
        raise classify(exc) or GridOfficeError(
            f"无法读取数据库 {path}：文件可能已损坏，或不是网格通的办公室数据库") from None
    finally:
        office.close()


def recovery_notice(code: str) -> str:
    return ("数据文件已加密。恢复码（只显示这一次，请抄写或打印后锁好；忘记管理员密码时凭它重设）：\n"
            f"    {code}\n"
            "用法：python main.py users recover --db 数据文件 --name 管理员用户名")
