"""Every household operation taken back by its own audit entries gives the archive as it was, and
taking the undo back gives the operation's result again."""

import pytest

from gridoffice.archive import households, people
from gridoffice.audit import revert
from gridoffice.errors import RuleViolation
from tests._domain import TODAY, man, tree, woman
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

ARCHIVE = ("persons", "households", "person_tags", "contacts", "staff", "staff_roles", "team_members")


def archive(db) -> dict:
    """The archive's rows without their updated_at stamp (an undo is a new write: it has its own)."""
    out = {}
    for table in ARCHIVE:
        cur = db.execute(f"SELECT * FROM [{table}] ORDER BY id")
        names = [c[0] for c in cur.description]
        out[table] = [tuple(v for n, v in zip(names, r) if n != "updated_at") for r in cur.fetchall()]
    return out


@pytest.fixture
def office(db):
    t = tree(db)
    zhang = households.create_household(db, org_id=t.grid, head=man("张伟"), address="宝石小区1幢")
    head = households.get_household(db, zhang, scope=ADMIN).head.id
    spouse = households.add_member(db, zhang, woman("李娜"), "spouse")
    son = households.add_member(db, zhang, man("张小龙", 1995, 13), "son")
    wang = households.create_household(db, org_id=t.grid2, head=woman("王芳", 1980, 24))
    people.add_tag(db, spouse, "残疾人", since="2020-01-01", today=TODAY)
    return db, t, zhang, head, spouse, son, wang


OPERATIONS = {
    "add_member": lambda db, o: households.add_member(db, o[2], man("张小虎", 2001, 15), "son"),
    "member_leaves": lambda db, o: households.remove_member(db, o[2], o[5], day="2026-03-05", today=TODAY),
    "transfer": lambda db, o: households.remove_member(db, o[2], o[5], to_household_id=o[6], relation="other"),
    "death_of_the_head": lambda db, o: households.record_death(db, o[3], day="2026-03-05", new_head_id=o[4],
                                                               relations={o[5]: "son"}, today=TODAY),
    "move_out": lambda db, o: households.move_out(db, o[2], day="2026-03-05", today=TODAY),
    "split": lambda db, o: households.split_household(db, o[2], [o[5]], o[5], today=TODAY),
    "merge": lambda db, o: households.merge_households(db, o[6], o[2], {households.get_household(db, o[6], scope=ADMIN).head.id:
                                                                        "other"}, today=TODAY),
    "add_tag": lambda db, o: people.add_tag(db, o[5], "流动人口", since="2025-01-01", today=TODAY),
    "end_tag": lambda db, o: people.end_tag(db, o[4], "残疾人", until="2026-01-01", today=TODAY),
    "representative": lambda db, o: households.update_household(db, o[2], representative_id=o[4]),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_an_operation_undone_and_redone(office, name):
    db = office[0]
    before = archive(db)
    _, run = revert.run_of(db, OPERATIONS[name], office)
    after = archive(db)
    assert after != before and run.upto > run.after
    undo = revert.revert(db, run)
    assert archive(db) == before
    assert {a for (a,) in db.execute("SELECT action FROM audit WHERE id > ?", [undo.after])} == {"undo"}
    revert.revert(db, undo)
    assert archive(db) == after


def test_a_row_changed_since_is_not_overwritten(office):
    db, _, zhang, *_ = office
    _, run = revert.run_of(db, households.update_household, zhang, address="宝石小区2幢")
    _, later = revert.run_of(db, households.update_household, zhang, address="别处")
    before = archive(db)
    with pytest.raises(RuleViolation, match="这之后户又有改动，不能撤销"):
        revert.revert(db, run)
    assert archive(db) == before
    revert.revert(db, later)  # the newest change can be taken back, and then the one before
    revert.revert(db, run)
    assert households.get_household(db, zhang, scope=ADMIN).address == "宝石小区1幢"


def test_an_undone_insert_is_gone_from_search(office):
    from gridoffice.search import finder
    from gridoffice.access.users import whole_office

    db, _, zhang, *_ = office
    person, run = revert.run_of(db, households.add_member, zhang, man("欧阳小虎", 2001, 15), "son")
    assert [h.id for h in finder.search(db, "欧阳小虎", scope=whole_office("测试员")) if h.kind == "person"] == [person]
    revert.revert(db, run)
    assert not [h for h in finder.search(db, "欧阳小虎", scope=whole_office("测试员")) if h.kind == "person"]


def test_staff_leaving_and_a_team_member_ended_are_taken_back(office):
    from gridoffice.org import staff

    db, t, zhang, *_ = office
    member = staff.add_staff(db, "郑医生", "doctor", phone="13812340001", org_id=t.grid)
    staff.link_contact(db, member, zhang, today=TODAY)
    team = staff.create_team(db, t.grid, "第一网格服务团队")
    seat = staff.add_team_member(db, team, member, duty="mediation", today=TODAY)
    before = archive(db)
    _, left = revert.run_of(db, staff.update_staff, member, status="left", today=TODAY)
    assert staff.contacts_of(db, member, scope=ADMIN) == [] and staff.team_members(db, team, scope=ADMIN) == []
    revert.revert(db, left)
    assert archive(db) == before
    assert [m.id for m in staff.team_members(db, team, scope=ADMIN)] == [seat]
    _, ended = revert.run_of(db, staff.end_team_member, seat, today=TODAY)
    revert.revert(db, ended)
    assert [m.id for m in staff.team_members(db, team, scope=ADMIN)] == [seat]


def test_the_trail_tells_an_undo_and_new_actions_in_words(office):
    from gridoffice.audit import history
    from gridoffice.access.users import whole_office

    db, _, zhang, *_ = office
    _, run = revert.run_of(db, households.update_household, zhang, address="宝石小区2幢")
    revert.revert(db, run)
    told = history.tell(db, history.household_entries(db, zhang, whole_office("测试员")), scope=ADMIN)
    undone = [t for t in told if t.action == "撤销或重做"]
    assert len(undone) == 1 and "宝石小区1幢" in undone[0].text
    for code in ("import_tag", "add_register", "add_household_tag", "end_household_tag"):
        assert history.action_label(code) != "其他操作"


def test_a_record_the_street_was_sent_is_not_taken_back(tmp_path):
    import datetime as dt

    from commands._progress import consume
    from gridoffice.consolidation import package
    from gridoffice.store.db import open_db
    from tests._street import ADMIN, make_office, make_street

    office = make_office(tmp_path, make_street(tmp_path / "street"), seed=7)
    db = open_db(office.path)
    try:
        zhang = db.execute("SELECT id FROM households ORDER BY id LIMIT 1").fetchone()[0]
        person, sent_run = revert.run_of(db, households.add_member, zhang, man("欧阳小虎", 2001, 15), "son")
        _, edit = revert.run_of(db, households.update_household, zhang, address="宝石小区9幢")
        consume(package.write_package(db, tmp_path / "1.pkg", by=ADMIN, at=dt.datetime(2026, 11, 2, 9)), quiet=True)
        later, unsent_run = revert.run_of(db, households.add_member, zhang, man("欧阳小龙", 2003, 16), "son")
        before = archive(db)
        with pytest.raises(RuleViolation, match="已随上报包报送街道"):
            revert.revert(db, sent_run)
        assert archive(db) == before
        # A change of values sent up can still be taken back: the street receives the old values again.
        revert.revert(db, unsent_run)
        revert.revert(db, edit)
        assert households.get_household(db, zhang, scope=ADMIN).address != "宝石小区9幢"
        assert [p.id for p in households.get_household(db, zhang, scope=ADMIN).members if p.id in (person, later)] == [person]
    finally:
        db.close()
