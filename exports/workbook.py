"""The office style shared by every workbook: a title row naming the office and the period, a bold
bordered header, column widths that fit Chinese text, a frozen header, A4 print setup repeating the
header rows, the maker and the date in the footer; saved to a temporary name and renamed into place."""

from __future__ import annotations

import datetime as dt
from copy import copy
import os
import tempfile
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet

from gridoffice.i18n import tr

THIN = Side(style="thin", color="666666")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
TITLE_FONT = Font(bold=True, size=15)
HEAD_FONT = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)
PERCENT = "0.0%"
MAX_WIDTH = 40


def text_width(value: object) -> int:
    """Display width in Excel character units: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, float):
        value = f"{value:.1f}"
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def fit_widths(ws, rows, *, first_col: int = 1, minimum: int = 6) -> None:
    """Widths from the widest cell of each column (title row excluded), capped so a note wraps."""
    widths: dict[int, int] = {}
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths.get(i, minimum), text_width(value) + 2)
    for i, w in widths.items():
        ws.column_dimensions[get_column_letter(first_col + i)].width = min(w, MAX_WIDTH)


def sheet(wb: Workbook, title: str, heading: str, headers: list[str], *, office: str, period: str,
          groups: list[tuple[str, int]] | None = None):
    """A sheet with the title row (merged across the header) and the header, ready for rows.

    `groups` adds a row above the column names: (group name, columns spanned); a group of one
    column is merged down over its column name instead. Returns the worksheet."""
    ws = wb.create_sheet(title)
    width = len(headers)
    ws.cell(1, 1, f"{office}{heading}（{period}）" if office else f"{heading}（{period}）").font = TITLE_FONT
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.row_dimensions[1].height = 28
    last_head = 3 if groups else 2
    for c, value in enumerate(headers, start=1):
        _head(ws.cell(last_head, c, value))
    if groups:
        c = 1
        for name, span in groups:
            _head(ws.cell(2, c, name))
            for k in range(c + 1, c + span):
                _head(ws.cell(2, k))
            if span == 1:
                ws.cell(3, c).value = None
                ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
            else:
                ws.merge_cells(start_row=2, start_column=c, end_row=2, end_column=c + span - 1)
            c += span
    ws.freeze_panes = ws.cell(last_head + 1, 2)
    ws.print_title_rows = f"1:{last_head}"
    return ws


def _head(cell) -> None:
    cell.font = HEAD_FONT
    cell.fill = HEAD_FILL
    cell.border = BORDER
    cell.alignment = CENTER


def header_height(ws) -> int:
    """The row number of the last header row."""
    return coordinate_from_string(ws.freeze_panes)[1] - 1


def write_rows(ws, rows, *, percent_cols=(), total_rows=()) -> None:
    """Rows below the header, bordered; `percent_cols` (1-based) formatted as percentages.

    Each style is built once on a scratch cell and its style array copied to the cells: setting
    border, font and fill per cell hashes the style objects each time (minutes for 400,000 cells)."""
    start = header_height(ws) + 1
    protos = {}
    for total in (False, True):
        for percent in (False, True):
            proto = Cell(ws)
            proto.border = BORDER
            if percent:
                proto.number_format = PERCENT
            if total:
                proto.font = HEAD_FONT
                proto.fill = TOTAL_FILL
            protos[total, percent] = proto._style
    percent_cols, total_rows = set(percent_cols), set(total_rows)
    for r, values in enumerate(rows, start=start):
        total = r - start in total_rows
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            cell._style = copy(protos[total, c in percent_cols])


def page_setup(ws, *, maker: str, landscape: bool = True) -> None:
    """A4, fit to the page width, the maker and the date in the footer, page numbers on the right."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.left.text = tr("制表人：{maker}").format(maker=maker)
    ws.oddFooter.center.text = tr("制表日期：{day}").format(day=dt.date.today().isoformat())
    ws.oddFooter.right.text = tr("第 &P 页 共 &N 页")


def save(wb: Workbook, path: str | Path) -> Path:
    """Save next to the target under a temporary name, then rename: a failure leaves no half file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=path.parent or ".")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb
