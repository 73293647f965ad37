"""`python main.py package --db OFFICE -o FILE [--full]`: the package the office hands to its street."""

from __future__ import annotations

from gridoffice.consolidation import package

from . import _files, _login
from ._progress import consume

NAME = "package"
HELP = "生成上报包（交给街道；需管理员或工作人员）：全部记录和新的操作记录，加密并签名"


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="上报包文件，如 2026-11.pkg")
    parser.add_argument("--full", action="store_true", help="包含全部操作记录（首次上报或街道要求时）")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度")


def run(args) -> int:
    return _login.with_office(args, args.db, lambda office: _write(args, office), opener=_files.open_office,
                              refused=2)


def _write(args, office) -> int:
    done = consume(package.write_package(office.db, args.output, by=office.scope, full=args.full), quiet=args.quiet)
    m = done.manifest
    records = sum(s.count for name, s in m.tables.items() if name != "audit")
    print(f"已生成第{m.sequence}号上报包：{done.path}（{done.size / 1e6:.1f} MB，{records}条记录，"
          f"{m.audit_entries}条新的操作记录，用时 {done.seconds:.1f} 秒）")
    print(f"操作记录锚定码：{m.anchor}。请把上报包交给街道；上报包按编号依次导入，请不要遗漏。")
    return 0
