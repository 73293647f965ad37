"""Visits, logs, needs, matters and staff done in the window as a clerk does them: each is checked on
screen and in the core, then taken back with Ctrl+Z or the Edit menu, which names what it undoes."""

import datetime as dt

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from gridoffice.access import users
from gridoffice.activity import logs, visits
from gridoffice.audit import trail
from gridoffice.org import staff
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import open_db
from test_ui_archive import settle, with_dialog
from ui.context import AppContext, User
from ui.main_window import MainWindow
from tests.ui_helpers import office_copy

ADMIN = users.whole_office("测试员")


@pytest.fixture
def window(qtbot, tmp_path):
    """The tiny office with a grid worker contacting 张伟's household, and a matter of that household;
    the window of a leader (who may also comment on logs)."""
    path, office = office_copy(tmp_path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    worker = staff.add_staff(db, "王网格", "grid_worker", org_id=office.grid_a)
    staff.link_contact(db, worker, office.h_zhang, since="2026-01-01")
    # Taken in two hours ago: a step typed in the window is timed to the minute, never before the last one.
    received = dt.datetime.now().replace(microsecond=0) - dt.timedelta(hours=2)
    matter = M.intake(db, source="phone", category_id=6, grade="difficult", title="楼道灯不亮",
                      household_id=office.h_zhang, received_at=received)
    db.close()
    ctx = AppContext(path, user=User("李书记", "leader"))
    win = MainWindow(ctx, persist=False)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.office, win.worker, win.matter = office, worker, matter
    settle(qtbot, win)
    yield win
    win.close()


def undo(qtbot, win, text, *, keys=False):
    """Edit → 撤销 (or Ctrl+Z), which says what it takes back."""
    qtbot.waitUntil(lambda: win.undo_action.text() == "撤销 " + text)
    if keys:
        win.activateWindow()
        qtbot.waitUntil(win.isActiveWindow)
        qtbot.keyClick(win, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    else:
        win.undo_action.trigger()
    settle(qtbot, win)


def ok(dialog):
    """OK; a dialog the core refused stays open with its message: close it, so the test fails saying why."""
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    QTimer.singleShot(4000, dialog, lambda: dialog.isVisible() and dialog.error.isVisible() and (
        REFUSED.append(dialog.error.text()), dialog.reject()))


REFUSED: list[str] = []


@pytest.fixture(autouse=True)
def nothing_refused():
    REFUSED.clear()
    yield
    assert REFUSED == []


def submit(qtbot, win, trigger, fill=lambda dialog: None):
    """Open a dialog with `trigger`, type into it with `fill(dialog)`, press OK and wait for the write."""
    def handle(dialog):
        fill(dialog)
        ok(dialog)

    with_dialog(qtbot, trigger, handle)
    settle(qtbot, win)


def workbench(qtbot, win):
    win.show_page("workbench")
    page = win.current_page()
    page.select_staff(win.worker)
    qtbot.waitUntil(lambda: page.data is not None and page.data.staff_id == win.worker and not page.is_loading())
    return page


def cells(table, column):
    model = table.model()
    return [model.text(r, column) for r in range(model.rowCount())]


def test_a_visit_with_a_need_is_taken_back_with_ctrl_z(qtbot, window):
    page = workbench(qtbot, window)
    h = window.office.h_zhang
    number = page._dues_order[0].number
    assert cells(page.contacts, 4) == ["未走访"]
    page.contacts.selectRow(0)

    def handle(dialog):
        dialog.learned.insertPlainText("老人身体好")
        dialog.need.insert("想参加就业培训")

    submit(qtbot, window, page.visit_button.click, handle)
    reader = window.ctx.reader()
    day = visits.schedule(reader, [h], scope=ADMIN)[h].last_visit
    assert day is not None and cells(page.contacts, 4) == [day]
    assert cells(page.needs_table, 2) == ["想参加就业培训"]
    undo(qtbot, window, f"登记王网格走访户{number}", keys=True)
    assert visits.schedule(reader, [h], scope=ADMIN)[h].last_visit is None
    assert logs.needs_list(reader, household_id=h, scope=ADMIN) == []
    qtbot.waitUntil(lambda: cells(page.contacts, 4) == ["未走访"] and cells(page.needs_table, 2) == [])
    window.redo_action.trigger()
    settle(qtbot, window)
    assert visits.schedule(reader, [h], scope=ADMIN)[h].last_visit == day


def test_a_log_entry_and_a_comment_are_taken_back(qtbot, window):
    page = workbench(qtbot, window)

    def write(dialog):
        dialog.text.insertPlainText("入户宣传防诈骗")
        dialog.households.item(0).setCheckState(Qt.CheckState.Checked)

    submit(qtbot, window, page.log_button.click, write)
    [entry] = logs.entries_of(window.ctx.reader(), window.worker, scope=ADMIN)
    assert entry.text == "入户宣传防诈骗" and cells(page.log_table, 1) == ["入户宣传防诈骗"]
    page.tabs.setCurrentWidget(page.log_table)  # a leader's first tab is 待点评
    page.log_table.selectRow(0)

    submit(qtbot, window, page.comment_button.click, lambda dialog: dialog.text.insertPlainText("走访扎实"))
    assert [c.text for c in logs.get_entry(window.ctx.reader(), entry.id, scope=ADMIN).comments] == ["走访扎实"]
    assert "走访扎实" in cells(page.log_table, 2)[0]
    undo(qtbot, window, f"点评王网格{entry.entry_date}的日志")
    assert logs.get_entry(window.ctx.reader(), entry.id, scope=ADMIN).comments == ()
    qtbot.waitUntil(lambda: cells(page.log_table, 2) == [""])
    undo(qtbot, window, f"写王网格{entry.entry_date}的民情日记")
    assert logs.entries_of(window.ctx.reader(), window.worker, scope=ADMIN) == []
    qtbot.waitUntil(lambda: cells(page.log_table, 1) == [])
    assert not window.undo_action.isEnabled()


def test_a_need_solved_and_a_need_taken_in_as_a_matter_are_taken_back(qtbot, window):
    db = open_db(window.ctx.db_path)
    trail.set_actor(db, "测试员")
    for text in ("门前路灯不亮", "申请居家养老"):
        logs.add_need(db, window.office.h_zhang, text, staff_id=window.worker)
    db.close()
    page = workbench(qtbot, window)
    page.tabs.setCurrentWidget(page.needs_tab)
    first, second = page.data.needs
    page.needs_table.selectRow(0)

    submit(qtbot, window, page.solve_button.click, lambda dialog: dialog.solution.insert("已协调解决"))
    reader = window.ctx.reader()
    assert logs.get_need(reader, first.id, scope=ADMIN).status == "solved"
    assert first.content not in cells(page.needs_table, 2)
    page.needs_table.selectRow(cells(page.needs_table, 2).index(second.content))
    submit(qtbot, window, page.matter_button.click)
    matter_id = logs.get_need(reader, second.id, scope=ADMIN).matter_id
    assert matter_id is not None and Q.get_matter(reader, matter_id, scope=ADMIN).title == second.content
    number = first.household_number
    undo(qtbot, window, f"户{number}的需求“{second.content}”转为事项")
    assert logs.get_need(reader, second.id, scope=ADMIN).matter_id is None
    assert not reader.execute("SELECT 1 FROM matters WHERE id = ?", [matter_id]).fetchone()
    undo(qtbot, window, f"注销户{number}的需求“{first.content}”")
    assert logs.get_need(reader, first.id, scope=ADMIN).status == "open"
    qtbot.waitUntil(lambda: sorted(cells(page.needs_table, 2)) == sorted([first.content, second.content]))


def test_a_paper_week_is_taken_back_whole(qtbot, window):
    page = workbench(qtbot, window)

    def handle(dialog):
        dialog.household.setText(page._dues_order[0].number)
        dialog.add_line()
        assert len(dialog.lines) == 1
        dialog.save()

    with_dialog(qtbot, page.week_button.click, handle)
    settle(qtbot, window)
    reader = window.ctx.reader()
    assert len(visits.visits_of_staff(reader, window.worker, scope=ADMIN)) == 1
    undo(qtbot, window, "录入王网格的一周走访（1条）")
    assert visits.visits_of_staff(reader, window.worker, scope=ADMIN) == []


def matters_page(qtbot, win):
    win.show_page("matters")
    page = win.current_page()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.id == win.matter)
    return page


def test_matter_steps_are_taken_back_but_not_the_residents_evaluation(qtbot, window, monkeypatch):
    page = matters_page(qtbot, window)
    reader = window.ctx.reader()
    number = page.view.matter.number

    def step(action, fill=lambda dialog: None):
        submit(qtbot, window, page.view.buttons[action].click, fill)

    def resolve(dialog):
        dialog.note.insertPlainText("已更换灯泡")

    step("start")
    qtbot.waitUntil(lambda: page.view.matter.state == "in_progress")
    step("resolve", resolve)
    qtbot.waitUntil(lambda: page.view.matter.state == "resolved" and "已更换灯泡" in page.view.timeline.toPlainText())
    undo(qtbot, window, f"办结事项{number}")
    assert Q.get_matter(reader, window.matter, scope=ADMIN).state == "in_progress"
    qtbot.waitUntil(lambda: page.view.matter.state == "in_progress"
                    and "已更换灯泡" not in page.view.timeline.toPlainText())
    undo(qtbot, window, f"开始办理事项{number}")
    assert Q.get_matter(reader, window.matter, scope=ADMIN).state == "received"
    assert [e.action for e in Q.events(reader, window.matter, scope=ADMIN)] == ["receive"]

    # A resident's evaluation is not pushed: Ctrl+Z would take back the step before it, which the
    # evaluation changed since, and is refused in Chinese with nothing changed.
    step("start")
    step("resolve", resolve)

    def evaluate(dialog):
        dialog.satisfaction.setCurrentIndex(dialog.satisfaction.findData("satisfied"))
        dialog.resident_score.setValue(95)

    step("answer", lambda dialog: dialog.note.insertPlainText("电话告知居民"))
    step("evaluate", evaluate)
    qtbot.waitUntil(lambda: page.view.matter.state == "evaluated")
    assert window.undo_action.text() == f"撤销 答复居民事项{number}"
    told = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: told.append((title, text)))
    window.undo_action.trigger()
    settle(qtbot, window)
    assert told == [("未能完成", "这之后事项又有改动，不能撤销")]
    assert Q.get_matter(reader, window.matter, scope=ADMIN).state == "evaluated" and not window.undo_action.isEnabled()


def test_a_new_matter_is_taken_back(qtbot, window):
    page = matters_page(qtbot, window)

    submit(qtbot, window, page.open_intake, lambda dialog: dialog.title.insert("申请临时救助"))
    reader = window.ctx.reader()
    qtbot.waitUntil(lambda: page.view.matter is not None and page.view.matter.title == "申请临时救助")
    new = page.view.matter.id
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    undo(qtbot, window, "受理事项“申请临时救助”")
    assert not reader.execute("SELECT 1 FROM matters WHERE id = ?", [new]).fetchone()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert [page.model.id_at(0)] == [window.matter]


def org_page(qtbot, win):
    win.show_page("org")
    page = win.current_page()
    page.select_unit(win.office.grid_a)
    return page


def names(page):
    model = page.staff_model
    return sorted(model.data(model.index(r, 0)) for r in range(model.rowCount()))


def test_staff_added_and_edited_are_taken_back(qtbot, window):
    page = org_page(qtbot, window)
    page.tabs.setCurrentIndex(0)
    assert names(page) == ["王网格"]
    page.add_staff()
    dialog = page.dialog
    dialog.name.setText("钱志愿")
    dialog.kind.setCurrentIndex(dialog.kind.findData("volunteer"))
    dialog.phone.setText("13812345678")
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None and names(page) == ["王网格", "钱志愿"])
    reader = window.ctx.reader()
    model = page.staff_model
    row = [model.data(model.index(r, 0)) for r in range(model.rowCount())].index("王网格")
    page.staff_table.setCurrentIndex(model.index(row, 0))
    page.edit_staff()
    dialog = page.dialog
    dialog.phone.setText("13912345678")
    ok(dialog)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert staff.get_staff(reader, window.worker, scope=ADMIN).phone == "13912345678"
    undo(qtbot, window, "修改工作人员王网格")
    assert staff.get_staff(reader, window.worker, scope=ADMIN).phone == ""
    undo(qtbot, window, "新增工作人员钱志愿")
    assert not reader.execute("SELECT 1 FROM staff WHERE name = '钱志愿'").fetchone()
    qtbot.waitUntil(lambda: names(page) == ["王网格"])


def test_a_team_and_its_member_are_taken_back(qtbot, window):
    page = org_page(qtbot, window)
    page.tabs.setCurrentIndex(1)
    page.add_team()
    page.dialog.name.setText("第一网格服务团队")
    ok(page.dialog)
    qtbot.waitUntil(lambda: page.team_list.count() == 1)
    page.add_team_member()
    dialog = page.dialog
    dialog.member.setCurrentIndex(dialog.member.findData(window.worker))
    ok(dialog)
    qtbot.waitUntil(lambda: page.members_table.rowCount() == 1)
    reader = window.ctx.reader()
    [team] = staff.teams_of(reader, window.office.grid_a, scope=ADMIN)
    undo(qtbot, window, "王网格加入第一网格服务团队")
    assert staff.team_members(reader, team.id, scope=ADMIN) == []
    qtbot.waitUntil(lambda: page.members_table.rowCount() == 0)
    undo(qtbot, window, "新建服务团队第一网格服务团队")
    assert staff.teams_of(reader, window.office.grid_a, scope=ADMIN) == []
    qtbot.waitUntil(lambda: page.team_list.count() == 0)
