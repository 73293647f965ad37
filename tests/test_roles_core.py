"""Roles enforced in the core: the functions behind the pages and the commands take the acting
user's Scope (users.scope_of) and give a grid worker nothing of another grid, or a Chinese refusal,
while an administrator, a leader and a clerk see the whole office."""

import datetime as dt

import openpyxl
import pytest

from commands._progress import consume
from exports import archives, cards as card_pdf, monthly_summary, public_notice, roster
from gridoffice import masking
from gridoffice.access import users
from gridoffice.archive import browse, households, people, registers
from gridoffice.audit import trail, journal
from gridoffice.org import regions
from gridoffice.reports import monthly, archives as stats_archives
from gridoffice.search import finder
from gridoffice.reports import cards as C
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.org import staff
from gridoffice.store.db import open_db
from gridoffice.errors import PermissionDenied
from tests.ui_helpers import office_copy

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = users.whole_office("测试员")

PASSWORD = "gridoffice1"
NOW = dt.datetime(2026, 11, 20, 19, 0)
MONTH = "2026-11"
ROLES = ("admin", "leader", "clerk", "grid_worker")


@pytest.fixture
def office(tmp_path):
    """The tiny office (张伟's household in grid A, 王芳's in grid B, 李娜 disabled), a team and a
    contact staff member in each grid, a matter in each grid, and one user of every role (the grid
    worker's grid is A)."""
    path, o = office_copy(tmp_path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    a = staff.add_staff(db, "甲联系人", "party_member", org_id=o.grid_a)
    b = staff.add_staff(db, "乙联系人", "party_member", org_id=o.grid_b)
    for staff_id, grid, household in ((a, o.grid_a, o.h_zhang), (b, o.grid_b, o.h_wang)):
        staff.link_contact(db, staff_id, household, since="2026-01-01")
        team = staff.create_team(db, grid, "服务团队" + str(grid))
        staff.add_team_member(db, team, staff_id, title="网格长")
    matters = {}
    for key, grid in (("a", o.grid_a), ("b", o.grid_b)):
        matters[key] = M.intake(db, source="phone", category_id=6, grade="difficult", title="路灯" + key,
                                grid_id=grid, received_at=NOW - dt.timedelta(days=2), now=NOW - dt.timedelta(days=2))
    users.create_first_admin(db, "admin", PASSWORD)
    for role in ROLES[1:]:
        users.create_user(db, role, PASSWORD, role, by=ADMIN, org_id=o.grid_a if role == "grid_worker" else None)
    accounts = {role: users.login(db, role, PASSWORD) for role in ROLES}
    db.close()
    return dict(path=path, o=o, a=a, b=b, matters=matters, users=accounts)


@pytest.fixture(params=ROLES)
def as_role(request, office):
    db = open_db(office["path"])
    trail.set_actor(db, request.param)
    yield request.param, db, users.scope_of(db, office["users"][request.param])
    db.close()


def numbers(db, *household_ids):
    return [db.execute("SELECT number FROM households WHERE id = ?", [h]).fetchone()[0] for h in household_ids]


def test_cards_of_another_grid_are_neither_listed_nor_printed(office, as_role, tmp_path):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    assert [g.name for g in C.card_grids(db, scope)] == (["第一网格"] if mine else ["第一网格", "第二网格"])
    every = [o.h_zhang, o.h_wang]
    assert C.households_in_grids(db, [o.grid_a, o.grid_b], scope) == ([o.h_zhang] if mine else every)
    assert [c.household_id for c in C.household_cards(db, every, scope)] == ([o.h_zhang] if mine else every)
    assert [t.grid_id for t in C.team_cards(db, [o.grid_a, o.grid_b], scope)] == (
        [o.grid_a] if mine else [o.grid_a, o.grid_b])
    if mine:
        with pytest.raises(PermissionDenied) as err:
            C.grids_named(db, ["第二网格"], scope)
        assert "不在您负责的范围内" in err.value.message
        with pytest.raises(PermissionDenied):
            C.households_numbered(db, numbers(db, o.h_wang), scope)
    else:
        assert C.grids_named(db, ["第二网格"], scope) == [o.grid_b]
    written = consume(card_pdf.export_cards(db, tmp_path / "c.pdf", scope=scope, grid_ids=[o.grid_a, o.grid_b]),
                      quiet=True)
    assert written.cards == (1 if mine else 2)


def test_summary_and_notice_count_only_the_scope(office, as_role, tmp_path):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    s = monthly.monthly_summary(db, MONTH, scope=scope)
    assert [g.key for g in s.grids] == ([o.grid_a] if mine else [o.grid_a, o.grid_b])
    assert s.total.households == (1 if mine else 2) and s.total.received == (1 if mine else 2)
    assert (office["b"] in {f.key for f in s.staff}) is not mine
    # 李娜's disability is a sensitive tag: no column of it for a grid worker.
    assert ("disabled" in {g.code for g in s.groups}) is not mine
    notice = monthly.public_notice(db, MONTH, scope=scope)
    assert [t.grid for t in notice.teams] == (["第一网格"] if mine else ["第一网格", "第二网格"])
    consume(monthly_summary.write(db, tmp_path / "s.xlsx", MONTH, scope=scope), quiet=True)
    cells = {c for row in openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0].iter_rows(values_only=True)
             for c in row}
    assert ("第二网格" in cells) is not mine
    consume(public_notice.write(db, tmp_path / "n.xlsx", MONTH, scope=scope), quiet=True)
    cells = {c for ws in openpyxl.load_workbook(tmp_path / "n.xlsx").worksheets
             for row in ws.iter_rows(values_only=True) for c in row}
    assert ("服务团队" + str(o.grid_b) in cells) is not mine


def test_roster_and_archives_hold_only_the_scope(office, as_role, tmp_path):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    n = consume(roster.write(db, tmp_path / "r.xlsx", scope=scope, full_numbers=scope.reveal, reason="核对身份"),
                quiet=True)
    names = {row[1] for row in openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(min_row=3, values_only=True)}
    assert names == ({"张伟", "李娜", "张小龙"} if mine else {"张伟", "李娜", "张小龙", "王芳", "王小明"}) and n == len(names)
    if mine:
        with pytest.raises(PermissionDenied):
            consume(roster.write(db, tmp_path / "x.xlsx", scope=scope, org_id=o.grid_b), quiet=True)
        with pytest.raises(PermissionDenied):
            stats_archives.village_file(db, o.community, scope=scope)
        with pytest.raises(PermissionDenied) as err:
            consume(archives.write_member(db, tmp_path / "m.pdf", office["b"], scope=scope, year=2026), quiet=True)
        assert "乙联系人" in err.value.message and not (tmp_path / "m.pdf").exists()
        assert [g[0] for g in stats_archives.village_file(db, o.grid_a, scope=scope).grids] == ["第一网格"]
    else:
        village = stats_archives.village_file(db, o.community, scope=scope)
        assert [g[0] for g in village.grids] == ["第一网格", "第二网格"]
        assert stats_archives.member_file(db, office["b"], scope=scope).contacts[0][0] == numbers(db, o.h_wang)[0]


def test_search_and_dossier_of_another_grid(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    assert [h.title for h in finder.search(db, "王芳", kind="person", scope=scope)] == ([] if mine else ["王芳"])
    assert [h.title for h in finder.search(db, "张伟", kind="person", scope=scope)] == ["张伟"]
    if mine:
        with pytest.raises(PermissionDenied) as err:
            Q.dossier(db, office["matters"]["b"], scope=scope, now=NOW)
        assert "不在您负责的网格内" in err.value.message
        with pytest.raises(PermissionDenied) as err:
            finder.search(db, "李", tag="disabled", scope=scope)
        assert "敏感信息" in err.value.message
    else:
        assert Q.dossier(db, office["matters"]["b"], scope=scope, now=NOW).matter.id == office["matters"]["b"]
        assert [h.title for h in finder.search(db, "李", tag="disabled", scope=scope)] == ["李娜"]
    assert Q.dossier(db, office["matters"]["a"], scope=scope, now=NOW).matter.id == office["matters"]["a"]


def test_a_scope_is_made_in_one_place_from_the_user(office):
    db = open_db(office["path"])
    o = office["o"]
    worker = users.scope_of(db, office["users"]["grid_worker"])
    assert worker.org_ids == {o.grid_a} and worker.root == o.grid_a and "disabled" not in worker.tags
    assert worker.units("h.org_id") == f"h.org_id IN ({o.grid_a})"
    clerk = users.scope_of(db, office["users"]["clerk"])
    assert clerk.whole_office and clerk.units("h.org_id") == "1" and "disabled" in clerk.tags
    with pytest.raises(PermissionDenied) as err:
        clerk.require("manage_users")
    assert "管理用户" in err.value.message
    db.close()


def test_only_an_administrator_manages_users(office, as_role):
    role, db, scope = as_role
    if role == "admin":
        uid = users.create_user(db, "新网格员", PASSWORD, "grid_worker", by=scope, org_id=office["o"].grid_b)
        assert users.get_user(db, uid).org_id == office["o"].grid_b
        return
    before = len(users.list_users(db, by=ADMIN))
    with pytest.raises(PermissionDenied) as err:
        users.create_user(db, "新管理员", PASSWORD, "admin", by=scope)
    assert "没有“管理用户”的权限" in err.value.message and len(users.list_users(db, by=ADMIN)) == before
    with pytest.raises(PermissionDenied):
        users.reset_password(db, office["users"][role], office["users"]["admin"].id, "takeover123")


def test_a_grid_worker_changes_only_their_grids_residents(office, as_role):
    role, db, _ = as_role
    o = office["o"]
    users.login(db, role, PASSWORD)  # binds the user's scope to the connection, as the window and commands do
    households.update_household(db, o.h_zhang, address="幸福小区1幢102室")
    if role == "grid_worker":
        for change in (lambda: households.update_household(db, o.h_wang, address="别处"),
                       lambda: people.update_person(db, o.wang_fang, phone="13900000000"),
                       lambda: households.move_household(db, o.h_zhang, o.grid_b),
                       lambda: households.move_out(db, o.h_wang)):
            with pytest.raises(PermissionDenied) as err:
                change()
            assert "不在您负责的范围内" in err.value.message
        with pytest.raises(PermissionDenied) as err:
            people.add_tag(db, o.zhang_wei, "disabled")
        assert "敏感信息" in err.value.message
        assert db.execute("SELECT address, status FROM households WHERE id = ?", [o.h_wang]).fetchone() == (
            "幸福小区2幢201室", "active")
    else:
        households.update_household(db, o.h_wang, address="幸福小区2幢202室")
        people.add_tag(db, o.zhang_wei, "disabled")
        assert db.execute("SELECT address FROM households WHERE id = ?", [o.h_wang]).fetchone()[0] == "幸福小区2幢202室"


def test_registers_and_the_unit_tree_hold_only_the_scope(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    assert [u.id for u in regions.visible_units(db, scope)] == (
        [o.grid_a] if mine else [o.community, o.grid_a, o.grid_b])
    # 王小明 (4) lives in grid B.
    assert registers.person_ids(db, "age:under_6", scope=scope) == ([] if mine else [db.execute("SELECT id FROM persons WHERE name = '王小明'").fetchone()[0]])
    assert registers.counts(db, scope=scope)["age:under_6"] == (0 if mine else 1)
    if mine:
        assert "disabled" not in registers.counts(db, scope=scope)
        with pytest.raises(PermissionDenied):
            registers.person_ids(db, "disabled", scope=scope)
        with pytest.raises(PermissionDenied):
            registers.counts(db, scope=scope, org_id=o.grid_b)
    else:
        assert registers.person_ids(db, "disabled", scope=scope) == [o.li_na]


def test_the_archive_lists_hold_only_the_scope(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    assert set(browse.household_ids(db, scope=scope)) == ({o.h_zhang} if mine else {o.h_zhang, o.h_wang})
    assert len(browse.person_ids(db, browse.Filter(status=None), scope=scope)) == (3 if mine else 6)
    assert browse.totals(db, scope) == (regions.Counts(1, 3) if mine else regions.Counts(2, 5))
    assert browse.in_scope(db, o.h_wang, scope) is not mine
    if mine:
        with pytest.raises(PermissionDenied):
            browse.person_ids(db, browse.Filter(tag="disabled"), scope=scope)
    else:
        assert list(browse.person_ids(db, browse.Filter(tag="disabled"), scope=scope)) == [o.li_na]


def test_a_persons_sensitive_tags_only_for_roles_that_may_see_them(office, as_role):
    role, db, scope = as_role
    o = office["o"]
    people.add_tag(db, o.li_na, "floating", since="2026-01-01")
    shown = {t.tag for t in people.visible_tags_of(db, [o.zhang_wei, o.li_na], scope)}
    assert shown == ({"floating"} if role == "grid_worker" else {"disabled", "floating"})


def test_a_number_search_is_refused_or_recorded_by_role(office, as_role):
    """Search as an oracle: 张伟's ID number, whole, its first ten digits or typed in groups, is a
    number search; only roles that may reveal numbers make one, and each leaves an entry with the
    query and how many it matched. Four digits are an ordinary search for every role."""
    role, db, scope = as_role
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [office["o"].zhang_wei]).fetchone()[0]
    queries = [number, number[:10], f"{number[:6]} {number[6:14]} {number[14:]}", f"张伟 {number[-6:]}"]
    for query in queries:
        if scope.reveal:
            assert "张伟" in [h.title for h in finder.search(db, query, kind="person", scope=scope)]
        else:
            with pytest.raises(PermissionDenied) as err:
                finder.search(db, query, scope=scope)
            assert "最多输入4位数字" in err.value.message
    entries = [(e.actor, e.new["query"], e.new["matches"]) for e in journal.query(
        db, journal.Filter(action="search_numbers"), scope=ADMIN)]
    assert sorted(entries) == (sorted((role, q, 1) for q in queries) if role in ("admin", "clerk") else [])
    assert finder.search(db, number[-4:], scope=scope) is not None
    assert len(journal.query(db, journal.Filter(action="search_numbers"), scope=ADMIN)) == len(entries)


def test_four_digit_searches_do_not_rebuild_a_number_the_role_sees_masked(office, as_role):
    """Four digits at a time, found anywhere in a number, would tell a grid worker or a leader the
    birth date and sequence their masked ID hides, and a phone's hidden middle (a probe per window
    of four, none recorded). For them digits find a phone by its tail only, the part the masked
    phone shows; the roles that may reveal numbers find hidden digits too."""
    role, db, scope = as_role
    o = office["o"]
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [o.zhang_wei]).fetchone()[0]
    phone = db.execute("SELECT phone FROM households WHERE id = ?", [o.h_zhang]).fetchone()[0].replace("-", "")

    def found(query, kind, row):
        return row in {h.id for h in finder.search(db, query, kind=kind, scope=scope)}

    probes = [(number[i:i + 4], "person", o.zhang_wei) for i in range(3, 14)] + [(phone[3:7], "household", o.h_zhang)]
    hits = [query for query, kind, row in probes if found(query, kind, row)]
    assert hits == ([query for query, _, _ in probes] if scope.reveal else [])
    assert found(phone[-4:], "household", o.h_zhang)
    assert journal.query(db, journal.Filter(action="search_numbers"), scope=ADMIN) == []


def test_visits_logs_needs_matters_staff_and_contacts_are_changed_only_in_the_users_grids(office, as_role):
    """Writes concerning residents find the user's scope on the connection (bound by the log-in):
    a grid worker records visits, logs, needs and matters, and changes staff, teams and contacts, of
    their own grid only; the other roles anywhere. Nothing is written by a refused change."""
    from gridoffice.activity import logs, visits

    role, db, _ = as_role
    o = office["o"]
    users.login(db, role, PASSWORD)
    day = "2026-11-18"
    # The user's own grid (A) always works.
    visit = visits.record_visit(db, staff_id=office["a"], household_ids=[o.h_zhang], visited_on=day,
                                needs=[(o.h_zhang, "想办老年卡")], today=NOW.date())
    logs.add_entry(db, office["a"], day, "走访张家", household_ids=[o.h_zhang], matter_ids=[office["matters"]["a"]],
                   today=NOW.date())
    M.add_note(db, office["matters"]["a"], "已电话联系", now=NOW)
    elsewhere = [
        lambda: visits.record_visit(db, staff_id=office["b"], household_ids=[o.h_wang], visited_on=day,
                                    today=NOW.date()),
        lambda: logs.add_entry(db, office["b"], day, "走访王家", today=NOW.date()),
        lambda: logs.add_entry(db, office["a"], day, "顺路看了王家", household_ids=[o.h_wang], today=NOW.date()),
        lambda: logs.add_need(db, o.h_wang, "屋顶漏水", today=NOW.date()),
        lambda: M.intake(db, source="phone", category_id=6, grade="difficult", title="噪音", household_id=o.h_wang,
                         now=NOW),
        lambda: M.add_note(db, office["matters"]["b"], "已电话联系", now=NOW),
        lambda: staff.add_staff(db, "新党员", "party_member", org_id=o.grid_b),
        lambda: staff.update_staff(db, office["b"], phone="13900000000"),
        lambda: staff.create_team(db, o.grid_b, "第二服务队"),
        lambda: staff.link_contact(db, office["a"], o.h_wang, since="2026-11-01"),
        lambda: staff.unlink_contact(db, office["b"], o.h_wang, until="2026-11-18"),
    ]
    before = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    if role == "grid_worker":
        for change in elsewhere:
            with pytest.raises(PermissionDenied) as err:
                change()
            assert "不在您负责的范围内" in err.value.message
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == before
        assert not db.execute("SELECT 1 FROM matter_events WHERE matter_id = ? AND note = '已电话联系'",
                              [office["matters"]["b"]]).fetchone()
        # A visit of the worker's own grid is theirs to void; one made elsewhere by a clerk is not.
        visits.void_visit(db, visit, "录错了")
    else:
        for change in elsewhere:
            change()
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] > before


def test_the_visit_logs_needs_and_matters_lists_hold_only_the_scope(office, as_role):
    from gridoffice.activity import logs, visits

    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    assert {d.household_id for d in visits.overdue_households(db, scope=scope, today=NOW.date())} <= (
        {o.h_zhang} if mine else {o.h_zhang, o.h_wang})
    assert [c.id for c in visits.contact_staff(db, scope=scope)] == ([office["a"]] if mine else [office["a"], office["b"]])
    assert set(Q.matter_list(db, scope=scope, now=NOW).ids) == (
        {office["matters"]["a"]} if mine else set(office["matters"].values()))
    assert Q.assignees(db, scope=scope) == []
    if mine:
        with pytest.raises(PermissionDenied):
            visits.visits_of_household(db, o.h_wang, scope=scope)
        assert logs.needs_list(db, scope=scope, household_id=o.h_wang) == []
    else:
        assert visits.visits_of_household(db, o.h_wang, scope=scope) == []


def test_one_visit_log_entry_need_or_matter_fetched_by_id_only_in_the_scope(office, as_role):
    """The single-record reads a page opens by id (a visit, a log entry, a need, a matter and its
    history, the need behind a matter) refuse a grid worker another grid's record, and lists built
    from ids leave it out."""
    from gridoffice.activity import logs, visits

    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    admin = users.whole_office("测试员")
    day = "2026-11-18"
    ids = {}
    for key, staff_id, household in (("a", office["a"], o.h_zhang), ("b", office["b"], o.h_wang)):
        ids[key] = dict(
            visit=visits.record_visit(db, staff_id=staff_id, household_ids=[household], visited_on=day,
                                      needs=[(household, "想办老年卡" + key)], today=NOW.date()),
            entry=logs.add_entry(db, staff_id, day, "走访" + key, household_ids=[household], today=NOW.date()),
            loose=logs.add_entry(db, staff_id, day, "学习文件" + key, today=NOW.date()))
        ids[key]["need"] = logs.needs_list(db, scope=admin, household_id=household)[0].id
        ids[key]["matter"] = logs.need_to_matter(db, ids[key]["need"], category_id=6, grade="difficult", now=NOW)
    for key in ("a", "b"):
        refused = mine and key == "b"
        number = Q.get_matter(db, ids[key]["matter"], scope=admin).number
        reads = [lambda: visits.get_visit(db, ids[key]["visit"], scope=scope).households[0].household_id,
                 lambda: logs.get_entry(db, ids[key]["entry"], scope=scope).text,
                 lambda: logs.get_entry(db, ids[key]["loose"], scope=scope).text,
                 lambda: logs.get_need(db, ids[key]["need"], scope=scope).content,
                 lambda: Q.get_matter(db, ids[key]["matter"], scope=scope).number,
                 lambda: [e.action for e in Q.events(db, ids[key]["matter"], scope=scope)],
                 lambda: Q.find_number(db, number, scope=scope).id]
        for read in reads:
            if refused:
                with pytest.raises(PermissionDenied) as err:
                    read()
                assert "不在您负责的" in err.value.message
            else:
                assert read()
        need = logs.need_of_matter(db, ids[key]["matter"], scope=scope)
        assert (need is None) is refused and (refused or need.content == "想办老年卡" + key)
    both = [ids["a"]["matter"], ids["b"]["matter"]]
    assert [m.id for m in Q.matters_by_ids(db, both, scope=scope)] == (both[:1] if mine else both)


def test_must_visits_campaigns_and_the_board_hold_only_the_scope(office, as_role):
    from gridoffice.activity import board_slips, must_visits

    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    today = NOW.date()
    for household in (o.h_zhang, o.h_wang):
        must_visits.record(db, household, "重病或住院", noted_on="2026-11-18", today=today)
    number = {h: n for h, n in zip((o.h_zhang, o.h_wang), numbers(db, o.h_zhang, o.h_wang))}
    for household in (o.h_zhang, o.h_wang):
        board_slips.add(db, "board", received_on="2026-11-20", content="留言" + number[household],
                        household_number=number[household], today=today)
    board_slips.add(db, "board", received_on="2026-11-20", content="全社区的留言", today=today)
    campaign = must_visits.plan_campaign(db, "年前走访", start_on="2026-11-01", end_on="2026-11-30",
                                         org_id=o.community)
    elsewhere = must_visits.plan_campaign(db, "二网格走访", start_on="2026-11-02", end_on="2026-11-30",
                                          org_id=o.grid_b)
    assert {m.household_id for m in must_visits.pending(db, scope=scope, today=today)} == (
        {o.h_zhang} if mine else {o.h_zhang, o.h_wang})
    assert {i.content for i in board_slips.items(db, "board", scope=scope)} == (
        {"留言" + number[o.h_zhang]} if mine else {"留言" + n for n in number.values()} | {"全社区的留言"})
    assert [c.name for c in must_visits.campaigns(db, 2026, scope=scope)] == (
        ["年前走访"] if mine else ["年前走访", "二网格走访"])
    assert [c.grid for c in must_visits.coverage(db, campaign, scope=scope)] == (
        ["第一网格"] if mine else ["第一网格", "第二网格"])
    if mine:
        with pytest.raises(PermissionDenied):
            must_visits.coverage(db, elsewhere, scope=scope)
    else:
        assert [c.households for c in must_visits.coverage(db, elsewhere, scope=scope)] == [1]


def test_the_dashboard_figures_take_the_scope_not_unit_ids(office, as_role):
    from gridoffice.reports import dashboard as D

    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    today = NOW.date()
    figures = D.activity(db, MONTH, scope=scope, today=today, now=NOW)
    assert {g.grid_id for g in figures.grids} == ({o.grid_a} if mine else {o.grid_a, o.grid_b})
    assert figures.months[-1].received == (1 if mine else 2)
    counts, _ = D.population(db, today, scope=scope)
    assert {c.code: c.count for c in counts}["age:under_6"] == (0 if mine else 1)  # 王小明, grid B
    assert ("disabled" in {c.code for c in counts}) is not mine
    assert sum(c.count for c in D.problem_counts(db, today, scope=scope)) >= 0
    for read in (lambda: D.activity(db, MONTH, scope=scope, today=today, unit_id=o.grid_b),
                 lambda: D.population(db, today, scope=scope, unit_id=o.grid_b),
                 lambda: D.problem_counts(db, today, scope=scope, unit_id=o.grid_b)):
        if mine:
            with pytest.raises(PermissionDenied):
                read()
        else:
            assert read() is not None


def test_the_unit_tree_is_changed_only_below_the_users_own_unit(office, as_role):
    """The tree is the office's: a whole-office role changes it anywhere; a grid worker adds, renames,
    moves and retires units below their grid only, never the grid itself or another grid, and never
    the office's name."""
    role, db, _ = as_role
    o = office["o"]
    users.login(db, role, PASSWORD)
    building = regions.create_unit(db, o.grid_a, "building", "1幢")
    regions.rename_unit(db, building, "一幢")
    before = db.execute("SELECT count(*) FROM audit").fetchone()[0]
    attempts = [lambda: regions.create_unit(db, o.grid_b, "building", "2幢"),
                lambda: regions.create_unit(db, None, "community", "新社区"),
                lambda: regions.rename_unit(db, o.grid_a, "我的网格"),
                lambda: regions.rename_unit(db, o.grid_b, "别人的网格"),
                lambda: regions.move_unit(db, building, o.grid_b),
                lambda: regions.retire_unit(db, o.grid_b, today=NOW.date()),
                lambda: regions.set_office(db, "改名的居委会", o.community)]
    if role == "grid_worker":
        for attempt in attempts:
            with pytest.raises(PermissionDenied) as err:
                attempt()
            assert "不在您负责的范围内" in err.value.message
        assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == before
        assert regions.get_unit(db, o.grid_b).name == "第二网格" and regions.office(db).name == "测试社区居委会"
        assert regions.retire_unit(db, building, today=NOW.date()) == 1
    else:
        for attempt in attempts[:5] + attempts[6:]:
            attempt()
        assert regions.get_unit(db, building).parent_id == o.grid_b and regions.office(db).name == "改名的居委会"


def test_the_completeness_check_names_only_the_scopes_rows(office, as_role):
    """完整性检查 names residents and staff (户主张伟, a party member's name): a grid worker's check,
    from the page or `check`, holds only their grids' problems. Both contact staff are party members
    with one contact household, too few, one in each grid."""
    from gridoffice.archive import completeness

    role, db, scope = as_role
    mine = role == "grid_worker"
    found = consume(completeness.completeness(db, NOW.date(), scope=scope), quiet=True)
    staff_problems = {p.row_id for p in found if p.kind == "party_member_contacts"}
    assert staff_problems == ({office["a"]} if mine else {office["a"], office["b"]})
    assert all("乙联系人" not in p.message for p in found) is mine


def test_the_audit_trail_is_read_only_by_the_roles_that_read_it(office, as_role):
    """The audit entries hold the old and new values of every grid's residents: the core refuses them
    to a clerk and a grid worker, whatever page or command asks."""
    role, db, scope = as_role
    reads = (lambda: journal.query(db, scope=scope), lambda: journal.count(db, scope=scope),
             lambda: journal.actors(db, scope=scope), lambda: journal.actions(db, scope=scope))
    if role in ("admin", "leader"):
        assert journal.count(db, scope=scope) == len(journal.query(db, scope=scope, limit=10_000)) > 0
        assert "测试员" in journal.actors(db, scope=scope) and "create_household" in journal.actions(db, scope=scope)
    else:
        for read in reads:
            with pytest.raises(PermissionDenied) as err:
                read()
            assert "没有“查看操作记录”的权限" in err.value.message


def test_the_display_rows_of_a_window_of_ids_hold_only_the_scope(office, as_role):
    """The archive's and the registers' tables fetch rows by id: an id of another grid (a stale list,
    a crafted call) gives no row, and full numbers are only for a role that reveals them."""
    role, db, scope = as_role
    o = office["o"]
    mine = role == "grid_worker"
    both = [o.h_zhang, o.h_wang]
    assert set(browse.household_rows(db, both, scope=scope)) == ({o.h_zhang} if mine else set(both))
    persons = [o.zhang_wei, o.wang_fang]
    assert set(browse.person_rows(db, persons, scope=scope)) == ({o.zhang_wei} if mine else set(persons))
    assert set(registers.rows(db, persons, scope=scope)) == ({o.zhang_wei} if mine else set(persons))
    if scope.reveal:
        full = browse.person_rows(db, [o.zhang_wei], scope=scope, full_id=True)[o.zhang_wei]
        assert "*" not in full.id_masked  # the field holds the full number when asked for it
    else:
        with pytest.raises(PermissionDenied):
            browse.person_rows(db, [o.zhang_wei], scope=scope, full_id=True)
        with pytest.raises(PermissionDenied):
            browse.household_rows(db, [o.h_zhang], scope=scope, full_phone=True)
