"""What the PDF documents share (the dossier, the archives, the register lists, the meeting's list):
paragraph styles in the embedded CJK font, a paragraph whose free text is masked, a gridded table,
and a whole A4 document with a masked footer and page numbers, written through exports.atomic."""

from __future__ import annotations

from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from gridoffice.i18n import tr
from gridoffice.masking import mask_text

from . import atomic, fonts

_GRID = colors.HexColor("#888888")
_HEAD = colors.HexColor("#DDEBF7")


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the embedded CJK font; wordWrap CJK breaks lines between characters."""
    font = fonts.register()
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11.5),
        "h1": ParagraphStyle("h1", parent=base, fontSize=24, leading=32, alignment=TA_CENTER),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=6),
        "center": ParagraphStyle("center", parent=base, fontSize=13, leading=20, alignment=TA_CENTER),
    }


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of the PDFs' text: a number typed into free text comes out masked (gridoffice.masking)."""
    return Paragraph(escape(mask_text(str(text or ""))).replace("\n", "<br/>"), style)


def grid_table(rows: list[list], widths: list[float], *, header: bool = False, label_col: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    commands = [("FONTNAME", (0, 0), (-1, -1), fonts.register()), ("GRID", (0, 0), (-1, -1), 0.5, _GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    if label_col:
        commands += [("BACKGROUND", (0, 0), (0, -1), _HEAD), ("BACKGROUND", (2, 0), (2, -1), _HEAD)]
    table.setStyle(TableStyle(commands))
    return table


def write_document(path: str | Path, story: list, *, title: str, author: str, footer_text: str,
                   pagesize=A4, side: float = 18 * mm, top: float = 16 * mm, bottom: float = 18 * mm,
                   footer_y: float = 10 * mm, before_rename: Callable[[], object] | None = None) -> Path:
    """A PDF in the shipped font with `footer_text` and the page number on every page, renamed
    into place only when complete. The footer and the document properties are masked like the text."""
    footer_text, title, author = mask_text(footer_text), mask_text(title), mask_text(author)

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(fonts.register(), 8)
        canvas.drawString(side, footer_y, footer_text)
        canvas.drawRightString(pagesize[0] - side, footer_y, tr("第{n}页").format(n=doc.page))
        canvas.restoreState()

    def build(tmp: str) -> None:
        doc = SimpleDocTemplate(tmp, pagesize=pagesize, leftMargin=side, rightMargin=side, topMargin=top,
                                bottomMargin=bottom, title=title, author=author or "GridOffice",
                                initialFontName=fonts.register())
        doc.build(story, onFirstPage=footer, onLaterPages=footer)

    return atomic.write(path, build, before_rename)
