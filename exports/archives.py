"""The archives as PDF, in the house style of the matter dossier (embedded CJK font):
一村一档 (one village/community, one file) and 一党员一档 (one party member, one file).
Each has a cover, an index of its sections, and every linked record, laid out from
gridoffice.reports.archives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from gridoffice.audit import journal
from gridoffice.reports import archives
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

from .pdf import grid_table, para, styles, write_document

WIDTH = A4[0] - 36 * mm


def _cover(s, kind: str, name: str, office: str, lines: list[str], sections: list[str]) -> list:
    story = [Spacer(1, 55 * mm), para(kind, s["h1"]), Spacer(1, 10 * mm), para(name, s["h1"]), Spacer(1, 25 * mm)]
    story += [para(line, s["center"]) for line in lines]
    story += [Spacer(1, 30 * mm), para(office, s["center"]),
              para(tr("建档日期：{d}").format(d=dt.date.today().isoformat()), s["center"]), PageBreak(),
              para(tr("目录"), s["h2"])]
    story.append(grid_table([[para(tr("序号"), s["base"]), para(tr("内容"), s["base"])]]
                            + [[str(i), para(t, s["base"])] for i, t in enumerate(sections, start=1)],
                            [20 * mm, WIDTH - 20 * mm], header=True))
    story.append(PageBreak())
    return story


def _section(s, number: int, title: str, headers: list[str], rows, widths: list[float], empty: str) -> list:
    story = [para(f"{number}. {title}", s["h2"])]
    if not rows:
        return story + [para(empty, s["base"])]
    total = sum(widths)
    widths = [w * WIDTH / total for w in widths]
    cells = [[para(h, s["small"]) for h in headers]] + [[para(v, s["small"]) for v in r] for r in rows]
    return story + [grid_table(cells, widths, header=True)]


def _build(path, story, title: str, footer_text: str, office: str, before_rename) -> Path:
    return write_document(path, story, title=title, author=office, footer_text=footer_text,
                          before_rename=before_rename)


def write_village(db, path: str | Path, org_id: int, *, scope: Scope, today: dt.date | None = None):
    """一村一档 of a unit in the user's scope; a progress generator returning the path."""
    yield 0, 2, tr("正在整理档案……")
    v = archives.village_file(db, org_id, scope=scope, today=today)
    s = styles()
    sections = [tr("基本情况"), tr("网格划分"), tr("服务团队"), tr("户籍档案（{n}户）").format(n=v.households)]
    story = _cover(s, tr("一村一档"), v.name, v.office, [v.path_names, tr("{h}户　{p}人").format(
        h=v.households, p=v.persons)], sections)
    profile = [(tr("名称"), v.name), (tr("层级"), v.level), (tr("隶属"), v.path_names), (tr("户数"), str(v.households)),
               (tr("人数"), str(v.persons)), (tr("网格数"), str(len(v.grids))), (tr("服务团队数"), str(len(v.teams)))]
    profile += [(tr("重点人群·{g}").format(g=label), tr("{n}人").format(n=n)) for label, n in v.groups]
    story += _section(s, 1, sections[0], [tr("项目"), tr("情况")], profile, [1, 3], "")
    story += _section(s, 2, sections[1], [tr("网格"), tr("户数"), tr("人数"), tr("服务团队")],
                      [(n, str(h), str(p), t) for n, h, p, t in v.grids], [2, 1, 1, 3], tr("（尚未划分网格）"))
    story += _section(s, 3, sections[2], [tr("团队"), tr("网格"), tr("成员及分工")], v.teams, [2, 1.5, 6],
                      tr("（尚未组建服务团队）"))
    story += [PageBreak()] + _section(
        s, 4, sections[3], [tr("户号"), tr("户主"), tr("住址"), tr("联系户类别"), tr("人数"), tr("联系人")],
        [(n, h, a, c, str(k), ct) for n, h, a, c, k, ct in v.household_rows], [2.4, 1.2, 3.6, 1, 0.7, 1.4],
        tr("（没有在册户）"))
    yield 1, 2, tr("正在生成PDF……")
    _build(path, story, tr("一村一档 {n}").format(n=v.name), tr("一村一档　{n}").format(n=v.name), v.office,
           lambda: journal.record_export(db, "village_file", str(path), v.households))
    yield 2, 2, tr("已完成")
    return Path(path)


def write_member(db, path: str | Path, staff_id: int, *, scope: Scope, year: int | None = None,
                 today: dt.date | None = None):
    """一党员一档 within the user's scope; a progress generator returning the path."""
    yield 0, 2, tr("正在整理档案……")
    m = archives.member_file(db, staff_id, scope=scope, year=year, today=today)
    s = styles()
    sections = [tr("基本情况"), tr("联系户（{n}户）").format(n=len(m.contacts)), tr("走访记录（{n}次）").format(n=len(m.visits)),
                tr("民情日志（{n}篇）").format(n=len(m.logs)), tr("承办诉求（{n}件）").format(n=len(m.matters)),
                tr("考核评价")]
    story = _cover(s, tr("一党员一档"), m.name, m.office, [m.kind, m.unit], sections)
    profile = [(tr("姓名"), m.name), (tr("类别"), m.kind), (tr("所属单位"), m.unit), (tr("联系电话"), m.phone),
               (tr("职务"), "；".join(m.roles) or tr("无")), (tr("服务团队"), "；".join(m.teams) or tr("无"))]
    story += _section(s, 1, sections[0], [tr("项目"), tr("情况")], profile, [1, 3], "")
    story += _section(s, 2, sections[1], [tr("户号"), tr("户主"), tr("住址"), tr("类别"), tr("最近走访")], m.contacts,
                      [2.2, 1.2, 3.6, 0.8, 1.4], tr("（没有联系户）"))
    story += _section(s, 3, sections[2], [tr("日期"), tr("方式"), tr("走访户"), tr("了解情况")], m.visits,
                      [1.3, 1, 3, 3.5], tr("（没有走访记录）"))
    story += _section(s, 4, sections[3], [tr("日期"), tr("内容"), tr("领导点评")], m.logs, [1.2, 5, 2.6],
                      tr("（没有民情日志）"))
    story += _section(s, 5, sections[4], [tr("编号"), tr("受理日期"), tr("事项"), tr("状态"), tr("评价")], m.matters,
                      [1.8, 1.3, 4, 1.2, 1.2], tr("（没有承办的诉求）"))
    story += _section(s, 6, sections[5], [tr("指标"), tr("完成情况")], m.evaluations, [3, 2], tr("（没有考核数据）"))
    yield 1, 2, tr("正在生成PDF……")
    _build(path, story, tr("一党员一档 {n}").format(n=m.name), tr("一党员一档　{n}").format(n=m.name), m.office,
           lambda: journal.record_export(db, "member_file", str(path),
                                           len(m.contacts) + len(m.visits) + len(m.logs)))
    yield 2, 2, tr("已完成")
    return Path(path)
