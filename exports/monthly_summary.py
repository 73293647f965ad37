"""The monthly summary workbook (月度汇总): one sheet per grid, one per staff member.

Figures come from gridoffice.reports.monthly; the totals, the month before and the month-on-month change are
live formulas, so a clerk who corrects a count sees the totals follow."""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path
from typing import Callable

from openpyxl.utils import get_column_letter

from gridoffice.audit import anchors, journal
from gridoffice.reports import monthly
from gridoffice.access.staff_accounts import signer
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

from . import workbook as wbk
from .xlsx import Formula

RATES = {"coverage": ("covered", "rule_households"), "completion_rate": ("closed", "received"),
         "satisfaction_rate": ("satisfied", "evaluated")}


def sections(summary: monthly.Summary) -> list[tuple[str, bool, list[tuple[str, str, str]]]]:
    """(sheet name, has activity, [(group, header, field)]) — four sheets per dimension, so each fits
    an A4 page across; a field 'groups:3' is one item of a vector."""
    people = [("", tr("户数"), "households"), ("", tr("人数"), "persons")]
    people += [(tr("重点人群"), g.label, f"groups:{i}") for i, g in enumerate(summary.groups)]
    work = [(tr("走访"), tr("走访次数"), "visits"), (tr("走访"), tr("走访户数"), "households_visited"),
            (tr("走访规则"), tr("应走访户数"), "rule_households"), (tr("走访规则"), tr("按期走访户数"), "covered"),
            (tr("走访规则"), tr("覆盖率"), "coverage"),
            (tr("民情日志"), tr("日志条数"), "log_entries"), (tr("民情日志"), tr("领导点评"), "comments")]
    kinds = [("", tr("受理诉求"), "received")]
    kinds += [(tr("按类别"), name, f"by_category:{i}") for i, (_, name) in enumerate(summary.categories)]
    kinds += [(tr("按来源"), label, f"by_source:{i}") for i, (_, label) in enumerate(summary.sources)]
    handling = [("", tr("受理诉求"), "received"),
                (tr("办理"), tr("已办结"), "closed"), (tr("办理"), tr("按期办结"), "closed_on_time"),
                (tr("办理"), tr("超期未办"), "overdue"), (tr("办理"), tr("办结率"), "completion_rate"),
                (tr("评价"), tr("评价件数"), "evaluated"), (tr("评价"), tr("满意件数"), "satisfied"),
                (tr("评价"), tr("满意率"), "satisfaction_rate")]
    return [(tr("人口"), False, people), (tr("走访日志"), True, work), (tr("诉求分类"), True, kinds),
            (tr("诉求办理"), True, handling)]


def value(f: monthly.Figures, field: str):
    return getter(field)(f)


def getter(field: str):
    """The function reading a field of Figures (built once per column: 300,000 cells per summary)."""
    if ":" in field:
        name, i = field.split(":")
        i = int(i)

        def read(f):
            vector = getattr(f, name)
            return vector[i] if vector else 0
        return read
    return attrgetter(field)


def figure_rows(summary: monthly.Summary, section: int, first: str) -> tuple[list[str], list[list[str]], set[int]]:
    """One sheet's figures as text, as a window shows them beside the workbook: a row per grid (or
    community), the total and, on an activity sheet, the month before and the change; returns the
    headers, the rows and the indexes of the total rows."""
    _name, activity, cols = sections(summary)[section]
    getters = [getter(f) for _, _, f in cols]
    rates = {i for i, (_, _, f) in enumerate(cols) if f in RATES}

    def cells(fig: monthly.Figures) -> list[str]:
        values = [g(fig) for g in getters]
        return ["" if v is None else f"{v:.1%}" if i in rates else str(v) for i, v in enumerate(values)]

    rows = [[g.name] + cells(g) for g in summary.grids] + [[tr("合计")] + cells(summary.total)]
    totals = {len(rows) - 1}
    if activity:
        rows.append([tr("上月（{m}）").format(m=summary.previous.label)] + cells(summary.previous_total))
        change = [tr("环比")]
        for g in getters:
            now, before = g(summary.total), g(summary.previous_total)
            change.append("" if not before or now is None else f"{(now - before) / before:+.0%}")
        rows.append(change)
        totals |= {len(rows) - 2, len(rows) - 1}
    return [first] + [h for _, h, _ in cols], rows, totals


def _groups(first: str, cols) -> list[tuple[str, int]]:
    out = [(first, 1)]
    for group, header, _ in cols:
        name = group or header
        if group and out[-1][0] == group:
            out[-1] = (group, out[-1][1] + 1)
        else:
            out.append((name, 1))
    return out


def _sheet(wb, title: str, heading: str, first: str, rows: list[monthly.Figures], summary: monthly.Summary,
           cols, *, maker: str, with_previous: bool, anchor: str) -> None:
    headers = [first] + [h for _, h, _ in cols]
    ws = wbk.sheet(wb, title, heading, headers, office=summary.office,
                   period=summary.period.label, groups=_groups(first, cols))
    getters = [getter(f) for _, _, f in cols]
    data = [[r.name] + [g(r) for g in getters] for r in rows]
    start = wbk.header_height(ws) + 1
    end = start + len(data) - 1
    index = {f: i + 2 for i, (_, _, f) in enumerate(cols)}
    percent = {index[f] for f in RATES if f in index}
    total_row = end + 1

    def rate_formula(field: str, row: int) -> str:
        num, den = (get_column_letter(index[f]) for f in RATES[field])
        return Formula(f'=IF({den}{row}=0,"",{num}{row}/{den}{row})')

    total = [tr("合计")]
    for _, _, f in cols:
        letter = get_column_letter(index[f])
        total.append(rate_formula(f, total_row) if f in RATES
                     else (Formula(f"=SUM({letter}{start}:{letter}{end})") if data else 0))
    extra = [total]
    if with_previous:
        before = [tr("上月（{m}）").format(m=summary.previous.label)] + [
            (rate_formula(f, total_row + 1) if f in RATES else value(summary.previous_total, f)) for _, _, f in cols]
        change = [tr("环比")]
        for _, _, f in cols:
            letter = get_column_letter(index[f])
            cur, prev = f"{letter}{total_row}", f"{letter}{total_row + 1}"
            # A rate of this month may be "" (nothing to divide): no change then, not #VALUE!.
            change.append(Formula(f'=IF(OR({prev}="",{prev}=0,{cur}=""),"",({cur}-{prev})/{prev})'))
        extra += [before, change]
    wbk.write_rows(wb, ws, data + extra, percent_cols=percent, total_rows=range(len(data), len(data) + len(extra)),
                   row_formats={len(data) + 2: dict.fromkeys(range(2, len(headers) + 1), wbk.CHANGE)}
                   if with_previous else None)
    wbk.fit_widths(ws, [[r[0]] for r in [[first]] + data + extra])
    # Figure columns stay narrow; their long Chinese headers wrap onto two or three lines.
    for c in range(2, len(headers) + 1):
        ws.widths[c] = max(7, min(11, wbk.text_width(headers[c - 1]) // 2 + 3))
    ws.heights[wbk.header_height(ws)] = 45
    wbk.page_setup(ws, maker=maker, anchor=anchor)


def write(db, path: str | Path, month_text: str, *, scope: Scope, org_id: int | None = None,
          maker: str | None = None):
    """Compute and write the summary of the user's scope; a progress generator returning the path."""
    yield 0, 3, tr("正在统计……")
    summary = monthly.monthly_summary(db, month_text, scope=scope, org_id=org_id)
    yield 1, 3, tr("正在写入表格……")
    maker = maker or signer(db)
    anchor = anchors.head(db).code
    wb = wbk.new_workbook()
    # Staff members with no contact households and no work that month would be thousands of empty rows.
    staff = tuple(r for r in summary.staff if r.households or r.visits or r.log_entries or r.received)
    _sheets(wb, summary, ((tr("按网格"), tr("网格"), summary.grids), (tr("按人员"), tr("姓名"), staff)), maker, anchor)
    wbk.save(wb, path, lambda: journal.record_export(db, "monthly_summary", str(path),
                                                        len(summary.grids) + len(summary.staff)))
    yield 3, 3, tr("已完成")
    return Path(path)


def write_summary(summary: monthly.Summary, path: str | Path, *, maker: str,
                  record: Callable[[], object] | None = None):
    """The street's (or district's) summary, one row per community (its `grids`: consolidation.
    street_summary), in the same sheets and columns; `record` (the street's audit entry) runs once
    the file is written, before it takes its name. A progress generator returning the path."""
    yield 0, 1, tr("正在写入表格……")
    wb = wbk.new_workbook()
    _sheets(wb, summary, ((tr("按社区"), tr("社区"), summary.grids),), maker, "")
    wbk.save(wb, path, record)
    yield 1, 1, tr("已完成")
    return Path(path)


def _sheets(wb, summary: monthly.Summary, dimensions, maker: str, anchor: str) -> None:
    """Four sheets per dimension (by, first column's header, rows); the first dimension's activity
    sheets carry the month before and the change."""
    for by, first, rows in dimensions:
        for name, activity, cols in sections(summary):
            _sheet(wb, f"{name}（{by}）", tr("月度汇总表·{name}（{by}）").format(name=name, by=by), first, list(rows),
                   summary, cols, maker=maker, with_previous=activity and rows is dimensions[0][2], anchor=anchor)
