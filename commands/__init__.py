"""Headless commands for IT staff and scripts: `python main.py COMMAND ...`.

Each module in this package defines NAME, HELP, add_arguments(parser) and run(args) -> int;
the command's name is the module's name without a trailing underscore (`import_` -> `import`),
with dashes for the underscores inside it (`street_keys` -> `street-keys`).
Every command is listed in MODULES: a freezer (PyInstaller) bundles what is imported by name and
would silently drop a module found only by scanning the folder (tests/test_packaging.py checks the
list against the folder).
A module that creates its office file sets NEW_DB = True, and one that tells what a --db file is
in its own words sets OWN_DB_CHECK = True. The package sits outside gridoffice so
commands may use exports/ as well as the core.

run() is the one place where every command's file arguments are checked before it starts (`--db`,
and `-o`, `--report` or `--to`, the file it writes) and where a failure met on the way (a full
disk, a read-only folder, a database another program is writing) becomes a Chinese message
through gridoffice.store.storage.classify instead of a traceback. Commands catch only what they can
say better themselves.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys

import sqlcipher3.dbapi2 as sqlcipher

from gridoffice.store import tempfiles
from gridoffice.errors import GridOfficeError

from . import _argparse_zh, _files

# The argument naming the file a command writes, and whether it names a folder.
_OUTPUTS = {"output": False, "report": False, "to": True}


MODULES = ("assessment", "audit", "backup", "cards", "check", "consolidate", "dossier", "enroll", "export", "generate",
           "import_", "package", "restore", "search", "street", "street_keys", "users")


def _module_names() -> dict[str, str]:
    return {name.rstrip("_").replace("_", "-"): name for name in MODULES}


def names() -> set[str]:
    return set(_module_names())


def overview() -> str:
    """The commands and what each does, for `main.py --help`."""
    lines = ["命令行（不打开窗口）：python main.py 命令 --help 查看各命令的参数"]
    modules = sorted(_module_names().items())
    width = max(len(name) for name, _ in modules) + 1
    for name, module_name in modules:
        module = importlib.import_module(f"{__name__}.{module_name}")
        lines.append(f"  {name:<{width}}{module.HELP}")
    return "\n".join(lines)


def run(argv: list[str]) -> int:
    # Only the chosen command is imported: the exporters behind other commands cost start-up time.
    command = argv[0]
    module = importlib.import_module(f"{__name__}.{_module_names()[command]}")
    _argparse_zh.install()
    top = argparse.ArgumentParser(prog="gridoffice", description="GridOffice 命令行")
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser(command, help=module.HELP, description=module.HELP)
    module.add_arguments(p)
    args = top.parse_args(argv)
    if message := _problem(args, new_db=getattr(module, "NEW_DB", False),
                           db_checked=getattr(module, "OWN_DB_CHECK", False)):
        print(message, file=sys.stderr)
        return 2
    tempfiles.clean_at_start()  # what a killed run left (issue 21, point 7), whichever command starts next
    try:
        return module.run(args)
    except GridOfficeError as exc:  # a refused log-in, a locked file: said in Chinese, no traceback
        print(exc.message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except (OSError, sqlite3.Error, sqlcipher.Error) as exc:
        from gridoffice.store.storage import classify

        storage = classify(exc)
        if storage is None:
            raise
        print(storage.message, file=sys.stderr)
        return 1


def _problem(args, *, new_db: bool, db_checked: bool) -> str | None:
    if getattr(args, "db", None) is not None and not db_checked:
        if message := _files.db_problem(args.db, new_ok=new_db):
            return message
    for name, folder in _OUTPUTS.items():
        if getattr(args, name, None):
            if message := _files.output_problem(getattr(args, name), folder=folder):
                return message
    return None
