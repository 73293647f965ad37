"""The CJK TrueType font every PDF embeds, shipped with the program (gridoffice.shipped) so prints
match everywhere."""

from __future__ import annotations

from functools import cache
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from gridoffice import shipped

FONT_FILE = shipped.path(shipped.FONT)
CJK = "WQYMicroHei"


@cache
def register() -> str:
    """Register the shipped font with reportlab once; returns its name for setFont()."""
    pdfmetrics.registerFont(TTFont(CJK, str(FONT_FILE), subfontIndex=0))
    return CJK
