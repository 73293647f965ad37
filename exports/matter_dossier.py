"""One matter, one file (一事一档): the matter's complete dossier as a PDF.

Cover, the matter, the resident (ID and phone masked by the core), what was asked, every step with
its time and person, the weekly meeting's decisions, and the evaluation. The figures (deadlines,
timeliness, masks) come from gridoffice; this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from gridoffice.i18n import tr
from gridoffice.matters.rules import (ACTIONS, GRADE_HANDLER, GRADES, SATISFACTION, SOURCES, STATES, Dossier)

from .pdf import grid_table, para, styles, write_document


def _pairs(items: list[tuple[str, object]], s: ParagraphStyle) -> list[list]:
    """Label/value pairs two to a row."""
    rows = []
    for i in range(0, len(items), 2):
        row = []
        for label, value in items[i:i + 2]:
            row += [para(tr(label), s), para(value, s)]
        rows.append(row + [""] * (4 - len(row)))
    return rows


def write_dossier(path: str | Path, d: Dossier, *, office_name: str = "", printed_at: str | None = None,
                  before_rename: Callable[[], object] | None = None) -> Path:
    """Write one matter's dossier PDF; returns the path."""
    st = styles()
    m = d.matter
    printed_at = printed_at or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    width = A4[0] - 36 * mm
    pairs_widths = [width * 0.14, width * 0.36, width * 0.14, width * 0.36]
    story: list = [Spacer(1, 50 * mm), para(tr("一事一档"), st["h1"]), Spacer(1, 6 * mm),
                   para(tr("民情诉求事项档案"), st["center"]), Spacer(1, 18 * mm)]
    cover = [
        ("事项编号", m.number), ("诉求事项", m.title), ("居民", d.resident.name or tr("（未留姓名）")),
        ("受理时间", m.received_at[:16]), ("当前状态", tr(STATES[m.state])), ("办理结果", d.timeliness.label),
    ]
    story.append(grid_table([[para(tr(k), st["base"]), para(v, st["base"])] for k, v in cover],
                            [width * 0.25, width * 0.55]))
    story += [Spacer(1, 30 * mm), para(office_name, st["center"]),
              para(tr("打印时间：{t}").format(t=printed_at), st["center"]), PageBreak()]

    story.append(para(tr("一、基本情况"), st["h2"]))
    assignee = m.assignee or tr("（尚未交办）")
    promise = f"{m.promise}（{m.promise_date}）" if m.promise else tr("（无）")
    story.append(grid_table(_pairs([
        ("事项编号", m.number), ("受理时间", m.received_at[:16]),
        ("受理渠道", tr(SOURCES[m.source])), ("事项类别", m.category),
        ("办理等级", f"{tr(GRADES[m.grade])}：{tr(GRADE_HANDLER[m.grade])}"), ("当前状态", tr(STATES[m.state])),
        ("答复时限", f"{m.respond_due[:16]}（{d.limit.respond_hours:g}小时）"),
        ("办结时限", f"{m.resolve_due[:16]}（{d.limit.resolve_hours:g}小时）"),
        ("时限情况", d.timeliness.label + (tr("；答复超时") if d.timeliness.late_response else "")),
        ("重新办理", tr("{n}次").format(n=m.reopen_count)),
        ("受理人", m.taker_name), ("承办人/部门", assignee),
        ("所属网格", m.grid or tr("（未指定）")), ("承诺", promise),
    ], st["base"]), pairs_widths, label_col=True))

    story.append(para(tr("二、居民信息"), st["h2"]))
    r = d.resident
    story.append(grid_table(_pairs([
        ("姓名", r.name or tr("（未留姓名）")), ("身份证号", r.id_masked or tr("（无）")),
        ("联系电话", r.phone_masked or tr("（无）")), ("户号", r.household_number or tr("（未关联）")),
        ("住址", r.address or tr("（无）")),
    ], st["base"]), pairs_widths, label_col=True))

    story.append(para(tr("三、诉求内容"), st["h2"]))
    story.append(grid_table([[para(m.title, st["base"])], [para(m.content or tr("（无详细内容）"), st["base"])]],
                            [width]))

    story.append(para(tr("四、办理过程"), st["h2"]))
    rows = [[para(tr(h), st["small"]) for h in ("时间", "步骤", "经办人", "状态", "说明")]]
    for e in d.events:
        change = tr(STATES[e.to_state]) if e.to_state and e.to_state != e.from_state else ""
        note = e.note
        if e.action == "evaluate" and e.data:
            note = _evaluation_text(e.data)
        elif e.action == "promise" and e.data.get("date"):
            note = tr("{text}（承诺日期{d}）").format(text=e.note, d=e.data["date"])
        rows.append([para(e.at[:16], st["small"]), para(tr(ACTIONS.get(e.action, e.action)), st["small"]),
                     para(e.actor, st["small"]), para(change, st["small"]), para(note, st["small"])])
    story.append(grid_table(rows, [width * 0.18, width * 0.14, width * 0.13, width * 0.11, width * 0.44], header=True))

    if d.meeting:
        story.append(para(tr("五、民情分析会决定"), st["h2"]))
        rows = [[para(tr(h), st["small"]) for h in ("分析会周", "决定", "记录人", "记录时间")]]
        for item in d.meeting:
            rows.append([para(tr("{d}当周").format(d=item.week), st["small"]), para(item.decision, st["small"]),
                         para(item.decided_by, st["small"]), para((item.decided_at or "")[:16], st["small"])])
        story.append(grid_table(rows, [width * 0.18, width * 0.5, width * 0.14, width * 0.18], header=True))

    story.append(para(tr("{n}、评价（一事一诺一评价）").format(n=tr("六") if d.meeting else tr("五")), st["h2"]))
    if m.satisfaction:
        story.append(grid_table(_pairs([
            ("居民满意度", tr(SATISFACTION[m.satisfaction])), ("评价时间", (m.evaluated_at or "")[:16]),
            ("居民评分", m.resident_score if m.resident_score is not None else tr("（未评）")),
        ] + [(label, value) for label, value in (("团队自评分", m.self_score), ("互评分", m.peer_score))
             # Scores per matter were recorded by earlier versions; the team's are now monthly (team_reviews).
             if value is not None], st["base"]), pairs_widths, label_col=True))
    else:
        story.append(para(tr("尚未评价。"), st["base"]))
    earlier = [e for e in d.events if e.action == "evaluate"][:-1] if m.satisfaction else \
        [e for e in d.events if e.action == "evaluate"]
    if earlier:
        story.append(Spacer(1, 2 * mm))
    for e in earlier:
        story.append(para(tr("此前评价（{t}）：{text}").format(t=e.at[:16], text=_evaluation_text(e.data)), st["small"]))
    if m.outcome:
        story.append(Spacer(1, 4 * mm))
        story.append(para(tr("办理结果或解释：{text}").format(text=m.outcome), st["base"]))

    return write_document(path, story, title=tr("事项档案 {n}").format(n=m.number), author=office_name,
                          footer_text=tr("事项{number}　{title}").format(number=m.number, title=m.title[:30]),
                          before_rename=before_rename)


def _evaluation_text(data: dict) -> str:
    parts = [tr("居民{s}").format(s=tr(SATISFACTION[data["satisfaction"]]))] if data.get("satisfaction") else []
    if data.get("resident_score") is not None:
        parts.append(tr("居民评分{n}分").format(n=data["resident_score"]))
    if data.get("self_score") is not None:
        parts.append(tr("自评{n}分").format(n=data["self_score"]))
    if data.get("peer_score") is not None:
        parts.append(tr("互评{n}分").format(n=data["peer_score"]))
    return "，".join(parts)
