"""The monthly briefing (工作简报): the dashboard's charts on A4 for a leader's meeting.

The figures come from gridoffice.reports.dashboard and the charts from exports/charts.py, the same
drawing operations the dashboard page paints, drawn here as PDF vectors: the office's title, the
scope and the month, then the charts two to a row (the trend across the page). Staff members are
named masked (张*), no resident is named, and every series has a hatching as well as a colour, with
its numbers beside it, so a black-and-white copy reads the same. Every page's footer carries the audit
trail's anchor code (gridoffice.audit.anchors), taken before the briefing's own export entry, as the
monthly summary's does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlite_utils import Database

from gridoffice.audit import anchors, journal
from gridoffice.reports import dashboard as D
from gridoffice.i18n import tr
from gridoffice.masking import mask_name
from gridoffice.access.scope import Scope

from . import charts as X
from . import atomic, fonts

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 15.0
GAP = 4.0


def draw_ops(c: Canvas, ops, ox: float, oy: float) -> None:
    """Draw chart operations with the chart's bottom-left corner at (ox, oy) mm on the page."""
    font = fonts.register()
    colours: dict[str, HexColor] = {}

    def colour(code: str) -> HexColor:
        if code not in colours:
            colours[code] = HexColor(code)
        return colours[code]

    for op in ops:
        kind = op[0]
        if kind == "rect":
            _, x, y, w, h, fill, stroke = op
            if fill:
                c.setFillColor(colour(fill))
            if stroke:
                c.setStrokeColor(colour(stroke))
                c.setLineWidth(0.3)
            c.rect((ox + x) * mm, (oy + y) * mm, w * mm, h * mm, stroke=1 if stroke else 0, fill=1 if fill else 0)
        elif kind == "line":
            _, x1, y1, x2, y2, width, stroke = op
            c.setStrokeColor(colour(stroke))
            c.setLineWidth(width)
            c.line((ox + x1) * mm, (oy + y1) * mm, (ox + x2) * mm, (oy + y2) * mm)
        elif kind == "text":
            _, x, y, text, size, fill, align = op
            c.setFillColor(colour(fill))
            c.setFont(font, size)
            draw = {"l": c.drawString, "r": c.drawRightString, "c": c.drawCentredString}[align]
            draw((ox + x) * mm, (oy + y) * mm, text)


def charts_for(d: D.Dashboard, problems: tuple[D.Count, ...]) -> list[X.Chart]:
    """The briefing's charts, staff named masked."""
    return [X.build(key, d, problem_counts=problems, names=mask_name) for key, _w, _h in X.LAYOUT]


def write(path: str | Path, d: D.Dashboard, problems: tuple[D.Count, ...], *,
          printed: dt.date, anchor: str,
          before_rename: Callable[[int], object] | None = None) -> Iterator[tuple[int, int, str]]:
    """Write the briefing to path (exports.atomic); returns the page count. `anchor` is the audit
    trail's anchor code, printed on every page; before_rename(pages) runs before the file appears."""
    charts = charts_for(d, problems)
    drawn: dict[str, int] = {}

    def build(tmp: str) -> Iterator[tuple[int, int, str]]:
        c = Canvas(tmp, pagesize=A4, pageCompression=1)
        c.setTitle(tr("{office}工作简报（{month}）").format(office=d.office, month=d.period.label))
        font = fonts.register()
        pages = 1

        def heading(first: bool) -> float:
            """The page's heading; returns the y (mm) below it."""
            c.setFillColor(HexColor(X.INK))
            if first:
                c.setFont(font, 16)
                c.drawCentredString(PAGE_W / 2 * mm, (PAGE_H - MARGIN - 6) * mm,
                                    tr("{office}工作简报").format(office=d.office))
                c.setFont(font, 10)
                c.drawCentredString(PAGE_W / 2 * mm, (PAGE_H - MARGIN - 13) * mm,
                                    tr("{scope}　{month}　（统计截至{day}，{printed}印）").format(
                                        scope=d.scope, month=d.period.label, day=d.day.isoformat(),
                                        printed=printed.isoformat()))
                return PAGE_H - MARGIN - 18
            c.setFont(font, 8)
            c.drawString(MARGIN * mm, (PAGE_H - MARGIN - 3) * mm,
                         tr("{office}工作简报　{month}（续）").format(office=d.office, month=d.period.label))
            return PAGE_H - MARGIN - 6

        def footer() -> None:
            c.setFont(font, 7)
            c.setFillColor(HexColor(X.INK))
            c.drawString(MARGIN * mm, (MARGIN - 6) * mm, tr("操作记录锚定码：{code}").format(code=anchor))
            c.drawRightString((PAGE_W - MARGIN) * mm, (MARGIN - 6) * mm, tr("第{n}页").format(n=pages))

        top = heading(True)
        row_h, x = 0.0, MARGIN
        for n, chart in enumerate(charts):
            yield n, len(charts), tr("正在绘制：{t}").format(t=chart.title)
            width, height = chart.width, chart.height
            if x + width > PAGE_W - MARGIN + 0.01:  # next row
                top -= row_h + GAP
                x, row_h = MARGIN, 0.0
            if top - height < MARGIN:
                footer()
                c.showPage()
                pages += 1
                top, x, row_h = heading(False), MARGIN, 0.0
            draw_ops(c, chart.ops, x, top - height)
            x += width + GAP
            row_h = max(row_h, height)
        footer()
        c.save()
        drawn["pages"] = pages

    record = None if before_rename is None else (lambda: before_rename(drawn["pages"]))
    yield from atomic.write_job(path, build, record)
    yield len(charts), len(charts), tr("简报已生成")
    return drawn["pages"]


def export_briefing(db: Database, path: str | Path, month_text: str, *, scope: Scope, today: dt.date,
                    now: dt.datetime | None = None, unit_id: int | None = None) -> Iterator[tuple[int, int, str]]:
    """Compute the figures, write the briefing and log the export; returns the page count."""
    yield 0, 1, tr("正在统计…")
    d = D.dashboard(db, month_text, scope=scope, today=today, now=now, unit_id=unit_id)
    problems = tuple(D.problem_counts(db, today, scope=scope, unit_id=unit_id))
    anchor = anchors.head(db).code
    pages = yield from write(path, d, problems, printed=today, anchor=anchor,
                             before_rename=lambda n: journal.record_export(db, "briefing", str(path), n))
    return pages
