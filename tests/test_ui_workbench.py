"""The workbench (联户手册) and the visits page on a generated office with a year of activity."""

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from gridoffice.activity import logs, visits
from gridoffice.audit import trail
from gridoffice.demo import visits as visits_demo
from gridoffice.store.db import open_db
from gridoffice.masking import find_unmasked
from tests.ui_helpers import opened_page
from ui import app as app_module
from ui.context import AppContext, User
from ui.pages.visits_page import VisitsPage
from ui.pages.workbench_page import WorkbenchPage
from gridoffice.access.users import whole_office
from ui.dialogs.visits import (CommentDialog, LogEntryDialog, NeedMatterDialog, SolveNeedDialog, VisitDialog,
                               VisitRulesDialog)

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture(scope="module")
def activity_template(small_office_template, tmp_path_factory):
    """The small office with a year of activity, built once for this module."""
    path = tmp_path_factory.mktemp("activity") / "office.db"
    shutil.copyfile(small_office_template, path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    visits_demo.generate_activity(db, seed=11, today=dt.date.today())
    db.close()
    return path


@pytest.fixture
def office_path(activity_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    return path


def open_page(cls, path, qtbot, role="leader"):
    return opened_page(cls, path, qtbot, user="镇党委书记", role=role)


def busiest(path) -> int:
    db = open_db(path)
    staff_id = max(visits.overdue_by_staff(db, scope=ADMIN), key=lambda c: c.households).id
    db.close()
    return staff_id


def test_workbench_shows_a_staff_members_work(office_path, qtbot, tmp_path):
    staff_id = busiest(office_path)
    ctx, page = open_page(WorkbenchPage, office_path, qtbot)
    page.select_staff(staff_id)
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == staff_id and not page.is_loading())
    data = page.data
    assert page.contacts.model().rowCount() == len(data.dues) > 0
    # Overdue first: every overdue row comes before the first one that is not.
    states = [d.state for d in page._dues_order]
    assert states == sorted(states, key=lambda s: s != "overdue")
    model = page.contacts.model()
    shown = [model.text(r, c) for r in range(model.rowCount()) for c in range(7)]
    assert not find_unmasked(" ".join(shown))
    assert "联系" in page.caption.text() and page.log_table.model().rowCount() == len(data.entries)
    page.grab().save(str(tmp_path / "workbench.png"))
    ctx.close()


def test_record_visit_and_comment(office_path, qtbot, monkeypatch):
    staff_id = busiest(office_path)
    ctx, page = open_page(WorkbenchPage, office_path, qtbot)
    page.select_staff(staff_id)
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == staff_id and not page.is_loading())
    overdue = page._dues_order[0]
    page.contacts.selectRow(0)
    dialogs = []
    monkeypatch.setattr(VisitDialog, "exec", lambda self: dialogs.append(self) or 0)
    page.record_visit()
    dialog = dialogs[0]
    assert [dialog.households.item(i).data(0x0100) for i in range(dialog.households.count())
            if dialog.households.item(i).checkState() == Qt.CheckState.Checked] == [overdue.household_id]
    # Chinese arrives through the input method as committed text, not as key presses.
    dialog.learned.insertPlainText("老人身体好")
    dialog.need.insert("想参加就业培训")
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        dialog.save()
    db = ctx.reader()
    assert visits.schedule(db, [overdue.household_id], scope=ADMIN)[overdue.household_id].last_visit == dt.date.today().isoformat()
    assert logs.needs_list(db, household_id=overdue.household_id, scope=ADMIN)[0].content == "想参加就业培训"
    # A leader comments on the newest entry, signed with the user's name.
    page.reload()
    qtbot.waitUntil(lambda: not page.is_loading())
    page.tabs.setCurrentWidget(page.log_table)
    page.log_table.selectRow(0)
    entry = page.data.entries[0]
    comment = CommentDialog(ctx, entry, page)
    comment.text.insertPlainText("走访扎实")
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        comment.save()
    assert logs.get_entry(ctx.reader(), entry.id, scope=ADMIN).comments[-1].author == "镇党委书记"
    ctx.close()


def test_only_leaders_comment(office_path, qtbot):
    ctx, page = open_page(WorkbenchPage, office_path, qtbot, role="clerk")
    assert not page.comment_button.isEnabled()
    # A clerk has no 待点评 list: commenting is a leader's work.
    assert "待点评" not in [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert not page.waiting_table.isVisible()
    ctx.close()


def test_a_leader_comments_from_one_list_across_all_staff(office_path, qtbot, monkeypatch, tmp_path):
    """待点评: every staff member's uncommented entries in one list, newest first; a comment takes
    the entry off it without picking its writer in the staff list first."""
    ctx, page = open_page(WorkbenchPage, office_path, qtbot)
    assert page.tabs.currentWidget() is page.waiting_table
    db = ctx.reader()
    expected, total = logs.waiting_for_comment(db, scope=ADMIN)
    writers = {e.staff_id for e in expected}
    assert total > len(writers) > 1  # not one staff member's list
    model = page.waiting_table.model()
    assert model.rowCount() == len(expected) and page.waiting.total == total
    assert [model.text(r, 1) for r in range(3)] == [e.staff_name for e in expected[:3]]
    dates = [model.text(r, 0) for r in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True)
    assert str(total) in page.tabs.tabText(0)
    page.grab().save(str(tmp_path / "waiting.png"))

    # The entry of someone other than the staff member the page shows.
    row = next(r for r, e in enumerate(page.waiting.entries) if e.staff_id != page.data.staff_id)
    entry = page.waiting.entries[row]
    page.waiting_table.selectRow(row)
    assert page.comment_button.isEnabled()
    opened = []

    def answer(dialog):
        opened.append(dialog)
        dialog.text.insertPlainText("情况记录清楚")
        dialog.save()
        return 0
    monkeypatch.setattr(CommentDialog, "exec", answer)
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        qtbot.mouseClick(page.comment_button, Qt.MouseButton.LeftButton)
    assert opened[0].entry_id == entry.id
    assert logs.get_entry(ctx.reader(), entry.id, scope=ADMIN).comments[-1].text == "情况记录清楚"
    page.reload()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=5000)
    assert page.waiting.total == total - 1 and entry.id not in [e.id for e in page.waiting.entries]
    ctx.close()


def test_the_waiting_list_keeps_to_the_scope(office_path):
    db = open_db(office_path)
    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    from gridoffice.access import users
    scope = users.scope_of(db, User("网格员", "grid_worker", grid))
    entries, total = logs.waiting_for_comment(db, scope=scope, limit=10_000)
    everyone, _ = logs.waiting_for_comment(db, scope=ADMIN, limit=10_000)
    assert 0 < total == len(entries) < len(everyone)
    for e in entries:
        for hid, _number in e.households:
            org = db.execute("SELECT org_id FROM households WHERE id = ?", [hid]).fetchone()[0]
            assert scope.sees(org)
    db.close()


def test_visits_page_lists_overdue_per_grid_and_staff(office_path, qtbot, tmp_path):
    ctx, page = open_page(VisitsPage, office_path, qtbot)
    qtbot.waitUntil(lambda: page.grids.model().rowCount() > 0 and not page.is_loading())
    db = ctx.reader()
    expected = visits.overdue_by_grid(db, scope=ADMIN)
    grids = page.grids.model()
    assert grids.rowCount() == len(expected)
    assert (grids.text(0, 0), grids.text(0, 2)) == (expected[0].name, str(expected[0].overdue))
    page.grids.selectRow(0)
    qtbot.waitUntil(lambda: page.staff_table.model().rowCount() > 0 and not page.is_loading())
    overdue = visits.overdue_households(db, grid_id=expected[0].id, scope=ADMIN)
    assert page.households.model().rowCount() == len(overdue)
    page.grab().save(str(tmp_path / "visits.png"))
    rules = VisitRulesDialog(ctx, page)
    assert any("来源文章没有规定走访周期" in label.text() for label in rules.findChildren(QLabel))
    rules.spins[3].setValue(120)
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        rules.save()
    assert visits.visit_rules(ctx.reader())[3] == 120
    ctx.close()


def test_write_a_log_entry(office_path, qtbot, monkeypatch):
    ctx, page = open_page(WorkbenchPage, office_path, qtbot)
    qtbot.waitUntil(lambda: page.data is not None and not page.is_loading())
    dialogs = []
    monkeypatch.setattr(LogEntryDialog, "exec", lambda self: dialogs.append(self) or 0)
    page.write_log()
    dialog = dialogs[0]
    dialog.households.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.save()  # empty text: refused inside the dialog, nothing written
    qtbot.waitUntil(lambda: dialog.error.text() != "")
    assert "请填写日志内容" in dialog.error.text()
    dialog.text.insertPlainText("入户宣传防诈骗")
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        dialog.save()
    [entry] = logs.entries_of(ctx.reader(), page.data.staff_id, limit=1, scope=ADMIN)
    assert entry.text == "入户宣传防诈骗" and entry.households[0][0] == page._dues_order[0].household_id
    ctx.close()


def test_visits_page_opens_a_staff_members_workbench(office_path, qtbot):
    ctx, page = open_page(VisitsPage, office_path, qtbot)
    qtbot.waitUntil(lambda: page.staff_table.model().rowCount() > 0 and not page.is_loading())
    bench = WorkbenchPage(ctx)
    qtbot.addWidget(bench)
    ctx.navigate_requested.connect(bench.open_record)
    page.staff_table.selectRow(0)
    page._open_workbench(page.staff_table.model().index(0, 0))
    qtbot.waitUntil(lambda: bench.data is not None and not bench.is_loading())
    assert bench.data.staff_id == page.staff_rows[0].id
    ctx.close()


def test_needs_are_closed_or_taken_in_as_matters(office_path, qtbot, monkeypatch):
    # The generated year leaves a random number of needs open on the day the suite runs: give the
    # busiest staff member two open ones whatever that day is.
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    staff_id, household_id = db.execute(
        "SELECT c.staff_id, c.household_id FROM contacts c LEFT JOIN needs n ON n.staff_id = c.staff_id "
        "AND n.status = 'open' WHERE c.until IS NULL GROUP BY c.staff_id ORDER BY count(n.id) DESC, c.staff_id "
        "LIMIT 1").fetchone()
    while len(logs.needs_list(db, staff_id=staff_id, scope=ADMIN)) < 2:
        logs.add_need(db, household_id, "门前路灯不亮", staff_id=staff_id)
    db.close()
    ctx, page = open_page(WorkbenchPage, office_path, qtbot)
    page.select_staff(staff_id)
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == staff_id and not page.is_loading())
    dialogs = []
    for cls in (SolveNeedDialog, NeedMatterDialog):
        monkeypatch.setattr(cls, "exec", lambda self: dialogs.append(self) or 0)
    first, second = page.data.needs[0], page.data.needs[1]
    page.tabs.setCurrentIndex(2)
    page.needs_table.selectRow(0)
    page.solve_need()
    dialogs[-1].solution.insert("已协调解决")
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        dialogs[-1].save()
    # The page re-reads after the change: the solved need has left the open list.
    qtbot.waitUntil(lambda: not page.is_loading() and first.id not in [n.id for n in page.data.needs])
    page.needs_table.selectRow([n.id for n in page.data.needs].index(second.id))
    page.need_to_matter()
    with qtbot.waitSignal(ctx.changed, timeout=5000):
        dialogs[-1].save()
    reader = ctx.reader()
    assert logs.get_need(reader, first.id, scope=ADMIN).status == "solved"
    linked = logs.get_need(reader, second.id, scope=ADMIN)
    assert linked.matter_id is not None and logs.need_of_matter(reader, linked.matter_id, scope=ADMIN).id == second.id
    ctx.close()


def test_an_account_linked_to_a_staff_member_opens_on_their_record_and_is_asked_before_typing_for_others(
        office_path, qtbot, monkeypatch):
    """The administrator links the account “wang” to a staff member in 用户管理 (typing part of the
    name); wang's workbench then opens on that member's contacts, not on the first of the list, and a
    log typed under someone else's name is asked about first."""
    from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

    from gridoffice.access import staff_accounts, users
    from gridoffice.org import staff
    from ui.dialogs import users as users_dialog

    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    choices = visits.contact_staff(db, scope=ADMIN)
    own, first = choices[-1].id, choices[0].id
    wang_id = users.create_user(db, "wang", "gridoffice1", "clerk", by=users.whole_office("测试员"),
                                display_name="王工作")
    admin = users.get_user(db, users.create_user(db, "zhuren", "gridoffice1", "admin", by=users.whole_office("测试员")))
    own_name = staff.get_staff(db, own, scope=ADMIN).name
    db.close()

    admin_ctx = AppContext(office_path, user=admin)
    manage = users_dialog.UsersDialog(admin_ctx)
    qtbot.addWidget(manage)
    manage.table.selectRow(next(r for r, u in enumerate(manage.users) if u.name == "wang"))

    seen = {}

    def pick(dialog):
        dialog.combo.setFocus()
        dialog.combo.lineEdit().clear()
        dialog.combo.lineEdit().insert(own_name)  # Chinese comes from the input method, as one commit
        seen["offered"] = [dialog.combo.completer().completionModel().index(r, 0).data()
                           for r in range(dialog.combo.completer().completionCount())]
        dialog.combo.setCurrentIndex(dialog.ids.index(own))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    monkeypatch.setattr(users_dialog.StaffLinkDialog, "exec",
                        lambda self: pick(self) or self.result() == users_dialog.QDialog.DialogCode.Accepted)
    with qtbot.waitSignal(admin_ctx.write_finished, timeout=5000):
        manage.staff_button.click()
    qtbot.waitUntil(lambda: own_name in [manage.table.item(r, 4).text() for r in range(manage.table.rowCount())])
    assert staff_accounts.staff_of(admin_ctx.reader(), wang_id) == own
    assert seen["offered"] and all(own_name in text for text in seen["offered"])  # searched as typed
    admin_ctx.close()

    app_module.install_font(QApplication.instance())
    ctx = AppContext(office_path, user=users.get_user(open_db(office_path), wang_id))
    page = WorkbenchPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page.data is not None and not page.is_loading(), timeout=5000)
    assert page.data.staff_id == own and page.own_staff == own  # not the first of the list
    opened, asked = [], []
    monkeypatch.setattr(LogEntryDialog, "exec", lambda self: opened.append(self) or 0)
    page.write_log()  # one's own record: no question
    assert len(opened) == 1
    page.select_staff(first)
    qtbot.waitUntil(lambda: page.data.staff_id == first and not page.is_loading(), timeout=5000)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text: asked.append(text) or QMessageBox.StandardButton.No)
    page.write_log()
    assert len(opened) == 1 and page.staff_name() in asked[0] and "名下" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text: QMessageBox.StandardButton.Yes)
    page.write_log()
    assert len(opened) == 2 and opened[-1].staff_id == first
    ctx.close()
