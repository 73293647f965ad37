"""The dashboard's charts, each described once as drawing operations in millimetres.

The briefing PDF (exports/briefing.py, reportlab) and the dashboard page (ui/widgets/chart_view.py,
QPainter) draw the same operations, as the cards do, so the screen shows what the paper prints.
Origin: the chart's bottom-left corner, y upwards.

    ("rect", x, y, w, h, fill, stroke)    fill and stroke colours ('' for none)
    ("line", x1, y1, x2, y2, width_pt, colour)
    ("text", x, y, text, size_pt, colour, align)   y is the baseline; align 'l', 'r' or 'c'
    ("hit", x, y, w, h, key)              not drawn: a click there opens the list `key` names

Every series has a fill pattern as well as a colour (hatching drawn as lines clipped to the bar)
and every bar its number beside it, so a black-and-white print reads as well as the screen.
The figures come from gridoffice.reports.dashboard; nothing here computes one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from gridoffice.reports import dashboard as D
from gridoffice.i18n import tr

PT_PER_MM = 72 / 25.4
INK = "#222222"
GRID_LINE = "#c8c8c8"
TITLE_PT, LABEL_PT, NUMBER_PT = 9.0, 6.5, 6.0
TITLE_H = 8.0  # the title's band at the top of every chart
TOP_ROWS = 10  # bars shown where a list can be long (grids, staff, categories)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    pattern: str  # 'solid', 'diag', 'back', 'cross', 'horiz', 'open'


# Fills of clearly different greyness, each with its own hatching, for black-and-white prints.
DARK = Series("", "#2f5b8c", "solid")
LIGHT = Series("", "#9ec3e6", "diag")
WARN = Series("", "#e0a030", "back")
ALARM = Series("", "#c0392b", "cross")


def series(base: Series, name: str) -> Series:
    return Series(name, base.colour, base.pattern)


@dataclass(frozen=True)
class Chart:
    key: str  # which chart: 'trend', 'categories', ...
    title: str
    width: float
    height: float
    ops: tuple[tuple, ...]

    def hit(self, x: float, y: float):
        """The key of the bar or segment at (x, y) in mm, or None."""
        for op in self.ops:
            if op[0] == "hit" and op[1] <= x <= op[1] + op[3] and op[2] <= y <= op[2] + op[4]:
                return op[5]
        return None


# Width in points of text at 1 pt in the shipped font: reportlab's by default; the window's thread
# sets Qt's measure of the same font file (equal to reportlab's), so showing the dashboard never
# imports reportlab (about a second). Per thread: a briefing written beside the window uses reportlab's.
_local = threading.local()


def set_measure(measure: Callable[[str], float]) -> None:
    _local.measure = measure


def text_width(text: str, size: float) -> float:
    """Width in mm of text in the shipped font."""
    measure = getattr(_local, "measure", None)
    if measure is None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        from . import fonts

        font = fonts.register()
        measure = _local.measure = lambda t: stringWidth(t, font, 1.0)
    return measure(text) * size / PT_PER_MM


def fit(text: str, size: float, width: float) -> str:
    """Text cut with an ellipsis to fit width mm."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def hatch(x: float, y: float, w: float, h: float, pattern: str, colour: str = "#ffffff",
          step: float = 1.6) -> list[tuple]:
    """The pattern's lines clipped to the rectangle."""
    ops: list[tuple] = []
    if w <= 0 or h <= 0:
        return ops
    x1, y1 = x + w, y + h
    if pattern in ("diag", "cross"):  # lines y = x + c
        c = y - x1
        while c < y1 - x:
            a, b = max(x, y - c), min(x1, y1 - c)
            if b > a:
                ops.append(("line", a, a + c, b, b + c, 0.5, colour))
            c += step
    if pattern in ("back", "cross"):  # lines y = -x + c
        c = y + x
        while c < y1 + x1:
            a, b = max(x, c - y1), min(x1, c - y)
            if b > a:
                ops.append(("line", a, c - a, b, c - b, 0.5, colour))
            c += step
    if pattern == "horiz":
        yy = y + step / 2
        while yy < y1:
            ops.append(("line", x, yy, x1, yy, 0.5, colour))
            yy += step
    return ops


def bar(x: float, y: float, w: float, h: float, s: Series, key=None) -> list[tuple]:
    if w <= 0 or h <= 0:
        return [("hit", x, y, max(w, 1.0), max(h, 1.0), key)] if key is not None else []
    if s.pattern == "open":
        ops = [("rect", x, y, w, h, "#ffffff", s.colour)]
    else:
        ops = [("rect", x, y, w, h, s.colour, INK)] + hatch(x, y, w, h, s.pattern)
    if key is not None:
        ops.append(("hit", x, y, w, h, key))
    return ops


def legend(items: list[Series], x: float, y: float, width: float) -> list[tuple]:
    """Swatches with names in a row from (x, y), wrapping at width."""
    ops: list[tuple] = []
    cx = x
    for s in items:
        w = 4.0 + 1.2 + text_width(s.name, LABEL_PT) + 3.0
        if cx > x and cx + w > x + width:
            cx, y = x, y - 4.0
        ops += bar(cx, y - 0.6, 4.0, 2.8, s)
        ops.append(("text", cx + 5.2, y, s.name, LABEL_PT, INK, "l"))
        cx += w
    return ops


def _frame(title: str, width: float, height: float, note: str = "") -> list[tuple]:
    ops = [("rect", 0, 0, width, height, "#ffffff", GRID_LINE),
           ("text", 3.0, height - 5.8, title, TITLE_PT, INK, "l")]
    if note:
        room = width - 9.0 - text_width(title, TITLE_PT)
        ops.append(("text", width - 3.0, height - 5.8, fit(note, LABEL_PT, room), LABEL_PT, INK, "r"))
    return ops


def _scale_max(values) -> int:
    return max([v for v in values if v] or [1])


def hbars(key: str, title: str, rows: list[tuple[str, list[int], object, str]], kinds: list[Series], *,
          width: float, height: float, stacked: bool = False, note: str = "", label_w: float = 24.0) -> Chart:
    """Horizontal bars: rows of (label, values per series, click key, text after the bars)."""
    ops = _frame(title, width, height, note)
    top = height - TITLE_H - (4.5 if len(kinds) > 1 else 0.0)
    if len(kinds) > 1:
        ops += legend(kinds, 3.0, height - TITLE_H - 1.8, width - 6.0)
    bottom = 3.0
    n = max(len(rows), 1)
    row_h = min((top - bottom) / n, 7.0)
    number_w = 26.0
    left = 3.0 + label_w
    span = width - left - number_w - 3.0
    biggest = _scale_max([sum(v) if stacked else max(v or [0]) for _, v, _, _ in rows])
    if not rows:
        ops.append(("text", width / 2, (top + bottom) / 2, tr("本月没有数据"), LABEL_PT, INK, "c"))
    for i, (label, values, click, after) in enumerate(rows):
        y = top - (i + 1) * row_h
        ops.append(("text", left - 1.5, y + row_h / 2 - 1.1, fit(label, LABEL_PT, label_w - 1.5), LABEL_PT, INK, "r"))
        band = row_h * 0.72
        end = left
        if stacked:
            for part, (s, v) in enumerate(zip(kinds, values)):
                w = span * v / biggest
                # A segment's key: the row's, with the series' place (the part of the row it counts).
                ops += bar(end, y + (row_h - band) / 2, w, band, s, (*click, part) if click is not None else None)
                end += w
        else:
            each = band / max(len(values), 1)
            for j, (s, v) in enumerate(zip(kinds, values)):
                w = span * v / biggest
                yy = y + (row_h - band) / 2 + (len(values) - 1 - j) * each
                ops += bar(left, yy, w, each * 0.92, s, click)
                end = max(end, left + w)
        if click is not None:
            ops.append(("hit", 0, y, width, row_h, click))
        ops.append(("text", end + 1.2, y + row_h / 2 - 1.0, after, NUMBER_PT, INK, "l"))
    return Chart(key, title, width, height, tuple(ops))


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "—"


def trend(d: D.Dashboard, width: float, height: float) -> Chart:
    """Matters month by month: received, closed, closed on time, overdue, with the numbers in a table below."""
    kinds = [series(DARK, tr("受理")), series(LIGHT, tr("办结")), series(WARN, tr("按期办结")),
             series(ALARM, tr("超期未办结"))]
    m = d.this_month
    ops = _frame(tr("民情事项逐月情况"), width, height,
                 tr("本月受理{r}件，办结率{c}").format(r=m.received, c=_pct(m.closed, m.received)))
    ops += legend(kinds, 3.0, height - TITLE_H - 1.8, width - 6.0)
    label_w = 16.0
    table_h = 4 * 3.2 + 4.0
    bottom = 3.0 + table_h
    top = height - TITLE_H - 6.0
    left, right = 3.0 + label_w, width - 3.0
    col = (right - left) / max(len(d.months), 1)
    biggest = _scale_max([max(x.received, x.closed, x.on_time, x.overdue) for x in d.months])
    ops.append(("line", left, bottom, right, bottom, 0.6, INK))
    for i, x in enumerate(d.months):
        cx = left + i * col
        values = (x.received, x.closed, x.on_time, x.overdue)
        bw = col * 0.8 / 4
        for j, (s, v) in enumerate(zip(kinds, values)):
            ops += bar(cx + col * 0.1 + j * bw, bottom, bw, (top - bottom) * v / biggest, s)
        ops.append(("hit", cx, bottom, col, top - bottom, ("month", x.month)))
        # The table: the month, then each series' number in its row.
        ops.append(("text", cx + col / 2, bottom - 3.0, x.label, LABEL_PT, INK, "c"))
        for j, v in enumerate(values):
            ops.append(("text", cx + col / 2, bottom - 6.2 - j * 3.2, str(v), NUMBER_PT, INK, "c"))
    for j, s in enumerate(kinds):
        ops.append(("text", left - 1.0, bottom - 6.2 - j * 3.2, fit(s.name, NUMBER_PT, label_w - 1.0), NUMBER_PT,
                    INK, "r"))
    return Chart("trend", tr("民情事项逐月情况"), width, height, tuple(ops))


def categories(d: D.Dashboard, width: float, height: float) -> Chart:
    rows = []
    for c in d.categories[:TOP_ROWS]:
        sign = f"+{c.change}" if c.change > 0 else str(c.change)
        rows.append((c.name, [c.count, c.before], ("category", c.category_id),
                     tr("{n}件（较上月{s}）").format(n=c.count, s=sign)))
    kinds = [series(DARK, tr("本月")), series(LIGHT, tr("上月"))]
    return hbars("categories", tr("本月事项类别（与上月比）"), rows, kinds, width=width, height=height)


def _parts(key: str, title: str, counts: tuple[D.Count, ...], kinds: list[Series], note: str,
           width: float, height: float) -> Chart:
    """One stacked bar of a whole's parts, each part also a row with its number and share."""
    whole = sum(c.count for c in counts)
    ops = _frame(title, width, height, note)
    left, right = 3.0, width - 3.0
    y = height - TITLE_H - 9.0
    x = left
    for c, s in zip(counts, kinds):
        w = (right - left) * c.count / whole if whole else 0
        ops += bar(x, y, w, 7.0, s, (key, c.code))
        x += w
    if not whole:
        ops.append(("rect", left, y, right - left, 7.0, "#ffffff", GRID_LINE))
    row_y = y - 6.0
    for c, s in zip(counts, kinds):
        ops += bar(left, row_y - 0.6, 4.0, 2.8, s)
        ops.append(("text", left + 5.2, row_y, c.label, LABEL_PT, INK, "l"))
        ops.append(("text", right, row_y, tr("{n}件　{p}").format(n=c.count, p=_pct(c.count, whole)), LABEL_PT,
                    INK, "r"))
        ops.append(("hit", left, row_y - 1.5, right - left, 4.0, (key, c.code)))
        row_y -= 4.6
    return Chart(key, title, width, height, tuple(ops))


def deadlines(d: D.Dashboard, width: float, height: float) -> Chart:
    kinds = [ALARM, WARN, DARK]
    total = sum(c.count for c in d.deadlines)
    return _parts("deadline", tr("未办结事项的期限"), d.deadlines, kinds, tr("共{n}件").format(n=total), width, height)


def satisfaction(d: D.Dashboard, width: float, height: float) -> Chart:
    kinds = [DARK, LIGHT, ALARM]
    evaluated = sum(c.count for c in d.satisfaction)
    good = sum(c.count for c in d.satisfaction if c.code != "unsatisfied")
    return _parts("satisfaction", tr("本月事项满意度"), d.satisfaction, kinds,
                  tr("已评价{n}件，满意率{p}").format(n=evaluated, p=_pct(good, evaluated)), width, height)


def coverage(d: D.Dashboard, width: float, height: float) -> Chart:
    kinds = [series(DARK, tr("按期走访")), series(ALARM, tr("超期未走访"))]
    rows = [(c.label, [c.covered, c.overdue], ("class", c.contact_class),
             tr("{c}/{n}户 {p}").format(c=c.covered, n=c.households, p=_pct(c.covered, c.households)))
            for c in d.coverage]
    households = sum(c.households for c in d.coverage)
    covered = sum(c.covered for c in d.coverage)
    return hbars("coverage", tr("走访覆盖（按联系户类别）"), rows, kinds, width=width, height=height, stacked=True,
                 note=tr("截至{d}，覆盖{p}").format(d=d.day.isoformat(), p=_pct(covered, households)), label_w=14.0)


def grids(d: D.Dashboard, width: float, height: float) -> Chart:
    worst = [g for g in d.grids if g.overdue][:TOP_ROWS]
    rows = [(g.name, [g.overdue], ("grid", g.grid_id),
             tr("{o}户（共{n}户）").format(o=g.overdue, n=g.households)) for g in worst]
    total = sum(g.overdue for g in d.grids)
    return hbars("grids", tr("超期未走访户最多的网格"), rows, [series(ALARM, tr("超期户"))], width=width, height=height,
                 note=tr("共{n}户超期").format(n=total), label_w=26.0)


def staff(d: D.Dashboard, width: float, height: float, names=None) -> Chart:
    """Visits and log entries per staff member; `names` turns a name into the one printed (masking)."""
    kinds = [series(DARK, tr("走访")), series(LIGHT, tr("民情日记"))]
    rows = [((names or str)(s.name), [s.visits, s.logs], ("staff", s.staff_id),
             tr("走访{v} 日记{n}（待点评{w}）").format(v=s.visits, n=s.logs, w=s.waiting))
            for s in d.staff[:TOP_ROWS]]
    return hbars("staff", tr("本月走访与民情日记（按人员）"), rows, kinds, width=width, height=height,
                 note=tr("{n}人有记录，待点评{w}条").format(n=len(d.staff), w=d.logs_waiting), label_w=16.0)


def registers(d: D.Dashboard, width: float, height: float) -> Chart:
    rows = [(c.label, [c.count], ("register", c.code), tr("{n}人").format(n=c.count)) for c in d.registers]
    return hbars("registers", tr("重点人群"), rows, [series(DARK, tr("人数"))], width=width, height=height,
                 label_w=24.0)


def problems(counts: tuple[D.Count, ...], width: float, height: float) -> Chart:
    rows = [(c.label, [c.count], ("problem", c.code), tr("{n}处").format(n=c.count)) for c in counts]
    return hbars("problems", tr("完整性问题（格不漏户、户不漏人）"), rows, [series(WARN, tr("问题"))], width=width,
                 height=height, note=tr("共{n}处").format(n=sum(c.count for c in counts)), label_w=46.0)


def pyramid(d: D.Dashboard, width: float, height: float) -> Chart:
    """Men to the left, women to the right, one row per five years of age, the numbers at the bar ends."""
    men, women = series(DARK, tr("男")), series(LIGHT, tr("女"))
    total = sum(b.men + b.women for b in d.pyramid)
    ops = _frame(tr("居民年龄结构"), width, height, tr("在册{n}人").format(n=total))
    ops += legend([men, women], 3.0, height - TITLE_H - 1.8, width - 6.0)
    top, bottom = height - TITLE_H - 5.0, 3.0
    label_w, number_w = 14.0, 11.0
    centre = width / 2
    half = (width - 6.0 - label_w) / 2 - number_w
    biggest = _scale_max([max(b.men, b.women) for b in d.pyramid])
    row_h = (top - bottom) / max(len(d.pyramid), 1)
    for i, b in enumerate(d.pyramid):
        y = bottom + i * row_h
        h = row_h * 0.8
        wm, ww = half * b.men / biggest, half * b.women / biggest
        ops += bar(centre - label_w / 2 - wm, y, wm, h, men, ("band", i))
        ops += bar(centre + label_w / 2, y, ww, h, women, ("band", i))
        mid = y + h / 2 - 1.0
        ops.append(("text", centre, mid, b.label, NUMBER_PT, INK, "c"))
        ops.append(("text", centre - label_w / 2 - wm - 1.0, mid, str(b.men), NUMBER_PT, INK, "r"))
        ops.append(("text", centre + label_w / 2 + ww + 1.0, mid, str(b.women), NUMBER_PT, INK, "l"))
        ops.append(("hit", 0, y, width, row_h, ("band", i)))
    return Chart("pyramid", tr("居民年龄结构"), width, height, tuple(ops))


# The charts in reading order, with the size each asks for (mm) on the page and on paper.
LAYOUT = (
    ("trend", 180.0, 78.0),
    ("categories", 88.0, 80.0),
    ("deadline", 88.0, 40.0),
    ("satisfaction", 88.0, 40.0),
    ("coverage", 88.0, 34.0),
    ("grids", 88.0, 80.0),
    ("staff", 88.0, 80.0),
    ("registers", 88.0, 100.0),
    ("pyramid", 88.0, 100.0),
    ("problems", 88.0, 60.0),
)

_BUILDERS = {"trend": trend, "categories": categories, "deadline": deadlines, "satisfaction": satisfaction,
             "coverage": coverage, "grids": grids, "registers": registers, "pyramid": pyramid}


def build(key: str, d: D.Dashboard, *, problem_counts: tuple[D.Count, ...] | None = None, names=None) -> Chart | None:
    """One chart of the layout; None for the completeness chart while its counts are not known."""
    width, height = next((w, h) for k, w, h in LAYOUT if k == key)
    if key == "problems":
        return problems(problem_counts, width, height) if problem_counts is not None else None
    if key == "staff":
        return staff(d, width, height, names)
    return _BUILDERS[key](d, width, height)
