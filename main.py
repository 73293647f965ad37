"""GridOffice entry point: a headless command (generate, search, check, ...) or the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from commands import names, run

    if argv and argv[0] in names():
        return run(argv)
    if "-h" in argv or "--help" in argv:
        return _help()
    from ui.app import main as gui_main

    return gui_main(argv)


def _help() -> int:
    """The window's options, then the headless commands, which argparse of the window cannot list."""
    from commands import overview
    from ui.app import parse_args

    try:
        parse_args(["--help"])
    except SystemExit:  # argparse exits after printing the help
        pass
    print()
    print(overview())
    return 0


if __name__ == "__main__":
    # Spreadsheets are read in a child process (gridoffice/roster_child.py); a frozen build needs this.
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
