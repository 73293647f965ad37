"""`python main.py assessment show|set --db PATH`: the year-end assessment's indicators, targets and weights."""

from __future__ import annotations

import sys

from gridoffice.access import scope
from gridoffice.reports import assessment
from gridoffice.errors import ValidationError

from . import _files, _login

NAME = "assessment"
HELP = "年终考核模板：列出或设置考核指标、满分标准和权重"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="assessment_command", required=True)
    show = _login.subcommand(sub, "show", "列出考核指标、满分标准和权重")
    put = _login.subcommand(sub, "set", "用给出的指标替换考核模板，例如 --item 走访次数=96:20")
    put.add_argument("--item", action="append", required=True, metavar="指标=满分标准:权重",
                     help="一项指标（名称或代码），可重复；比率的满分标准不超过1，如 群众满意率=0.95:10")


def _parse(text: str) -> tuple[str, str, str]:
    name, _, numbers = text.partition("=")
    target, _, weight = numbers.partition(":")
    codes = {label: code for code, (label, _) in assessment.INDICATORS.items()}
    code = codes.get(name.strip(), name.strip())
    if not numbers or not weight:
        raise ValidationError("item", f"“{text}”应写成“指标=满分标准:权重”，例如“走访次数=96:20”")
    return code, target, weight


def run(args) -> int:
    return _login.with_office(args, args.db, lambda office: _show(args, office), opener=_files.open_office)


def _show(args, office) -> int:
    db = office.db
    if args.assessment_command == "set":
        # The change is the logged-in user's: the core refuses it to anyone but an administrator.
        scope.bind(db, office.scope)
        assessment.set_template(db, [_parse(item) for item in args.item])
        print("已更新考核模板。", file=sys.stderr)
    for ind in assessment.template(db):
        print(f"{ind.label}\t{ind.target:g}\t{ind.weight:g}")
    return 0
