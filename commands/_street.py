"""What the street's commands share: the store's connection string and the street's private key."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from gridoffice.consolidation import enroll
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

ENV_KEY_PASSWORD = "GRIDOFFICE_STREET_KEY_PASSWORD"


def add_store_argument(parser) -> None:
    parser.add_argument("--pg", required=True, metavar="DSN",
                        help=tr("汇总数据库（PostgreSQL）的连接串，例如“host=localhost dbname=street user=street”"))


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
        try:
            lines = Path(args.key_password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise GridOfficeError(tr("无法读取密码文件“{path}”：{why}").format(
                path=args.key_password_file, why=getattr(exc, "strerror", None) or exc)) from None
        return lines[0] if lines else ""
    if ENV_KEY_PASSWORD in os.environ:
        return os.environ[ENV_KEY_PASSWORD]
    if sys.stdin.isatty():
        return getpass.getpass(tr("街道私钥“{name}”的密码：").format(name=path.name))
    raise GridOfficeError(tr("需要街道私钥的密码：请在终端运行以输入密码，或用 --key-password-file 文件 "
                             "或环境变量 {env} 提供").format(env=ENV_KEY_PASSWORD))


def database_failure(exc: Exception) -> str:
    """A PostgreSQL failure met on the way (the server went away, a permission), said in Chinese."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return tr("汇总数据库出错：{why}。已完成的上报包不受影响，未完成的那个包没有留下任何改动；"
              "请检查数据库服务后重新运行。").format(why=first)
