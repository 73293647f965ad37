"""The lists behind the organisation page: staff with roles and contact counts, households to pick from."""

import pytest

from gridoffice.org import lists, regions, staff
from gridoffice.errors import NotFound
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


@pytest.fixture
def office(db):
    with db.atomic():  # one commit for the whole fixture keeps the test fast
        return _build(db)


def _build(db):
    community = regions.create_unit(db, None, "community", "东港社区")
    grid = regions.create_unit(db, community, "grid", "第一网格")
    building = regions.create_unit(db, grid, "building", "1幢")
    other = regions.create_unit(db, community, "grid", "第二网格")
    with db.atomic():
        ids = {}
        for number, org_id, head, status in (("0002", building, "王二", "active"), ("0001", grid, "李一", "active"),
                                             ("0003", grid, None, "active"), ("0004", grid, "赵迁", "moved_out"),
                                             ("0005", other, "钱五", "active")):
            hid = db.execute("INSERT INTO households(number, org_id, address, contact_class, status) VALUES(?,?,?,?,?)",
                             [number, org_id, f"东港路{number}号", 1 if number == "0001" else 3, status]).lastrowid
            if head:
                # A moved-out former head must not be shown as the head.
                db.execute("INSERT INTO persons(household_id, name, relation, status) VALUES(?, '旧户主', 'head', 'moved_out')",
                           [hid])
                db.execute("INSERT INTO persons(household_id, name, relation) VALUES(?,?, 'head')", [hid, head])
            ids[number] = hid
    party = staff.add_staff(db, "吴党员", "party_member", phone="13812340000", org_id=grid)
    cadre = staff.add_staff(db, "陈书记", "village_cadre", org_id=community)
    left = staff.add_staff(db, "孙离岗", "party_member", org_id=grid)
    staff.add_role(db, cadre, "principal_cadre", community)
    staff.add_role(db, cadre, "area_head", community)
    ended = staff.add_role(db, party, "liaison", grid)
    staff.end_role(db, ended)
    staff.link_contact(db, party, ids["0001"])
    staff.link_contact(db, party, ids["0002"])
    staff.link_contact(db, cadre, ids["0001"])
    staff.link_contact(db, party, ids["0005"])
    staff.unlink_contact(db, party, ids["0005"])
    staff.update_staff(db, left, status="left")
    return {"community": community, "grid": grid, "other": other, "party": party, "cadre": cadre, **ids}


def test_staff_rows_carry_open_roles_and_contact_counts(db, office):
    rows = lists.staff_rows(db, [office["grid"], office["community"]], scope=ADMIN)
    assert [r.name for r in rows] == ["吴党员", "陈书记"]  # by name; the one who left is not listed
    party, cadre = rows
    assert (party.kind, party.phone, party.org_id, party.unit_name) == ("party_member", "13812340000",
                                                                       office["grid"], "第一网格")
    assert party.roles == ()  # the ended role is gone
    assert party.contacts == 2  # the ended link does not count
    assert sorted(cadre.roles) == ["area_head", "principal_cadre"]
    assert lists.staff_rows(db, [office["other"]], scope=ADMIN) == []
    assert lists.staff_rows(db, [], scope=ADMIN) == []


def test_grid_households_cover_the_subtree_in_number_order_with_their_contacts(db, office):
    choices = lists.grid_households(db, office["grid"], scope=ADMIN)
    assert [c.number for c in choices] == ["0001", "0002", "0003"]  # the moved-out household is left out
    first = choices[0]
    assert (first.id, first.head, first.address, first.contact_class) == (office["0001"], "李一", "东港路0001号", 1)
    assert first.contact_names == ("吴党员", "陈书记")
    assert choices[1].head == "王二" and choices[1].contact_names == ("吴党员",)
    assert choices[2].head == "" and choices[2].contact_names == ()
    assert [c.contact_names for c in lists.grid_households(db, office["other"], scope=ADMIN)] == [()]


def test_unknown_unit_is_named_in_chinese(db, office):
    with pytest.raises(NotFound, match="找不到编号为999的组织单元"):
        lists.grid_households(db, 999, scope=ADMIN)
