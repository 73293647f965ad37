import pytest

from tests._domain import TODAY, dump, man, tree, woman
from gridoffice.archive import households, people
from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.archive.people import PersonInput
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def heads_ok(db) -> bool:
    """Exactly one active head in every active household."""
    bad = db.execute(
        "SELECT h.id FROM households h LEFT JOIN persons p ON p.household_id = h.id AND p.status = 'active' "
        "AND p.relation = 'head' WHERE h.status = 'active' GROUP BY h.id HAVING count(p.id) != 1").fetchall()
    return not bad


@pytest.fixture
def t(db):
    return tree(db)


@pytest.fixture
def family(db, t):
    """王建国 (head), 李秀英 (spouse), 王小明 (son), 王小红 (daughter)."""
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"), number="G01-0001",
                                      address="宝石路1号", phone="13900001111")
    spouse = households.add_member(db, hid, woman("李秀英"), "spouse")
    son = households.add_member(db, hid, man("王小明", year=1995, serial=31), "son")
    daughter = households.add_member(db, hid, woman("王小红", year=1998, serial=32), "daughter")
    head = households.get_household(db, hid, scope=ADMIN).head.id
    return hid, head, spouse, son, daughter


def actions(db, table, row_id):
    return [e.action for e in trail.history(db, table, row_id)]


# ---- create ---------------------------------------------------------------------------------

def test_create_household(db, t, family):
    hid, head, spouse, son, daughter = family
    h = households.get_household(db, hid, scope=ADMIN)
    assert (h.number, h.address, h.phone, h.contact_class, h.status) == (
        "G01-0001", "宝石路1号", "13900001111", 3, "active")
    assert h.head.name == "王建国" and h.representative_id == head
    assert [p.id for p in h.active_members] == [head, spouse, son, daughter]
    assert actions(db, "households", hid) == ["set_representative", "create_household"]
    assert actions(db, "persons", spouse) == ["add_member"]
    assert heads_ok(db)


def test_a_household_is_found_by_its_exact_number_whatever_its_status(db, t, family):
    hid = family[0]
    assert households.find_by_number(db, "G01-0001", scope=ADMIN).id == hid
    assert households.find_by_number(db, "G01-000", scope=ADMIN) is None
    households.move_out(db, hid, day="2026-11-01", today=TODAY)
    found = households.find_by_number(db, "G01-0001", scope=ADMIN)
    assert (found.id, found.status) == (hid, "moved_out")


def test_create_proposes_a_number(db, t):
    first = households.create_household(db, org_id=t.estate, head=man("赵一"))
    assert households.get_household(db, first, scope=ADMIN).number == "G01-0001"  # the estate has no code: its grid's
    assert households.next_number(db, t.grid) == "G01-0002"
    households.create_household(db, org_id=t.grid, head=man("赵二", serial=13), number="G01-0009")
    assert households.next_number(db, t.grid) == "G01-0010"
    top = regions.create_unit(db, None, "community", "无编码村")
    assert households.next_number(db, top) == "0001"


def test_create_with_a_person_registered_outside(db, t):
    loose = people.add_person(db, man("孙悟"))
    hid = households.create_household(db, org_id=t.grid, head=loose)
    assert households.get_household(db, hid, scope=ADMIN).head.id == loose


@pytest.mark.parametrize("kw, error, field, text", [
    ({"number": "G01-0001"}, ValidationError, "number", "户号“G01-0001”已被其他户使用"),
    ({"contact_class": 4}, ValidationError, "contact_class", "联系类别只能是1、2或3"),
    ({"phone": "88888888"}, ValidationError, "phone", "缺少区号"),
    ({"org_id": None}, ValidationError, "org_id", "请选择该户所属的网格"),
    ({"head": PersonInput("")}, ValidationError, "name", "姓名不能为空"),
    ({"head": man("王建军")}, ValidationError, "id_number", "王建国"),
])
def test_create_refusals(db, t, family, kw, error, field, text):
    before = dump(db)
    args = {"org_id": t.grid, "head": man("钱七", serial=17), **kw}
    with pytest.raises(error) as err:
        households.create_household(db, **args)
    assert err.value.field == field and text in err.value.message
    assert dump(db) == before


def test_create_refused_in_retired_unit_or_with_a_placed_person(db, t, family):
    hid, head, *_ = family
    regions.retire_unit(db, t.grid2)
    before = dump(db)
    with pytest.raises(RuleViolation, match="已撤销"):
        households.create_household(db, org_id=t.grid2, head=man("钱七", serial=17))
    with pytest.raises(RuleViolation, match="已在户G01-0001中"):
        households.create_household(db, org_id=t.grid, head=head)
    with pytest.raises(NotFound):
        households.create_household(db, org_id=t.grid, head=9999)
    assert dump(db) == before


def test_contact_class_by_label_and_update(db, t, family):
    hid, head, spouse, *_ = family
    households.update_household(db, hid, contact_class="一类", address=" 宝石路 2号 ", representative_id=spouse)
    h = households.get_household(db, hid, scope=ADMIN)
    assert (h.contact_class, h.address, h.representative_id) == (1, "宝石路 2号", spouse)
    entry = trail.history(db, "households", hid)[0]
    assert entry.action == "update_household" and entry.old["contact_class"] == 3
    other = households.create_household(db, org_id=t.grid, head=man("钱七", serial=17))
    before = dump(db)
    with pytest.raises(ValidationError, match="已被其他户使用"):
        households.update_household(db, other, number="G01-0001")
    with pytest.raises(RuleViolation, match="不是户G01-0001的在册成员"):
        households.update_household(db, hid, representative_id=households.get_household(db, other, scope=ADMIN).head.id)
    assert dump(db) == before


# ---- members --------------------------------------------------------------------------------

def test_add_member_refusals(db, t, family):
    hid, head, spouse, *_ = family
    before = dump(db)
    with pytest.raises(RuleViolation, match="一户只能有一位户主"):
        households.add_member(db, hid, man("钱七", serial=17), "户主")
    with pytest.raises(ValidationError) as err:
        households.add_member(db, hid, man("钱七", serial=17), "")
    assert err.value.field == "relation"
    with pytest.raises(RuleViolation, match="已在户G01-0001中"):
        households.add_member(db, hid, spouse, "other")
    assert dump(db) == before


def test_add_member_brings_in_a_registered_person(db, t, family):
    hid, *_ = family
    loose = people.add_person(db, PersonInput("小宝", sex="M", birth_date="2025-01-01"), today=TODAY)
    assert households.add_member(db, hid, loose, "grandson") == loose
    assert people.get_person(db, loose, scope=ADMIN).relation == "grandson"


def test_member_moves_out(db, t, family):
    hid, head, spouse, son, daughter = family
    households.remove_member(db, hid, daughter, day="2026-03-01")
    p = people.get_person(db, daughter, scope=ADMIN)
    assert (p.status, p.status_date, p.household_id, p.relation) == ("moved_out", "2026-03-01", hid, "daughter")
    assert daughter not in [m.id for m in households.get_household(db, hid, scope=ADMIN).active_members]
    assert daughter in [m.id for m in households.get_household(db, hid, scope=ADMIN).members]
    assert trail.history(db, "persons", daughter)[0].new == {"status": "moved_out", "status_date": "2026-03-01"}
    with pytest.raises(RuleViolation, match="不是户G01-0001的在册成员"):
        households.remove_member(db, hid, daughter)


def test_head_leaves_with_a_new_head_and_new_relations(db, t, family):
    hid, head, spouse, son, daughter = family
    households.update_household(db, hid, representative_id=head)
    households.remove_member(db, hid, head, new_head_id=spouse, relations={son: "son", daughter: "daughter"})
    h = households.get_household(db, hid, scope=ADMIN)
    assert h.head.id == spouse and h.representative_id == spouse
    assert people.get_person(db, head, scope=ADMIN).status == "moved_out"
    assert heads_ok(db)


def test_remove_member_refusals(db, t, family):
    hid, head, spouse, son, daughter = family
    single = households.create_household(db, org_id=t.grid, head=man("钱七", serial=17))
    single_head = households.get_household(db, single, scope=ADMIN).head.id
    before = dump(db)
    with pytest.raises(RuleViolation, match="请先指定新户主"):
        households.remove_member(db, hid, head)
    with pytest.raises(RuleViolation, match="不能是正在离开的"):
        households.remove_member(db, hid, head, new_head_id=head)
    with pytest.raises(RuleViolation, match="无需指定新户主"):
        households.remove_member(db, hid, son, new_head_id=spouse)
    with pytest.raises(RuleViolation, match="不是户G01-0001的在册成员"):
        households.remove_member(db, hid, head, new_head_id=single_head)
    with pytest.raises(RuleViolation, match="唯一的在册成员"):
        households.remove_member(db, single, single_head)
    with pytest.raises(RuleViolation, match="一户只能有一位户主"):
        households.remove_member(db, hid, head, new_head_id=spouse, relations={son: "head"})
    with pytest.raises(ValidationError) as err:
        households.remove_member(db, hid, son, day="2099-01-01")
    assert err.value.field == "day"
    assert dump(db) == before


def test_member_transfers_to_another_household(db, t, family):
    hid, head, spouse, son, daughter = family
    other = households.create_household(db, org_id=t.grid2, head=woman("赵丽", serial=14))
    households.remove_member(db, hid, daughter, to_household_id=other, relation="daughter_in_law")
    p = people.get_person(db, daughter, scope=ADMIN)
    assert (p.household_id, p.relation, p.status) == (other, "daughter_in_law", "active")
    assert trail.history(db, "persons", daughter)[0].action == "transfer_member"
    before = dump(db)
    with pytest.raises(ValidationError, match="与转入户户主的关系"):
        households.remove_member(db, hid, son, to_household_id=other)
    with pytest.raises(RuleViolation, match="转入户不能是原户"):
        households.remove_member(db, hid, son, to_household_id=hid, relation="son")
    with pytest.raises(RuleViolation, match="一户只能有一位户主"):
        households.remove_member(db, hid, son, to_household_id=other, relation="head")
    assert dump(db) == before
    households.move_out(db, other)
    with pytest.raises(RuleViolation, match="户.*已迁出"):
        households.remove_member(db, hid, son, to_household_id=other, relation="son")
    assert heads_ok(db)


def test_change_head(db, t, family):
    hid, head, spouse, son, daughter = family
    households.change_head(db, hid, son, "father", relations={spouse: "mother", daughter: "sibling"})
    assert households.get_household(db, hid, scope=ADMIN).head.id == son
    assert [people.get_person(db, i, scope=ADMIN).relation for i in (head, spouse, daughter)] == ["father", "mother", "sibling"]
    assert trail.history(db, "persons", head)[0].new == {"relation": "father"}
    assert heads_ok(db)
    before = dump(db)
    with pytest.raises(RuleViolation, match="已经是户主"):
        households.change_head(db, hid, son, "other")
    with pytest.raises(RuleViolation, match="一户只能有一位户主"):
        households.change_head(db, hid, spouse, "head")
    with pytest.raises(ValidationError) as err:
        households.change_head(db, hid, spouse, "")
    assert err.value.field == "old_head_relation"
    assert dump(db) == before


def test_change_head_repairs_two_heads(db, t, family):
    hid, head, spouse, *_ = family
    db.execute("UPDATE persons SET relation = 'head' WHERE id = ?", [spouse])  # broken roster import
    households.change_head(db, hid, spouse, "spouse")
    assert households.get_household(db, hid, scope=ADMIN).head.id == spouse
    assert heads_ok(db)


def test_move_household(db, t, family):
    hid, *_ = family
    households.move_household(db, hid, t.grid2)
    assert households.get_household(db, hid, scope=ADMIN).org_id == t.grid2
    assert trail.history(db, "households", hid)[0].old == {"org_id": t.grid}
    before = dump(db)
    households.move_household(db, hid, t.grid2)
    assert dump(db) == before
    retired = regions.create_unit(db, t.area, "grid", "旧网格")
    regions.retire_unit(db, retired)
    before = dump(db)
    with pytest.raises(RuleViolation, match="已撤销"):
        households.move_household(db, hid, retired)
    assert dump(db) == before


# ---- split and merge -------------------------------------------------------------------------

def test_split_children_off(db, t, family):
    hid, head, spouse, son, daughter = family
    new = households.split_household(db, hid, [son, daughter], son, relations={daughter: "sibling"},
                                     org_id=t.grid2)
    n = households.get_household(db, new, scope=ADMIN)
    assert n.head.id == son and n.representative_id == son and n.org_id == t.grid2
    assert n.number == "G02-0001" and n.address == "宝石路1号" and n.contact_class == 3
    assert [m.id for m in n.active_members] == [son, daughter]
    assert people.get_person(db, daughter, scope=ADMIN).relation == "sibling"
    assert households.get_household(db, hid, scope=ADMIN).head.id == head
    assert heads_ok(db)
    assert "split_household" in actions(db, "households", new)


def test_split_with_the_old_head_leaving(db, t, family):
    hid, head, spouse, son, daughter = family
    new = households.split_household(db, hid, [head, spouse], head, relations={spouse: "spouse", daughter: "sibling"},
                                     remaining_head_id=son, number="X-1")
    assert households.get_household(db, new, scope=ADMIN).head.id == head
    rest = households.get_household(db, hid, scope=ADMIN)
    assert rest.head.id == son and rest.representative_id == son
    assert people.get_person(db, daughter, scope=ADMIN).relation == "sibling"
    assert heads_ok(db)


def test_split_refusals(db, t, family):
    hid, head, spouse, son, daughter = family
    before = dump(db)
    with pytest.raises(RuleViolation, match="全部成员都分出去"):
        households.split_household(db, hid, [head, spouse, son, daughter], head,
                                   relations={spouse: "spouse", son: "son", daughter: "daughter"})
    with pytest.raises(RuleViolation, match="请指定原户的新户主"):
        households.split_household(db, hid, [head, spouse], head, relations={spouse: "spouse"})
    with pytest.raises(RuleViolation, match="必须是留在原户的成员"):
        households.split_household(db, hid, [head, spouse], head, relations={spouse: "spouse"},
                                   remaining_head_id=spouse)
    with pytest.raises(RuleViolation, match="必须是分出的成员之一"):
        households.split_household(db, hid, [son], daughter)
    with pytest.raises(ValidationError, match="请填写王小红与新户主的关系"):
        households.split_household(db, hid, [son, daughter], son)
    with pytest.raises(RuleViolation, match="王小明不在本次办理的成员之中"):
        households.split_household(db, hid, [son], son, relations={son: "son"})
    with pytest.raises(ValidationError, match="请选择要分出的成员"):
        households.split_household(db, hid, [], son)
    with pytest.raises(RuleViolation, match="无需指定新户主"):
        households.split_household(db, hid, [son], son, remaining_head_id=spouse)
    with pytest.raises(ValidationError, match="已被其他户使用"):
        households.split_household(db, hid, [son], son, number="G01-0001")
    assert dump(db) == before


def test_merge(db, t, family):
    hid, head, spouse, son, daughter = family
    other = households.create_household(db, org_id=t.grid2, head=woman("赵丽", serial=14))
    grandma = households.get_household(db, other, scope=ADMIN).head.id
    boss = staff.add_staff(db, "陈书记", "village_cadre")
    staff.link_contact(db, boss, other, since="2025-01-01")
    households.merge_households(db, other, hid, {grandma: "mother"}, day="2026-05-01")
    source = households.get_household(db, other, scope=ADMIN)
    assert (source.status, source.status_date) == ("dissolved", "2026-05-01")
    assert people.get_person(db, grandma, scope=ADMIN).household_id == hid
    assert people.get_person(db, grandma, scope=ADMIN).relation == "mother"
    assert staff.contact_staff_of(db, other, scope=ADMIN) == []
    assert staff.contact_staff_of(db, other, include_ended=True, scope=ADMIN)[0].until == "2026-05-01"
    assert trail.history(db, "households", other)[0].new == {"status": "dissolved", "status_date": "2026-05-01"}
    assert trail.history(db, "persons", grandma)[0].new == {"household_id": hid, "relation": "mother"}
    assert heads_ok(db)
    with pytest.raises(RuleViolation, match="已注销"):
        households.add_member(db, other, man("钱七", serial=17), "son")


def test_merge_refusals(db, t, family):
    hid, head, *_ = family
    other = households.create_household(db, org_id=t.grid2, head=woman("赵丽", serial=14))
    grandma = households.get_household(db, other, scope=ADMIN).head.id
    child = households.add_member(db, other, PersonInput("小赵", sex="F", birth_date="2020-01-01"), "granddaughter")
    before = dump(db)
    with pytest.raises(RuleViolation, match="不能把一户合并到它自己"):
        households.merge_households(db, hid, hid, {})
    with pytest.raises(ValidationError, match="请填写小赵与合并后户主的关系"):
        households.merge_households(db, other, hid, {grandma: "mother"})
    with pytest.raises(RuleViolation, match="一户只能有一位户主"):
        households.merge_households(db, other, hid, {grandma: "head", child: "other"})
    with pytest.raises(RuleViolation, match="王建国不是户G02-0001的在册成员"):
        households.merge_households(db, other, hid, {grandma: "mother", child: "other", head: "other"})
    assert dump(db) == before


# ---- leaving the archive --------------------------------------------------------------------

def test_move_out_whole_household(db, t, family):
    hid, head, spouse, son, daughter = family
    households.remove_member(db, hid, daughter, day="2026-01-01")
    worker = staff.add_staff(db, "党员甲", "party_member")
    staff.link_contact(db, worker, hid)
    households.move_out(db, hid, day="2026-06-01")
    h = households.get_household(db, hid, scope=ADMIN)
    assert (h.status, h.status_date) == ("moved_out", "2026-06-01")
    assert {(p.status, p.status_date) for p in h.members if p.id != daughter} == {("moved_out", "2026-06-01")}
    assert people.get_person(db, daughter, scope=ADMIN).status_date == "2026-01-01"
    assert staff.contacts_of(db, worker, scope=ADMIN) == []
    assert actions(db, "households", hid)[0] == "move_out" and actions(db, "persons", son)[0] == "move_out"
    before = dump(db)
    with pytest.raises(RuleViolation, match="已迁出"):
        households.move_out(db, hid)
    with pytest.raises(RuleViolation, match="已迁出"):
        households.change_head(db, hid, spouse, "spouse")
    with pytest.raises(RuleViolation, match="已迁出"):
        households.move_household(db, hid, t.grid2)
    assert dump(db) == before


def test_death_of_a_member(db, t, family):
    hid, head, spouse, son, daughter = family
    households.record_death(db, spouse, day="2026-02-02")
    p = people.get_person(db, spouse, scope=ADMIN)
    assert (p.status, p.status_date) == ("deceased", "2026-02-02")
    assert households.get_household(db, hid, scope=ADMIN).head.id == head
    before = dump(db)
    with pytest.raises(RuleViolation, match="李秀英已死亡"):
        households.record_death(db, spouse)
    assert dump(db) == before


def test_death_of_the_head(db, t, family):
    hid, head, spouse, son, daughter = family
    before = dump(db)
    with pytest.raises(RuleViolation, match="请先指定新户主"):
        households.record_death(db, head)
    with pytest.raises(ValidationError) as err:
        households.record_death(db, head, new_head_id=spouse, day="1960-01-01")
    assert err.value.field == "day" and "早于王建国的出生" in err.value.message
    assert dump(db) == before
    households.record_death(db, head, new_head_id=spouse, relations={son: "son"})
    h = households.get_household(db, hid, scope=ADMIN)
    assert h.head.id == spouse and h.status == "active" and h.representative_id == spouse
    assert people.get_person(db, head, scope=ADMIN).relation == "head"  # history: he was the head when he died
    assert heads_ok(db)


def test_death_of_the_last_member_dissolves(db, t):
    hid = households.create_household(db, org_id=t.grid, head=man("孤老"))
    head = households.get_household(db, hid, scope=ADMIN).head.id
    before = dump(db)
    with pytest.raises(RuleViolation, match="无法指定新户主"):
        households.record_death(db, head, new_head_id=head)
    assert dump(db) == before
    households.record_death(db, head, day="2026-04-04")
    h = households.get_household(db, hid, scope=ADMIN)
    assert (h.status, h.status_date) == ("dissolved", "2026-04-04")
    assert actions(db, "households", hid)[0] == "record_death"
    assert heads_ok(db)


def test_death_outside_household(db):
    loose = people.add_person(db, man("流浪者"))
    households.record_death(db, loose)
    assert people.get_person(db, loose, scope=ADMIN).status == "deceased"


def test_every_operation_reindexes(db, t, family, monkeypatch):
    hid, head, spouse, son, daughter = family
    calls = []
    monkeypatch.setattr(households.finder, "reindex",
                        lambda db, person_ids=(), household_ids=(): calls.append((set(person_ids), set(household_ids))))
    households.change_head(db, hid, spouse, "spouse")
    households.record_death(db, daughter)
    new = households.split_household(db, hid, [son], son)
    assert calls == [({spouse, head}, {hid}), ({daughter}, {hid}), ({son, spouse, head}, {hid, new})]


def test_bad_day(db, t, family):
    hid, *_ = family
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        households.move_out(db, hid, day="明天")
    assert err.value.field == "day" and "不是有效日期" in err.value.message
    assert dump(db) == before


def test_nobody_moves_out_before_they_were_born(db, t, family):
    """The rule the leave dialogs ask before their confirmation, and the operations keep."""
    hid, head, spouse, son, daughter = family
    before = dump(db)
    with pytest.raises(ValidationError, match=r"迁出日期1996-01-01早于王小红的出生（1998年\d+月）"):
        households.remove_member(db, hid, daughter, day="1996-01-01", today=TODAY)
    with pytest.raises(ValidationError, match="早于王小红的出生"):
        households.move_out(db, hid, day="1997-06-01", today=TODAY)
    assert dump(db) == before
    assert households.leave_day_problem(db, [daughter], "1996-01-01", today=TODAY).startswith("迁出日期1996-01-01早于王小红")
    assert "死亡日期" in households.leave_day_problem(db, [head], "1900-01-01", death=True, today=TODAY)
    assert "晚于今天" in households.leave_day_problem(db, [son], TODAY.replace(year=TODAY.year + 1), today=TODAY)
    assert "不是有效日期" in households.leave_day_problem(db, [son], "12月1日", today=TODAY)
    assert households.leave_day_problem(db, [son, daughter], TODAY, today=TODAY) is None
    households.move_out(db, hid, day=TODAY, today=TODAY)
    assert households.get_household(db, hid, scope=ADMIN).status == "moved_out"
