"""GridOffice entry point: a headless command (generate, search, check, ...) or the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from commands import names, run

    if argv and argv[0] in names():
        return run(argv)
    from ui.app import main as gui_main

    return gui_main(argv)


if __name__ == "__main__":
    # Spreadsheets are read in a child process (gridoffice/roster_child.py); a frozen build needs this.
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
