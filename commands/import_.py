"""`import --db PATH FILE [--sheet NAME] [--dry-run] [--report REPORT.xlsx]`: bring in a roster, or with
`--list` (and `--tag NAME` for a list without a 人群类别 column) a special-group list."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

from exports.import_report import write_report
from gridoffice.errors import GridOfficeError
from gridoffice.archive import tag_import
from gridoffice.search import finder
from gridoffice.roster.importer import import_file
from gridoffice.store.storage import classify

from . import _files, _login
from ._progress import consume

NAME = "import"
HELP = "导入花名册或重点人群名单（.xlsx/.xls/.csv）：逐行检查，有问题的行拒收并写入报告，全部成功或全部不写"


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("file", metavar="FILE", help="花名册文件")
    parser.add_argument("--sheet", metavar="NAME", help="工作表名称（默认第一个）")
    parser.add_argument("--dry-run", action="store_true", help="只检查，不写入数据库")
    parser.add_argument("--report", metavar="REPORT.xlsx", help="把拒收的行和提示写入这个表格")
    parser.add_argument("--grid", default="", metavar="NAME", help="表中没有填写网格的户归入这个网格")
    parser.add_argument("--create-grids", action="store_true", help="表中出现系统里没有的网格或单元时自动建立（所属单元须附单元层级）")
    parser.add_argument("--list", action="store_true",
                        help="文件是重点人群名单（身份证号码、人群类别、开始日期、结束日期、说明），不是花名册")
    parser.add_argument("--tag", default="", metavar="类别",
                        help="名单没有“人群类别”列时，整份名单的类别，如“残疾人”（含 --list）")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度")


def run(args) -> int:
    path = Path(args.db)
    office = _login.log_in(args, path, opener=_files.open_office, failed="导入失败，数据库未改动：")
    db = office.db
    try:
        if args.list or args.tag:
            job = tag_import.import_file(db, args.file, sheet=args.sheet, dry_run=args.dry_run, tag=args.tag)
        else:
            job = import_file(db, args.file, sheet=args.sheet, dry_run=args.dry_run, default_grid=args.grid,
                              create_grids=args.create_grids)
        result = consume(job, quiet=args.quiet)
    except GridOfficeError as exc:
        office.close()
        print(f"导入失败，数据库未改动：{exc.message}", file=sys.stderr)
        return 2
    except BaseException:
        office.close()
        raise
    # The import is committed and the office in use; a bulk load's search documents come now.
    try:
        if finder.pending(db):
            consume(finder.fill(db), quiet=args.quiet)
    except (OSError, sqlite3.Error) as exc:
        storage = classify(exc)
        if storage is None:
            raise
        print(f"导入已完成并已保存，但搜索索引没有建完：{storage.message}下次打开时会接着建立。", file=sys.stderr)
    finally:
        office.close()
    head = "试导入（未写入）" if result.dry_run else "导入完成"
    print(f"{head}：{result.file}（{result.sheet}）数据行{result.rows}，跳过{result.skipped}（合计、说明、空行），"
          f"表内重复{result.duplicates}")
    if result.kind == "tags":
        print(f"加入名册{result.entries_added}条，结束或补充说明{result.entries_changed}条（涉及{result.persons_updated}人），"
              f"名册无变化{result.persons_unchanged}人；拒收{len(result.refused)}行，提示{len(result.notices)}条")
    else:
        print(f"新登记{result.persons_new}人，更新{result.persons_updated}人，无变化{result.persons_unchanged}人；"
              f"新建{result.households_new}户，更新{result.households_updated}户；拒收{len(result.refused)}行，"
              f"提示{len(result.notices)}条")
    if result.grids_created:
        print("新建网格和单元：" + "、".join(result.grids_created))
    for refused in result.refused[:20]:
        print(f"  第{refused.row}行：{refused.reason}")
    if len(result.refused) > 20:
        print(f"  ……另有{len(result.refused) - 20}行，见报告")
    if args.report:
        try:
            write_report(args.report, result)
        except (OSError, sqlite3.Error) as exc:
            storage = classify(exc)
            if storage is None:
                raise
            # The import itself is committed: say so rather than "nothing was saved".
            head = "试导入已完成" if result.dry_run else "导入已完成并已保存"
            print(f"{head}，但报告没有写成（未留下不完整的文件）：{storage.message}"
                  "换好位置后，可用 --dry-run 重新生成同样的报告。", file=sys.stderr)
            return 1
        print(f"报告已写入：{args.report}")
    return 1 if result.refused else 0
