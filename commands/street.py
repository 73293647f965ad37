"""`street enroll|ledger|summary|users --pg DSN ...`: the street's store: register offices' cards, read
the ledger, write the monthly summary across its communities (audited), manage the street's accounts
(add, list, disable, enable, reset a password). Each logs in with a street account (`--user`);
enrolling and the accounts need a street administrator. The first account is added without a
log-in, and must be an administrator."""

from __future__ import annotations

import datetime
import getpass
import sys
from pathlib import Path

import psycopg

from exports import monthly_summary
from gridoffice.consolidation import enroll, ledger, store, street_summary, street_users, street_view
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.i18n import tr

from . import _street
from ._progress import consume

NAME = "street"
HELP = tr("街道（区）汇总数据库：登记社区的单位卡，查看上报台账，生成各社区的月度汇总表，管理街道账号")


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = sub.add_parser("enroll", help=tr("登记社区的单位卡（社区“登记到街道”时生成），之后才收它的上报包（街道管理员）"))
    _street.add_store_argument(p)
    _street.add_login_arguments(p)
    p.add_argument("cards", nargs="+", metavar="CARD", help=tr("社区单位卡文件（.card）"))
    p = sub.add_parser("ledger", help=tr("上报台账：各社区何时报送了什么，拒收了哪些包及原因，哪些社区逾期未报"))
    _street.add_store_argument(p)
    _street.add_login_arguments(p)
    p.add_argument("--limit", type=int, default=50, metavar="N", help=tr("最多显示多少条台账（默认50）"))
    p = sub.add_parser("summary", help=tr("月度汇总表（Excel）：每个社区一行，数字与各社区自己的月度汇总一致，另有合计、上月和环比"))
    _street.add_store_argument(p)
    _street.add_login_arguments(p)
    p.add_argument("--month", required=True, metavar="YYYY-MM", help=tr("统计哪个月，如2026-10"))
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=tr("要写入的 Excel 文件（.xlsx）"))
    p.add_argument("--name", metavar="TEXT", help=tr("表头写的单位名称（默认“街道汇总”）"))
    users = sub.add_parser("users", help=tr("街道账号：添加、列出、停用、启用、重设密码"))
    users_sub = users.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    p = users_sub.add_parser("add", help=tr("添加街道账号（第一个账号无需登录，且必须是街道管理员；之后须以街道管理员登录）"))
    _street.add_store_argument(p)
    _street.add_login_arguments(p)
    p.add_argument("--name", required=True, help=tr("新账号的用户名"))
    p.add_argument("--display-name", default="", help=tr("显示名称（如姓名）"))
    p.add_argument("--role", required=True, choices=sorted(street_users.ROLES), metavar="ROLE",
                   help=tr("角色：street_admin 街道管理员（登记社区、添加账号、可凭原因查看完整身份证号），"
                           "street_staff 街道工作人员（只能查看脱敏信息）"))
    p.add_argument("--password-stdin", action="store_true", help=tr("从标准输入读取新账号的密码"))
    p = users_sub.add_parser("list", help=tr("列出街道账号：角色、是否停用、近期登录失败次数（街道管理员）"))
    _street.add_store_argument(p)
    _street.add_login_arguments(p)
    for action, text in (("disable", tr("停用街道账号（街道管理员；不能停用自己）")),
                         ("enable", tr("重新启用停用的街道账号（街道管理员）")),
                         ("reset-password", tr("重设街道账号的密码，并清除它的登录失败等待（街道管理员）"))):
        p = users_sub.add_parser(action, help=text)
        _street.add_store_argument(p)
        _street.add_login_arguments(p)
        p.add_argument("--name", required=True, help=tr("要操作的账号的用户名"))
        if action == "reset-password":
            p.add_argument("--password-stdin", action="store_true", help=tr("从标准输入读取新密码"))


def run(args) -> int:
    # Every card is read before anything is asked of the store: a wrong file is said first.
    cards = [enroll.read_card(path) for path in args.cards] if args.action == "enroll" else []
    try:
        with store.connect(args.pg) as conn:
            if args.action == "users" and args.users_action == "add":
                return _add_user(args, conn)
            user = _street.log_in(args, conn)
            if args.action == "enroll":
                street_users.require_admin(user)
                return _enroll(cards, conn, user)
            if args.action == "summary":
                return _summary(args, conn, user)
            if args.action == "users":
                return _users(args, conn, user)
            return _ledger(args, conn)
    except psycopg.Error as exc:
        print(store.failure(exc), file=sys.stderr)
        return 1


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(tr("新账号的密码："))
    if getpass.getpass(tr("再输一次：")) != first:
        raise GridOfficeError(tr("两次输入的密码不一致。"))
    return first


def _add_user(args, conn) -> int:
    by = _street.log_in(args, conn) if street_users.has_users(conn) else None
    user = street_users.add_user(conn, args.name, _new_password(args.password_stdin), args.role, by=by,
                                 display_name=args.display_name)
    print(tr("已添加街道账号“{name}”（{role}）").format(name=user.name, role=tr(street_users.ROLES[user.role])))
    return 0


def _users(args, conn, user: street_users.StreetUser) -> int:
    """list, disable, enable, reset-password: each for a street administrator, audited in the store."""
    street_users.require_admin(user)
    if args.users_action == "list":
        print(tr("用户名\t显示名称\t角色\t状态\t建立于\t登录失败"))
        for a in street_users.list_users(conn, user):
            failures = tr("{n}次，需等{s}秒").format(n=a.failures, s=int(a.wait + 0.999)) if a.wait else (
                tr("{n}次").format(n=a.failures) if a.failures else "")
            print(f"{a.name}\t{a.display_name}\t{tr(street_users.ROLES[a.role])}\t"
                  f"{tr('在用') if a.active else tr('已停用')}\t{a.created_at.astimezone():%Y-%m-%d}\t{failures}")
        return 0
    if args.users_action == "reset-password":
        street_users.reset_password(conn, user, args.name, _new_password(args.password_stdin))
        print(tr("已重设街道账号“{name}”的密码").format(name=args.name.strip()))
        return 0
    active = args.users_action == "enable"
    street_users.set_active(conn, user, args.name, active)
    print((tr("已启用街道账号“{name}”") if active else tr("已停用街道账号“{name}”")).format(name=args.name.strip()))
    return 0


def _enroll(cards: list[enroll.OfficeCard], conn, user: street_users.StreetUser) -> int:
    for card in cards:
        new = store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                           public_key=card.signing_key, by=user.name)
        text = tr("已登记：{name}（区划代码 {code}，签名公钥指纹 {fp}）") if new else tr(
            "已登记过，未作改动：{name}（区划代码 {code}，签名公钥指纹 {fp}）")
        print(text.format(name=card.name, code=card.division_code or tr("未设"),
                          fp=enroll.fingerprint(card.signing_key)))
    return 0


def _ledger(args, conn) -> int:
    if args.limit < 1:
        print(tr("--limit 应为正整数"), file=sys.stderr)
        return 2
    entries = ledger.entries(conn, limit=args.limit)
    late = ledger.overdue(conn, at=datetime.datetime.now(datetime.timezone.utc))
    print(tr("时间\t社区\t序号\t结果\t说明"))
    for e in entries:
        print(f"{e.at.astimezone():%Y-%m-%d %H:%M}\t{e.office_name or tr('（无法识别）')}\t{e.sequence or ''}\t"
              f"{tr(ledger.OUTCOME_LABELS[e.outcome])}\t{e.reason}")
    if late:
        print(tr("逾期未报（每月至少报送一次，上个整月没有上报包）："))
        for o in late:
            since = tr("从未报送") if o.last_made_at is None else tr("最后一包制作于{at:%Y-%m-%d}").format(
                at=o.last_made_at.astimezone())
            print(tr("  {name}\t{since}，缺{n}个月").format(name=o.name, since=since, n=o.months_missed))
    return 0


def _summary(args, conn, user: street_users.StreetUser) -> int:
    """Street staff see the special groups a grid worker sees (no sensitive registers)."""
    try:
        summary = street_summary.monthly_summary(conn, args.month, name=args.name,
                                                 scope=street_view.scope_for(user.name, admin=user.admin))
    except ValidationError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    path = consume(monthly_summary.write_summary(
        summary, args.output, maker=user.name,
        record=lambda: street_users.record_export(conn, user, "monthly_summary", Path(args.output).name,
                                                  month=summary.period.start[:7], rows=len(summary.grids))),
        quiet=True)
    print(tr("已生成{m}月度汇总表：{path}（{n}个社区，{h}户，{p}人）").format(
        m=summary.period.label, path=path, n=len(summary.grids), h=summary.total.households, p=summary.total.persons))
    return 0
