"""Data safety wired into the window: log-in, role views, masking, backups, storage errors."""

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from gridoffice import audit, lock, users
from gridoffice.db import open_db
from ui.main_window import MainWindow
from ui_helpers import office_copy

PASSWORD = "gridoffice1"


@pytest.fixture
def office_file(tmp_path):
    path, office = office_copy(tmp_path)
    db = open_db(path)
    audit.set_actor(db, "测试员")
    users.create_first_admin(db, "admin", PASSWORD)
    users.create_user(db, "grid_a", PASSWORD, "grid_worker", org_id=office.grid_a)
    db.close()
    return path, office


def test_log_in_says_a_wrong_password_then_opens_as_the_user(qtbot, office_file):
    path, _ = office_file
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        dialog.name.setText("grid_a")
        dialog.password.setText("wrong-pass1")
        dialog.submit()
        seen.append(dialog.error.text())
        dialog.password.setText(PASSWORD)
        dialog.submit()

    QTimer.singleShot(0, answer)
    window = MainWindow.open(path, persist=False)
    qtbot.addWidget(window)
    assert seen == ["用户名或密码不正确"]
    assert isinstance(window.ctx.user, users.User) and window.ctx.user.role == "grid_worker"
    assert audit.actor(window.ctx._write_db) == "grid_a"
    window.close()


def test_quitting_the_log_in_opens_nothing(qtbot, office_file):
    path, _ = office_file
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert MainWindow.open(path, persist=False) is None
    assert lock.holder(path) is None
