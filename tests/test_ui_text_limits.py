"""A form in the window shows the length limit's message under the field and saves nothing."""

import os

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gridoffice.archive import people
from gridoffice.normalize import LIMITS
from ui.context import AppContext
from ui.main_window import MainWindow
from tests.ui_helpers import office_copy
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


@pytest.fixture
def window(qtbot, tmp_path):
    path, office = office_copy(tmp_path)
    win = MainWindow(AppContext(path), persist=False)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.show_page("archive")
    page = win.current_page()
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() == 2)
    win.office = office
    yield win
    win.close()


def test_a_note_over_its_limit_is_named_with_the_limit_and_not_saved(qtbot, window, tmp_path):
    page = window.current_page()
    page.show_household(window.office.h_wang, window.office.wang_fang)
    limit = LIMITS["notes"][1]
    seen = {}

    def handle():
        form = QApplication.activeModalWidget()
        form.edits["notes"].setText("长" * (limit + 1))
        form.accept()
        seen["visible"] = form.isVisible()
        seen["message"] = form.errors["notes"].text()
        if os.environ.get("GRIDOFFICE_SHOTS"):
            form.grab().save(os.environ["GRIDOFFICE_SHOTS"])
        form.reject()

    QTimer.singleShot(0, handle)
    page.actions["edit_person"].trigger()
    assert seen["visible"]
    assert seen["message"] == f"备注过长：最多{limit}个字，现在有{limit + 1}个字，请删减"
    assert people.get_person(window.ctx.reader(), window.office.wang_fang, scope=ADMIN).notes == ""
