"""`python main.py users list|add|reset-password|recover --db PATH`: accounts for IT staff, without the window.

Everything but `recover` needs an administrator's log-in; `recover` takes the recovery code printed
when the office was created, for an administrator who forgot the password. The first `users add` on a
missing file creates the office through gridoffice.store.new_office, as the window's 新建办公室 does,
with its name and place when given (`--office-name --community [--street --district --division-code]`).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from gridoffice.access import session, users
from gridoffice.store import new_office, officefile
from gridoffice.errors import GridOfficeError, NotFound

from . import _files, _login

NAME = "users"
NEW_DB = True  # the first `users add` creates the office file with its administrator
HELP = "用户管理：列出、添加用户，重置密码（需管理员登录）；忘记管理员密码时凭恢复码重设"


# Only for the first `users add`, which creates the office: its name and place in the tree.
PLACE_OPTIONS = {"--office-name": "新建办公室时：单位名称，如 东湖社区居民委员会",
                 "--community": "新建办公室时：村或社区的名称",
                 "--street": "新建办公室时：所属镇街（可不填）",
                 "--district": "新建办公室时：所属区县（可不填）",
                 "--division-code": "新建办公室时：村或社区的12位统计用区划代码（可不填）"}


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="users_command", required=True)
    show = _login.subcommand(sub, "list", "列出用户")
    add = _login.subcommand(sub, "add", "添加用户（新用户的密码从终端输入，或用 --password-stdin 从标准输入读取）")
    add.add_argument("--name", required=True, help="用户名")
    add.add_argument("--role", required=True, choices=sorted(users.ROLES), help="角色")
    add.add_argument("--real-name", default="", help="使用人的真实姓名（报表的制表人署此姓名）")
    add.add_argument("--org", type=int, help="负责的组织单元编号（网格员必填）")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取新用户的密码")
    for option, text in PLACE_OPTIONS.items():
        add.add_argument(option, default="", help=text)
    reset = _login.subcommand(sub, "reset-password", "为用户重设密码（已停用的账号仍保持停用）")
    reset.add_argument("--name", required=True, help="用户名")
    reset.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    recover = sub.add_parser("recover", help="忘记管理员密码：凭建立办公室时打印的恢复码重设管理员密码")
    recover.add_argument("--db", required=True, help="数据文件路径")
    recover.add_argument("--name", required=True, help="管理员用户名")
    recover.add_argument("--stdin", action="store_true", help="从标准输入读取：第一行恢复码，第二行新密码")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码：")
    if getpass.getpass("再输一次：") != first:
        raise GridOfficeError("两次输入的密码不一致。")
    return first


def _recover(args) -> int:
    if args.stdin:
        code, password = sys.stdin.readline().strip(), sys.stdin.readline().rstrip("\n")
    else:
        code = getpass.getpass("恢复码：")
        password = _new_password(False)
    user = session.recover(args.db, code, args.name, password)
    print(f"已用恢复码重设管理员“{user.name}”的密码。")
    return 0


def _place(args) -> new_office.Place | None:
    given = [args.office_name, args.community, args.street, args.district, args.division_code]
    return new_office.Place(*given) if any(v.strip() for v in given) else None


def _create(args) -> int:
    """The first `users add` on a missing or empty file: a new encrypted office with this administrator."""
    if args.role != "admin":
        print("新办公室的第一个账号必须是管理员：请用 --role admin", file=sys.stderr)
        return 2
    founded = new_office.create(args.db, args.name, _new_password(args.password_stdin), _place(args))
    founded.db.close()
    print(f"已建立办公室并添加管理员“{founded.admin.name}”。")
    print(_login.recovery_notice(founded.recovery_code), file=sys.stderr)
    return 0


def run(args) -> int:
    new = officefile.classify(Path(args.db)).kind in (officefile.MISSING, officefile.NEW)
    if not (new and args.users_command == "add") and (message := _files.db_problem(args.db)):
        print(message, file=sys.stderr)
        return 2
    if args.users_command == "add" and not new and _place(args) is not None:
        print("--office-name、--community 等只在新建办公室时使用；已有办公室请在“组织与网格”中修改", file=sys.stderr)
        return 2
    try:
        if new and args.users_command == "add":
            return _create(args)
        if args.users_command == "recover":
            return _recover(args)
        office = _login.log_in(args, args.db, opener=_files.open_office, need="manage_users")
        with office.handle:
            db, admin = office.db, office.user
            if args.users_command == "list":
                for u in users.list_users(db, by=admin):
                    scope = f"组织单元 {u.org_id}" if u.org_id else "全部"
                    state = "" if u.status == "active" else "（已停用）"
                    print(f"{u.name}\t{users.ROLE_LABELS[u.role]}\t{scope}{state}")
                return 0
            if args.users_command == "add":
                users.create_user(db, args.name, _new_password(args.password_stdin), args.role,
                                  by=office.scope, org_id=args.org, display_name=args.real_name)
                print(f"已添加用户“{args.name}”。")
                return 0
            target = next((u for u in users.list_users(db, by=admin) if u.name == args.name.strip()), None)
            if target is None:
                raise NotFound(f"没有名为“{args.name.strip()}”的用户")
            users.reset_password(db, admin, target.id, _new_password(args.password_stdin))
            state = "" if target.status == "active" else "（账号仍是停用状态）"
            print(f"已重置“{target.name}”的密码。{state}")
            return 0
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 1
