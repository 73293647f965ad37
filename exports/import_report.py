"""The import report: every refused row with its original cells and the reason, plus notices.

The first sheet is itself a roster: a title row, then the header with the standard column
names, so the clerk fixes the refused rows in place and imports this very file again.
Every cell is written as text, so an ID number can never turn back into a number.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from gridoffice.i18n import tr
from gridoffice.archive import tag_import
from gridoffice.roster.columns import FIELDS
from gridoffice.roster.result import ImportResult

from .workbook import safe_row, save

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_REASON_FILL = PatternFill("solid", fgColor="FCE4D6")


def _headers(result: ImportResult) -> tuple[list[str], bool]:
    """Mapped columns under their standard names (so they map again); a roster's 户号 column added
    when missing."""
    mapping = dict(result.mapping)
    fields = tag_import.FIELDS if result.kind == "tags" else FIELDS
    width = max([len(result.labels)] + [len(r.cells) for r in result.refused])
    labels = list(result.labels) + [""] * (width - len(result.labels))
    headers = [tr(fields[mapping[c]]) if c in mapping else (labels[c] or tr("第{n}列").format(n=c + 1))
               for c in range(width)]
    add_number = result.kind == "roster" and "household_number" not in mapping.values()
    if add_number:
        headers.append(tr(FIELDS["household_number"]))
    return headers, add_number


def _table(ws, title: str, headers: list[str], rows: list[list[str]], reason_col: int | None) -> None:
    ws.append(safe_row(ws, [title]))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(safe_row(ws, headers))
    for c in range(1, len(headers) + 1):
        cell = ws.cell(2, c)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in rows:
        ws.append(safe_row(ws, values))
        r = ws.max_row
        for c in range(1, len(headers) + 1):
            cell = ws.cell(r, c)
            if not isinstance(cell.value, int):
                cell.number_format = "@"
            cell.border = _BORDER
            if c == reason_col:
                cell.fill = _REASON_FILL
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, header in enumerate(headers, start=1):
        longest = max([len(header)] + [len(str(v[c - 1])) for v in rows if c - 1 < len(v)])
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(8, longest * 1.8 + 2))
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"


def write_report(path: str | Path, result: ImportResult) -> Path:
    """Write the report workbook atomically (a temporary file renamed into place)."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = tr("拒收")
    headers, add_number = _headers(result)
    headers += [tr("原行号"), tr("拒收原因")]
    rows = []
    for refused in result.refused:
        cells = list(refused.cells) + [""] * (len(headers) - 2 - len(refused.cells) - add_number)
        if add_number:
            cells.append(refused.household)
        rows.append(cells + [str(refused.row), refused.reason])
    title = tr("{file}（{sheet}）导入时拒收的{n}行：改正后可直接导入本表").format(
        file=result.file, sheet=result.sheet, n=len(result.refused))
    _table(ws, title, headers, rows, len(headers))

    notes = wb.create_sheet(tr("提示"))
    _table(notes, tr("已导入但需留意的{n}条提示").format(n=len(result.notices)), [tr("行号"), tr("提示")],
           [[str(n.row), n.message] for n in result.notices], 2)

    summary = wb.create_sheet(tr("汇总"))
    figures = [
        (tr("数据行"), result.rows), (tr("跳过的合计、说明和空行"), result.skipped),
        (tr("表内重复（已合并）"), result.duplicates), (tr("加入名册的记录"), result.entries_added),
        (tr("结束或补充说明的记录"), result.entries_changed), (tr("名册有变化的人员"), result.persons_updated),
        (tr("名册无变化的人员"), result.persons_unchanged), (tr("拒收的行"), len(result.refused)),
    ] if result.kind == "tags" else [
        (tr("数据行"), result.rows), (tr("跳过的合计、说明和空行"), result.skipped),
        (tr("表内重复（已合并）"), result.duplicates), (tr("新登记人员"), result.persons_new),
        (tr("更新的人员"), result.persons_updated), (tr("无变化的人员"), result.persons_unchanged),
        (tr("新建的户"), result.households_new), (tr("更新的户"), result.households_updated),
        (tr("拒收的行"), len(result.refused)), (tr("新建的网格和单元"), "、".join(result.grids_created) or tr("无")),
    ]
    _table(summary, tr("导入汇总（试导入，未写入）") if result.dry_run else tr("导入汇总"), [tr("项目"), tr("数量")],
           [[label, value] for label, value in figures], None)

    path.parent.mkdir(parents=True, exist_ok=True)
    return save(wb, path)
