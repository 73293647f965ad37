"""One natural order for names that hold numbers: 第2网格 before 第10网格, 第二组 before 第十组.

Digits and Chinese numerals (零 to 九百九十九) count as their value; the rest compares as text.
Lists of units in the window, the reports and the workbooks all sort with natural_key().
"""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+|[零〇一二两三四五六七八九十百]+)")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif ch == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _DIGITS[ch]
    return total + digit


def natural_key(text: str | None) -> tuple:
    """A sort key: numbers (Arabic or Chinese) by value, before text at the same place."""
    key = []
    for i, piece in enumerate(_PART.split(text or "")):
        if i % 2:
            key.append((0, int(piece) if piece.isdigit() else _chinese(piece), piece))
        elif piece:
            key.append((1, 0, piece))
    return tuple(key)
