"""`dossier matter NUMBER --db PATH -o FILE.pdf`: one matter's complete file (一事一档) as a PDF."""

from __future__ import annotations

import sys
from pathlib import Path

from exports.matter_dossier import write_dossier
from gridoffice.audit import trail
from gridoffice.matters import query
from gridoffice.org import regions
from gridoffice.store.db import connect

from . import _login

NAME = "dossier"
HELP = "输出一个事项的完整档案（一事一档）PDF：封面、居民、每一步办理过程、评价"


def add_arguments(parser) -> None:
    parser.add_argument("kind", choices=["matter"], help="档案种类：matter（事项）")
    parser.add_argument("number", metavar="NUMBER", help="事项编号，例如 2026-11-0042")
    _login.add_arguments(parser)
    parser.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="输出的PDF文件")


def _record(db, matter_id: int, out: Path) -> None:
    with db.atomic():
        trail.record(db, "dossier", "matters", matter_id, new={"file": out.name})


def run(args) -> int:
    path, out = Path(args.db), Path(args.output)
    return _login.with_office(args, path, lambda office: _write(args, office, out), opener=connect)


def _write(args, office, out: Path) -> int:
    db = office.db
    if not db["matters"].exists():
        print(f"{Path(args.db)} 还没有事项表：请先用本程序打开一次，让它升级数据库", file=sys.stderr)
        return 2
    scope = office.scope
    matter = query.find_number(db, args.number, scope=scope)
    if matter is None:
        print(f"找不到编号为“{args.number}”的事项，编号应写成“2026-11-0042”的样子", file=sys.stderr)
        return 1
    dossier = query.dossier(db, matter.id, scope=scope)
    name = regions.office(db).name
    # The entry commits before the finished file is renamed into place.
    write_dossier(out, dossier, office_name=name, before_rename=lambda: _record(db, matter.id, out))
    print(f"已输出事项{matter.number}的档案：{out}", file=sys.stderr)
    return 0
