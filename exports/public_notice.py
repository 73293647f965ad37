"""The monthly public notice (公示表) for the wall, per grid team.

Residents appear only as a masked surname (张*). Each matter shows its content, result, the day it
was resolved and the resident's score (seed 004); its title and result pass through the core's masking
rule (the resident's name as on the notice, every ID number and phone masked). Matters of earlier
months still open when the month began stay listed with their promised date."""

from __future__ import annotations

from pathlib import Path

from gridoffice.audit import anchors, journal
from gridoffice.reports import monthly
from gridoffice.access.staff_accounts import signer
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

from . import workbook as wbk

TEAM_HEADERS = ("网格", "服务团队", "团队成员", "走访次数", "走访户数", "民情日志", "受理诉求", "已办结", "评价件数", "满意率")
MATTER_HEADERS = ("网格", "服务团队", "诉求编号", "受理日期", "诉求类别", "诉求内容", "反映群众", "办理状态", "解决情况",
                  "办结日期", "群众评分", "群众评价", "承诺办结日期")


def team_rows(notice: monthly.Notice) -> list[list]:
    return [[t.grid, t.team, "、".join(t.members), t.visits, t.households_visited, t.log_entries, t.received,
             t.closed, t.evaluated, (t.satisfied / t.evaluated) if t.evaluated else None] for t in notice.teams]


def matter_rows(notice: monthly.Notice) -> list[list]:
    return [[t.grid, t.team, m.number, m.received_on, m.category, m.content, m.resident, m.state, m.outcome,
             m.resolved_on, m.score, m.satisfaction, m.promise_date] for t in notice.teams for m in t.matters]


def write(db, path: str | Path, month_text: str, *, scope: Scope, org_id: int | None = None,
          maker: str | None = None):
    """Compute and write the notice of the user's scope; a progress generator returning the path."""
    yield 0, 2, tr("正在统计……")
    notice = monthly.public_notice(db, month_text, scope=scope, org_id=org_id)
    maker = maker or signer(db)
    anchor = anchors.head(db).code
    wb = wbk.new_workbook()
    heads = [tr(h) for h in TEAM_HEADERS]
    ws = wbk.sheet(wb, tr("服务团队公示"), tr("网格服务团队工作公示"), heads, office=notice.office,
                   period=notice.period.label)
    rows = team_rows(notice)
    wbk.write_rows(wb, ws, rows, percent_cols={10}, wrap_cols={3})
    wbk.fit_widths(ws, [heads] + rows)
    ws.widths[3] = 40
    first = wbk.header_height(ws) + 1
    for r, values in enumerate(rows, start=first):
        # Row heights are not measured by Excel for wrapped cells in a written file: set them.
        ws.heights[r] = 15 * max(1, -(-wbk.text_width(values[2]) // 38))
    wbk.page_setup(ws, maker=maker, anchor=anchor)
    heads = [tr(h) for h in MATTER_HEADERS]
    ws = wbk.sheet(wb, tr("诉求办理公示"), tr("群众诉求办理情况公示"), heads, office=notice.office,
                   period=notice.period.label)
    rows = matter_rows(notice)
    wbk.write_rows(wb, ws, rows, wrap_cols={6, 9})
    wbk.fit_widths(ws, [heads] + rows)
    ws.widths[6], ws.widths[9] = 24, 24
    for r, values in enumerate(rows, start=wbk.header_height(ws) + 1):
        lines = max(-(-wbk.text_width(values[5]) // 22), -(-wbk.text_width(values[8]) // 22), 1)
        ws.heights[r] = 15 * lines
    wbk.page_setup(ws, maker=maker, anchor=anchor)
    yield 1, 2, tr("正在保存……")
    wbk.save(wb, path, lambda: journal.record_export(db, "public_notice", str(path), len(rows)))
    yield 2, 2, tr("已完成")
    return Path(path)
