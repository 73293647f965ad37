"""`consolidate --pg DSN --key STREET.key PACKAGE...`: apply offices' packages to the street's store."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg

from gridoffice.consolidation import consolidate, store
from gridoffice.i18n import tr

from . import _progress, _street

NAME = "consolidate"
HELP = tr("把各社区的上报包导入街道（或区）的汇总数据库，每个包一次事务，重复的不重复导入，可疑的拒收")


def add_arguments(parser) -> None:
    _street.add_store_argument(parser)
    _street.add_key_arguments(parser)
    parser.add_argument("packages", nargs="+", metavar="PACKAGE",
                        help=tr("上报包文件，可给多个、顺序不限：同一社区的包按序号依次导入"))
    parser.add_argument("--quiet", action="store_true", help=tr("不显示进度"))


def run(args) -> int:
    keys = _street.street_keys(args)
    paths = [Path(p) for p in args.packages]
    try:
        with store.connect(args.pg) as conn:
            outcomes = _progress.consume(consolidate.consolidate(conn, paths, keys), quiet=args.quiet)
    except psycopg.Error as exc:
        print(_street.database_failure(exc), file=sys.stderr)
        return 1
    refused = 0
    for outcome in outcomes:
        if outcome.outcome == consolidate.REFUSED:
            refused += 1
            print(tr("拒收：{message}").format(message=outcome.message), file=sys.stderr)
        else:
            print(outcome.message)
    if refused:
        print(tr("共{n}个包，拒收{refused}个；拒收的包没有改动汇总数据库，原因已记入台账。").format(
            n=len(outcomes), refused=refused), file=sys.stderr)
        return 1
    return 0
