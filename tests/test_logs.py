import datetime as dt

import pytest

from tests._domain import dump, man, tree
from gridoffice.activity import logs, visits
from gridoffice.archive import households
from gridoffice.audit import trail
from gridoffice.matters import rules, query
from gridoffice.org import staff
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.access.users import whole_office

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def office(db):
    t = tree(db)
    worker = staff.add_staff(db, "王网格", "grid_worker", org_id=t.grid)
    h1 = households.create_household(db, org_id=t.grid, head=man("张一", serial=11), contact_class=1)
    return t, worker, h1


def category(db) -> int:
    return rules.categories(db)[0].id


def test_entries_and_comments(db, office):
    t, worker, h1 = office
    mid = rules.intake(db, source="phone", category_id=category(db), grade="urgent", title="路灯不亮", now=NOW)
    older = logs.add_entry(db, worker, "2026-11-20", "走访张一家", household_ids=[h1], today=TODAY)
    entry = logs.add_entry(db, worker, "2026-11-21", " 跟进路灯\n已报修 ", household_ids=[h1, h1], matter_ids=[mid],
                           today=TODAY)
    trail.set_actor(db, "镇党委书记")
    first = logs.add_comment(db, entry, "好，继续跟进")
    logs.add_comment(db, entry, "注意回访", author="包村领导")
    [newest, oldest] = logs.entries_of(db, worker, scope=ADMIN)
    assert (newest.id, oldest.id) == (entry, older)
    number = households.get_household(db, h1, scope=ADMIN).number
    assert (newest.text, newest.households, newest.matter_ids, newest.written_by) == (
        "跟进路灯\n已报修", ((h1, number),), (mid,), "测试员")
    assert [(c.author, c.text) for c in newest.comments] == [("镇党委书记", "好，继续跟进"), ("包村领导", "注意回访")]
    assert newest.comments[0].at[:4] == str(dt.date.today().year)
    assert trail.history(db, "log_comments", first)[0].actor == "镇党委书记"
    assert logs.get_entry(db, older, scope=ADMIN).comments == ()
    assert [e.id for e in logs.entries_of(db, worker, since="2026-11-21", scope=ADMIN)] == [entry]


@pytest.mark.parametrize("args, field, text", [
    ((None, "2026-11-01", "内容"), "staff_id", "请选择写日志的工作人员"),
    (("W", "", "内容"), "entry_date", "日志日期不能为空"),
    (("W", "2026-11-30", "内容"), "entry_date", "晚于今天"),
    (("W", "2026-11-01", "  "), "text", "请填写日志内容"),
    (("W", "2026-11-01", "很" * 5001), "text", "日志内容过长"),
])
def test_bad_entry(db, office, args, field, text):
    t, worker, h1 = office
    args = tuple(worker if a == "W" else a for a in args)
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        logs.add_entry(db, *args, today=TODAY)
    assert err.value.field == field and text in err.value.message
    with pytest.raises(ValidationError) as err:
        logs.add_entry(db, worker, "2026-11-01", "内容", household_ids=[999], today=TODAY)
    assert err.value.field == "household_ids"
    assert dump(db) == before


def test_bad_comment(db, office):
    t, worker, h1 = office
    entry = logs.add_entry(db, worker, "2026-11-20", "走访", today=TODAY)
    before = dump(db)
    with pytest.raises(ValidationError, match="请填写点评内容"):
        logs.add_comment(db, entry, " ")
    with pytest.raises(ValidationError, match="点评过长"):
        logs.add_comment(db, entry, "好" * 501)
    with pytest.raises(NotFound):
        logs.add_comment(db, 999, "好")
    assert dump(db) == before


def test_needs_are_open_until_solved(db, office):
    t, worker, h1 = office
    need = logs.add_need(db, h1, "屋顶漏雨", staff_id=worker, raised_on="2026-11-01", today=TODAY)
    assert [n.id for n in logs.needs_list(db, scope=ADMIN)] == [need]
    before = dump(db)
    with pytest.raises(ValidationError, match="请填写解决情况"):
        logs.solve_need(db, need, " ", today=TODAY)
    with pytest.raises(ValidationError, match="早于提出日期"):
        logs.solve_need(db, need, "已修", solved_on="2026-10-01", today=TODAY)
    with pytest.raises(ValidationError, match="请填写居民需求"):
        logs.add_need(db, h1, "", today=TODAY)
    assert dump(db) == before
    logs.solve_need(db, need, "已组织维修", solved_on="2026-11-10", today=TODAY)
    n = logs.get_need(db, need, scope=ADMIN)
    assert (n.status, n.solved_on, n.solution, n.head_name) == ("solved", "2026-11-10", "已组织维修", "张一")
    assert logs.needs_list(db, scope=ADMIN) == [] and [x.id for x in logs.needs_list(db, status="solved", scope=ADMIN)] == [need]
    with pytest.raises(RuleViolation, match="已于2026-11-10解决注销"):
        logs.solve_need(db, need, "再次", today=TODAY)


def test_need_from_a_visit_becomes_a_matter(db, office):
    t, worker, h1 = office
    vid = visits.record_visit(db, staff_id=worker, household_ids=[h1], visited_on="2026-11-20",
                              needs=[(h1, "家门口道路坑洼需修补")], today=TODAY)
    [need] = logs.needs_list(db, visit_id=vid, scope=ADMIN)
    mid = logs.need_to_matter(db, need.id, category_id=category(db), grade="urgent", now=NOW)
    m = query.get_matter(db, mid, scope=ADMIN)
    assert (m.source, m.title, m.household_id, m.taker_staff_id, m.resident_name) == (
        "visit", "家门口道路坑洼需修补", h1, worker, "张一")
    linked = logs.get_need(db, need.id, scope=ADMIN)
    assert (linked.matter_id, linked.matter_number, linked.matter_state, linked.status) == (
        mid, m.number, "received", "open")
    assert logs.need_of_matter(db, mid, scope=ADMIN).id == need.id
    assert logs.need_of_matter(db, mid + 1, scope=ADMIN) is None
    before = dump(db)
    with pytest.raises(RuleViolation, match="不能重复转办"):
        logs.need_to_matter(db, need.id, category_id=category(db), grade="urgent", now=NOW)
    assert dump(db) == before
    # A bad grade from intake leaves the need without a matter.
    other = logs.add_need(db, h1, "申请临时救助", today=TODAY)
    before = dump(db)
    with pytest.raises(ValidationError):
        logs.need_to_matter(db, other, category_id=category(db), grade="whenever", now=NOW)
    assert dump(db) == before
