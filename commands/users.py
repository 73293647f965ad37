"""`python main.py users list|add|reset-password --db PATH`: accounts for IT staff, without the window."""

from __future__ import annotations

import getpass
import sys

from gridoffice import audit, users
from gridoffice.errors import GridOfficeError

from . import _files

NAME = "users"
NEW_DB = True  # the first `users add` creates the office file with its administrator
HELP = "用户管理：列出、添加用户，或重置忘记的密码"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="users_command", required=True)
    show = sub.add_parser("list", help="列出用户")
    show.add_argument("--db", required=True, help="数据文件路径")
    add = sub.add_parser("add", help="添加用户（密码从终端输入，或用 --password-stdin 从标准输入读取）")
    add.add_argument("--db", required=True, help="数据文件路径")
    add.add_argument("--name", required=True, help="用户名")
    add.add_argument("--role", required=True, choices=sorted(users.ROLES), help="角色")
    add.add_argument("--org", type=int, help="负责的组织单元编号（网格员必填）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    reset = sub.add_parser("reset-password", help="重置密码并解锁账号")
    reset.add_argument("--db", required=True, help="数据文件路径")
    reset.add_argument("--name", required=True, help="用户名")
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")


def _password(args) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输一次：") != first:
        raise GridOfficeError("两次输入的密码不一致。")
    return first


def run(args) -> int:
    try:
        with _files.open_office(args.db) as office:
            db = office.db
            audit.set_actor(db, "命令行")
            if args.users_command == "list":
                for u in users.list_users(db):
                    scope = f"组织单元 {u.org_id}" if u.org_id else "全部"
                    state = "" if u.status == "active" else "（已停用）"
                    print(f"{u.name}\t{users.ROLE_LABELS[u.role]}\t{scope}{state}")
                return 0
            if args.users_command == "add":
                # The command's log-in will supply the user; until then it acts for the whole office.
                users.create_user(db, args.name, _password(args), args.role, by=users.whole_office("命令行"),
                                  org_id=args.org)
                print(f"已添加用户“{args.name}”。")
                return 0
            user = users.recover_password(db, args.name, _password(args))
            print(f"已重置“{user.name}”的密码，账号已解锁。")
            return 0
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 1
