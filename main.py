"""GridOffice entry point: a headless command (generate, search, check, ...) or the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if sys.platform == "win32":
        _tolerant_output()
    from commands import names, run

    if argv and argv[0] in names():
        return run(argv)
    if "-h" in argv or "--help" in argv:
        return _help()
    from ui.app import main as gui_main

    return gui_main(argv)


def _tolerant_output() -> None:
    """Windows: output sent to a pipe or file is in the system's code page (GBK on a Chinese PC, which
    cmd and PowerShell read back); a character that page lacks becomes "?" instead of ending the command.
    A console is written in Unicode anyway; the windowed program has no streams at all (None)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


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
    # Spreadsheets are read in a child process (gridoffice/roster/child.py); a frozen build needs this.
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
