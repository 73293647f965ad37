"""The weekly analysis meeting's list (每周民情分析会): difficult and overdue matters, printable,
with each decision already recorded or a blank to write it in at the meeting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from gridoffice.i18n import tr
from gridoffice.matters.rules import GRADES, STATES, MeetingItem, Timeliness

from .pdf import grid_table, para, styles, write_document

REASONS = {"difficult": "疑难", "overdue": "超期"}


def write_agenda(path: str | Path, week: dt.date, items: list[MeetingItem], timeliness: list[Timeliness], *,
                 office_name: str = "", printed_at: str | None = None) -> Path:
    """items and their timeliness (from gridoffice) in the order to discuss them; returns the path."""
    st = styles()
    printed_at = printed_at or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = landscape(A4)
    width = page[0] - 30 * mm
    sunday = week + dt.timedelta(days=6)
    title = tr("{office}每周民情分析会事项清单").format(office=office_name)
    story: list = [Paragraph(title, st["h1"].clone("agenda-title", fontSize=18, leading=24)), Spacer(1, 3 * mm),
                   para(tr("{a} 至 {b}　共{n}件（疑难{d}件，超期{o}件）　打印时间：{t}").format(
                       a=week.isoformat(), b=sunday.isoformat(), n=len(items),
                       d=sum("difficult" in i.reasons for i in items), o=sum("overdue" in i.reasons for i in items),
                       t=printed_at), st["center"]), Spacer(1, 4 * mm)]
    heads = ("序号", "事项编号", "受理时间", "类别/等级", "诉求事项", "居民/网格", "承办", "状态与时限", "列入原因",
             "分析会决定")
    rows = [[para(tr(h), st["small"]) for h in heads]]
    for n, (item, t) in enumerate(zip(items, timeliness), start=1):
        m = item.matter
        rows.append([para(n, st["small"]), para(m.number, st["small"]), para(m.received_at[:16], st["small"]),
                     para(f"{m.category}\n{tr(GRADES[m.grade])}", st["small"]), para(m.title, st["small"]),
                     para("\n".join(x for x in (m.resident_name, m.grid) if x), st["small"]),
                     para(m.assignee or tr("（未交办）"), st["small"]),
                     para(f"{tr(STATES[m.state])}\n{t.label}", st["small"]),
                     para("、".join(tr(REASONS[r]) for r in item.reasons), st["small"]),
                     para(item.decision or "\n\n\n", st["small"])])
    fractions = (0.04, 0.09, 0.09, 0.08, 0.17, 0.09, 0.09, 0.13, 0.06, 0.16)
    story.append(grid_table(rows, [width * f for f in fractions], header=True))
    if not items:
        story.append(para(tr("本周没有需要分析会研究的事项。"), st["base"]))

    return write_document(path, story, title=title, author=office_name, footer_text=title, pagesize=page,
                          side=15 * mm, top=12 * mm, bottom=14 * mm, footer_y=8 * mm)
