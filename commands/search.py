"""`search --db PATH QUERY`: the search box of the program, one match per line, for IT staff."""

from __future__ import annotations

import sys
from pathlib import Path

from gridoffice.search import finder

from . import _login

NAME = "search"
HELP = "按姓名、拼音、身份证号或电话的数字、地址、户号查找人员和户，每行一条结果"

_KINDS = {finder.PERSON: "人员", finder.HOUSEHOLD: "户"}


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument(
        "query", metavar="QUERY", help="要查找的内容，例如“张伟”“zhangw”“zw”“0312”“幸福小区3栋”"
    )
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="最多显示多少条（默认50）")


def run(args) -> int:
    path = Path(args.db)
    if message := finder.query_problem(args.query):
        print(message, file=sys.stderr)
        return 2
    if args.limit < 1:
        print("--limit 应为正整数", file=sys.stderr)
        return 2
    # A number search leaves an audit entry (gridoffice.search.finder.NUMBER_DIGITS); any other only reads.
    readonly = finder.number_digits(args.query) <= finder.NUMBER_DIGITS
    with _login.reading(args, path, tables=("households", "search_fts"), readonly=readonly) as office:
        hits = finder.search(office.db, args.query, scope=office.scope, limit=args.limit)
        waiting = finder.pending_notice(office.db)
    if waiting:
        print(waiting, file=sys.stderr)
    if not hits:
        print(f"没有找到与“{args.query}”相符的人员或户。", file=sys.stderr)
        return 1
    for hit in hits:
        print(f"{_KINDS[hit.kind]}\t{hit.title}\t{hit.subtitle}")
    return 0
