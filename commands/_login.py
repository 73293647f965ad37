"""The log-in of every command that reads personal data or changes anything.

`--user NAME` (or GRIDOFFICE_USER) names the account; the password comes from `--password-file`,
from GRIDOFFICE_PASSWORD, or from a prompt without echo on a terminal. The audit's actor is the
account that logged in, never a name typed on the command line.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Callable

from gridoffice.access import session, users
from gridoffice.store.db import connect
from gridoffice.errors import GridOfficeError

ENV_USER = "GRIDOFFICE_USER"
ENV_PASSWORD = "GRIDOFFICE_PASSWORD"


def add_arguments(parser) -> None:
    group = parser.add_argument_group("登录（读取居民信息或修改数据都要登录）")
    group.add_argument("--user", metavar="NAME", help=f"登录用户名（也可用环境变量 {ENV_USER}）")
    group.add_argument("--password-file", metavar="FILE",
                       help=f"从文件的第一行读取密码（也可用环境变量 {ENV_PASSWORD}；都没有时在终端输入，不回显）")


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
           need: str | None = None) -> session.Session:
    """Log the account of `args` in to the office at `path`; `need` is a permission the command needs.

    Raises GridOfficeError with the message to print. When this log-in encrypted an office of an
    earlier version, its recovery code is printed once, to be kept on paper.
    """
    name, password = credentials(args)
    s = session.log_in(path, name, password, opener=opener or (lambda p: connect(p)))
    try:
        if need:
            users.require(s.user, need)
    except BaseException:
        s.close()
        raise
    if s.recovery_code:
        print(recovery_notice(s.recovery_code), file=sys.stderr)
    return s


def recovery_notice(code: str) -> str:
    return ("数据文件已加密。恢复码（只显示这一次，请抄写或打印后锁好；忘记管理员密码时凭它重设）：\n"
            f"    {code}\n"
            "用法：python main.py users recover --db 数据文件 --name 管理员用户名")
