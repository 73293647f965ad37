"""Roles in the core's single-record and small-list reads: a household, a person, their tags, the
staff, teams and contacts, the history's names, the cards' count and the tree's figures take the
acting user's Scope. A grid worker gets nothing of another grid from any of them (a Chinese refusal,
or a list without it); the office-wide roles get everything, sensitive tags only where the role
sees them."""

import pytest

from gridoffice.archive import households, office_tags, people
from gridoffice.audit import trail, history
from gridoffice.org import lists, regions, staff
from gridoffice.reports import archives
from gridoffice.reports import cards as C
from gridoffice.store.db import open_db
from gridoffice.errors import PermissionDenied
from tests.test_roles_core import ADMIN, as_role, office  # noqa: F401 (the fixtures, per role)


def refused(read) -> str:
    with pytest.raises(PermissionDenied) as err:
        read()
    return err.value.message


def number_of(db, household_id: int) -> str:
    return db.execute("SELECT number FROM households WHERE id = ?", [household_id]).fetchone()[0]


def wang_xiaoming(db) -> int:
    return db.execute("SELECT id FROM persons WHERE name = '王小明'").fetchone()[0]


def test_a_household_its_members_and_their_tags_only_in_the_scope(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    for household in (o.h_zhang, o.h_wang):
        office_tags.add_household_tag(db, household, "低保户", since="2026-01-01")
    people.add_tag(db, o.wang_fang, "floating", since="2026-01-01")
    wang = number_of(db, o.h_wang)
    # Their own grid's household, whole, for every role; 李娜's disability only where the role sees it.
    assert [p.name for p in households.get_household(db, o.h_zhang, scope=scope).members] == ["张伟", "李娜", "张小龙"]
    assert [p.id for p in people.persons_of(db, o.h_zhang, scope=scope)][:1] == [o.zhang_wei]
    assert [t.tag for t in people.tags_of(db, o.li_na, scope=scope)] == ([] if mine else ["disabled"])
    assert [t.tag for t in office_tags.household_tags_of(db, o.h_zhang, scope=scope)] == (
        [] if mine else ["low_income_household"])
    every_hardship = {t.household_id for t in office_tags.all_household_tags(db, scope)}
    every_tag = {t.person_id for t in people.all_visible_tags(db, scope)}
    if mine:
        for read in (lambda: households.get_household(db, o.h_wang, scope=scope),
                     lambda: households.find_by_number(db, wang, scope=scope),
                     lambda: people.get_person(db, o.wang_fang, scope=scope),
                     lambda: people.persons_of(db, o.h_wang, scope=scope),
                     lambda: people.tags_of(db, o.wang_fang, scope=scope),
                     lambda: office_tags.household_tags_of(db, o.h_wang, scope=scope),
                     lambda: staff.contact_staff_of(db, o.h_wang, scope=scope)):
            assert "不在您负责的范围内" in refused(read)
        # Nor by the lists: no hardship at all for the role, no tag of another grid's resident.
        assert every_hardship == set() and o.wang_fang not in every_tag
        assert people.visible_tags_of(db, [o.wang_fang, wang_xiaoming(db)], scope) == []
    else:
        assert households.find_by_number(db, wang, scope=scope).id == o.h_wang
        assert people.get_person(db, o.wang_fang, scope=scope).name == "王芳"
        assert [t.tag for t in people.tags_of(db, o.wang_fang, scope=scope)] == ["floating"]
        assert every_hardship == {o.h_zhang, o.h_wang} and o.wang_fang in every_tag
        assert [c.staff_name for c in staff.contact_staff_of(db, o.h_wang, scope=scope)] == ["乙联系人"]


def test_the_staff_their_teams_and_contacts_only_in_the_scope(office, as_role):
    """A grid worker reads the staff of their grid and of the units above it (the community's
    cadres they work with), never another grid's staff, phones, teams or contacts."""
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    cadre = staff.add_staff(db, "社区书记", "village_cadre", phone="13800000009", org_id=o.community)
    team_a, team_b = (staff.teams_of(db, grid, scope=ADMIN)[0].id for grid in (o.grid_a, o.grid_b))
    names = [s.name for s in staff.staff_list(db, scope=scope)]
    assert names == (["甲联系人", "社区书记"] if mine else ["乙联系人", "甲联系人", "社区书记"])
    assert [label.split("（")[0] for _, label in staff.handler_choices(db, scope=scope)] == (
        ["社区书记", "甲联系人"] if mine else ["社区书记", "乙联系人", "甲联系人"])
    rows = lists.staff_rows(db, [o.community, o.grid_a, o.grid_b], scope=scope)
    assert [r.name for r in rows] == names
    assert staff.get_staff(db, cadre, scope=scope).phone == "13800000009"
    assert [m.staff_name for m in staff.team_members(db, team_a, scope=scope)] == ["甲联系人"]
    if mine:
        for read in (lambda: staff.get_staff(db, office["b"], scope=scope),
                     lambda: staff.roles_of(db, office["b"], scope=scope),
                     lambda: staff.resident_of(db, office["b"], scope=scope),
                     lambda: staff.contacts_of(db, office["b"], scope=scope),
                     lambda: staff.get_team(db, team_b, scope=scope),
                     lambda: staff.teams_of(db, o.grid_b, scope=scope),
                     lambda: staff.team_members(db, team_b, scope=scope),
                     lambda: lists.grid_households(db, o.grid_b, scope=scope),
                     lambda: archives.find_staff(db, "乙联系人", scope=scope)):
            assert "不在您负责的范围内" in refused(read)
    else:
        assert [c.household_id for c in staff.contacts_of(db, office["b"], scope=scope)] == [o.h_wang]
        assert [m.phone for m in staff.team_members(db, team_b, scope=scope)] == [""]
        assert [h.id for h in lists.grid_households(db, o.grid_b, scope=scope)] == [o.h_wang]
        assert archives.find_staff(db, "乙联系人", scope=scope) == office["b"]


def test_the_historys_names_the_cards_count_and_the_tree_figures_only_in_the_scope(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    wang = number_of(db, o.h_wang)
    # 王芳's household loses its contact: its card would say so, but only a role that prints it counts it.
    staff.unlink_contact(db, office["b"], o.h_wang, until="2026-11-01")
    assert C.without_contact(db, [o.h_zhang, o.h_wang], scope) == (0 if mine else 1)
    told = history.tell(db, trail.history(db, "households", o.h_wang), scope=scope)
    assert told and {t.subject for t in told} == ({"（已不存在或不在您负责的范围内）"} if mine else {f"户{wang}"})
    counts = regions.counts(db, scope)
    if mine:
        assert all(wang not in t.text for t in told)  # nor its number, address or phone in the change told
        assert set(counts) == {o.grid_a} and counts[o.grid_a] == regions.Counts(1, 3)
    else:
        assert counts[o.grid_b] == regions.Counts(1, 2) and counts[o.community] == regions.Counts(2, 5)


def test_a_clerk_and_a_leader_neither_list_nor_change_accounts(office, as_role):
    from gridoffice.access import users

    role, db, scope = as_role
    if role == "admin":
        assert {u.name for u in users.list_users(db, by=scope)} == {"admin", "leader", "clerk", "grid_worker"}
        return
    account = office["users"][role]
    assert "管理用户" in refused(lambda: users.list_users(db, by=scope))
    grid = office["users"]["grid_worker"].id
    for change in (lambda: users.set_role(db, account, grid, "admin"),
                   lambda: users.disable_user(db, account, office["users"]["admin"].id),
                   lambda: users.set_display_name(db, account, grid, "冒名")):
        assert "管理用户" in refused(change)
    check = open_db(office["path"])
    assert check.execute("SELECT role, status, display_name FROM users WHERE name = 'grid_worker'").fetchone()[:2] == (
        "grid_worker", "active")
    check.close()
