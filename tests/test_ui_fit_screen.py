"""The office's common screen, 1366×768: the first window fits it, and the archive, matters,
workbench and 走访督查 lists show every column without scrolling sideways, each column other than
the one meant to stretch (an address, a matter's text) as wide as what it shows."""

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import QRect, Qt

from gridoffice.audit import trail
from gridoffice.demo import activity
from gridoffice.store.db import open_db
from ui.context import AppContext
from ui.main_window import MainWindow, first_geometry

# A maximised window on a 1366×768 screen with a 40-pixel taskbar and a 30-pixel title bar.
MAXIMISED_1366 = (1366, 768 - 40 - 30)


def test_the_first_window_is_maximised_on_a_small_screen_and_centred_on_a_large_one():
    assert first_geometry(QRect(0, 0, 1366, 728)) is None  # 1366×768 less its taskbar
    assert first_geometry(QRect(0, 0, 1280, 984)) is None
    place = first_geometry(QRect(0, 0, 1920, 1040))
    assert place.width() >= 1366 and place.height() >= 768
    assert QRect(0, 0, 1920, 1040).contains(place) and place.center() == QRect(0, 0, 1920, 1040).center()
    # A second screen to the right: the window opens on it, whole.
    right = QRect(1920, 0, 1600, 900)
    assert right.contains(first_geometry(right))


@pytest.fixture
def busy_office(small_office_template, tmp_path):
    """The generated office with a year of visits, logs and matters."""
    path = tmp_path / "office.db"
    shutil.copyfile(small_office_template, path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    for _ in activity.add_activity(db, seed=7, today=dt.date(2026, 11, 1)):
        pass
    db.close()
    return path


def assert_fits(table, stretch):
    name = table.model().headerData(stretch, Qt.Orientation.Horizontal)
    assert table.horizontalScrollBar().maximum() == 0, f"{name}: scrolls sideways"
    needs = table.fitter.needs()
    for column, need in enumerate(needs):
        if column != stretch:
            title = table.model().headerData(column, Qt.Orientation.Horizontal)
            assert table.columnWidth(column) >= min(need, table.viewport().width() // 3), f"{title} is cut"
    assert table.columnWidth(stretch) >= 120


def test_every_list_fits_a_maximised_window_on_1366_by_768(qtbot, busy_office):
    ctx = AppContext(busy_office, None)
    win = MainWindow(ctx, persist=False, first_page="archive")
    qtbot.addWidget(win)
    win.resize(*MAXIMISED_1366)
    win.show()
    page = win.current_page()
    qtbot.waitUntil(lambda: not page.is_loading())
    win.load_all_pages()
    # Nothing in any page asks for more than the screen holds (it would push the status bar off).
    hint = win.minimumSizeHint()
    assert hint.width() <= MAXIMISED_1366[0] and hint.height() <= MAXIMISED_1366[1]

    qtbot.waitUntil(lambda: page.household_model.rowCount() > 20)
    qtbot.wait(50)
    assert_fits(page.household_view, 3)
    headers = [page.household_model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.household_model.columnCount())]
    assert headers[-3:] == ["联系类别", "电话", "状态"]

    win.show_page("matters")
    matters = win.current_page()
    matters.state.setCurrentIndex(matters.state.findText("全部状态"))
    qtbot.waitUntil(lambda: matters.model.rowCount() > 20, timeout=10000)
    qtbot.wait(50)
    assert_fits(matters.table, 6)
    assert [matters.model.headerData(c, Qt.Orientation.Horizontal) for c in (8, 9)] == ["网格", "承办"]

    win.show_page("workbench")
    bench = win.current_page()
    qtbot.waitUntil(lambda: bench.contacts.model().rowCount() > 5, timeout=10000)
    qtbot.wait(50)
    assert_fits(bench.contacts, 6)
    assert_fits(bench.log_table, 1)

    win.show_page("visits")
    overdue = win.current_page()
    qtbot.waitUntil(lambda: overdue.grids.model().rowCount() > 0, timeout=10000)
    qtbot.wait(50)
    assert_fits(overdue.grids, 0)
    win.close()
    ctx.close()
