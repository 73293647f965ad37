"""`cards --db PATH [--grid NAME | --household NUMBER ...] -o FILE.pdf`: print-ready contact cards."""

from __future__ import annotations

import sys
from pathlib import Path

from exports.cards import SHEETS, export_cards
from gridoffice.reports import cards as C

from . import _files, _login
from ._progress import consume

NAME = "cards"
HELP = "输出便民服务联系卡、民情联系卡或党员代办卡的打印文件（PDF，可双面打印）"


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("--grid", action="append", default=[], metavar="NAME",
                        help="网格名称（可重复）：该网格每个在册户一张卡")
    parser.add_argument("--household", action="append", default=[], metavar="NUMBER", help="户号（可重复）")
    parser.add_argument("--teams", action="store_true", help="每个网格服务团队一张卡，而不是每户一张")
    parser.add_argument("--layout", default="service", metavar="service|contact|proxy|FILE.json",
                        help="卡片样式：service 便民服务联系卡，contact 民情联系卡，proxy 党员代办卡，或自定义样式文件")
    parser.add_argument("--sheet", default="a4-10", choices=list(SHEETS),
                        help="a4-10：A4每页10张名片（带裁切线）；a6：A6每页1张")
    parser.add_argument("--duplex", action="store_true", help="每页正面后接其背面，供双面打印（长边翻转）")
    parser.add_argument("--calibration", action="store_true", help="在最前面加一页打印机校准页")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="输出的PDF文件")


def run(args) -> int:
    path, out = Path(args.db), Path(args.output)
    if not (args.grid or args.household or args.calibration):
        print("请用 --grid 网格名称 或 --household 户号 选择要打卡片的户（或只打 --calibration 校准页）", file=sys.stderr)
        return 2
    if args.teams and args.household:
        print("--teams 按网格出团队卡，请用 --grid 选择网格，不要同时给 --household", file=sys.stderr)
        return 2
    return _login.with_office(args, path, lambda office: _write(args, office, out), opener=_files.open_office)


def _write(args, office, out: Path) -> int:
    db, scope = office.db, office.scope
    grids = C.grids_named(db, args.grid, scope)
    households = C.households_numbered(db, args.household, scope)
    written = consume(export_cards(db, out, scope=scope, household_ids=households, grid_ids=grids, teams=args.teams,
                                   layout=args.layout, sheet=args.sheet, duplex=args.duplex,
                                   calibration=args.calibration))
    print(f"已输出{written.cards}张卡片，共{written.pages}页：{out}", file=sys.stderr)
    return 0
