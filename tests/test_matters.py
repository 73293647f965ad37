"""The matter rules: intake, numbering, the full transition matrix, time limits, reopening, bad input."""

import datetime as dt

import pytest

from gridoffice.audit import trail
from gridoffice.matters import due
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import memory_db
from gridoffice.errors import ValidationError
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

NOW = "2026-11-20 10:00:00"


@pytest.fixture
def mdb():
    """A fresh in-memory office: the matrix builds ~120 matters, a file per case would be slow."""
    database = memory_db()
    trail.set_actor(database, "测试员")
    return database


def new_matter(db, **kw):
    values = dict(source="phone", category_id=1, grade="urgent", title="村口路灯不亮", resident_name="王秀英",
                  resident_phone="13800138000", received_at=NOW)
    values.update(kw)
    values.setdefault("now", NOW if values["received_at"] == NOW else values["received_at"])
    return M.intake(db, **values)


# Valid arguments for each action, so that only the state decides whether it is legal.
def do(db, matter_id, action):
    if action == "assign":
        M.transition(db, matter_id, "assign", dept="城建办", now=NOW)
    elif action == "resolve":
        M.transition(db, matter_id, "resolve", note="已更换灯泡", now=NOW)
    elif action == "cannot_resolve":
        M.transition(db, matter_id, "cannot_resolve", note="线路改造需等县里立项，已向居民说明", now=NOW)
    elif action == "answer":
        M.transition(db, matter_id, "answer", note="电话告知居民", now=NOW)
    elif action == "evaluate":
        M.transition(db, matter_id, "evaluate", resident_score=60, satisfaction="unsatisfied", now=NOW)
    elif action == "archive":
        M.transition(db, matter_id, "archive", note="居民要求超出政策范围", now=NOW)
    elif action == "reopen":
        M.transition(db, matter_id, "reopen", note="居民反映灯又坏了", now=NOW)
    elif action == "start":
        M.transition(db, matter_id, "start", now=NOW)
    elif action == "transfer":
        M.transfer(db, matter_id, dept="民政办", reason="属民政职责", now=NOW)
    elif action == "regrade":
        M.regrade(db, matter_id, grade="difficult", reason="涉及多个部门", now=NOW)
    elif action == "promise":
        M.promise(db, matter_id, text="三日内修复", date="2026-11-23", now=NOW)
    elif action == "note":
        M.add_note(db, matter_id, "已联系电工", now=NOW)
    elif action == "meeting":
        M.record_decision(db, matter_id, "2026-11-16", "由城建办牵头", now=NOW)


PATHS = {
    "received": [],
    "assigned": ["assign"],
    "in_progress": ["assign", "start"],
    "resolved": ["assign", "start", "resolve"],
    "unresolvable": ["assign", "start", "cannot_resolve"],
    "answered": ["assign", "start", "resolve", "answer"],
    "evaluated": ["assign", "start", "resolve", "answer", "evaluate"],
    "archived": ["assign", "start", "resolve", "answer", "evaluate", "archive"],
    "reopened": ["assign", "start", "resolve", "answer", "evaluate", "reopen"],
}


def matter_in(db, state):
    matter_id = new_matter(db)
    for action in PATHS[state]:
        do(db, matter_id, action)
    assert Q.get_matter(db, matter_id, scope=ADMIN).state == state
    return matter_id


def counts(db):
    return tuple(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("matters", "matter_events", "audit", "matter_meeting_items"))


def test_paths_cover_every_state():
    assert set(PATHS) == set(M.STATES)


@pytest.mark.parametrize("action", list(M.RULES))
@pytest.mark.parametrize("state", list(M.STATES))
def test_transition_matrix(mdb, state, action):
    matter_id = matter_in(mdb, state)
    before = counts(mdb)
    legal = state in M.RULES[action][0]
    assert (action in M.legal_actions(state)) == legal
    if legal:
        do(mdb, matter_id, action)
        after = Q.get_matter(mdb, matter_id, scope=ADMIN)
        assert after.state == (M.RULES[action][1] or state)
        last = Q.events(mdb, matter_id, scope=ADMIN)[-1]
        assert (last.action, last.from_state, last.actor) == (action, state, "测试员")
        assert trail.history(mdb, "matters", matter_id, limit=1)[0].action == f"matter.{action}"
    else:
        with pytest.raises(ValidationError) as err:
            do(mdb, matter_id, action)
        assert f"当前状态为“{M.STATES[state]}”，不能“{M.ACTIONS[action]}”" in err.value.message
        assert counts(mdb) == before
        assert Q.get_matter(mdb, matter_id, scope=ADMIN).state == state


def test_meeting_decision_allowed_in_every_state(mdb):
    for state in M.STATES:
        matter_id = matter_in(mdb, state)
        do(mdb, matter_id, "meeting")
        assert Q.events(mdb, matter_id, scope=ADMIN)[-1].note == "由城建办牵头"


def test_illegal_step_says_what_is_possible(mdb):
    matter_id = matter_in(mdb, "assigned")
    with pytest.raises(ValidationError) as err:
        do(mdb, matter_id, "answer")
    assert err.value.message == "事项2026-11-0001当前状态为“已交办”，不能“答复居民”。现在可以：开始办理"
    archived = matter_in(mdb, "archived")
    with pytest.raises(ValidationError, match="该事项已归档，不能再变更"):
        do(mdb, archived, "reopen")


def test_numbering_runs_per_month(mdb):
    a = new_matter(mdb, received_at="2026-11-01 08:00", now="2026-12-02 09:00")
    b = new_matter(mdb, received_at="2026-11-30 23:59", now="2026-12-02 09:00")
    c = new_matter(mdb, received_at="2026-12-01 00:00", now="2026-12-02 09:00")
    # A paper record typed in late still takes its own month's next number.
    d = new_matter(mdb, received_at="2026-11-15 10:00", now="2026-12-02 09:00")
    e = new_matter(mdb, received_at="2027-01-01 00:00:01", now="2027-01-01 08:00")
    numbers = [Q.get_matter(mdb, i, scope=ADMIN).number for i in (a, b, c, d, e)]
    assert numbers == ["2026-11-0001", "2026-11-0002", "2026-12-0001", "2026-11-0003", "2027-01-0001"]
    assert Q.find_number(mdb, " 2026-12-0001 ", scope=ADMIN).id == c


@pytest.mark.parametrize("grade, received, respond_due, resolve_due", [
    ("urgent", "2026-11-30 23:30", "2026-12-01 01:30:00", "2026-12-01 23:30:00"),  # midnight and month end
    # 当场登记、处理并反馈 (seed 000): the same day, not within 24 hours.
    ("on_spot", "2026-11-20 22:15", "2026-11-20 23:59:59", "2026-11-20 23:59:59"),
    ("on_spot", "2026-11-30 08:05", "2026-11-30 23:59:59", "2026-11-30 23:59:59"),
    ("difficult", "2026-12-31 10:00", "2026-12-31 12:00:00", "2027-01-03 10:00:00"),  # year end
    ("difficult", "2028-02-27 09:00", "2028-02-27 11:00:00", "2028-03-01 09:00:00"),  # leap February
    ("urgent", "2027-02-28 12:00", "2027-02-28 14:00:00", "2027-03-01 12:00:00"),
])
def test_deadlines_from_intake_time(mdb, grade, received, respond_due, resolve_due):
    m = Q.get_matter(mdb, new_matter(mdb, grade=grade, received_at=received, now=received), scope=ADMIN)
    assert (m.respond_due, m.resolve_due, m.due_at) == (respond_due, resolve_due, respond_due)


def test_timeliness_across_midnight(mdb):
    m = Q.get_matter(mdb, new_matter(mdb, received_at="2026-11-30 23:30", now="2026-11-30 23:30"), scope=ADMIN)
    assert M.timeliness(m, "2026-11-30 23:45").kind == "due_soon"
    assert M.timeliness(m, "2026-12-01 01:29:59").kind == "due_soon"
    overdue = M.timeliness(m, "2026-12-01 01:30:01")
    assert overdue.kind == "overdue" and "2026-12-01 01:30前答复" in overdue.label
    M.transition(mdb, m.id, "start", at="2026-12-01 01:00", now="2026-12-01 01:00")
    m = Q.get_matter(mdb, m.id, scope=ADMIN)
    assert m.due_at == "2026-12-01 23:30:00"
    # Due at 23:30 tomorrow: not soon at 09:00 the day before; soon once it is the same day.
    assert M.timeliness(m, "2026-12-01 01:00").kind == "due_soon"
    assert M.timeliness(m, "2026-11-30 23:59").kind == "in_time"
    assert M.timeliness(m, "2026-12-02 00:00").kind == "overdue"


def test_due_soon_within_four_hours_over_midnight(mdb):
    m = Q.get_matter(mdb, new_matter(mdb, grade="difficult", received_at="2026-11-18 02:00", now="2026-11-18 02:00"), scope=ADMIN)
    M.transition(mdb, m.id, "start", now="2026-11-18 03:00")
    m = Q.get_matter(mdb, m.id, scope=ADMIN)
    assert m.due_at == "2026-11-21 02:00:00"
    assert M.timeliness(m, "2026-11-20 21:00").kind == "in_time"
    assert M.timeliness(m, "2026-11-20 22:30").kind == "due_soon"  # 3.5 h left, across midnight


def test_closed_late_and_late_response(mdb):
    late = new_matter(mdb, received_at="2026-11-01 09:00", now="2026-11-03 09:00")
    M.transition(mdb, late, "start", at="2026-11-01 12:00", now="2026-11-03 09:00")
    M.transition(mdb, late, "resolve", note="已处理", at="2026-11-02 09:00:01", now="2026-11-03 09:00")
    t = M.timeliness(Q.get_matter(mdb, late, scope=ADMIN), "2026-11-03 09:00")
    assert (t.kind, t.label, t.late_response, t.due) == ("closed_late", "超期办结", True, None)
    on_time = new_matter(mdb, received_at="2026-11-01 09:00", now="2026-11-01 09:00")
    M.transition(mdb, on_time, "start", now="2026-11-01 09:30")
    M.transition(mdb, on_time, "resolve", note="已处理", now="2026-11-02 09:00")
    t = M.timeliness(Q.get_matter(mdb, on_time, scope=ADMIN), "2026-11-30")
    assert (t.kind, t.late_response) == ("closed_on_time", False)


def test_time_limits_per_category_and_grade(mdb):
    M.set_time_limit(mdb, "urgent", 5, 1, 12)
    M.set_time_limit(mdb, "difficult", 0, 4, 96)
    dispute = Q.get_matter(mdb, new_matter(mdb, category_id=5, received_at="2026-11-30 20:00"), scope=ADMIN)
    other = Q.get_matter(mdb, new_matter(mdb, category_id=2, received_at="2026-11-30 20:00"), scope=ADMIN)
    hard = Q.get_matter(mdb, new_matter(mdb, category_id=5, grade="difficult", received_at="2026-11-30 20:00"), scope=ADMIN)
    assert (dispute.respond_due, dispute.resolve_due) == ("2026-11-30 21:00:00", "2026-12-01 08:00:00")
    assert (other.respond_due, other.resolve_due) == ("2026-11-30 22:00:00", "2026-12-01 20:00:00")
    assert hard.resolve_due == "2026-12-04 20:00:00"
    assert M.time_limit(mdb, "urgent", 5) == M.TimeLimit("urgent", 5, 1.0, 12.0)
    actions = [r[0] for r in mdb.execute("SELECT action FROM audit WHERE table_name = 'matter_time_limits'")]
    assert actions == ["matter_time_limit.set"] * 2


@pytest.mark.parametrize("respond, resolve, field, message", [
    (0, 24, "respond_hours", "答复时限应在0到720小时之间"),
    (2, -1, "resolve_hours", "办结时限应在0到2160小时之间"),
    (30, 24, "respond_hours", "答复时限不能长于办结时限"),
    ("两小时", 24, "respond_hours", "时限应填小时数"),
])
def test_bad_time_limits(mdb, respond, resolve, field, message):
    with pytest.raises(ValidationError) as err:
        M.set_time_limit(mdb, "urgent", 0, respond, resolve)
    assert err.value.field == field and message in err.value.message
    assert M.time_limit(mdb, "urgent", 1) == M.TimeLimit("urgent", 0, 2.0, 24.0)


def test_regrade_recomputes_deadlines(mdb):
    matter_id = new_matter(mdb, received_at="2026-11-30 23:00", now="2026-11-30 23:00")
    M.regrade(mdb, matter_id, grade="difficult", reason="涉及土地权属 需分析会研究", now="2026-12-01 08:00")
    m = Q.get_matter(mdb, matter_id, scope=ADMIN)
    assert (m.grade, m.resolve_due, m.due_at) == ("difficult", "2026-12-03 23:00:00", "2026-12-01 01:00:00")
    last = Q.events(mdb, matter_id, scope=ADMIN)[-1]
    assert (last.action, last.data, last.note) == ("regrade", {"from": "urgent", "to": "difficult"},
                                                   "涉及土地权属 需分析会研究")


def test_reopening(mdb):
    matter_id = matter_in(mdb, "answered")
    M.transition(mdb, matter_id, "evaluate", resident_score=90, satisfaction="unsatisfied", now=NOW)
    M.transition(mdb, matter_id, "reopen", note="灯还是不亮", at="2026-11-20 10:00", now="2026-11-21 10:00")
    m = Q.get_matter(mdb, matter_id, scope=ADMIN)
    assert (m.state, m.reopen_count, m.closed_at, m.satisfaction) == ("reopened", 1, None, None)
    assert m.resolve_due == "2026-11-21 10:00:00" == m.due_at  # a fresh limit from the reopening
    M.transition(mdb, matter_id, "start", now="2026-11-21 10:00")
    M.transition(mdb, matter_id, "resolve", note="更换整条线路", now="2026-11-21 10:00")
    M.transition(mdb, matter_id, "answer", note="上门告知", now="2026-11-21 10:00")
    M.transition(mdb, matter_id, "evaluate", resident_score=90, satisfaction="satisfied", now="2026-11-21 10:00")
    with pytest.raises(ValidationError, match="表示满意，不需要重新办理"):
        M.transition(mdb, matter_id, "reopen", note="再看看", now="2026-11-21 10:00")
    M.transition(mdb, matter_id, "archive", now="2026-11-21 10:00")
    history = [e.action for e in Q.events(mdb, matter_id, scope=ADMIN)]
    assert history.count("evaluate") == 2 and history[-1] == "archive"
    first = [e for e in Q.events(mdb, matter_id, scope=ADMIN) if e.action == "evaluate"][0]
    assert first.data["satisfaction"] == "unsatisfied"  # the first round stays in the history


def test_on_the_spot_matter_goes_straight_to_handling(mdb):
    matter_id = new_matter(mdb, grade="on_spot", taker_name="李网格")
    M.transition(mdb, matter_id, "start", by="李网格", now=NOW)
    M.transition(mdb, matter_id, "resolve", note="当场解答了医保报销流程", by="李网格", now=NOW)
    M.transition(mdb, matter_id, "answer", note="当面答复", by="李网格", now=NOW)
    assert [e.actor for e in Q.events(mdb, matter_id, scope=ADMIN)] == ["李网格"] * 4
    assert M.timeliness(Q.get_matter(mdb, matter_id, scope=ADMIN), NOW).kind == "closed_on_time"


def test_routing_transfer_and_promise(mdb):
    staff_a = mdb.execute("INSERT INTO staff(name, kind) VALUES('赵建国', 'village_cadre')").lastrowid
    staff_b = mdb.execute("INSERT INTO staff(name, kind) VALUES('钱红梅', 'grid_worker')").lastrowid
    matter_id = new_matter(mdb)
    M.transition(mdb, matter_id, "assign", staff_id=staff_a, now=NOW)
    assert Q.get_matter(mdb, matter_id, scope=ADMIN).assignee == "赵建国"
    M.transfer(mdb, matter_id, staff_id=staff_b, dept="民政办", reason="属低保事项", now=NOW)
    m = Q.get_matter(mdb, matter_id, scope=ADMIN)
    assert (m.assignee, m.state) == ("钱红梅 / 民政办", "assigned")
    assert Q.events(mdb, matter_id, scope=ADMIN)[-1].data == {"from": {"staff_id": staff_a, "dept": ""},
                                                 "to": {"staff_id": staff_b, "dept": "民政办"}}
    M.promise(mdb, matter_id, text="月底前答复低保申请结果", date=dt.date(2026, 11, 30), now=NOW)
    m = Q.get_matter(mdb, matter_id, scope=ADMIN)
    assert (m.promise, m.promise_date) == ("月底前答复低保申请结果", "2026-11-30")


def test_intake_links_person_household_and_grid(mdb):
    area = mdb.execute("INSERT INTO org_units(level, name, path, status, sort) VALUES('area','一片','/1/','active',0)"
                       ).lastrowid
    grid = mdb.execute("INSERT INTO org_units(parent_id, level, name, path, status, sort) "
                       "VALUES(?, 'grid', '第三网格', '/1/2/', 'active', 0)", [area]).lastrowid
    mdb.execute("UPDATE org_units SET grid_id = id WHERE id = ?", [grid])
    hh = mdb.execute("INSERT INTO households(number, org_id, phone) VALUES('H0001', ?, '0571-88886666')",
                     [grid]).lastrowid
    person = mdb.execute("INSERT INTO persons(household_id, name, phone, relation) "
                         "VALUES(?, '孙志刚', '13912345678', 'head')", [hh]).lastrowid
    m = Q.get_matter(mdb, M.intake(mdb, source="visit", category_id=3, grade="difficult", title="申请临时救助",
                                   person_id=person, now=NOW), scope=ADMIN)
    assert (m.household_id, m.grid_id, m.grid, m.resident_name, m.resident_phone, m.household_number) == (
        hh, grid, "第三网格", "孙志刚", "13912345678", "H0001")
    by_household = Q.get_matter(mdb, M.intake(mdb, source="meeting", category_id=5, grade="urgent",
                                              title="邻居装修噪音", household_id=hh, now=NOW), scope=ADMIN)
    assert (by_household.person_id, by_household.resident_name, by_household.grid_id) == (None, "孙志刚", grid)
    alone = Q.get_matter(mdb, M.intake(mdb, source="board", category_id=2, grade="urgent", title="河道有垃圾",
                                       now=NOW), scope=ADMIN)
    assert (alone.person_id, alone.household_id, alone.grid_id, alone.taker_name) == (None, None, None, "测试员")


def test_intake_audits_and_records_the_first_step(mdb):
    matter_id = new_matter(mdb, source="walk_in", grade="difficult")
    (first,) = Q.events(mdb, matter_id, scope=ADMIN)
    assert (first.action, first.to_state, first.note, first.at) == ("receive", "received", "来访受理，疑难", NOW)
    entry = trail.history(mdb, "matters", matter_id)[0]
    assert entry.action == "matter.intake" and entry.new["title"] == "村口路灯不亮"


@pytest.mark.parametrize("changes, field, message", [
    ({"source": "email"}, "source", "请选择受理渠道"),
    ({"category_id": 99}, "category_id", "请选择事项类别"),
    ({"grade": "normal"}, "grade", "请选择办理等级"),
    ({"title": "  \u200b "}, "title", "请填写诉求事项"),
    ({"title": "长" * 101}, "title", "诉求事项过长"),
    ({"received_at": "2026-11-21 10:00", "now": NOW}, "received_at", "晚于现在"),
    ({"received_at": "昨天下午", "now": NOW}, "received_at", "不是有效的时间"),
    ({"resident_phone": "1380013800"}, "resident_phone", "手机号“1380013800”应为以1开头的11位数字"),
    ({"person_id": 42}, "person_id", "找不到所选的居民"),
    ({"household_id": 42}, "household_id", "找不到所选的户"),
    ({"grid_id": 42}, "grid_id", "找不到所选的网格"),
    ({"taker_staff_id": 42}, "taker_staff_id", "找不到所选的工作人员"),
])
def test_bad_intake_writes_nothing(mdb, changes, field, message):
    before = counts(mdb)
    with pytest.raises(ValidationError) as err:
        new_matter(mdb, **changes)
    assert err.value.field == field and message in err.value.message
    assert counts(mdb) == before


def test_retired_category_is_not_offered(mdb):
    M.retire_category(mdb, 14)
    assert len(M.categories(mdb)) == 13 and len(M.categories(mdb, include_retired=True)) == 14
    with pytest.raises(ValidationError, match="类别“其他”已停用"):
        new_matter(mdb, category_id=14)


def test_categories_ship_fourteen_and_are_editable(mdb):
    names = [c.name for c in M.categories(mdb)]
    assert len(names) == 14 and names[:5] == ["经济发展", "环境保护", "困难救助", "农业生产建设", "邻里纠纷"]
    new_id = M.add_category(mdb, " 物业管理 ")
    M.rename_category(mdb, new_id, "物业服务")
    assert M.categories(mdb)[-1] == M.Category(new_id, "物业服务", 15, "active")
    with pytest.raises(ValidationError, match="已有名为“环境保护”的类别"):
        M.add_category(mdb, "环境保护")
    with pytest.raises(ValidationError, match="类别名称不能为空"):
        M.rename_category(mdb, new_id, " ")


@pytest.mark.parametrize("state, call, field, message", [
    ("received", lambda db, i: M.transition(db, i, "assign", now=NOW), "staff_id", "请选择承办人或填写承办部门"),
    ("received", lambda db, i: M.transition(db, i, "assign", staff_id=77, now=NOW), "staff_id", "找不到所选的工作人员"),
    ("in_progress", lambda db, i: M.transition(db, i, "resolve", note=" ", now=NOW), "note", "请填写办理结果"),
    ("in_progress", lambda db, i: M.transition(db, i, "cannot_resolve", now=NOW), "note",
     "请填写向居民作出的解释说明"),
    ("resolved", lambda db, i: M.transition(db, i, "answer", now=NOW), "note", "请填写答复居民的内容"),
    ("answered", lambda db, i: M.transition(db, i, "evaluate", now=NOW), "satisfaction", "请选择居民满意度"),
    ("answered", lambda db, i: M.transition(db, i, "evaluate", resident_score=101, satisfaction="satisfied", now=NOW),
     "resident_score", "居民评分应为0到100的整数"),
    ("answered", lambda db, i: M.transition(db, i, "evaluate", resident_score="好", satisfaction="basic", now=NOW),
     "resident_score", "居民评分应为0到100的整数"),
    ("evaluated", lambda db, i: M.transition(db, i, "archive", now=NOW), "note", "请说明不再重新办理的理由"),
    ("evaluated", lambda db, i: M.transition(db, i, "reopen", now=NOW), "note", "请填写重新办理的原因"),
    ("assigned", lambda db, i: M.transfer(db, i, dept="城建办", reason="换人", now=NOW), "staff_id", "与现在的承办人相同"),
    ("assigned", lambda db, i: M.transfer(db, i, dept="民政办", reason="", now=NOW), "note", "请填写转办原因"),
    ("received", lambda db, i: M.regrade(db, i, grade="urgent", reason="x", now=NOW), "grade", "新等级与原等级相同"),
    ("received", lambda db, i: M.regrade(db, i, grade="hard", reason="x", now=NOW), "grade", "请选择办理等级"),
    ("received", lambda db, i: M.promise(db, i, text="", date="2026-11-30", now=NOW), "promise", "请填写承诺内容"),
    ("received", lambda db, i: M.promise(db, i, text="月底办好", date="11月30日", now=NOW), "promise_date", "承诺日期"),
    ("received", lambda db, i: M.promise(db, i, text="办好", date="2026-11-19", now=NOW), "promise_date",
     "不能早于受理日期2026-11-20"),
    ("received", lambda db, i: M.transition(db, i, "start", at="2026-11-20 09:00", now=NOW), "at",
     "早于上一步骤的时间2026-11-20 10:00"),
    ("received", lambda db, i: M.transition(db, i, "start", at="2026-11-21 09:00", now=NOW), "at", "晚于现在"),
    ("received", lambda db, i: M.transition(db, i, "fly", now=NOW), "action", "未知的操作"),
    ("received", lambda db, i: M.record_decision(db, i, "2026-11-16", " "), "decision", "请填写分析会"),
])
def test_bad_step_writes_nothing(mdb, state, call, field, message):
    matter_id = matter_in(mdb, state)
    before = counts(mdb)
    with pytest.raises(ValidationError) as err:
        call(mdb, matter_id)
    assert err.value.field == field and message in err.value.message
    assert counts(mdb) == before and Q.get_matter(mdb, matter_id, scope=ADMIN).state == state


def test_on_the_spot_has_no_hours_to_set_and_the_origin_of_each_limit_is_told(mdb):
    with pytest.raises(ValidationError, match="当场办结的事项在受理当天办结"):
        M.set_time_limit(mdb, "on_spot", 0, 1, 4)
    origins = {(t.grade, t.category_id): M.limit_origin(t) for t in M.time_limits(mdb)}
    assert origins[("on_spot", 0)].startswith("来源文章：受理当天办结")
    assert origins[("urgent", 0)].startswith("来源文章：金牛区") and origins[("difficult", 0)].startswith("来源文章：金牛区")
    M.set_time_limit(mdb, "difficult", 0, 4, 96)
    M.set_time_limit(mdb, "urgent", 3, 2, 24)
    origins = {(t.grade, t.category_id): M.limit_origin(t) for t in M.time_limits(mdb)}
    assert origins[("difficult", 0)] == "本办自定" and origins[("urgent", 3)] == "本办自定"


def test_a_reopened_on_the_spot_matter_is_due_the_day_it_was_reopened(mdb):
    limit = M.time_limit(mdb, "on_spot", 1)
    assert due.deadlines(limit, dt.datetime(2026, 12, 31, 23, 50)) == ("2026-12-31 23:59:59", "2026-12-31 23:59:59")


def test_every_matter_carries_its_public_promise_from_intake(mdb):
    # 004: "对为民服务的每一事项，都要实行公开承诺和双向打分"
    urgent = Q.get_matter(mdb, new_matter(mdb, grade="urgent", received_at="2026-11-20 09:00"), scope=ADMIN)
    assert (urgent.promise, urgent.promise_date) == ("按时限于2026-11-21前办结并答复居民", "2026-11-21")
    spot = Q.get_matter(mdb, new_matter(mdb, grade="on_spot", received_at="2026-11-20 09:00"), scope=ADMIN)
    assert (spot.promise, spot.promise_date) == ("当场办理并答复居民", "2026-11-20")
    M.promise(mdb, urgent.id, text="周五前请电工更换灯具", date="2026-11-27", now="2026-11-20 10:00")
    assert Q.get_matter(mdb, urgent.id, scope=ADMIN).promise_date == "2026-11-27"


def test_the_residents_evaluation_is_a_score(mdb):
    matter_id = new_matter(mdb)
    for action in ("start", "resolve", "answer"):
        do(mdb, matter_id, action)
    with pytest.raises(ValidationError, match="请填写居民评分（0到100分）"):
        M.transition(mdb, matter_id, "evaluate", satisfaction="satisfied", now=NOW)
    with pytest.raises(ValidationError, match="居民评分应为0到100的整数"):
        M.transition(mdb, matter_id, "evaluate", satisfaction="satisfied", resident_score=120, now=NOW)
    assert Q.get_matter(mdb, matter_id, scope=ADMIN).state == "answered"
    M.transition(mdb, matter_id, "evaluate", satisfaction="basic", resident_score="78", now=NOW)
    assert Q.get_matter(mdb, matter_id, scope=ADMIN).resident_score == 78
    [event] = [e for e in Q.events(mdb, matter_id, scope=ADMIN) if e.action == "evaluate"]
    assert event.data["resident_score"] == 78
    M.transition(mdb, matter_id, "reopen", note="居民反映灯又坏了", now=NOW)
    assert Q.get_matter(mdb, matter_id, scope=ADMIN).resident_score is None
