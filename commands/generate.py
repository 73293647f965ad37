"""`generate --db PATH --households N --seed S`: a demo office (or district) in a new file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from gridoffice.access import keys, session, users
from gridoffice.demo import activity, generator
from gridoffice.store import officefile
from gridoffice.store.db import has_office_data
from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr

from ._login import recovery_notice
from ._progress import consume

NAME = "generate"
OWN_DB_CHECK = True  # a file that is not a new one is refused in the words of generating
HELP = "生成演示数据：一个社区（户数多时为一个区）的组织、住户、人员、服务团队和联系户"


def add_arguments(parser) -> None:
    parser.add_argument("--db", required=True, metavar="PATH", help="要生成的数据库文件（新文件或空文件）")
    parser.add_argument("--households", required=True, type=int, metavar="N",
                        help=f"户数；不超过{generator.SINGLE_OFFICE_MAX}户时生成一个社区，更多时生成一个区")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子：种子和日期相同，数据就相同（默认1）")
    parser.add_argument("--today", metavar="YYYY-MM-DD", help="以哪一天为“今天”计算年龄和日期（默认今天）")
    parser.add_argument("--no-activity", action="store_true",
                        help="只生成组织、住户和人员，不生成一年的走访、民情日记和民情事项")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度")


def run(args) -> int:
    path = Path(args.db)
    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            print(f"日期“{args.today}”格式不对，请写成2026-11-01的样子", file=sys.stderr)
            return 2
    found = officefile.classify(path)
    if found.kind not in (officefile.MISSING, officefile.NEW, officefile.OURS, officefile.LOCKED):
        print(f"{path} 是{found.what or found.message}，演示数据只能生成到新的空文件中，程序没有改动它；请换一个新文件名",
              file=sys.stderr)
        return 2
    if found.kind in (officefile.OURS, officefile.LOCKED):
        if found.kind == officefile.LOCKED or has_office_data(path):
            print(f"{path} 里已经有单位或住户数据，演示数据只能生成到新的空文件中；请换一个新文件名",
                  file=sys.stderr)
            return 2
    if path.exists():
        # An empty file: the office is made encrypted in its place.
        path.unlink()
    try:
        db, code = session.create_office(path, activity.DEMO_USERS[0][0], activity.DEMO_PASSWORD,
                                         display_name=tr(users.ROLE_LABELS["admin"]))
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    try:
        stats = consume(generator.generate(db, households=args.households, seed=args.seed, today=today),
                        quiet=args.quiet)
        year = {} if args.no_activity else consume(
            activity.add_activity(db, seed=args.seed, today=today), quiet=args.quiet)
        activity.add_demo_accounts(db)
    except GridOfficeError as exc:
        db.close()
        # refused before writing anything: leave no file behind
        for leftover in (path, keys.path_for(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        print(exc.message, file=sys.stderr)
        return 2
    db.close()
    print(f"已生成演示数据：{path}")
    print(f"  账号（密码都是 {activity.DEMO_PASSWORD}）：" + "、".join(n for n, _ in activity.DEMO_USERS))
    print(f"  住户 {stats.households} 户，人员 {stats.persons} 人，网格 {stats.grids} 个，服务团队 {stats.teams} 个")
    print(f"  工作人员 {stats.staff} 人，联系户关系 {stats.contacts} 条")
    print(f"  用时 {stats.seconds:.1f} 秒（其中建立搜索索引 {stats.index_seconds:.1f} 秒）")
    if year:
        print("  一年的工作记录：" + "，".join(f"{tr(activity.LABELS.get(k, k))} {v}" for k, v in year.items()))
    if not args.quiet:
        print(recovery_notice(code), file=sys.stderr)
    return 0
