"""Text cleaned at the door: characters XML forbids never reach the file, and every field has a
length limit with a Chinese message naming the field and its limit."""

from commands._progress import consume
import pytest

from gridoffice.access import users
from gridoffice.activity import logs
from gridoffice.archive import households, people
from gridoffice.audit import trail
from gridoffice.matters import settings, rules
from gridoffice.org import regions, staff
from gridoffice.errors import ValidationError
from gridoffice.normalize import LIMITS, clean_text
from gridoffice.roster.importer import import_file
from tests._domain import TODAY, dump, man, pid, tree, woman

ADMIN = users.whole_office("测试员")

FORBIDDEN = "\x01\x0b\ufffe\uffff\ufdd0\ud800\U0001fffe\U0010ffff"


def test_clean_text_drops_what_xml_forbids_and_non_characters():
    assert clean_text(f"张{FORBIDDEN}三") == "张三"
    assert clean_text(f"第一行\r\n第\ufffe二行{FORBIDDEN}", multiline=True) == "第一行\n第二行"
    assert clean_text("\t王\u3000五\n") == "王 五"


def test_a_form_stores_a_name_without_forbidden_characters(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man(f"张\ufffe三{FORBIDDEN}"),
                                      address=f"东风路\uffff1号", notes=f"备\ufdd0注")
    names = [r[0] for r in db.execute("SELECT name FROM persons")]
    assert names == ["张三"]
    assert db.execute("SELECT address, notes FROM households WHERE id = ?", [hid]).fetchone() == ("东风路1号", "备注")
    pid_ = people.add_person(db, woman("李\uffff四", notes="x\ud800y"))
    assert people.get_person(db, pid_, scope=ADMIN).name == "李四" and people.get_person(db, pid_, scope=ADMIN).notes == "xy"
    unit = regions.create_unit(db, t.grid, "estate", "宝石\ufffe二区")
    assert regions.get_unit(db, unit).name == "宝石二区"


def test_the_roster_import_stores_cells_without_forbidden_characters(db, tmp_path):
    regions.create_unit(db, None, "community", "宝石社区", "C01")
    path = tmp_path / "in.csv"
    # A CSV holds any character (openpyxl cannot write these into a workbook at all).
    path.write_text("户号,姓名,身份证号码,与户主关系,住址,所属网格,备注\n"
                    f"H001,王\ufffe五,{pid(1970, 1, 2, 11)},户主,东风路\uffff1号,第一\ufffe网格,备\ufdd0注\n",
                    encoding="utf-8")
    result = consume(import_file(db, path, create_grids=True), quiet=True)
    assert not result.refused, result.refused
    assert db.execute("SELECT name, notes FROM persons").fetchone() == ("王五", "备注")
    assert db.execute("SELECT address FROM households").fetchone() == ("东风路1号",)
    assert db.execute("SELECT name FROM org_units WHERE level = 'grid'").fetchone() == ("第一网格",)


def _long(what: str) -> str:
    return "长" * (LIMITS[what][1] + 1)


def _calls(db, t):
    """(the entry point writing a too-long text, its LIMITS key, the field it names)."""
    sid = staff.add_staff(db, "王五", "grid_worker", org_id=t.grid)
    hid = households.create_household(db, org_id=t.grid, head=man("张三"))
    return [
        (lambda: people.add_person(db, woman("李四", occupation=_long("occupation"))), "occupation", "occupation"),
        (lambda: people.add_person(db, woman("李四", notes=_long("notes"))), "notes", "notes"),
        (lambda: people.add_person(db, woman("李" + _long("name")[:-1])), "name", "name"),
        (lambda: households.create_household(db, org_id=t.grid, head=woman("李四"), address=_long("address")),
         "address", "address"),
        (lambda: households.update_household(db, hid, notes=_long("notes")), "notes", "notes"),
        (lambda: regions.create_unit(db, t.area, "grid", _long("unit_name")), "unit_name", "name"),
        (lambda: regions.set_office(db, _long("office_name"), None), "office_name", "office_name"),
        (lambda: staff.add_staff(db, "赵六", "grid_worker", notes=_long("notes")), "notes", "notes"),
        (lambda: staff.create_team(db, t.grid, _long("team_name")), "team_name", "name"),
        (lambda: staff.create_team(db, t.grid, "第一团队", duties=_long("duties")), "duties", "duties"),
        (lambda: users.create_user(db, "clerk2", "password123", "clerk", by=users.whole_office("测试员"),
                                   display_name=_long("display_name")),
         "display_name", "display_name"),
        (lambda: settings.add_category(db, _long("category_name")), "category_name", "name"),
        (lambda: rules.intake(db, source="phone", category_id=1, grade="urgent", title="路灯不亮",
                                content=_long("matter_content"), now="2026-11-20 10:00:00"),
         "matter_content", "content"),
        (lambda: rules.intake(db, source="phone", category_id=1, grade="urgent", title="路灯不亮",
                                resident_name=_long("resident_name"), now="2026-11-20 10:00:00"),
         "resident_name", "resident_name"),
        (lambda: logs.add_entry(db, sid, "2026-11-01", _long("log_text"), today=TODAY), "log_text", "text"),
        (lambda: logs.add_need(db, hid, "修路灯", today=TODAY) and logs.solve_need(
            db, 1, _long("solution"), today=TODAY), "solution", "solution"),
    ]


def test_every_entry_point_refuses_a_text_over_its_limit_and_writes_nothing(db):
    t = tree(db)
    for call, what, field in _calls(db, t):
        before = dump(db)
        with pytest.raises(ValidationError) as err:
            call()
        label, limit = LIMITS[what]
        assert err.value.field == field, what
        assert label in err.value.message and f"最多{limit}个字" in err.value.message, err.value.message
        if what != "solution":  # the need it solves was added by the same call
            assert dump(db) == before, what


def test_a_text_at_its_limit_is_taken(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man("张三"), address="路" * LIMITS["address"][1])
    assert len(households.get_household(db, hid, scope=ADMIN).address) == LIMITS["address"][1]


def test_the_roster_import_refuses_rows_with_a_text_over_its_limit(db, tmp_path):
    regions.create_unit(db, None, "community", "宝石社区", "C01")
    path = tmp_path / "in.csv"
    path.write_text("户号,姓名,身份证号码,与户主关系,住址,所属网格,备注\n"
                    f"H001,王五,{pid(1970, 1, 2, 11)},户主,{_long('address')},第一网格,\n"
                    f"H002,赵六,{pid(1971, 1, 2, 13)},户主,东风路2号,第一网格,{_long('notes')}\n"
                    f"H003,钱七,{pid(1972, 1, 2, 15)},户主,东风路3号,{_long('unit_name')},\n"
                    f"H004,孙八,{pid(1973, 1, 2, 17)},户主,东风路4号,第一网格,好\n", encoding="utf-8")
    result = consume(import_file(db, path, create_grids=True), quiet=True)
    reasons = {r.row: r.reason for r in result.refused}
    assert len(reasons) == 3
    assert reasons[2].startswith("住址过长：最多200个字") and reasons[3].startswith("备注过长：最多2000个字")
    assert reasons[4].startswith("所属网格过长：最多60个字")
    assert [r[0] for r in db.execute("SELECT name FROM persons")] == ["孙八"]


def test_a_command_user_name_is_cleaned_before_it_is_recorded(db):
    trail.set_actor(db, "张\ufffe三\x01")
    regions.create_unit(db, None, "community", "宝石社区", "C01")
    assert trail.actor(db) == "张三"
    assert db.execute("SELECT actor FROM audit ORDER BY id DESC LIMIT 1").fetchone() == ("张三",)
