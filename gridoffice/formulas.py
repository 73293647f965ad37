"""Formula neutralising: the one rule saying which text a spreadsheet would not keep as typed.

A resident's name, an address or a note can begin like a formula (`=HYPERLINK(...)`, `+`, `-`,
`@`, their full-width forms, a tab or a carriage return, after any spaces): Excel and LibreOffice
evaluate such a cell when it is written as a formula, and turn it into one when a clerk edits it.
Every writer in exports/ writes text as a text cell and marks these cells "quote prefixed" (what
Excel sets when a user types a leading apostrophe), so they show and stay exactly as typed; only
the program's own formulas are live. Error words such as `#N/A` are text too. OWASP's advice on
CSV injection names the same first characters."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gridoffice.normalize import UNSAFE_CHARS

_STARTS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
_FORMULA = re.compile(f"\\s*[{_STARTS}]|[\\t\\r]")
# Error values a spreadsheet program would read such text as (openpyxl writes them as errors).
ERROR_WORDS = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# A cell of a row joined after NUL separators that may begin like a formula (spaces included).
_ROW_START = re.compile(f"\\x00(?:\\s|[{_STARTS}#])")
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would take the text for a formula or an error value."""
    return _FORMULA.match(text) is not None or text in ERROR_WORDS


def needs_care(text: str) -> bool:
    """Whether a writer must handle the text: it looks like a formula or holds a character XML forbids."""
    return looks_like_formula(text) or (not text.isprintable() and _UNSAFE.search(text) is not None)


def row_needs_care(cells: Sequence[str]) -> bool:
    """Whether any cell of a row of texts may need care (needs_care() then tells which): two
    C-speed passes per row, about 1 µs, so a writer of 150,000 rows looks at cells only where this
    says so. isprintable() is false for every character XML forbids (and for harmless ones such as
    a newline), so it filters and never decides."""
    return _ROW_START.search("\x00" + "\x00".join(cells)) is not None or not "".join(cells).isprintable()
