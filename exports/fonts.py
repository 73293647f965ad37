"""The CJK TrueType font every PDF embeds, shipped in resources/fonts so prints match everywhere."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_FILE = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "wqy-microhei.ttc"
CJK = "WQYMicroHei"


@cache
def register() -> str:
    """Register the shipped font with reportlab once; returns its name for setFont()."""
    pdfmetrics.registerFont(TTFont(CJK, str(FONT_FILE), subfontIndex=0))
    return CJK
