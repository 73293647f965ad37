"""民情留言板 and 民情抄送单 (seed 000, 桐庐县): registers of their own that feed matters and needs."""

import datetime as dt

import pytest

from tests._domain import man, tree
from gridoffice.activity import board_slips as B
from gridoffice.activity import logs
from gridoffice.archive import households
from gridoffice.matters import query as Q
from gridoffice.access import scope as scopes
from gridoffice.access import users
from gridoffice.errors import PermissionDenied, RuleViolation, ValidationError
ADMIN = users.whole_office("测试员")

TODAY = dt.date(2026, 11, 22)
NOW = "2026-11-22 10:00:00"


@pytest.fixture
def office(db):
    t = tree(db)
    h1 = households.create_household(db, org_id=t.estate, head=man("张一", serial=11), number="H001")
    h2 = households.create_household(db, org_id=t.grid2, head=man("张二", serial=13), number="H002")
    return t, h1, h2


def test_each_register_numbers_its_entries_by_year(db, office):
    t, h1, h2 = office
    a = B.add(db, "board", received_on="2026-11-20", content="小区路灯坏了", sender="王大妈", today=TODAY)
    b = B.add(db, "board", received_on="2026-11-21", content="希望增加健身器材", today=TODAY)
    c = B.add(db, "slip", received_on="2026-11-21", content="H001户主反映屋顶漏雨", sender="李干部", addressee="城建办",
              household_number="H001", today=TODAY)
    board = B.items(db, "board", scope=ADMIN)
    assert [i.number for i in board] == ["留言2026-0002", "留言2026-0001"] and {i.id for i in board} == {a, b}
    [slip] = B.items(db, "slip", scope=ADMIN)
    assert (slip.id, slip.number, slip.household_number, slip.grid, slip.sender, slip.addressee, slip.status) == (
        c, "抄送2026-0001", "H001", "第一网格", "李干部", "城建办", "open")


def test_a_message_becomes_a_matter_with_its_source_and_link(db, office):
    t, h1, h2 = office
    item = B.add(db, "board", received_on="2026-11-20", content="河道有垃圾，请清理", sender="王大妈", grid_id=t.grid2,
                 today=TODAY)
    matter_id = B.to_matter(db, item, category_id=2, grade="urgent", title="河道垃圾", now=NOW)
    m = Q.get_matter(db, matter_id, scope=ADMIN)
    assert (m.source, m.title, m.resident_name, m.grid_id, m.content) == ("board", "河道垃圾", "王大妈", t.grid2,
                                                                           "河道有垃圾，请清理")
    [entry] = B.items(db, "board", scope=ADMIN)
    assert (entry.status, entry.matter_id, entry.matter_number, entry.matter_state) == (
        "matter", matter_id, m.number, "received")
    with pytest.raises(RuleViolation, match="已处理"):
        B.to_matter(db, item, category_id=2, grade="urgent", title="再转一次", now=NOW)


def test_a_slip_becomes_a_need_of_its_household_and_another_is_answered(db, office):
    t, h1, h2 = office
    slip = B.add(db, "slip", received_on="2026-11-21", content="屋顶漏雨需要维修", sender="李干部", addressee="城建办",
                 household_number="H002", today=TODAY)
    need_id = B.to_need(db, slip, today=TODAY)
    need = logs.get_need(db, need_id, scope=ADMIN)
    assert (need.household_id, need.content, need.raised_on) == (h2, "屋顶漏雨需要维修", "2026-11-21")
    assert B.items(db, "slip", scope=ADMIN)[0].status == "need"
    loose = B.add(db, "slip", received_on="2026-11-21", content="路口缺减速带", sender="李干部", addressee="交警中队",
                  today=TODAY)
    with pytest.raises(ValidationError, match="没有登记户号"):
        B.to_need(db, loose, today=TODAY)
    with pytest.raises(ValidationError, match="答复的内容"):
        B.answer(db, loose, " ", today=TODAY)
    B.answer(db, loose, "已转交交警中队，月底前安装", today=TODAY)
    answered = next(i for i in B.items(db, "slip", scope=ADMIN) if i.id == loose)
    assert (answered.status, answered.reply, answered.replied_on) == ("answered", "已转交交警中队，月底前安装",
                                                                      "2026-11-22")


@pytest.mark.parametrize("kind, kwargs, field", [
    ("wall", dict(content="x"), "kind"),
    ("board", dict(content=" "), "content"),
    ("board", dict(content="x", household_number="H999"), "household"),
    ("slip", dict(content="x", addressee="城建办"), "sender"),
    ("slip", dict(content="x", sender="李干部"), "addressee"),
])
def test_bad_entries_are_refused_and_nothing_written(db, office, kind, kwargs, field):
    with pytest.raises(ValidationError) as e:
        B.add(db, kind, received_on="2026-11-20", today=TODAY, **kwargs)
    assert e.value.field == field
    assert db.execute("SELECT COUNT(*) FROM board_slips").fetchone()[0] == 0


def test_a_grid_worker_sees_and_registers_only_their_grid(db, office):
    t, h1, h2 = office
    B.add(db, "board", received_on="2026-11-20", content="一网格的留言", household_number="H001", today=TODAY)
    B.add(db, "board", received_on="2026-11-20", content="二网格的留言", household_number="H002", today=TODAY)
    B.add(db, "board", received_on="2026-11-20", content="全社区的留言", today=TODAY)
    worker = users.scope_of(db, users.User(0, "网格员", "", "grid_worker", t.grid, "active"))
    assert [i.content for i in B.items(db, "board", scope=worker)] == ["一网格的留言"]
    scopes.bind(db, worker)
    with pytest.raises(PermissionDenied):
        B.add(db, "board", received_on="2026-11-20", content="别的网格", household_number="H002", today=TODAY)
