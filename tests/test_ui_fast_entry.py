"""Entering a paper week with the keyboard only: household as you type, Enter adds, Ctrl+S saves all."""

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from gridoffice.activity import logs, visits
from gridoffice.audit import trail
from gridoffice.store.db import open_db
from ui import app as app_module
from ui.context import AppContext
from ui.dialogs.fast_entry import FastEntryDialog
from gridoffice.access.users import whole_office

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def setup(small_office_template, tmp_path, qtbot):
    path = tmp_path / "office.db"
    shutil.copyfile(small_office_template, path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    staff_id = max(visits.overdue_by_staff(db, scope=ADMIN), key=lambda c: c.households).id
    mine = {d.household_id for d in visits.contacts_due(db, staff_id, scope=ADMIN)}
    other = db.execute("SELECT id, number FROM households WHERE status = 'active' ORDER BY id DESC").fetchall()
    stranger = next((hid, number) for hid, number in other if hid not in mine)
    db.close()
    app_module.install_font(QApplication.instance())
    ctx = AppContext(path)
    dues = visits.contacts_due(ctx.reader(), staff_id, scope=ADMIN)
    dialog = FastEntryDialog(ctx, staff_id, "测试", dues)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield ctx, dialog, dues, stranger
    ctx.close()


def test_a_week_typed_with_keys(setup, qtbot, tmp_path):
    ctx, dialog, dues, (stranger_id, stranger_number) = setup
    first, second = dues[0], dues[1]
    # The date starts at last week's Monday; the clerk types over the day only.
    dialog.day.setDate(QDate(2026, 11, 9))
    dialog.day.setFocus()
    qtbot.keyClick(dialog.day, Qt.Key.Key_End)
    qtbot.keyClick(dialog.day, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.day, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.day, "16")
    assert dialog.day.date() == QDate(2026, 11, 16)

    # Line 1: the full household number, Enter goes on to 了解情况, Tab to 需求, Enter adds the line.
    qtbot.keyClick(dialog.day, Qt.Key.Key_Tab)
    assert dialog.household.hasFocus()
    qtbot.keyClicks(dialog.household, first.number)
    qtbot.keyClick(dialog.household, Qt.Key.Key_Return)
    assert dialog.learned.hasFocus()
    dialog.learned.insert("老人身体尚可")  # Chinese comes from the input method as committed text
    qtbot.keyClick(dialog.learned, Qt.Key.Key_Tab)
    dialog.need.insert("屋顶漏雨")
    qtbot.keyClick(dialog.need, Qt.Key.Key_Return)
    assert len(dialog.lines) == 1 and dialog.household.hasFocus() and dialog.household.text() == ""

    # Line 2: part of the number, pick from the list with ↓ and Enter; kind changed with the keyboard.
    qtbot.keyClicks(dialog.household, second.number[-4:])
    popup = dialog.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    offered = dialog.model.stringList()
    target = next(i for i, label in enumerate(offered) if label.startswith(second.number))
    for _ in range(target + 1):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert dialog.resolve() == second.household_id
    qtbot.keyClick(dialog.household, Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Return)
    assert len(dialog.lines) == 2 and dialog.lines[1].kind == "return"

    # Line 3: a household that is not theirs, found through the search index as typed.
    qtbot.keyClicks(dialog.household, stranger_number)
    qtbot.waitUntil(lambda: stranger_number in dialog.numbers, timeout=5000)
    qtbot.keyClick(dialog.household, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.learned, Qt.Key.Key_Return)
    assert [line.household_id for line in dialog.lines] == [first.household_id, second.household_id, stranger_id]

    # An unknown household is refused on the spot; Delete takes a line back out.
    qtbot.keyClicks(dialog.household, "zzzz9999")
    qtbot.keyClick(dialog.household, Qt.Key.Key_Return)
    assert "请从提示中选择户" in dialog.error.text() and len(dialog.lines) == 3
    dialog.household.clear()
    dialog.table.setFocus()
    dialog.table.selectRow(2)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    assert len(dialog.lines) == 2 and dialog.table.rowCount() == 2
    dialog.grab().save(str(tmp_path / "fast_entry.png"))

    with qtbot.waitSignal(ctx.changed, timeout=5000):
        qtbot.keyClick(dialog.table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    db = ctx.reader()
    done = visits.schedule(db, [first.household_id, second.household_id], scope=ADMIN)
    assert done[first.household_id].last_visit == "2026-11-16" and done[second.household_id].last_visit == "2026-11-16"
    [visit] = visits.visits_of_household(db, first.household_id, limit=1, scope=ADMIN)
    assert (visit.learned, visit.kind) == ("老人身体尚可", "routine")
    assert [n.content for n in logs.needs_list(db, household_id=first.household_id, scope=ADMIN)] == ["屋顶漏雨"]
    assert not dialog.isVisible()


def test_nothing_to_save(setup, qtbot):
    ctx, dialog, dues, _ = setup
    qtbot.keyClick(dialog.household, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "还没有录入" in dialog.error.text() and dialog.isVisible()
    qtbot.keyClick(dialog.household, Qt.Key.Key_Return)
    assert dialog.lines == [] and dialog.isVisible()


def test_today_is_the_latest_date(setup):
    ctx, dialog, dues, _ = setup
    assert dialog.day.maximumDate() == QDate(dt.date.today())
