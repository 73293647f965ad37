"""Reading matters: the page's lists and their order, search, the weekly meeting list, the dossier data."""

import datetime as dt

import pytest

from gridoffice.audit import trail
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import memory_db
from gridoffice.idcard import make_id
from gridoffice.access.users import whole_office

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office():
    db = memory_db()
    trail.set_actor(db, "测试员")
    area = db.execute("INSERT INTO org_units(level, name, path, status, sort) VALUES('area', '东片', '/1/', 'active', 0)"
                      ).lastrowid
    grids = []
    for n, name in enumerate(("一网格", "二网格"), start=2):
        grids.append(db.execute("INSERT INTO org_units(id, parent_id, level, name, path, grid_id, status, sort) "
                                "VALUES(?, ?, 'grid', ?, ?, ?, 'active', 0)", [n, area, name, f"/1/{n}/", n]).lastrowid)
    staff = db.execute("INSERT INTO staff(name, kind) VALUES('周海燕', 'grid_worker')").lastrowid
    return db, area, grids, staff


def add(db, title, received, grid=None, grade="urgent", **kw):
    return M.intake(db, source="phone", category_id=1, grade=grade, title=title, grid_id=grid,
                    received_at=received, now=received, **kw)


def test_overdue_and_due_soon_come_first(office):
    db, _area, grids, staff = office
    in_time = add(db, "绿化带修剪", "2026-11-20 09:00")
    M.transition(db, in_time, "start", now="2026-11-20 09:30")
    overdue = add(db, "下水道堵塞", "2026-11-18 09:00")
    due_soon = add(db, "楼道灯不亮", "2026-11-20 08:30")
    closed = add(db, "咨询社保", "2026-11-19 09:00")
    M.transition(db, closed, "start", now="2026-11-19 09:10")
    M.transition(db, closed, "resolve", note="已解答", now="2026-11-19 09:20")
    now = "2026-11-20 10:00"
    ids = Q.matter_list(db, now=now, scope=ADMIN).ids
    assert ids == [overdue, due_soon, in_time, closed]
    # The SQL order and the one timeliness function agree on every matter.
    kinds = [M.timeliness(m, now).kind for m in Q.matters_by_ids(db, ids, scope=ADMIN)]
    assert kinds == ["overdue", "due_soon", "in_time", "closed_on_time"]
    assert Q.matter_list(db, now=now, scope=ADMIN).counts == {"overdue": 1, "due_soon": 1, "in_time": 1, "closed": 1}
    assert Q.matter_list(db, M.MatterFilter(state="open", text="楼"), now=now, scope=ADMIN).counts == {
        "overdue": 0, "due_soon": 1, "in_time": 0, "closed": 0}
    assert M.timeliness(Q.get_matter(db, overdue, scope=ADMIN), now).short == "已超期 2026-11-18 11:00"


def test_filters_by_state_grid_assignee_and_text(office):
    db, area, (g1, g2), staff = office
    a = add(db, "河道漂浮垃圾", "2026-11-02 09:00", g1, content="靠近三号桥")
    b = add(db, "邻居装修噪音", "2026-11-03 09:00", g2, resident_name="吴文华")
    c = add(db, "申请低保", "2026-12-01 09:00", g2)
    M.transition(db, b, "assign", staff_id=staff, now="2026-11-03 10:00")
    now = "2026-12-01 10:00"

    def ids(**kw):
        return sorted(Q.matter_list(db, M.MatterFilter(**kw), now=now, scope=ADMIN).ids)

    assert ids(grid_id=g1) == [a]
    assert ids(grid_id=area) == [a, b, c]
    assert ids(assignee_staff_id=staff) == [b]
    assert ids(state="assigned") == [b] and ids(state="open") == [a, b, c] and ids(state="closed") == []
    assert ids(text="三号桥") == [a] and ids(text="吴文华") == [b] and ids(text="低保") == [c]
    assert ids(text="2026-11") == [a, b] and ids(text="2026-12-0001") == [c]
    assert ids(text="100%") == [] and ids(text="_") == []
    assert ids(grade="difficult") == []
    assert Q.assignees(db, scope=ADMIN) == [(staff, "周海燕")]


def test_closed_matters_are_capped_newest_first(office):
    db, _area, _grids, _staff = office
    ids = []
    for day in range(1, 6):
        ids.append(add(db, f"咨询{day}", f"2026-11-0{day} 09:00"))
        M.transition(db, ids[-1], "start", now=f"2026-11-0{day} 09:10")
        M.transition(db, ids[-1], "resolve", note="已解答", now=f"2026-11-0{day} 09:20")
    still_open = add(db, "路灯不亮", "2026-11-01 08:00")
    listed = Q.matter_list(db, now="2026-11-06 10:00", closed_limit=3, scope=ADMIN)
    assert listed.ids == [still_open, ids[4], ids[3], ids[2]]
    assert listed.counts == {"overdue": 1, "due_soon": 0, "in_time": 0, "closed": 5} and listed.truncated
    narrowed = Q.matter_list(db, M.MatterFilter(text="咨询"), now="2026-11-06 10:00", closed_limit=3, scope=ADMIN)
    assert narrowed.ids == [ids[4], ids[3], ids[2]] and narrowed.counts["closed"] == 5
    whole = Q.matter_list(db, now="2026-11-06 10:00", closed_limit=None, scope=ADMIN)
    assert whole.ids == [still_open, *reversed(ids)] and not whole.truncated


def test_weekly_meeting_list_and_decisions(office):
    db, _area, (g1, _g2), _staff = office
    hard = add(db, "宅基地边界纠纷", "2026-11-16 09:00", g1, grade="difficult")
    M.transition(db, hard, "assign", dept="国土所", now="2026-11-16 10:00")
    late = add(db, "自来水水压低", "2026-11-10 09:00", g1)
    M.transition(db, late, "start", now="2026-11-10 10:00")
    fine = add(db, "办理居住证明", "2026-11-18 09:00", g1)
    M.transition(db, fine, "start", now="2026-11-18 09:30")
    week = dt.date(2026, 11, 19)  # a Thursday: the meeting week starts on Monday 16th
    items = Q.meeting_list(db, week, now="2026-11-18 12:00", scope=ADMIN)
    assert [(i.matter.id, i.reasons) for i in items] == [(hard, ("difficult",)), (late, ("overdue",))]
    M.record_decision(db, hard, week, "请国土所现场勘界", now="2026-11-18 15:00")
    M.record_decision(db, hard, "2026-11-16", "请国土所周五前现场勘界", by="陈书记", now="2026-11-18 15:05")
    M.transition(db, hard, "start", now="2026-11-19 08:00")
    M.transition(db, hard, "resolve", note="双方签字确认边界", now="2026-11-19 09:00")
    items = Q.meeting_list(db, week, now="2026-11-20 12:00", scope=ADMIN)
    decided = [i for i in items if i.matter.id == hard][0]
    assert (decided.decision, decided.decided_by, decided.reasons) == ("请国土所周五前现场勘界", "陈书记", ("difficult",))
    assert M.week_start(week) == dt.date(2026, 11, 16)
    assert [e.action for e in Q.events(db, hard, scope=ADMIN)].count("meeting") == 2


def test_dossier_masks_the_resident(office):
    db, _area, (g1, _g2), staff = office
    hh = db.execute("INSERT INTO households(number, org_id, address) VALUES('H0007', ?, '东街7号')", [g1]).lastrowid
    number = make_id("330102", dt.date(1956, 3, 8), 24)
    person = db.execute("INSERT INTO persons(household_id, name, id_number, phone) VALUES(?, '郑桂兰', ?, '13800138000')",
                        [hh, number]).lastrowid
    matter_id = M.intake(db, source="visit", category_id=3, grade="urgent", title="申请居家养老服务",
                         person_id=person, received_at="2026-11-10 09:00", now="2026-11-10 09:00")
    M.transition(db, matter_id, "assign", staff_id=staff, now="2026-11-10 09:30")
    d = Q.dossier(db, matter_id, scope=ADMIN, now="2026-11-12 09:00")
    assert d.resident == M.Resident("郑桂兰", number[:3] + "*" * 14 + number[-1:], "138****8000", "H0007", "东街7号")
    assert [e.action for e in d.events] == ["receive", "assign"]
    assert d.timeliness.kind == "overdue" and d.limit.resolve_hours == 24.0
    assert Q.find_number(db, "2099-01-0001", scope=ADMIN) is None
