import pytest

from tests._domain import dump, man, tree
from gridoffice.archive import households
from gridoffice.audit import trail
from gridoffice.org import regions, staff
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


@pytest.fixture
def t(db):
    return tree(db)


def test_add_and_update_staff(db, t):
    sid = staff.add_staff(db, " 陈 书记 ", "村社区干部", phone="139 1234 5678", org_id=t.community)
    s = staff.get_staff(db, sid, scope=ADMIN)
    assert (s.name, s.kind, s.phone, s.org_id, s.status) == ("陈书记", "village_cadre", "13912345678", t.community, "active")
    staff.update_staff(db, sid, phone="0571-88889999", kind="town_cadre")
    s = staff.get_staff(db, sid, scope=ADMIN)
    assert (s.phone, s.kind) == ("0571-88889999", "town_cadre")
    entry = trail.history(db, "staff", sid)[0]
    assert entry.action == "update_staff" and entry.old == {"phone": "13912345678", "kind": "village_cadre"}
    assert [x.id for x in staff.staff_list(db, org_id=t.community, scope=ADMIN)] == [sid]


@pytest.mark.parametrize("args, kw, field, text", [
    (("", "party_member"), {}, "name", "姓名不能为空"),
    (("张三", "cook"), {}, "kind", "人员类别“cook”无法识别"),
    (("张三", ""), {}, "kind", "人员类别不能为空"),
    (("张三", "party_member"), {"phone": "123"}, "phone", "手机号"),
])
def test_bad_staff_input(db, args, kw, field, text):
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        staff.add_staff(db, *args, **kw)
    assert err.value.field == field and text in err.value.message
    assert dump(db) == before


def test_bad_staff_update(db):
    sid = staff.add_staff(db, "张三", "party_member")
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        staff.update_staff(db, sid, status="fired")
    assert err.value.field == "status"
    with pytest.raises(ValueError):
        staff.update_staff(db, sid, salary=3)
    assert dump(db) == before


def test_roles(db, t):
    sid = staff.add_staff(db, "陈书记", "village_cadre")
    rid = staff.add_role(db, sid, "村主要干部", t.community, since="2024-01-01")
    assert [r.role for r in staff.roles_of(db, sid, scope=ADMIN)] == ["principal_cadre"]
    before = dump(db)
    with pytest.raises(RuleViolation, match="已担任“村主要干部”"):
        staff.add_role(db, sid, "principal_cadre", t.community)
    with pytest.raises(ValidationError) as err:
        staff.add_role(db, sid, "村长助理")
    assert err.value.field == "role"
    with pytest.raises(ValidationError) as err:
        staff.end_role(db, rid, until="2023-12-31")
    assert err.value.field == "until" and "早于开始日期" in err.value.message
    assert dump(db) == before
    staff.end_role(db, rid, until="2025-12-31")
    assert staff.roles_of(db, sid, scope=ADMIN) == []
    assert staff.roles_of(db, sid, include_ended=True, scope=ADMIN)[0].until == "2025-12-31"
    with pytest.raises(RuleViolation, match="已于2025-12-31结束"):
        staff.end_role(db, rid)


def test_teams(db, t):
    team = staff.create_team(db, t.grid, "第一网格服务团队", duties="走访、调解")
    assert [x.name for x in staff.teams_of(db, t.grid, scope=ADMIN)] == ["第一网格服务团队"]
    doctor = staff.add_staff(db, "刘医生", "doctor", phone="13800000001")
    member = staff.add_team_member(db, team, doctor, duty="矛盾纠纷化解员", title="副团长")
    members = staff.team_members(db, team, scope=ADMIN)
    assert [(m.staff_name, m.duty, m.title, m.phone) for m in members] == [("刘医生", "mediation", "副团长", "13800000001")]
    before = dump(db)
    with pytest.raises(RuleViolation, match="已是“第一网格服务团队”的成员"):
        staff.add_team_member(db, team, doctor)
    with pytest.raises(ValidationError) as err:
        staff.add_team_member(db, team, doctor, duty="厨师")
    assert err.value.field == "duty"
    with pytest.raises(ValidationError, match="只能建在网格上"):
        staff.create_team(db, t.area, "片区团队")
    with pytest.raises(ValidationError) as err:
        staff.create_team(db, t.grid, " ")
    assert err.value.field == "name"
    assert dump(db) == before
    staff.end_team_member(db, member)
    assert staff.team_members(db, team, scope=ADMIN) == []
    assert len(staff.team_members(db, team, include_ended=True, scope=ADMIN)) == 1


def test_contacts(db, t):
    member = staff.add_staff(db, "党员甲", "party_member")
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"), number="G01-0001")
    cid = staff.link_contact(db, member, hid, since="2025-03-01")
    [c] = staff.contacts_of(db, member, scope=ADMIN)
    assert (c.id, c.staff_name, c.household_number, c.head_name, c.since) == (cid, "党员甲", "G01-0001", "王建国", "2025-03-01")
    assert staff.contact_staff_of(db, hid, scope=ADMIN) == [c]
    before = dump(db)
    with pytest.raises(RuleViolation, match="已经联系户G01-0001"):
        staff.link_contact(db, member, hid)
    with pytest.raises(ValidationError) as err:
        staff.link_contact(db, member, hid, since="2099-01-01")
    assert err.value.field == "since"
    assert dump(db) == before
    staff.unlink_contact(db, member, hid, until="2026-01-01")
    assert staff.contacts_of(db, member, scope=ADMIN) == []
    assert staff.contacts_of(db, member, include_ended=True, scope=ADMIN)[0].until == "2026-01-01"
    assert trail.history(db, "contacts", cid)[0].new == {"until": "2026-01-01"}
    with pytest.raises(RuleViolation, match="目前没有联系户G01-0001"):
        staff.unlink_contact(db, member, hid)
    households.move_out(db, hid)
    with pytest.raises(RuleViolation, match="已不在册"):
        staff.link_contact(db, member, hid)


def test_leaving_ends_roles_teams_and_contacts(db, t):
    sid = staff.add_staff(db, "网格员乙", "grid_worker")
    staff.add_role(db, sid, "grid_worker_a", t.grid)
    team = staff.create_team(db, t.grid, "团队")
    staff.add_team_member(db, team, sid)
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"))
    staff.link_contact(db, sid, hid)
    staff.update_staff(db, sid, status="已离岗")
    assert staff.get_staff(db, sid, scope=ADMIN).status == "left"
    assert staff.roles_of(db, sid, scope=ADMIN) == [] and staff.team_members(db, team, scope=ADMIN) == [] and staff.contacts_of(db, sid, scope=ADMIN) == []
    assert staff.staff_list(db, scope=ADMIN) == [] and len(staff.staff_list(db, include_left=True, scope=ADMIN)) == 1
    before = dump(db)
    with pytest.raises(RuleViolation, match="网格员乙已离岗"):
        staff.link_contact(db, sid, hid)
    with pytest.raises(RuleViolation, match="网格员乙已离岗"):
        staff.add_role(db, sid, "liaison")
    assert dump(db) == before


def test_staff_in_retired_unit_refused(db, t):
    regions.retire_unit(db, t.grid2)
    before = dump(db)
    with pytest.raises(RuleViolation, match="已撤销"):
        staff.add_staff(db, "张三", "volunteer", org_id=t.grid2)
    assert dump(db) == before


def test_save_staff_adds_with_roles_and_moves_them_with_the_member(db, t):
    sid = staff.save_staff(db, None, name="周 海燕", kind="网格员", phone="13900000001", org_id=t.grid,
                           roles={"grid_worker_a", "网格长"})
    assert staff.get_staff(db, sid, scope=ADMIN).name == "周海燕"
    assert {(r.role, r.org_id) for r in staff.roles_of(db, sid, scope=ADMIN)} == {("grid_worker_a", t.grid), ("grid_head", t.grid)}
    staff.save_staff(db, sid, name="周海燕", kind="grid_worker", phone="13900000001", org_id=t.grid,
                     roles={"grid_head"})
    assert [r.role for r in staff.roles_of(db, sid, scope=ADMIN)] == ["grid_head"]
    staff.save_staff(db, sid, name="周海燕", kind="grid_worker", phone="13900000001", org_id=t.grid2,
                     roles={"grid_head"})
    # A 网格长 of one grid is not the 网格长 of the next: the old role ends, a new one starts.
    assert [(r.role, r.org_id) for r in staff.roles_of(db, sid, scope=ADMIN)] == [("grid_head", t.grid2)]
    assert len(staff.roles_of(db, sid, include_ended=True, scope=ADMIN)) == 3
    assert {e.action for e in trail.history(db, "staff", sid)} == {"add_staff", "update_staff"}


def test_save_staff_refuses_bad_input_and_writes_nothing(db, t):
    sid = staff.save_staff(db, None, name="周海燕", kind="grid_worker", org_id=t.grid, roles={"grid_head"})
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        staff.save_staff(db, sid, name="周海燕", kind="grid_worker", org_id=t.grid, roles={"grid_head", "村长助理"})
    assert err.value.field == "role" and "职务“村长助理”无法识别" in err.value.message
    with pytest.raises(ValidationError) as err:
        staff.save_staff(db, sid, name="周海燕", kind="grid_worker", phone="123", org_id=t.grid2, roles=())
    assert err.value.field == "phone"
    with pytest.raises(ValidationError) as err:
        staff.save_staff(db, None, name=" ", kind="grid_worker", org_id=t.grid, roles={"grid_head"})
    assert err.value.field == "name" and "姓名不能为空" in err.value.message
    assert dump(db) == before
    regions.retire_unit(db, t.grid2)
    before = dump(db)
    with pytest.raises(RuleViolation, match="已撤销"):
        staff.save_staff(db, sid, name="周海燕", kind="grid_worker", org_id=t.grid2, roles={"grid_head"})
    assert dump(db) == before


def test_set_contacts_links_and_ends_in_one_go(db, t):
    member = staff.add_staff(db, "党员甲", "party_member")
    h1 = households.create_household(db, org_id=t.grid, head=man("王建国"), number="G01-0001")
    h2 = households.create_household(db, org_id=t.grid, head=man("李建国", serial=13), number="G01-0002")
    h3 = households.create_household(db, org_id=t.grid, head=man("赵建国", serial=15), number="G01-0003")
    staff.set_contacts(db, member, add=[h1, h2])
    assert [c.household_number for c in staff.contacts_of(db, member, scope=ADMIN)] == ["G01-0001", "G01-0002"]
    staff.set_contacts(db, member, add=[h3], remove=[h1])
    assert [c.household_number for c in staff.contacts_of(db, member, scope=ADMIN)] == ["G01-0002", "G01-0003"]
    ended = staff.contacts_of(db, member, include_ended=True, scope=ADMIN)[0]
    assert ended.household_number == "G01-0001" and ended.until is not None
    assert trail.history(db, "contacts", ended.id)[0].action == "end_contact"
    before = dump(db)
    # h3 is linked already: the whole call fails, so h1 is not linked again either.
    with pytest.raises(RuleViolation, match="已经联系户G01-0003"):
        staff.set_contacts(db, member, add=[h1, h3], remove=[h2])
    with pytest.raises(ValidationError) as err:
        staff.set_contacts(db, member, add=[h1], remove=[h1])
    assert err.value.field == "households" and "不能既新增联系又解除联系" in err.value.message
    assert dump(db) == before


def test_a_cadre_linked_to_a_party_member_resident_counts_as_a_party_member(db, t):
    from gridoffice.archive import completeness

    hid = households.create_household(db, org_id=t.grid, head=man("陈书记", political_status="party_member"),
                                      number="H-9")
    sid = staff.save_staff(db, None, name="陈书记", kind="village_cadre", org_id=t.community)

    def counted() -> bool:
        return bool(db.execute(f"SELECT count(*) FROM staff s WHERE s.id = ? AND {completeness.PARTY_MEMBER.format(s='s')}",
                               [sid]).fetchone()[0])

    assert not counted()
    staff.save_staff(db, sid, name="陈书记", kind="village_cadre", org_id=t.community, resident="H-9 陈书记")
    person = db.execute("SELECT id FROM persons WHERE household_id = ?", [hid]).fetchone()[0]
    assert staff.get_staff(db, sid, scope=ADMIN).person_id == person and counted()
    assert staff.resident_of(db, sid, scope=ADMIN) == ("H-9 陈书记", "中共党员")
    # None leaves the link; an empty text unlinks.
    staff.save_staff(db, sid, name="陈书记", kind="village_cadre", org_id=t.community)
    assert staff.get_staff(db, sid, scope=ADMIN).person_id == person
    staff.save_staff(db, sid, name="陈书记", kind="village_cadre", org_id=t.community, resident=" ")
    assert staff.get_staff(db, sid, scope=ADMIN).person_id is None and staff.resident_of(db, sid, scope=ADMIN) is None and not counted()


@pytest.mark.parametrize("text, words", [
    ("H-9", "户号 姓名"), ("H-9 王五", "不是这位工作人员（陈书记）本人"), ("H-0 陈书记", "没有在册"),
    ("H-9 陈 书 记", "户号 姓名"),
])
def test_a_resident_not_found_is_refused_and_nothing_written(db, t, text, words):
    households.create_household(db, org_id=t.grid, head=man("陈书记"), number="H-9")
    sid = staff.save_staff(db, None, name="陈书记", kind="village_cadre", org_id=t.community)
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        staff.save_staff(db, sid, name="陈书记", kind="village_cadre", org_id=t.community, resident=text)
    assert err.value.field == "resident" and words in err.value.message
    assert dump(db) == before
