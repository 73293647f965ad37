"""The wall notice shows each matter's content, result, day resolved and score, and keeps the open ones
of earlier months with their promised date (seed 004)."""

import openpyxl

from tests._domain import tree
from exports import public_notice
from gridoffice.matters import rules as M
from gridoffice.org import staff
from gridoffice.reports import monthly
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def matter(db, grid, title, received, *, resident="王秀英", steps=(), score=None):
    mid = M.intake(db, source="phone", category_id=1, grade="urgent", title=title, resident_name=resident,
                   resident_phone="13800138000", grid_id=grid, received_at=received, now=received)
    for action, at in steps:
        note = {"resolve": "已更换灯泡，王秀英确认", "answer": "电话告知"}.get(action, "")
        M.transition(db, mid, action, note=note, now=at)
    if score is not None:
        M.transition(db, mid, "evaluate", satisfaction="satisfied", resident_score=score, now=steps[-1][1])
    return mid


def test_content_result_day_and_score_and_earlier_open_matters_stay(db, tmp_path):
    t = tree(db)
    staff.create_team(db, t.grid, "第一网格服务团队")
    done = (("start", "2026-10-05 09:00"), ("resolve", "2026-10-05 10:00"), ("answer", "2026-10-05 11:00"))
    matter(db, t.grid, "王秀英家门口路灯不亮，电话13912345678", "2026-10-03 08:00", steps=done, score=96)
    old_open = matter(db, t.grid, "楼道堆物清理", "2026-09-20 08:00")
    M.promise(db, old_open, text="联系物业十月底前清理", date="2026-10-31", now="2026-09-20 09:00")
    matter(db, t.grid, "下水道堵塞", "2026-09-25 08:00", steps=done)  # resolved this month: listed with its day
    matter(db, t.grid, "井盖松动", "2026-09-10 08:00",
           steps=(("start", "2026-09-10 09:00"), ("resolve", "2026-09-11 09:00")))  # closed before: gone
    [team] = monthly.public_notice(db, "2026-10", scope=ADMIN).teams
    assert team.received == 1 and team.closed == 1  # the month's own figures count only its intake
    rows = {m.content: m for m in team.matters}
    assert set(rows) == {"王**家门口路灯不亮，电话139****5678", "楼道堆物清理", "下水道堵塞"}
    new = rows["王**家门口路灯不亮，电话139****5678"]
    assert (new.outcome, new.resolved_on, new.score, new.carried) == ("已更换灯泡，王**确认", "2026-10-05", 96, False)
    carried = rows["楼道堆物清理"]
    assert (carried.carried, carried.promise_date, carried.resolved_on, carried.outcome) == (True, "2026-10-31", "", "")
    assert (rows["下水道堵塞"].carried, rows["下水道堵塞"].resolved_on) == (True, "2026-10-05")

    path = tmp_path / "公示.xlsx"
    for _ in public_notice.write(db, path, "2026-10", scope=ADMIN):
        pass
    ws = openpyxl.load_workbook(path)["诉求办理公示"]
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header = next(r for r in cells if r and r[0] == "网格")
    assert list(header) == ["网格", "服务团队", "诉求编号", "受理日期", "诉求类别", "诉求内容", "反映群众", "办理状态",
                            "解决情况", "办结日期", "群众评分", "群众评价", "承诺办结日期"]
    body = {r[5]: dict(zip(header, r)) for r in cells[cells.index(header) + 1:] if r[2]}
    assert body["王**家门口路灯不亮，电话139****5678"]["群众评分"] == 96
    assert body["王**家门口路灯不亮，电话139****5678"]["办结日期"] == "2026-10-05"
    assert body["楼道堆物清理"]["承诺办结日期"] == "2026-10-31" and body["楼道堆物清理"]["办理状态"] == "已受理"
    assert not any("王秀英" in str(v) or "13912345678" in str(v) for r in cells for v in r if v)
