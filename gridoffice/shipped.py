"""The files the program ships: the CJK font (with its licence), the card layouts, Qt's Chinese, the icon
and the user's manual (帮助 → 使用手册).

They live inside the `gridoffice` package (`gridoffice/resources/`) and are found through
importlib.resources relative to the package, never relative to the working folder or to the
checkout's layout, so a checkout, an installed wheel and a frozen build find them the same way.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path

FONT = "fonts/wqy-microhei.ttc"
CARDS = "cards"
TRANSLATIONS = "translations"
# Drawn by packaging/make_icon.py, which also writes the Windows .ico from the same drawing.
ICON = "icons/gridoffice.png"
MANUAL = "manual.md"

_open = ExitStack()
atexit.register(_open.close)
_paths: dict[str, Path] = {}


def path(relative: str) -> Path:
    """A shipped file or folder as a path on disk; reportlab and Qt take only paths (a package read
    from a zip file has the file extracted once for the life of the process)."""
    if relative not in _paths:
        _paths[relative] = _open.enter_context(as_file(files(__package__).joinpath("resources", *relative.split("/"))))
    return _paths[relative]
