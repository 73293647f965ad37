"""Print sheets of service, contact and proxy cards (90×54 mm, ten to an A4 page, or one A6 page each).

A card is laid out once as a list of drawing operations in millimetres (origin: the card's
bottom-left corner). The PDF writer here and the GUI preview/printing (QPainter) both draw the
same operations, so the preview shows what the PDF holds. What is the same on every card (the
title band, the back) is drawn once into a PDF form and reused; the QR code is one inline image
mask of a bit per module (card_qr.py builds the symbols).

Duplex: each front page is followed by its back page; on A4 the back page mirrors the columns,
so after a long-edge flip each back lands behind its front.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Union

from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from sqlite_utils import Database

from gridoffice.audit import journal
from gridoffice.reports import cards as C
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

from . import atomic, card_qr, fonts

CARD_W, CARD_H = 90.0, 54.0
SHEETS = {"a4-10": "A4，每页10张名片（90×54毫米，带裁切线）", "a6": "A6，每页1张"}
# A4 ten-up: two columns of five, butted so one guillotine cut separates two cards.
A4_COLS, A4_ROWS = 2, 5
A4_LEFT = (210.0 - A4_COLS * CARD_W) / 2  # 15 mm
A4_BOTTOM = (297.0 - A4_ROWS * CARD_H) / 2  # 13.5 mm
CROP_GAP, CROP_LEN = 2.0, 6.0  # crop marks stop 2 mm short of the cards and are 6 mm long
# A6 portrait page (105×148): the card is scaled up to the page width and centred.
A6_SCALE = 105.0 / CARD_W
CALIBRATION_MM = 20.0  # the calibration cross sits this far from the left and top paper edges
MIN_PT = 4.5  # smallest text a card prints; longer text is shortened with an ellipsis
PT_PER_MM = 72 / 25.4

Card = Union[C.HouseholdCard, C.TeamCard]


@dataclass(frozen=True)
class Written:
    path: Path
    cards: int
    pages: int


# ---- layout as drawing operations ----------------------------------------------------------
# ("rect", x, y, w, h, colour) filled; ("line", x1, y1, x2, y2, width_pt, colour);
# ("text", x, y, text, size_pt, colour, align 'l'|'r'|'c'), y is the baseline; ("qr", x, y, size, payload).

def text_width(text: str, size: float) -> float:
    """Width in mm of text in the card font."""
    return stringWidth(text, fonts.register(), size) / PT_PER_MM


def fit(text: str, size: float, width_mm: float) -> tuple[str, float]:
    """Shrink text until it fits width_mm; below MIN_PT it is cut with an ellipsis instead."""
    w = text_width(text, size)
    if w <= width_mm:
        return text, size
    size = size * width_mm / w * 0.999
    if size >= MIN_PT:
        return text, size
    while text and text_width(text + "…", MIN_PT) > width_mm:
        text = text[:-1]
    return text + "…", MIN_PT


def _text(x: float, y: float, text: str, size: float, width: float, colour: str, align: str = "l") -> tuple:
    text, size = fit(text, size, width)
    return ("text", x, y, text, size, colour, align)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Break between any two characters (CJK style), keeping paragraph breaks."""
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for ch in paragraph:
            if line and text_width(line + ch, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


def front_static(layout: C.Layout, office: C.Office) -> list[tuple]:
    """The title band, the office's name and the hotline: the same on every card of a print run."""
    col = layout.colours
    ops = [("rect", 0, 44, CARD_W, 10, col.accent),
           _text(4, 47.2, layout.title, 12, 50, col.band_text)]
    name = layout.office_name or office.name
    if name:
        ops.append(_text(86, 47.6, name, 7, 30, col.band_text, "r"))
    if "hotline" in layout.fields and office.hotline:
        ops += [("line", 4, 7.2, 86, 7.2, 0.5, col.accent),
                _text(4, 2.8, tr("服务热线：{p}").format(p=office.hotline), 8, 60, col.accent)]
    return ops


def body_bottom(layout: C.Layout, office: C.Office) -> float:
    """The lowest line of the card's text: above the hotline when there is one."""
    return 9.0 if "hotline" in layout.fields and office.hotline else 3.0


def _person(p: C.CardPerson, phones: bool) -> str:
    parts = [p.role, p.name] if p.role else [p.name]
    if phones and p.phone:
        parts.append(p.phone)
    return " ".join(parts)


@dataclass(frozen=True)
class Front:
    """A card front: its own lines, and the team block it shares with the other cards of its grid."""

    own: list
    block_key: tuple | None
    block: list  # ("head", text) or ("pair", text[, text]) lines
    block_height: float


def front(card: Card, layout: C.Layout, office: C.Office) -> Front:
    """What differs per card: names, address, contact staff and the QR code; then the team block."""
    col = layout.colours
    phones = layout.show_staff_phones
    household = isinstance(card, C.HouseholdCard)
    team = card.team if household else card
    own: list[str] = []
    block: list[tuple] = []  # ("head", text) or ("pair", text[, text])
    for field in layout.fields:
        if field == "household":
            if household:
                own.append(tr("户主：{h}　户号：{n}").format(h=card.head_name or tr("（未登记）"), n=card.number))
            else:
                # "第1网格服务团队" already names its grid
                own.append(card.name if card.name.startswith(card.grid_name) else
                           tr("{grid} {team}").format(grid=card.grid_name, team=card.name))
        elif field == "address":
            if household and card.address:
                own.append(tr("住址：{a}").format(a=card.address))
            elif not household and card.duties:
                own.append(tr("服务内容：{d}").format(d=card.duties))
        elif field == "grid" and household and card.grid_name:
            own.append(tr("所属网格：{g}").format(g=card.grid_name))
        elif field == "contacts" and household:
            own += [tr("联系人：{p}").format(p=_person(p, phones)) for p in card.contacts]
            if not card.contacts:  # said, not left out: the resident knows whom to ask meanwhile
                own.append(tr("联系人：暂未安排，请拨打服务热线") if office.hotline else tr("联系人：暂未安排，请联系社区"))
        elif field in ("team", "proxies") and team is not None:
            people = team.members if field == "team" else team.proxies
            if people:
                block.append(("head", tr("网格服务团队") if field == "team" else tr("代办员")))
                texts = [_person(p, phones) for p in people]
                block += [("pair", *texts[i:i + 2]) for i in range(0, len(texts), 2)]
    top, bottom = 42.0, body_bottom(layout, office)
    room = top - bottom
    own_pitch = 3.9
    if block and (room - len(own) * own_pitch) / len(block) < 2.6:
        own_pitch = max(3.2, (room - len(block) * 2.6) / max(len(own), 1))
    ops: list[tuple] = []
    y = top
    for text in own:
        ops.append(_text(4, y - own_pitch * 0.8, text, own_pitch * PT_PER_MM * 0.74, 60, col.text))
        y -= own_pitch
    ops.append(("qr", 66.0, 20.0, 21.0, card.code))
    code_text = card.number if household else tr("团队{n}").format(n=card.team_id)
    ops.append(_text(76.5, 17.4, code_text, 6, 21, col.text, "c"))
    if not block:
        return Front(ops, None, [], 0.0)
    return Front(ops, (team.team_id, round(y - bottom, 2)), block, y - bottom)


def block_ops(block: list[tuple], height: float, layout: C.Layout) -> list[tuple]:
    """The team and proxy lines in a band `height` mm tall above the card's bottom margin; its origin
    is the band's bottom-left (the writer draws it at the band's place)."""
    col = layout.colours
    pitch = min(3.9 if len(block) <= 3 else 3.4, height / len(block))  # a short block reads as the lines above
    dropped = 0
    if pitch < 2.4:  # below ~5 pt the last lines give way to a count of who is left out
        pitch = 2.4
        room = max(int(height / pitch), 1)
        dropped = sum(len(line) - 1 for line in block[room - 1:])
        block = block[:room - 1]
    size = pitch * PT_PER_MM * 0.74
    ops: list[tuple] = []
    y = height - pitch * 0.8
    for line in block:
        if line[0] == "head":
            ops.append(_text(4, y, line[1], size, 60, col.accent))
        else:
            for i, text in enumerate(line[1:]):
                ops.append(_text(4 + i * 30, y, text, size * 0.95, 28.5 if len(line) == 3 else 60, col.text))
        y -= pitch
    if dropped:
        ops.append(_text(4, y, tr("……另有{n}人，详见服务大厅公示").format(n=dropped), size, 60, col.accent))
    return ops


def front_variable(card: Card, layout: C.Layout, office: C.Office) -> list[tuple]:
    """All per-card operations of a front in card coordinates (the preview draws these)."""
    f = front(card, layout, office)
    if not f.block:
        return f.own
    shift = body_bottom(layout, office)
    return f.own + [_shifted(op, shift) for op in block_ops(f.block, f.block_height, layout)]


def _shifted(op: tuple, dy: float) -> tuple:
    if op[0] == "text":
        return op[:2] + (op[2] + dy,) + op[3:]
    if op[0] == "line":
        return op[:2] + (op[2] + dy, op[3], op[4] + dy) + op[5:]
    return op[:2] + (op[2] + dy,) + op[3:]


def back_ops(layout: C.Layout, office: C.Office) -> list[tuple]:
    """The back: the service scope or proxy matters, shrunk until it fits, and who issued the card."""
    col = layout.colours
    ops = [("rect", 0, 44, CARD_W, 10, col.accent),
           _text(4, 47.2, layout.back_title or layout.title, 12, 82, col.band_text)]
    width, top, bottom = 82.0, 41.0, 10.0
    size = 9.0
    while True:
        lines = _wrap(layout.back_text, size, width)
        pitch = size / PT_PER_MM * 1.45
        if len(lines) * pitch <= top - bottom or size <= MIN_PT:
            break
        size -= 0.25
    room = int((top - bottom) / pitch)
    if len(lines) > room:
        lines = lines[:room]
        lines[-1] = fit(lines[-1] + "…", size, width)[0]
    y = top - pitch * 0.8
    for line in lines:
        ops.append(("text", 4, y, line, size, col.text, "l"))
        y -= pitch
    name = layout.office_name or office.name
    footer = "　".join(t for t in (name, tr("热线：{p}").format(p=office.hotline) if office.hotline else "") if t)
    if footer:
        ops += [("line", 4, 7.2, 86, 7.2, 0.5, col.accent), _text(45, 2.8, footer, 8, 82, col.accent, "c")]
    return ops


# ---- PDF -----------------------------------------------------------------------------------

class _Pdf:
    """Draws operations onto a reportlab canvas at a card origin (points) and scale."""

    def __init__(self, canvas: Canvas):
        self.c = canvas
        self.font = fonts.register()
        self.ttf = getFont(self.font)
        self._colours: dict[str, object] = {}
        self._fill = self._stroke = None
        self._qr_heads: dict[tuple, str] = {}

    def colour(self, hexcode: str):
        value = self._colours.get(hexcode)
        if value is None:
            value = self._colours[hexcode] = HexColor(hexcode)
        return value

    def reset(self) -> None:
        """A new page starts with reportlab's default graphics state."""
        self._fill = self._stroke = None

    def state(self) -> tuple:
        return self._fill, self._stroke

    def restore(self, state: tuple) -> None:
        self._fill, self._stroke = state

    def fill(self, hexcode: str) -> None:
        if self._fill != hexcode:
            self.c.setFillColor(self.colour(hexcode))
            self._fill = hexcode

    def draw(self, ops: list[tuple], ox: float, oy: float, k: float) -> None:
        c = self.c
        s = mm * k
        for op in ops:
            kind = op[0]
            if kind == "text":
                _, x, y, text, size, colour, align = op
                self.fill(colour)
                self.text(ox + x * s, oy + y * s, text, size * k, align)
            elif kind == "rect":
                _, x, y, w, h, colour = op
                self.fill(colour)
                c.rect(ox + x * s, oy + y * s, w * s, h * s, stroke=0, fill=1)
            elif kind == "line":
                _, x1, y1, x2, y2, width, colour = op
                if self._stroke != colour:
                    c.setStrokeColor(self.colour(colour))
                    self._stroke = colour
                c.setLineWidth(width * k)
                c.line(ox + x1 * s, oy + y1 * s, ox + x2 * s, oy + y2 * s)
            elif kind == "qr":
                _, x, y, size, payload = op
                self.qr(ox + x * s, oy + y * s, size * s, payload)

    def text(self, x: float, y: float, text: str, size: float, align: str) -> None:
        """Text as PDF operators through the font's subsets (the way ttfonts documents for dynamic
        fonts): a third of the cost of drawString, which builds a text object per call."""
        if align != "l":
            width = stringWidth(text, self.font, size)
            x -= width if align == "r" else width / 2
        font, doc = self.ttf, self.c._doc
        parts = [f"BT 1 0 0 1 {x:.2f} {y:.2f} Tm"]
        for subset, chunk in font.splitString(text, doc):
            parts.append(f"{font.getSubsetInternalName(subset, doc)} {size:.2f} Tf ({escapePDF(chunk)}) Tj")
        parts.append("ET")
        self.c.addLiteral(" ".join(parts))

    def qr(self, x: float, y: float, size: float, payload: str) -> None:
        """An inline one-bit image mask, one sample per module, stretched over the symbol and painted
        black: 150 bytes a card where a path of rectangles took 3 KB, and a fifth of the time."""
        n, samples = card_qr.image(payload)
        head = self._qr_heads.get((x, y, size, n))
        if head is None:  # ten places a page, the same on every page
            m = size / (n + 2 * card_qr.QUIET)
            side, x0, y0 = n * m, x + card_qr.QUIET * m, y + card_qr.QUIET * m
            head = self._qr_heads[x, y, size, n] = (f"q 0 g {side:.3f} 0 0 {side:.3f} {x0:.3f} {y0:.3f} cm "
                                                     f"BI /W {n} /H {n} /IM true /BPC 1 /D [1 0] /F /AHx ID ")
        self.c.addLiteral(head + samples + "> EI Q")


class _QuickFlate(pdfdoc.PDFStreamFilterZCompress):
    """Flate at level 1, as the workbooks' zip: the codes' samples are random bits, which level 6
    (reportlab's) compresses in three times the time for a file 12 % smaller."""

    def encode(self, text):
        return zlib.compress(text.encode("utf-8") if isinstance(text, str) else text, 1)


_QUICK_FLATE = _QuickFlate()


def _crop_marks(c: Canvas) -> None:
    c.setStrokeColor(HexColor("#000000"))
    c.setLineWidth(0.25)
    left, bottom = A4_LEFT, A4_BOTTOM
    right, top = left + A4_COLS * CARD_W, bottom + A4_ROWS * CARD_H
    for i in range(A4_COLS + 1):
        x = left + i * CARD_W
        c.line(x * mm, (top + CROP_GAP) * mm, x * mm, (top + CROP_GAP + CROP_LEN) * mm)
        c.line(x * mm, (bottom - CROP_GAP) * mm, x * mm, (bottom - CROP_GAP - CROP_LEN) * mm)
    for j in range(A4_ROWS + 1):
        y = bottom + j * CARD_H
        c.line((left - CROP_GAP) * mm, y * mm, (left - CROP_GAP - CROP_LEN) * mm, y * mm)
        c.line((right + CROP_GAP) * mm, y * mm, (right + CROP_GAP + CROP_LEN) * mm, y * mm)


def slot_origin(sheet: str, index: int, back: bool) -> tuple[float, float, float]:
    """Card origin (mm from the page's bottom-left) and scale for the index-th card on its page."""
    if sheet == "a6":
        h = CARD_H * A6_SCALE
        return 0.0, (148.0 - h) / 2, A6_SCALE
    row, col = divmod(index, A4_COLS)
    if back:
        col = A4_COLS - 1 - col  # long-edge flip: left and right swap, rows stay
    return A4_LEFT + col * CARD_W, A4_BOTTOM + (A4_ROWS - 1 - row) * CARD_H, 1.0


def per_page(sheet: str) -> int:
    return 1 if sheet == "a6" else A4_COLS * A4_ROWS


def _calibration_page(c: Canvas, offset: tuple[float, float]) -> None:
    """A cross CALIBRATION_MM from the left and top edges and one card outline, with instructions."""
    font = fonts.register()
    height = A4[1] / mm
    t = CALIBRATION_MM
    c.setLineWidth(0.3)
    c.line((t - 8) * mm, (height - t) * mm, (t + 8) * mm, (height - t) * mm)
    c.line(t * mm, (height - t - 8) * mm, t * mm, (height - t + 8) * mm)
    c.circle(t * mm, (height - t) * mm, 3 * mm)
    x0, y0, _ = slot_origin("a4-10", 1, False)  # clear of the cross and the text
    c.rect(x0 * mm, y0 * mm, CARD_W * mm, CARD_H * mm)
    _crop_marks(c)
    c.setFont(font, 11)
    lines = [
        tr("打印机校准页"),
        tr("1. 用A4纸打印本页（打印对话框中选“实际大小”，不要“适合页面”）。"),
        tr("2. 用直尺量十字中心到纸张左边、上边的距离（毫米）。"),
        tr("   两个数都应为{t:g}毫米。本页已按当前偏移打印：左右{x:g}毫米，上下{y:g}毫米。").format(
            t=t, x=offset[0], y=offset[1]),
        tr("3. 新的偏移 = 当前偏移 +（{t:g} − 量得的数），在“联系卡打印”页填入并点“保存偏移”。").format(t=t),
        tr("   例：左边量得21.5毫米，左右偏移改为 {x:g} − 1.5 毫米。").format(x=offset[0]),
        tr("4. 右上角的名片框应与裁切线对齐，可用来核对。"),
    ]
    y = height - 110
    for line in lines:
        c.drawString(30 * mm, y * mm, line)
        y -= 7


def write_cards(path: str | Path, cards: list[Card], layout: C.Layout, office: C.Office, *,
                sheet: str = "a4-10", duplex: bool = False, calibration: bool = False,
                offset: tuple[float, float] = (0.0, 0.0), before_rename: Callable[[], object] | None = None
                ) -> Iterator[tuple[int, int, str]]:
    """Write the print file (to a temporary file, renamed when complete and after `before_rename`,
    the audit entry); yields progress, returns Written."""
    if sheet not in SHEETS:
        raise ValidationError("sheet", tr("纸张“{s}”不可用，可选：{k}").format(s=sheet, k="、".join(SHEETS)))
    total = len(cards)
    n = per_page(sheet)
    pages = 0
    size = A6 if sheet == "a6" else A4
    ox, oy = offset[0] * mm, -offset[1] * mm  # offset y is measured downwards from the top edge
    bottom = body_bottom(layout, office)

    def build(tmp: str):
        # ASCII85 only makes streams 25 % larger and costs a third of the time in pure Python.
        a85, flate = rl_config.useA85, pdfdoc.PDFZCompress
        rl_config.useA85, pdfdoc.PDFZCompress = 0, _QUICK_FLATE
        try:
            yield from _build(tmp)
        finally:
            rl_config.useA85, pdfdoc.PDFZCompress = a85, flate

    def _build(tmp: str):
        nonlocal pages
        c = Canvas(tmp, pagesize=size, pageCompression=1, invariant=1, initialFontName=fonts.register())
        c.setTitle(layout.title)
        c.setAuthor(layout.office_name or office.name or "GridOffice")
        pdf = _Pdf(c)

        def start_page() -> None:
            c.translate(ox, oy)
            pdf.reset()

        # The parts cards share become PDF forms drawn by reference: the title band, the back,
        # and each grid's team block.
        k = 1.0 if sheet == "a4-10" else A6_SCALE
        blocks: dict[tuple, str] = {}

        def form(name: str, ops: list[tuple]) -> None:
            saved = pdf.state()
            c.beginForm(name)
            pdf.reset()
            pdf.draw(ops, 0, 0, k)
            c.endForm()
            pdf.restore(saved)

        def place(x: float, y: float, name: str) -> None:
            c.addLiteral(f"q 1 0 0 1 {x * mm:.3f} {y * mm:.3f} cm")
            c.doForm(name)
            c.addLiteral("Q")

        form("front", front_static(layout, office))
        form("back", back_ops(layout, office))
        if calibration:
            c.setPageSize(A4)
            start_page()
            _calibration_page(c, offset)
            c.showPage()
            c.setPageSize(size)
            pages += 1
        for first in range(0, total, n):
            batch = cards[first:first + n]
            for back in ((False, True) if duplex else (False,)):
                start_page()
                if sheet == "a4-10":
                    _crop_marks(c)
                for i, card in enumerate(batch):
                    x, y, scale = slot_origin(sheet, i, back)
                    place(x, y, "back" if back else "front")
                    if back:
                        continue
                    f = front(card, layout, office)
                    pdf.draw(f.own, x * mm, y * mm, scale)
                    if f.block_key is not None:
                        name = blocks.get(f.block_key)
                        if name is None:
                            name = blocks[f.block_key] = f"team{len(blocks)}"
                            form(name, block_ops(f.block, f.block_height, layout))
                        place(x, y + bottom * scale, name)
                c.showPage()
                pages += 1
            done = first + len(batch)
            yield done, total, tr("已排版{d}/{t}张卡片").format(d=done, t=total)
        c.save()

    yield from atomic.write_job(path, build, before_rename)
    return Written(Path(path), total, pages)


def export_cards(db: Database, path: str | Path, *, scope: Scope, household_ids: list[int] = (),
                 grid_ids: list[int] = (), teams: bool = False, layout: str | C.Layout = "service", sheet: str = "a4-10",
                 duplex: bool = False, calibration: bool = False) -> Iterator[tuple[int, int, str]]:
    """Read the cards of the chosen households (or of every household of the chosen grids; with
    teams=True one card per grid team) within the user's scope, write the print file and log the export;
    returns Written."""
    lay = layout if isinstance(layout, C.Layout) else C.load_layout(layout)
    cards = select_cards(db, scope=scope, household_ids=household_ids, grid_ids=grid_ids, teams=teams)
    if not cards and not calibration:
        raise ValidationError("cards", tr("没有可打印的卡片：所选网格里没有在册户，或所选网格还没有服务团队"))
    written = yield from write_cards(path, cards, lay, C.office_for_cards(db), sheet=sheet, duplex=duplex,
                                     calibration=calibration, offset=C.printer_offset(db),
                                     before_rename=lambda: journal.record_export(
                                         db, f"cards:{lay.key}", str(path), len(cards)))
    return written


def select_cards(db: Database, *, scope: Scope, household_ids: list[int] = (), grid_ids: list[int] = (),
                 teams: bool = False) -> list[Card]:
    if teams:
        return list(C.team_cards(db, list(grid_ids), scope))
    ids = list(dict.fromkeys(C.households_in_grids(db, list(grid_ids), scope) + list(household_ids)))
    return list(C.household_cards(db, ids, scope))
