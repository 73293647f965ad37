"""`street enroll|ledger --pg DSN ...`: the street's store: register offices' cards, read the ledger."""

from __future__ import annotations

import datetime
import sys

import psycopg

from gridoffice.consolidation import enroll, ledger, store
from gridoffice.i18n import tr

from . import _street

NAME = "street"
HELP = tr("街道（区）汇总数据库：登记社区的单位卡，查看上报台账")


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = sub.add_parser("enroll", help=tr("登记社区的单位卡（社区“登记到街道”时生成），之后才收它的上报包"))
    _street.add_store_argument(p)
    p.add_argument("cards", nargs="+", metavar="CARD", help=tr("社区单位卡文件（.card）"))
    p = sub.add_parser("ledger", help=tr("上报台账：各社区何时报送了什么，拒收了哪些包及原因，哪些社区逾期未报"))
    _street.add_store_argument(p)
    p.add_argument("--limit", type=int, default=50, metavar="N", help=tr("最多显示多少条台账（默认50）"))
    p.add_argument("--overdue-days", type=int, default=ledger.OVERDUE_DAYS, metavar="DAYS",
                   help=tr("多少天未报算逾期（默认{n}天）").format(n=ledger.OVERDUE_DAYS))


def run(args) -> int:
    try:
        if args.action == "enroll":
            return _enroll(args)
        return _ledger(args)
    except psycopg.Error as exc:
        print(_street.database_failure(exc), file=sys.stderr)
        return 1


def _enroll(args) -> int:
    cards = [enroll.read_card(path) for path in args.cards]  # every card read before any is registered
    with store.connect(args.pg) as conn:
        for card in cards:
            new = store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                               public_key=card.signing_key)
            text = tr("已登记：{name}（区划代码 {code}，签名公钥指纹 {fp}）") if new else tr(
                "已登记过，未作改动：{name}（区划代码 {code}，签名公钥指纹 {fp}）")
            print(text.format(name=card.name, code=card.division_code or tr("未设"),
                              fp=enroll.fingerprint(card.signing_key)))
    return 0


def _ledger(args) -> int:
    if args.limit < 1 or args.overdue_days < 1:
        print(tr("--limit 和 --overdue-days 应为正整数"), file=sys.stderr)
        return 2
    with store.connect(args.pg) as conn:
        entries = ledger.entries(conn, limit=args.limit)
        late = ledger.overdue(conn, at=datetime.datetime.now(datetime.timezone.utc), days=args.overdue_days)
    print(tr("时间\t社区\t序号\t结果\t说明"))
    for e in entries:
        print(f"{e.at.astimezone():%Y-%m-%d %H:%M}\t{e.office_name or tr('（无法识别）')}\t{e.sequence or ''}\t"
              f"{tr(ledger.OUTCOME_LABELS[e.outcome])}\t{e.reason}")
    if late:
        print(tr("逾期未报（超过{n}天）：").format(n=args.overdue_days))
        for o in late:
            since = tr("从未报送") if o.last_applied_at is None else tr("最后报送于{at:%Y-%m-%d}").format(
                at=o.last_applied_at.astimezone())
            print(f"  {o.name}\t{since}")
    return 0
