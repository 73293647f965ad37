"""Special-group registers: counts, subtree filters, order and masked rows.

The data is written with plain SQL: these are read-side queries, and the fixture needs
exact birth dates and tag end dates that the domain API would stamp with today's date.
"""

import datetime as dt

import pytest

from gridoffice.archive import registers
from gridoffice.errors import NotFound, ValidationError
from gridoffice.idcard import make_id
from gridoffice.access.users import whole_office

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 6, 15)


def unit(db, parent, level, name):
    parent_path = db.execute("SELECT path FROM org_units WHERE id = ?", [parent]).fetchone()[0] if parent else "/"
    parent_grid = db.execute("SELECT grid_id FROM org_units WHERE id = ?", [parent]).fetchone()[0] if parent else None
    cur = db.execute(
        "INSERT INTO org_units(parent_id, level, name, path, status, sort) VALUES(?,?,?,?, 'active', 0)",
        [parent, level, name, "?"],
    )
    uid = cur.lastrowid
    grid = uid if level == "grid" else parent_grid
    db.execute("UPDATE org_units SET path = ?, grid_id = ? WHERE id = ?", [f"{parent_path}{uid}/", grid, uid])
    return uid


def household(db, org_id, number, address):
    return db.execute(
        "INSERT INTO households(number, org_id, address) VALUES(?,?,?)", [number, org_id, address]
    ).lastrowid


def person(db, hh, name, birth, *, sex="M", phone="", status="active", serial=1):
    number = make_id("330102", birth, serial)
    return db.execute(
        "INSERT INTO persons(household_id, name, id_number, sex, birth_date, relation, phone, status) "
        "VALUES(?,?,?,?,?,?,?,?)",
        [hh, name, number, sex, birth.isoformat(), "head", phone, status],
    ).lastrowid


def tag(db, pid, code, until=None):
    db.execute("INSERT INTO person_tags(person_id, tag, since, until) VALUES(?,?,?,?)", [pid, code, "2020-01-01", until])


@pytest.fixture
def office(db):
    with db.atomic():
        community = unit(db, None, "community", "东港社区")
        grid1 = unit(db, community, "grid", "第一网格")
        building = unit(db, grid1, "building", "1幢")
        grid2 = unit(db, community, "grid", "第二网格")
        h1 = household(db, building, "0001", "东港路1号")
        h2 = household(db, grid2, "0002", "东港路2号")
        ids = {
            "baby": person(db, h1, "王小宝", dt.date(2024, 6, 16), serial=11),  # 1 year old
            "turns3": person(db, h1, "王三岁", dt.date(2023, 6, 15), serial=13),  # 3 today: not under 3
            "old": person(db, h1, "王老汉", dt.date(1940, 1, 1), phone="13812345678", serial=15),
            "sixty": person(db, h2, "李六十", dt.date(1966, 6, 15), sex="F", phone="0571-88886666", serial=12),
            "gone": person(db, h2, "李已故", dt.date(1930, 1, 1), status="deceased", serial=17),
            "adult": person(db, h2, "李成年", dt.date(1990, 3, 3), serial=19),
        }
        tag(db, ids["old"], "disabled")
        tag(db, ids["adult"], "disabled", until="2026-01-01")  # ended before today
        tag(db, ids["sixty"], "low_income", until="2027-01-01")  # still open
        tag(db, ids["gone"], "disabled")
    return {"community": community, "grid1": grid1, "grid2": grid2, "building": building, "h1": h1, "h2": h2, **ids}


def test_groups_list_age_groups_then_tags_with_chinese_labels():
    codes = [g.code for g in registers.groups()]
    assert codes[0] == "age:under_3"
    assert "disabled" in codes and "age:elderly_60" in codes
    labels = {g.code: g.label for g in registers.groups()}
    assert labels["age:elderly_80"] == "80岁以上高龄老人"
    assert labels["disabled"] == "残疾人"
    assert registers.group("disabled").sensitive
    assert not registers.group("age:under_3").sensitive


def test_counts_whole_office_follow_birthdays_tag_ends_and_status(office, db):
    c = registers.counts(db, scope=ADMIN, today=TODAY)
    assert c["age:under_3"] == 1  # the child who turns 3 today has left the group
    assert c["age:minor"] == 2
    assert c["age:elderly_60"] == 2  # the one who turns 60 today is in; the deceased is not
    assert c["age:elderly_80"] == 1
    assert c["disabled"] == 1  # ended tag and deceased person excluded
    assert c["low_income"] == 1
    assert c["three_nos"] == 0


def test_counts_within_a_subtree(office, db):
    c1 = registers.counts(db, scope=ADMIN, org_id=office["grid1"], today=TODAY)
    assert (c1["age:under_3"], c1["age:elderly_60"], c1["disabled"], c1["low_income"]) == (1, 1, 1, 0)
    c2 = registers.counts(db, scope=ADMIN, org_id=office["grid2"], today=TODAY)
    assert (c2["age:under_3"], c2["age:elderly_60"], c2["disabled"], c2["low_income"]) == (0, 1, 0, 1)
    assert registers.counts(db, scope=ADMIN, org_id=office["community"], today=TODAY) == registers.counts(db, scope=ADMIN, today=TODAY)


def test_person_ids_filter_and_sort(office, db):
    assert registers.person_ids(db, "age:elderly_60", scope=ADMIN, today=TODAY) == [office["old"], office["sixty"]]
    assert registers.person_ids(db, "age:elderly_60", scope=ADMIN, sort="age", today=TODAY) == [office["sixty"], office["old"]]
    assert registers.person_ids(db, "age:elderly_60", scope=ADMIN, sort="age", descending=True, today=TODAY) == [
        office["old"], office["sixty"]]
    assert registers.person_ids(db, "age:elderly_60", scope=ADMIN, sort="grid", descending=True, today=TODAY) == [
        office["sixty"], office["old"]]
    assert registers.person_ids(db, "age:elderly_60", scope=ADMIN, org_id=office["building"], today=TODAY) == [office["old"]]
    assert registers.person_ids(db, "disabled", scope=ADMIN, today=TODAY) == [office["old"]]


def test_rows_are_masked_and_complete(office, db):
    rows = registers.rows(db, [office["old"], office["sixty"]], scope=ADMIN, today=TODAY)
    old = rows[office["old"]]
    assert (old.name, old.sex, old.age, old.household_number, old.address, old.grid) == (
        "王老汉", "男", 86, "0001", "东港路1号", "第一网格")
    assert old.household_id == office["h1"]
    assert old.birth_date == "1940年1月"
    full_id = db.execute("SELECT id_number FROM persons WHERE id = ?", [office["old"]]).fetchone()[0]
    assert old.id_masked == full_id[:3] + "*" * 14 + full_id[-1:]
    assert old.phone_masked == "138****5678"
    assert rows[office["sixty"]].phone_masked == "0571-****6666"
    assert rows[office["sixty"]].sex == "女"


def test_unknown_group_sort_and_unit_are_refused_in_chinese(office, db):
    with pytest.raises(ValidationError, match="没有名为“nobody”的重点人群"):
        registers.person_ids(db, "nobody", scope=ADMIN)
    with pytest.raises(ValidationError, match="不能按“phone”排序"):
        registers.person_ids(db, "disabled", scope=ADMIN, sort="phone")
    with pytest.raises(NotFound, match="找不到编号为9999的组织单元"):
        registers.counts(db, scope=ADMIN, org_id=9999)
