"""What the street's commands share: the store's connection string and the street's private key."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from gridoffice.consolidation import enroll, store, street_users
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

ENV_KEY_PASSWORD = "GRIDOFFICE_STREET_KEY_PASSWORD"
ENV_USER = "GRIDOFFICE_STREET_USER"
ENV_PASSWORD = "GRIDOFFICE_STREET_PASSWORD"


def add_store_argument(parser) -> None:
    parser.add_argument("--pg", required=True, metavar="DSN",
                        help=tr("汇总数据库（PostgreSQL）的连接串，例如“host=localhost dbname=street user=street”"))


def add_login_arguments(parser) -> None:
    group = parser.add_argument_group(tr("街道账号登录"))
    group.add_argument("--user", metavar="NAME", help=tr("街道账号的用户名（也可用环境变量 {env}）").format(env=ENV_USER))
    group.add_argument("--password-file", metavar="FILE",
                       help=tr("从文件的第一行读取密码（也可用环境变量 {env}；都没有时在终端输入，不回显）").format(
                           env=ENV_PASSWORD))


def log_in(args, conn) -> street_users.StreetUser:
    """The street account named by --user (or GRIDOFFICE_STREET_USER), with its password."""
    name = (args.user or os.environ.get(ENV_USER, "")).strip()
    if not name:
        raise GridOfficeError(tr("需要登录：请用 --user 街道账号（或环境变量 {env}）指定账号").format(env=ENV_USER))
    if args.password_file:
        password = _first_line_of(args.password_file)
    elif ENV_PASSWORD in os.environ:
        password = os.environ[ENV_PASSWORD]
    elif sys.stdin.isatty():
        password = getpass.getpass(tr("街道账号“{name}”的密码：").format(name=name))
    else:
        raise GridOfficeError(tr("需要密码：请在终端运行以输入密码，或用 --password-file 文件 或环境变量 {env} 提供").format(
            env=ENV_PASSWORD))
    return street_users.log_in(conn, name, password)


def _first_line_of(path: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GridOfficeError(tr("无法读取密码文件“{path}”：{why}").format(
            path=path, why=getattr(exc, "strerror", None) or exc)) from None
    return lines[0] if lines else ""


def add_key_arguments(parser) -> None:
    parser.add_argument("--key", action="append", required=True, metavar="FILE",
                        help=tr("街道私钥文件（street.key）；区里汇总时可给多次，每个街道一个"))
    parser.add_argument("--key-password-file", metavar="FILE",
                        help=tr("从文件的第一行读取私钥密码（也可用环境变量 {env}；都没有时在终端输入，不回显）").format(
                            env=ENV_KEY_PASSWORD))


def street_keys(args) -> list[enroll.StreetKey]:
    """Unlocks each --key with the one password given (a district's streets' keys share it or fail)."""
    return [enroll.read_street_key(Path(path), _password(args, Path(path))) for path in args.key]


def _password(args, path: Path) -> str:
    if args.key_password_file:
        return _first_line_of(args.key_password_file)
    if ENV_KEY_PASSWORD in os.environ:
        return os.environ[ENV_KEY_PASSWORD]
    if sys.stdin.isatty():
        return getpass.getpass(tr("街道私钥“{name}”的密码：").format(name=path.name))
    raise GridOfficeError(tr("需要街道私钥的密码：请在终端运行以输入密码，或用 --key-password-file 文件 "
                             "或环境变量 {env} 提供").format(env=ENV_KEY_PASSWORD))


def database_failure(exc: Exception) -> str:
    """A PostgreSQL failure met on the way (the server went away, a permission), said in Chinese."""
    return tr("{why}已完成的上报包不受影响，未完成的那个包没有留下任何改动。").format(why=store.failure(exc))
