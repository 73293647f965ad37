"""Headless commands for IT staff and scripts: `python main.py COMMAND ...`.

Each module in this package defines NAME, HELP, add_arguments(parser) and run(args) -> int.
The package sits outside gridoffice so commands may use exports/ as well as the core.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from types import ModuleType


def _modules() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = module
    return found


def names() -> set[str]:
    # A command named after a Python keyword lives in a module with a trailing underscore (import_).
    return {info.name.rstrip("_") for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="gridoffice", description="GridOffice 命令行")
    sub = top.add_subparsers(dest="command", required=True)
    for name, module in sorted(_modules().items()):
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return top


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        return args._module.run(args)
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
