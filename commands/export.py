"""`export KIND --db PATH [--month 2026-10] [--year 2026] [--org NAME] [--staff NAME] [--columns ...]
[--full-numbers --reason TEXT] -o FILE`: the monthly summary, the public notice, the year-end assessment,
the roster and the two archives. The roster masks ID numbers and phones unless --full-numbers is given
with a reason, which the audit entry keeps."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from commands._progress import consume
from exports import archives, assessment, briefing, monthly_summary, public_notice, roster
from gridoffice.org import regions
from gridoffice.reports.archives import find_staff
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.i18n import tr

from . import _files, _login

NAME = "export"
HELP = "导出报表：月度汇总、公示表、年终考核、花名册、一村一档、一党员一档、工作简报"
KINDS = {"summary": "月度汇总", "notice": "公示表", "assessment": "年终考核", "roster": "花名册",
         "village-file": "一村一档", "member-file": "一党员一档", "briefing": "工作简报"}


def add_arguments(parser) -> None:
    parser.add_argument("kind", choices=list(KINDS), help="；".join(f"{k}（{v}）" for k, v in KINDS.items()))
    _login.add_arguments(parser)
    parser.add_argument("--month", metavar="YYYY-MM", help="月份（月度汇总、公示表、工作简报），默认上个月")
    parser.add_argument("--year", metavar="YYYY", help="年度（年终考核、一党员一档），默认今年")
    parser.add_argument("--org", metavar="NAME", help="范围：组织单元名称（花名册、汇总、公示、考核、简报；一村一档必填）")
    parser.add_argument("--staff", metavar="NAME", help="人员姓名（一党员一档必填）")
    parser.add_argument("--columns", nargs="+", metavar="COL", help="花名册的列（中文列名或代码），默认全部")
    parser.add_argument("--full-numbers", action="store_true",
                        help="花名册写完整的身份证号和电话（可再导入），须同时用 --reason 说明原因，记入操作记录")
    parser.add_argument("--reason", default="", metavar="TEXT", help="导出完整号码的原因")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="输出文件（.xlsx 或 .pdf）")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度")


def _last_month() -> str:
    first = dt.date.today().replace(day=1)
    return (first - dt.timedelta(days=1)).isoformat()[:7]


def run(args) -> int:
    path, out = Path(args.db), Path(args.output)
    if args.full_numbers and args.kind != "roster":
        print("--full-numbers 只用于花名册，其他报表不含完整号码", file=sys.stderr)
        return 2
    office = _login.log_in(args, path, opener=_files.open_office, failed="导出失败：")
    db, scope = office.db, office.scope
    try:
        org_id = regions.unit_by_name(db, args.org) if args.org else None
        month, year = args.month or _last_month(), args.year or str(dt.date.today().year)
        if args.kind == "summary":
            job = monthly_summary.write(db, out, month, scope=scope, org_id=org_id)
        elif args.kind == "notice":
            job = public_notice.write(db, out, month, scope=scope, org_id=org_id)
        elif args.kind == "assessment":
            job = assessment.write(db, out, year, scope=scope, org_id=org_id)
        elif args.kind == "roster":
            job = roster.write(db, out, scope=scope, org_id=org_id, columns=args.columns or roster.DEFAULT_COLUMNS,
                               full_numbers=args.full_numbers, reason=args.reason)
        elif args.kind == "briefing":
            job = briefing.export_briefing(db, out, month, scope=scope, today=dt.date.today(), unit_id=org_id)
        elif args.kind == "village-file":
            if org_id is None:
                raise ValidationError("org", tr("一村一档请用 --org 指定村或社区的名称"))
            job = archives.write_village(db, out, org_id, scope=scope)
        else:
            if not args.staff:
                raise ValidationError("staff", tr("一党员一档请用 --staff 指定人员姓名"))
            job = archives.write_member(db, out, find_staff(db, args.staff, scope=scope), scope=scope,
                                        year=int(year))
        consume(job, quiet=args.quiet)
    except GridOfficeError as exc:
        print(f"导出失败：{exc.message}", file=sys.stderr)
        return 2
    finally:
        office.close()
    print(f"已导出{KINDS[args.kind]}：{out}", file=sys.stderr)
    return 0
