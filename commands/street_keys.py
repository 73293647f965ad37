"""`python main.py street-keys -o DIR`: the street's key pair, made once, before its offices enroll."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from gridoffice.consolidation import enroll
from gridoffice.errors import GridOfficeError

NAME = "street-keys"
HELP = "街道生成密钥（一次）：私钥文件（密码保护）留在街道，公钥文件发给各社区登记"


def add_arguments(parser) -> None:
    parser.add_argument("-o", "--to", required=True, metavar="DIR", help="放密钥文件的文件夹")
    parser.add_argument("--name", default="street", help="密钥文件名（默认 street：street.key 与 street.pub）")
    parser.add_argument("--password-file", metavar="FILE", help="从文件的第一行读取私钥密码（不给时在终端输入两次）")


def password(args, *, twice: bool) -> str:
    """The street key's password: the first line of --password-file, or typed (twice for a new key)."""
    if args.password_file:
        try:
            lines = Path(args.password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise GridOfficeError(f"无法读取密码文件 {args.password_file}：{exc.strerror or exc}") from None
        return lines[0] if lines else ""
    if not sys.stdin.isatty():
        raise GridOfficeError("需要私钥密码：请在终端运行以输入密码，或用 --password-file 文件 提供")
    first = getpass.getpass("街道私钥的密码：")
    if twice and getpass.getpass("再输一次：") != first:
        raise GridOfficeError("两次输入的密码不一致。")
    return first


def run(args) -> int:
    private, public = enroll.make_street_keys(args.to, password(args, twice=True), name=args.name)
    print(f"已生成街道密钥：\n  私钥 {private}（留在街道，连同密码妥善保管；丢失后各社区的上报包都无法打开）\n"
          f"  公钥 {public}（发给各社区，由社区系统管理员登记）")
    print(f"公钥指纹：{enroll.fingerprint(enroll.read_street_public(public))}（社区登记时可电话核对）")
    return 0
