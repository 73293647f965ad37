"""Headless commands for IT staff and scripts: `python main.py COMMAND ...`.

Each module in this package defines NAME, HELP, add_arguments(parser) and run(args) -> int;
the command's name is the module's name without a trailing underscore (`import_` -> `import`).
The package sits outside gridoffice so commands may use exports/ as well as the core.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def _module_names() -> dict[str, str]:
    return {
        info.name.rstrip("_"): info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith("_")
    }


def names() -> set[str]:
    return set(_module_names())


def run(argv: list[str]) -> int:
    # Only the chosen command is imported: the exporters behind other commands cost start-up time.
    command = argv[0]
    module = importlib.import_module(f"{__name__}.{_module_names()[command]}")
    top = argparse.ArgumentParser(prog="gridoffice", description="GridOffice 命令行")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser(command, help=module.HELP, description=module.HELP)
    module.add_arguments(p)
    args = top.parse_args(argv)
    try:
        return module.run(args)
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
