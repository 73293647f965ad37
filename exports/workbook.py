"""The office style shared by every workbook (written by exports.xlsx; the import report by openpyxl): a title
row naming the office and the period, a bold bordered header, column widths that fit Chinese text, a
frozen header, A4 print setup repeating the header rows, the maker and the date in the footer; saved
to a temporary name and renamed into place."""

from __future__ import annotations

import datetime as dt
import sys
import traceback
import unicodedata
from pathlib import Path
from typing import Callable

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from gridoffice.formulas import looks_like_formula, needs_care, row_needs_care
from gridoffice.i18n import tr
from gridoffice.normalize import strip_unsafe

from . import atomic, xlsx

HEAD_FILL, TOTAL_FILL = "DDEBF7", "F2F2F2"
TITLE = xlsx.Style(font="title", align="title")
HEAD = xlsx.Style(font="bold", fill=HEAD_FILL, border=True, align="center")
PERCENT = "0.0%"
# A month-on-month change: whole percents with their sign, so −100 % ("-100%") fits a figure column of
# width 7 when printed; "-100.0%" did not, and LibreOffice and Excel print ### instead.
CHANGE = "+0%;-0%;0%"
MAX_WIDTH = 40


def text_width(value: object) -> int:
    """Display width in Excel character units: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, float):
        value = f"{value:.1f}"
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def fit_widths(ws: xlsx.Sheet, rows, *, first_col: int = 1, minimum: int = 6) -> None:
    """Widths from the widest cell of each column (title row excluded), capped so a note wraps."""
    widths: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths.get(i, minimum), text_width(value) + 2)
    for i, w in widths.items():
        ws.widths[first_col + i] = min(w, MAX_WIDTH)


def sheet(wb: xlsx.Workbook, title: str, heading: str, headers: list[str], *, office: str, period: str,
          groups: list[tuple[str, int]] | None = None) -> xlsx.Sheet:
    """A sheet with the title row (merged across the header) and the header, ready for rows.

    `groups` adds a row above the column names: (group name, columns spanned); a group of one
    column is merged down over its column name instead. Returns the worksheet."""
    ws = wb.create_sheet(title)
    width = max(len(headers), 1)
    ws.set(1, 1, f"{office}{heading}（{period}）" if office else f"{heading}（{period}）", wb.style(TITLE))
    ws.merged.append(f"A1:{get_column_letter(width)}1")
    ws.heights[1] = 28
    head = wb.style(HEAD)
    last_head = 3 if groups else 2
    for c, value in enumerate(headers, start=1):
        ws.set(last_head, c, value, head)
    if groups:
        c = 1
        for name, span in groups:
            ws.set(2, c, name, head)
            for k in range(c + 1, c + span):
                ws.set(2, k, None, head)
            if span == 1:
                ws.set(3, c, None, head)
                ws.merged.append(f"{get_column_letter(c)}2:{get_column_letter(c)}3")
            else:
                ws.merged.append(f"{get_column_letter(c)}2:{get_column_letter(c + span - 1)}2")
            c += span
    ws.freeze = f"B{last_head + 1}"
    ws.print_title_rows = f"1:{last_head}"
    return ws


def header_height(ws) -> int:
    """The row number of the last header row, of a sheet being written or one read back by openpyxl."""
    frozen = ws.freeze if isinstance(ws, xlsx.Sheet) else ws.freeze_panes
    return coordinate_from_string(frozen)[1] - 1


def write_rows(wb: xlsx.Workbook, ws: xlsx.Sheet, rows, *, percent_cols=(), total_rows=(), formats=None,
               row_formats=None, wrap_cols=()) -> None:
    """Rows below the header, bordered; `percent_cols` (1-based) formatted as percentages, `formats`
    {column: number format}, `row_formats` {row index: {column: number format}}, `wrap_cols`
    wrapped. Each distinct style is registered once: a cell carries only its style number."""
    start = header_height(ws) + 1
    width = max((len(r) for r in rows), default=0)
    formats = {**{c: PERCENT for c in percent_cols}, **(formats or {})}
    row_formats, total_rows = row_formats or {}, set(total_rows)

    def styles(total: bool, override: dict) -> list[int]:
        out = []
        for c in range(1, width + 1):
            fmt = override.get(c, formats.get(c))
            out.append(wb.style(xlsx.Style(font="bold" if total else "normal", fill=TOTAL_FILL if total else None,
                                           border=True, number_format=fmt,
                                           align="wrap" if c in wrap_cols else None)))
        return out

    plain, total = styles(False, {}), styles(True, {})
    special = {i: styles(i in total_rows, f) for i, f in row_formats.items()}
    ws.append_rows(start, rows, lambda i: special.get(i) or (total if i in total_rows else plain))


def page_setup(ws: xlsx.Sheet, *, maker: str, landscape: bool = True, anchor: str = "") -> None:
    """A4, fit to the page width, the maker and the date in the footer, page numbers on the right.

    `anchor`, the audit trail's anchor code (gridoffice.audit.anchors), is printed beside the date on
    every page, so each printed copy keeps the head of the trail outside the file."""
    ws.landscape = landscape
    ws.fit_width = True
    ws.footer = footer(maker, anchor)


def footer(maker: str, anchor: str = "") -> tuple[str, str, str]:
    """Left, centre and right of the footer, in the spreadsheet's footer codes (&P, &N).

    The maker's name is a user's text: every '&' in it is doubled, the code for a literal '&', so a
    name such as '张三&C&KFFFFFF' cannot open a section or colour the anchor code white."""
    centre = tr("制表日期：{day}").format(day=dt.date.today().isoformat())
    if anchor:
        centre += tr("　操作记录锚定码：{code}").format(code=anchor)
    return (tr("制表人：{maker}").format(maker=maker.replace("&", "&&")), centre, tr("第 &P 页 共 &N 页"))


def safe_row(ws, values) -> list:
    """A row for an openpyxl sheet (write-only or not) in which every text stays text.

    openpyxl writes any text beginning with '=' as a live formula and '#N/A' as an error, and
    writes U+FFFE into a file nothing can open: such cells become text cells, quote-prefixed where
    a spreadsheet would take them for a formula (gridoffice.formulas), without the characters XML
    forbids. One search per row finds the few rows that need it."""
    if not row_needs_care([v for v in values if v.__class__ is str]):
        return values
    return [text_cell(ws, v) if v.__class__ is str and needs_care(v) else v for v in values]


def text_cell(ws, value: str):
    """An openpyxl cell holding the text as text, whatever it begins with."""
    text = strip_unsafe(value)
    cell = WriteOnlyCell(ws, text)
    cell.data_type = "s"
    if looks_like_formula(text):
        cell.quotePrefix = True
    return cell


def save(wb, path: str | Path, before_rename: Callable[[], object] | None = None) -> Path:
    """Save through exports.atomic: under an owner-only temporary name, `before_rename` (the audit
    entry), then the rename; a failure leaves no half file and no file without its entry."""
    def build(tmp: str) -> None:
        try:
            wb.save(tmp)
        except BaseException as exc:
            close_failed_save(exc)
            raise

    return atomic.write(path, build, before_rename, suffix=".xlsx")


def close_failed_save(exc: BaseException) -> None:
    """openpyxl leaves its ZipFile open when a save fails (a full disk); closed later by the garbage
    collector, it writes again, fails again and prints a traceback for the clerk. Close it now,
    quietly: the failure itself is what the caller reports."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)
    finally:
        sys.unraisablehook = hook


def new_workbook() -> xlsx.Workbook:
    return xlsx.Workbook()
