"""`python main.py audit check --db PATH [--anchor CODE ...]`: verify the hash chain, and that it still
holds the heads printed on reports and backup manifests; `audit list` prints entries."""

from __future__ import annotations

import json
import sys

from commands._progress import consume
from gridoffice.audit import anchors, journal
from gridoffice.store.db import connect
from gridoffice.errors import GridOfficeError
from gridoffice.masking import mask_record

from . import _login

NAME = "audit"
HELP = "操作记录：校验防篡改链（check）或按条件列出（list）"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="audit_command", required=True)
    check = _login.subcommand(sub, "check", "校验操作记录链，发现断开或改动时返回 1")
    check.add_argument("--anchor", action="append", default=[], metavar="CODE",
                       help="核对锚定码（印在月度汇总、公示表和备份清单上），可写多个")
    show = _login.subcommand(sub, "list", "列出操作记录（最新的在前）")
    show.add_argument("--actor", help="操作人")
    show.add_argument("--table", help="表名，如 persons")
    show.add_argument("--row", type=int, help="记录编号")
    show.add_argument("--person", type=int, help="人员编号（含其标签的记录）")
    show.add_argument("--action", help="操作，如 reveal、export")
    show.add_argument("--since", help="起始日期 YYYY-MM-DD")
    show.add_argument("--until", help="截止日期 YYYY-MM-DD")
    show.add_argument("--limit", type=int, default=100)


def _check(db, codes: list[str], scope) -> int:
    try:
        given = [anchors.parse(code) for code in codes]
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    checked = journal.count(db, scope=scope)
    problems = consume(journal.check_job(db, given))
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"操作记录链校验失败：共 {checked} 条，发现 {len(problems)} 处问题。", file=sys.stderr)
        return 1
    print(f"操作记录链完好：共 {checked} 条。")
    for a in given:
        print(f"锚定码 {a.code} 核对通过：第 {a.entry} 条记录仍在、没有改动，其后 {checked - a.entry} 条链接完好。")
    print(f"当前锚定码：{anchors.head(db).code}")
    return 0


def run(args) -> int:
    return _login.with_office(args, args.db, lambda office: _run(args, office), need="read_audit", refused=2,
                              opener=lambda p: connect(p, readonly=True))


def _run(args, office) -> int:
    if args.audit_command == "check":
        return _check(office.db, args.anchor, office.scope)
    f = journal.Filter(actor=args.actor, table=args.table, row_id=args.row, person_id=args.person,
                       action=args.action, date_from=args.since, date_to=args.until)
    for e in journal.query(office.db, f, scope=office.scope, limit=args.limit):
        target = f"{e.table_name}#{e.row_id}" if e.table_name else ""
        detail = json.dumps(mask_record(e.new), ensure_ascii=False) if e.new else ""
        print(f"{e.id}\t{e.at}\t{e.actor}\t{journal.action_label(e.action)}\t{target}\t{detail}")
    return 0
