"""Role views on the pages that list residents, grids or staff (visits, workbench, matters, cards,
reports): a grid worker sees only their grid's households, staff and matters (filtered in the core
queries, from the user's Scope); an administrator, a leader and a clerk see all."""

import datetime as dt

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from commands._progress import consume
from gridoffice.access import users
from gridoffice.activity import logs, visits
from gridoffice.audit import trail
from gridoffice.org import staff
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import open_db
from ui.context import AppContext
from ui.dialogs.matters import IntakeDialog
from ui.pages.cards_page import CardsPage
from ui.pages.matters_page import MattersPage
from ui.pages.reports_page import ReportsPage
from ui.pages.visits_page import VisitsPage
from ui.pages.workbench_page import WorkbenchPage
from tests.ui_helpers import office_copy

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = users.whole_office("测试员")

PASSWORD = "gridoffice1"
NOW = dt.datetime(2026, 11, 20, 19, 0)
LONG_AGO = (dt.date.today() - dt.timedelta(days=400)).isoformat()


@pytest.fixture
def office(tmp_path):
    """The tiny office (张伟's household in grid A, 王芳's in grid B) with three contact staff, both
    households overdue, and difficult matters in each grid: by grid, and by household only."""
    path, o = office_copy(tmp_path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    users.create_first_admin(db, "admin", PASSWORD)
    users.create_user(db, "grid_a", PASSWORD, "grid_worker", by=ADMIN, org_id=o.grid_a)
    users.create_user(db, "leader", PASSWORD, "leader", by=ADMIN)
    users.create_user(db, "clerk", PASSWORD, "clerk", by=ADMIN)
    a = staff.add_staff(db, "甲联系人", "party_member", org_id=o.grid_a)
    b = staff.add_staff(db, "乙联系人", "party_member", org_id=o.grid_b)
    both = staff.add_staff(db, "丙联系人", "party_member", org_id=o.community)
    for staff_id, household in ((a, o.h_zhang), (b, o.h_wang), (both, o.h_zhang), (both, o.h_wang)):
        staff.link_contact(db, staff_id, household, since=LONG_AGO)
    logs.add_need(db, o.h_wang, "王家屋顶漏水", staff_id=both)
    logs.add_need(db, o.h_zhang, "张家想办老年卡", staff_id=both)

    def add(title, **kw):
        return M.intake(db, source="phone", category_id=6, grade="difficult", title=title,
                        received_at=NOW - dt.timedelta(days=2), now=NOW - dt.timedelta(days=2), **kw)

    matters = {"a": add("第一网格路灯", grid_id=o.grid_a), "b": add("第二网格积水", grid_id=o.grid_b),
               "b_household": add("王家噪音", household_id=o.h_wang)}
    worker, admin = users.login(db, "grid_a", PASSWORD), users.login(db, "admin", PASSWORD)
    by_role = {"admin": admin, "leader": users.login(db, "leader", PASSWORD),
               "clerk": users.login(db, "clerk", PASSWORD), "grid_worker": worker}
    for staff_id, grid in ((a, o.grid_a), (b, o.grid_b)):
        staff.add_team_member(db, staff.create_team(db, grid, f"服务团队{grid}"), staff_id, title="网格长")
    db.close()
    return dict(path=path, o=o, a=a, b=b, both=both, matters=matters, worker=worker, admin=admin, by_role=by_role)


def open_page(cls, office, user, qtbot):
    ctx = AppContext(office["path"], user)
    page = cls(ctx)
    if cls is MattersPage:
        page.clock = lambda: NOW
    qtbot.addWidget(page)
    page.show()
    page.activated()
    if hasattr(page, "is_loading"):
        qtbot.waitUntil(lambda: not page.is_loading(), timeout=5000)
    return ctx, page


def close(ctx, page):
    page.close()  # before the file: a shown page still paints from it
    ctx.close()


def test_the_core_lists_take_the_users_scope(office):
    o = office["o"]
    db = open_db(office["path"])
    scope = users.scope_of(db, office["worker"])
    assert [d.household_id for d in visits.overdue_households(db, scope=scope)] == [o.h_zhang]
    assert {d.household_id for d in visits.overdue_households(db, scope=ADMIN)} == {o.h_zhang, o.h_wang}
    assert [c.id for c in visits.contact_staff(db, scope=scope)] == sorted([office["a"], office["both"]],
                                                                          key=lambda i: i != office["both"])
    assert [d.household_id for d in visits.contacts_due(db, office["both"], scope=scope)] == [o.h_zhang]
    assert [n.content for n in logs.needs_list(db, scope=scope, staff_id=office["both"])] == ["张家想办老年卡"]
    assert Q.matter_list(db, scope=scope, now=NOW).ids == [office["matters"]["a"]]
    assert len(Q.matter_list(db, scope=ADMIN, now=NOW).ids) == 3
    assert [i.matter.id for i in Q.meeting_list(db, NOW.date(), scope=scope, now=NOW)] == [office["matters"]["a"]]
    assert Q.in_scope(db, office["matters"]["b_household"], ADMIN)
    assert not Q.in_scope(db, office["matters"]["b_household"], scope)
    # No units at all (a grid worker whose grid was removed): nothing, not everything.
    db.execute("UPDATE users SET org_id = NULL WHERE name = 'grid_a'")
    nowhere = users.scope_of(db, users.get_user(db, office["worker"].id))
    assert visits.overdue_households(db, scope=nowhere) == [] and Q.matter_list(db, scope=nowhere, now=NOW).ids == []
    db.close()


def test_a_grid_worker_sees_only_their_grids_overdue_households(office, qtbot):
    o = office["o"]
    ctx, page = open_page(VisitsPage, office, office["worker"], qtbot)
    assert [g.id for g in page.grid_rows] == [o.grid_a]
    qtbot.waitUntil(lambda: page.households.model().rowCount() == 1)
    assert page.households.model().text(0, 3) == "张伟"
    assert sorted(s.id for s in page.staff_rows) == sorted([office["a"], office["both"]])
    assert not page.rules_button.isEnabled()
    close(ctx, page)


def test_an_administrator_sees_every_grid(office, qtbot):
    o = office["o"]
    ctx, page = open_page(VisitsPage, office, office["admin"], qtbot)
    assert {g.id for g in page.grid_rows} == {o.grid_a, o.grid_b}
    assert page.rules_button.isEnabled()
    close(ctx, page)


def test_a_grid_worker_picks_only_staff_serving_their_grid(office, qtbot):
    o = office["o"]
    ctx, page = open_page(WorkbenchPage, office, office["worker"], qtbot)
    assert sorted(page._choice_ids) == sorted([office["a"], office["both"]])
    page.select_staff(office["both"])
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == office["both"] and not page.is_loading())
    assert [d.household_id for d in page.data.dues] == [o.h_zhang]
    assert [n.content for n in page.data.needs] == ["张家想办老年卡"]
    close(ctx, page)
    ctx, page = open_page(WorkbenchPage, office, office["admin"], qtbot)
    assert sorted(page._choice_ids) == sorted([office["a"], office["b"], office["both"]])
    page.select_staff(office["both"])
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == office["both"] and not page.is_loading())
    assert {d.household_id for d in page.data.dues} == {o.h_zhang, o.h_wang}
    close(ctx, page)


def listed(page):
    return [page.model.id_at(r) for r in range(page.model.rowCount())]


def test_a_grid_worker_sees_and_takes_in_only_their_grids_matters(office, qtbot):
    ids = office["matters"]
    ctx, page = open_page(MattersPage, office, office["worker"], qtbot)
    qtbot.waitUntil(lambda: listed(page) == [ids["a"]])
    page.search.setText("积水")
    page.reload()
    qtbot.waitUntil(lambda: page.counts.text().startswith("共 0 件"))
    assert listed(page) == []
    page.tabs.setCurrentIndex(1)
    page.meeting.reload()
    assert [i.matter.id for i in page.meeting.items] == [ids["a"]]
    page.tabs.setCurrentIndex(0)
    page.show_matter(ids["b_household"])
    assert page.view.matter is None or page.view.matter.id != ids["b_household"]
    dialog = IntakeDialog(ctx, now=NOW, parent=page)
    qtbot.addWidget(dialog)
    dialog.title.insert("路灯")
    dialog.household.setText(ctx.reader().execute("SELECT number FROM households WHERE id = ?",
                                                  [office["o"].h_wang]).fetchone()[0])
    dialog.save()
    assert "不在您负责的网格内" in dialog.error.text()
    assert ctx.reader().execute("SELECT count(*) FROM matters").fetchone()[0] == 3
    close(ctx, page)


def test_an_administrator_sees_every_matter(office, qtbot):
    ctx, page = open_page(MattersPage, office, office["admin"], qtbot)
    qtbot.waitUntil(lambda: sorted(listed(page)) == sorted(office["matters"].values()))
    close(ctx, page)


ROLES = ("admin", "leader", "clerk", "grid_worker")


@pytest.mark.parametrize("role", ROLES)
def test_the_cards_page_lists_and_prints_only_the_users_grids(office, role, qtbot, monkeypatch):
    o = office["o"]
    ctx, page = open_page(CardsPage, office, office["by_role"][role], qtbot)
    listed_grids = [page.grids.item(i).data(Qt.ItemDataRole.UserRole) for i in range(page.grids.count())]
    mine = role == "grid_worker"
    assert listed_grids == ([o.grid_a] if mine else [o.grid_a, o.grid_b])
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    page.numbers.setText(ctx.reader().execute("SELECT number FROM households WHERE id = ?", [o.h_wang]).fetchone()[0])
    found = page.first_sheet()
    if mine:
        assert found is None and "不在您负责的范围内" in warnings[0]
    else:
        assert [c.household_id for c in found[0]] == [o.h_wang] and not warnings
    assert page.open_record("households", o.h_wang) is not mine
    close(ctx, page)


def combo(box):
    return [(box.itemText(i).strip(), box.itemData(i)) for i in range(box.count())]


@pytest.mark.parametrize("role", ROLES)
def test_the_reports_page_offers_and_exports_only_the_users_scope(office, role, qtbot, tmp_path):
    o = office["o"]
    ctx, page = open_page(ReportsPage, office, office["by_role"][role], qtbot)
    mine = role == "grid_worker"
    units = [data for _, data in combo(page.org)]
    members = {data for _, data in combo(page.staff)}
    assert units == ([None, o.grid_a] if mine else [None, o.community, o.grid_a, o.grid_b])
    assert members == ({office["a"], office["both"]} if mine else {office["a"], office["b"], office["both"]})
    page.month.setCurrentIndex(page.month.findData("2026-11") if page.month.findData("2026-11") >= 0 else 0)
    db = open_db(office["path"])
    trail.set_actor(db, role)
    consume(page.job_factory("summary", tmp_path / "s.xlsx")(db), quiet=True)
    consume(page.job_factory("roster", tmp_path / "r.xlsx")(db), quiet=True)
    db.close()
    grids = {row[0] for row in openpyxl.load_workbook(tmp_path / "s.xlsx").worksheets[0].iter_rows(values_only=True)}
    assert ("第二网格" in grids) is not mine and "第一网格" in grids
    names = {row[1] for row in openpyxl.load_workbook(tmp_path / "r.xlsx").active.iter_rows(min_row=3, values_only=True)}
    assert names == ({"张伟", "李娜", "张小龙"} if mine else {"张伟", "李娜", "张小龙", "王芳", "王小明"})
    close(ctx, page)


@pytest.mark.parametrize("role", ROLES)
def test_the_org_and_registers_pages_show_only_the_users_units(office, role, qtbot):
    from ui.pages.org_page import OrgPage
    from ui.pages.registers_page import RegistersPage

    o, mine = office["o"], role == "grid_worker"
    ctx, page = open_page(OrgPage, office, office["by_role"][role], qtbot)
    assert set(page._units) == ({o.grid_a} if mine else {o.community, o.grid_a, o.grid_b})
    close(ctx, page)
    ctx, page = open_page(RegistersPage, office, office["by_role"][role], qtbot)
    units = {page.scope.itemData(i) for i in range(page.scope.count())} - {None}
    assert units == ({o.grid_a} if mine else {o.community, o.grid_a, o.grid_b})
    # 李娜's disability register only for roles that may see it; 王小明 (4) lives in grid B.
    assert ("disabled" in page._group_items) is not mine
    qtbot.waitUntil(lambda: page._group_items["age:under_6"].text(1) == ("0" if mine else "1"))
    close(ctx, page)


@pytest.mark.parametrize("role", ["admin", "leader", "clerk", "grid_worker"])
def test_the_search_box_refuses_or_records_a_number_search(office, role, qtbot, tmp_path):
    """Search as an oracle, in the window: a guessed ID number typed into the search box is refused
    to roles that may not reveal numbers, and found with an audit entry by those that may."""
    from gridoffice.audit import journal
    from ui.pages.archive_page import ArchivePage

    o = office["o"]
    db = open_db(office["path"])
    number = db.execute("SELECT id_number FROM persons WHERE id = ?", [o.zhang_wei]).fetchone()[0]
    db.close()
    ctx, page = open_page(ArchivePage, office, office["by_role"][role], qtbot)
    page.resize(1366, 768)
    page.search_edit.setText(number)  # searched after the typing pause
    qtbot.waitUntil(lambda: page.results.isVisible() and page.results.count() > 0, timeout=5000)
    shown = page.results.item(0).text()
    qtbot.waitUntil(lambda: not ctx.busy and not page.search.worker.pending, timeout=5000)
    ctx.close()
    db = open_db(office["path"])
    logged = journal.query(db, journal.Filter(action="search_numbers"), scope=ADMIN)
    db.close()
    if role in ("admin", "clerk"):
        assert "张伟" in shown and [(e.actor, e.new["matches"]) for e in logged] == [(role, 1)]
    else:
        assert "最多输入4位数字" in shown and logged == []
        from PySide6.QtWidgets import QApplication

        from ui.app import install_font

        install_font(QApplication.instance())
        page.grab().save(str(tmp_path / f"search-refused-{role}.png"))


@pytest.mark.parametrize("role", ["admin", "leader", "clerk", "grid_worker"])
def test_the_person_form_offers_reveal_only_to_roles_that_may(office, role, qtbot):
    from gridoffice.archive import people
    from ui.dialogs.person import PersonForm

    user = office["by_role"][role]
    ctx = AppContext(office["path"], user)
    form = PersonForm(ctx, person=people.get_person(ctx.reader(), office["o"].zhang_wei, scope=ADMIN))
    qtbot.addWidget(form)
    form.show()
    masked, button = form.masked_cells["id_number"]
    assert masked.isVisible() and "*" in masked.text()
    assert button.isVisible() is (role in ("admin", "clerk"))
    ctx.close()
