import datetime as dt
import sqlcipher3.dbapi2 as sqlite3

import pytest

from tests._domain import TODAY, man, pid, tree, woman
from commands import run as run_command
from commands._progress import consume
from gridoffice.store.db import open_db
from gridoffice.archive import completeness, households, people
from gridoffice.org import staff
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def problems(db, today=TODAY):
    return consume(completeness.completeness(db, today=today, scope=ADMIN), quiet=True)


@pytest.fixture
def clean(db):
    """A tidy office: one grid, a class-1 household with its principal cadre, a party member with 5 households."""
    t = tree(db)
    cadre = staff.add_staff(db, "陈书记", "village_cadre")
    staff.add_role(db, cadre, "principal_cadre", t.community, since="2020-01-01")
    member = staff.add_staff(db, "党员甲", "party_member")
    ids = []
    for i in range(5):
        hid = households.create_household(db, org_id=t.grid, head=man(f"王{'一二三四五'[i]}", serial=11 + 2 * i),
                                          contact_class=1 if i == 0 else 3)
        staff.link_contact(db, member, hid, since="2020-01-01")
        ids.append(hid)
    staff.link_contact(db, cadre, ids[0], since="2020-01-01")
    return t, cadre, member, ids


def test_clean_office_has_no_problems(db, clean):
    assert problems(db) == []


def test_progress_is_reported(db, clean):
    steps = list(completeness.completeness(db, today=TODAY, scope=ADMIN))
    assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1]
    assert all(isinstance(message, str) and message for _, _, message in steps)


def test_households_outside_grid(db, clean):
    t, *_ = clean
    hid = households.create_household(db, org_id=t.area, head=man("赵六", serial=41), number="A-1")
    db.execute("INSERT INTO households(number, status, contact_class) VALUES('LOST-1', 'active', 3)")
    db.execute("UPDATE org_units SET status = 'retired' WHERE id = ?", [t.grid2])  # an old import's leftovers
    db.execute("INSERT INTO households(number, status, contact_class, org_id) VALUES('OLD-9', 'active', 3, ?)", [t.grid2])
    found = [p for p in problems(db) if p.kind == "outside_grid"]
    assert [(p.table, p.message) for p in found] == [
        ("households", "户A-1（户主赵六）不在任何网格内（所在单元：东片），请把它划入网格"),
        ("households", "户LOST-1（无户主）没有所属网格，请把它划入网格"),
        ("households", "户OLD-9（无户主）所在的“第二网格”已撤销，请把它移到在用的网格"),
    ]
    assert found[0].row_id == hid


def test_persons_outside_household(db, clean):
    loose = people.add_person(db, woman("孙丽", serial=42))
    db.execute("INSERT INTO households(number, status, contact_class, org_id) VALUES('OLD-1', 'moved_out', 3, ?)",
               [clean[0].grid])
    db.execute("INSERT INTO persons(name, household_id, relation, status, residence) "
               "VALUES('钱八', last_insert_rowid(), 'head', 'active', 'registered')")
    found = {p.row_id: p.message for p in problems(db) if p.kind == "outside_household"}
    assert found == {
        loose: "孙丽不属于任何户，请把此人编入一户",
        loose + 1: "钱八仍在册，但所在的户OLD-1已不在册，请把此人迁入在册户或登记迁出",
    }


def test_heads(db, clean):
    _, _, _, ids = clean
    spouse = households.add_member(db, ids[1], woman("李二嫂", serial=44), "spouse")
    db.execute("UPDATE persons SET relation = 'head' WHERE id = ?", [spouse])
    db.execute("UPDATE persons SET relation = 'other' WHERE household_id = ?", [ids[2]])
    db.execute("INSERT INTO households(number, status, contact_class, org_id) VALUES('EMPTY', 'active', 3, ?)",
               [clean[0].grid])
    found = {(p.kind, p.row_id): p.message for p in problems(db) if p.kind in ("no_head", "many_heads")}
    number = households.get_household(db, ids[1], scope=ADMIN).number
    assert found[("many_heads", ids[1])] == f"户{number}有2位户主（王二、李二嫂），请只保留一位"
    assert "没有户主，请在1名成员中指定一位户主" in found[("no_head", ids[2])]
    assert any("EMPTY没有在册成员" in m for m in found.values())


def test_duplicate_ids(db, clean):
    _, _, _, ids = clean
    number = people.get_person(db, households.get_household(db, ids[0], scope=ADMIN).head.id, scope=ADMIN).id_number
    db.execute("INSERT INTO persons(name, id_number, sex, birth_date, status, residence) "
               "VALUES('冒名者', ?, 'M', '1970-03-04', 'active', 'registered')", [number])
    [p] = [p for p in problems(db) if p.kind == "duplicate_id"]
    hnumber = households.get_household(db, ids[0], scope=ADMIN).number
    assert p.message == f"身份证号码{number}被2人共用：王一（户号{hnumber}）、冒名者（户号未入户），请核对后更正"
    assert p.table == "persons"


def test_id_mismatch(db, clean):
    _, _, _, ids = clean
    head = households.get_household(db, ids[3], scope=ADMIN).head
    db.execute("UPDATE persons SET sex = 'F', birth_date = '1971-01-01' WHERE id = ?", [head.id])
    baby = people.add_person(db, people.PersonInput("小宝", sex="M", birth_date="2025-01-01"), today=TODAY)
    [p] = [p for p in problems(db) if p.kind == "id_mismatch"]
    assert p.row_id == head.id and p.table == "persons"
    number = households.get_household(db, ids[3], scope=ADMIN).number
    assert p.message == (f"王四（户号{number}）：性别登记为“女”，身份证号码表明是“男”；"
                         "出生日期登记为1971-01-01，身份证号码中是1970-03-04，请核对")
    assert baby not in [p.row_id for p in problems(db) if p.kind == "id_mismatch"]


def test_party_member_contact_counts(db, clean):
    t, _, member, ids = clean
    lazy = staff.add_staff(db, "党员乙", "party_member")
    busy = staff.add_staff(db, "党员丙", "party_member")
    for i in range(11):
        head = people.PersonInput(f"赵{'甲乙丙丁戊己庚辛壬癸子'[i]}", id_number=pid(1980, 1, 1, 101 + 2 * i))
        hid = households.create_household(db, org_id=t.grid2, head=head)
        staff.link_contact(db, busy, hid, since="2020-01-01")
    households.move_out(db, ids[4])  # the first member is down to four active households
    found = {p.row_id: p.message for p in problems(db) if p.kind == "party_member_contacts"}
    assert found == {
        member: "党员党员甲联系4户，少于5户，请再安排联系户",
        lazy: "党员党员乙联系0户，少于5户，请再安排联系户",
        busy: "党员党员丙联系11户，超过10户，请调整给其他党员",
    }


def test_class1_needs_a_principal_cadre(db, clean):
    t, cadre, member, ids = clean
    households.update_household(db, ids[1], contact_class=1)
    [p] = [p for p in problems(db) if p.kind == "class1_contact"]
    number = households.get_household(db, ids[1], scope=ADMIN).number
    assert (p.row_id, p.message) == (ids[1], f"一类户{number}（户主王二）没有村主要干部联系，请安排一位村主要干部")
    # As of a day before the cadre's role began, the first household is uncovered too.
    early = [p.row_id for p in problems(db, today=dt.date(2019, 6, 1)) if p.kind == "class1_contact"]
    assert early == [ids[0], ids[1]]
    [role] = staff.roles_of(db, cadre, scope=ADMIN)
    staff.end_role(db, role.id, today=TODAY)
    assert len([p for p in problems(db, today=TODAY + dt.timedelta(days=1)) if p.kind == "class1_contact"]) == 2


def test_class2_needs_a_member_of_the_two_committees(db, clean):
    t, cadre, member, ids = clean
    households.update_household(db, ids[1], contact_class=2)
    households.update_household(db, ids[2], contact_class=2)
    committee = staff.add_staff(db, "周委员", "village_cadre")
    staff.add_role(db, committee, "committee_member", t.community, since="2020-01-01")
    staff.link_contact(db, committee, ids[2], since="2020-01-01")
    # The party member who still contacts it does not count for a class-2 household.
    [p] = [p for p in problems(db) if p.kind == "class2_contact"]
    number = households.get_household(db, ids[1], scope=ADMIN).number
    assert (p.row_id, p.table, p.message) == (
        ids[1], "households", f"二类户{number}（户主王二）没有村两委班子成员关注，请安排一位村两委班子成员联系")
    # A principal cadre sits on both committees.
    staff.link_contact(db, cadre, ids[1], since="2020-01-01")
    assert [p for p in problems(db) if p.kind == "class2_contact"] == []


def test_class3_needs_a_party_member(db, clean):
    t, cadre, member, ids = clean
    hid = households.create_household(db, org_id=t.grid, head=man("钱七", serial=61))
    villager = staff.add_staff(db, "群众志愿者", "volunteer")
    staff.link_contact(db, villager, hid, since="2020-01-01")
    [p] = [p for p in problems(db) if p.kind == "class3_contact"]
    number = households.get_household(db, hid, scope=ADMIN).number
    assert (p.row_id, p.message) == (hid, f"三类户{number}（户主钱七）没有党员联系，请安排一位党员联系")
    # A volunteer who is a party member in the archive counts as one.
    person = people.add_person(db, woman("党员志愿者", serial=62, political_status="party_member"))
    staff.update_staff(db, villager, person_id=person)
    assert [p for p in problems(db) if p.kind == "class3_contact"] == []


def test_old_party_members_and_cadres_who_are_party_members_count_for_five_to_ten(db, clean):
    t, cadre, member, ids = clean
    veteran = staff.add_staff(db, "老党员", "veteran_member")
    found = {p.row_id: p.message for p in problems(db) if p.kind == "party_member_contacts"}
    assert found == {veteran: "党员老党员联系0户，少于5户，请再安排联系户"}
    # The cadre is not known as a party member until linked to his record in the archive.
    person = people.add_person(db, man("陈书记", serial=63, political_status="party_member"))
    staff.update_staff(db, cadre, person_id=person)
    found = {p.row_id: p.message for p in problems(db) if p.kind == "party_member_contacts"}
    assert found[cadre] == "党员陈书记联系1户，少于5户，请再安排联系户"
    # A probationary member counts; one who left the party no longer does.
    db.execute("UPDATE persons SET political_status = 'probationary' WHERE id = ?", [person])
    assert cadre in {p.row_id for p in problems(db) if p.kind == "party_member_contacts"}
    db.execute("UPDATE persons SET political_status = 'masses' WHERE id = ?", [person])
    assert cadre not in {p.row_id for p in problems(db) if p.kind == "party_member_contacts"}


def test_problems_come_in_kind_order(db, clean):
    t, *_ = clean
    people.add_person(db, woman("孙丽", serial=42))
    households.create_household(db, org_id=t.area, head=man("赵六", serial=41))
    kinds = [p.kind for p in problems(db)]
    assert kinds == ["outside_grid", "outside_household", "class3_contact"]


# ---- the command -----------------------------------------------------------------------------

def test_check_command_clean_and_with_problems(db, clean, tmp_path, capsys):
    path = tmp_path / "office.db"
    db.conn.commit()
    assert run_command(["check", "--db", str(path), "-q"]) == 0
    assert "没有发现问题" in capsys.readouterr().err
    people.add_person(db, woman("孙丽", serial=42))
    db.conn.commit()
    assert run_command(["check", "--db", str(path), "-q", "--quick"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == ["不属于任何在册户的人员：孙丽不属于任何户，请把此人编入一户"]
    assert "共发现1个问题" in out.err


def test_check_command_reports_a_broken_audit_chain(db, clean, tmp_path, capsys):
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET actor = '黑客' WHERE id = 3")
    db.conn.commit()
    assert run_command(["check", "--db", str(tmp_path / "office.db"), "-q"]) == 1
    assert "审计记录：第3条审计记录的内容被改动过" in capsys.readouterr().out


def test_check_command_missing_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "nothing.db"
    assert run_command(["check", "--db", str(path)]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err
    assert not path.exists()


def test_check_command_not_sqlite(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("这不是数据库", encoding="utf-8")
    assert run_command(["check", "--db", str(path)]) == 2
    assert "是一个文本文件，不是网格通的数据文件" in capsys.readouterr().err


def test_check_command_other_sqlite_file(tmp_path, capsys):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    assert run_command(["check", "--db", str(path)]) == 2
    assert "是另一个程序的SQLite数据库（其中的表：t），不是网格通的数据文件" in capsys.readouterr().err



def test_check_command_reports_a_damaged_file(tmp_path, capsys):
    path = tmp_path / "damaged.db"
    db = open_db(path, wal=False)
    db.execute("INSERT INTO households(id, number, status, contact_class) VALUES(1, 'H1', 'active', 3)")
    db.conn.executemany("INSERT INTO persons(household_id, name, relation, status, residence) VALUES(1, ?, ?, 'active', 'registered')",
                        [(f"王{chr(0x4e00 + i)}", "head" if i == 0 else "son") for i in range(200)])
    db.conn.commit()
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'idx_persons_name'").fetchone()[0]
    size = int(db.execute("PRAGMA page_size").fetchone()[0])
    db.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * size
    data[start + size // 2:start + size] = bytes(size - size // 2)  # wipe the back half of the index page
    path.write_bytes(bytes(data))
    assert run_command(["check", "--db", str(path), "-q"]) == 1
    out = capsys.readouterr().out.splitlines()
    # SQLCipher's page check fails before SQLite reads the index, so the page, not the index, is named.
    assert out[0].startswith("数据库文件已损坏：SQLite报告了")
