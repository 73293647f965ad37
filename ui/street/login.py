"""The street account's log-in, against the store (street_users.log_in: throttled, audited).

Reaching the server and checking the password run on a thread of their own, never on the GUI thread:
a server that is slow, stopped or out of reach leaves the dialog answering (it says it is connecting,
and 取消 leaves at once); PostgreSQL's own connection timeout ends the wait, and the reason is said in
Chinese (store.connection_failure). After a wrong password the connection is kept for the next try.
"""

from __future__ import annotations

import threading

import psycopg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from gridoffice.consolidation import store, street_users
from gridoffice.errors import GridOfficeError
from gridoffice.access.users import LoginFailed

from .widgets import tr


class _Answer(QObject):
    """Brings a log-in's answer back to the GUI thread. The log-in thread holds this child of the
    dialog, never the dialog: it may end after the dialog was left, and a dialog is deleted where
    its last reference goes once its exec() returned (ui.background.Outcome)."""

    finished = Signal(int, object, object, str, bool)  # attempt, connection, user, message, wrong password


class StreetLoginDialog(QDialog):
    """After exec() returns Accepted: `user` is the street account, `access` its connection to the
    store (the window's log-in and audit connection), which the caller then owns."""

    def __init__(self, dsn: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.dsn = dsn
        self.access: psycopg.Connection | None = None
        self.user: street_users.StreetUser | None = None
        self._attempt = 0
        self._busy = False
        self.setWindowTitle(tr("登录街道汇总"))
        intro = QLabel(tr("街道汇总数据库存有各社区居民的信息，请用街道账号登录。"))
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setMaxLength(32)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(tr("用户名(&U)"), self.name)
        form.addRow(tr("密码(&P)"), self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self._answer = _Answer(self)
        self._answer.finished.connect(self._answered)
        self.status.setVisible(False)
        box = QVBoxLayout(self)
        box.addWidget(intro)
        box.addLayout(form)
        box.addWidget(self.status)
        box.addWidget(self.error)
        box.addWidget(self.buttons)
        self.setMinimumWidth(420)

    @property
    def busy(self) -> bool:
        return self._busy

    def submit(self) -> None:
        if self._busy:
            return
        self._attempt += 1
        self._set_busy(True)
        access, self.access = self.access, None
        threading.Thread(target=_log_in, args=(self._answer, self.dsn, self._attempt, access, self.name.text(),
                                               self.password.text()),
                         name="street-login", daemon=True).start()

    def _answered(self, attempt: int, access, user, message: str, wrong: bool) -> None:
        if attempt != self._attempt:  # cancelled meanwhile
            if access is not None:
                access.close()
            return
        self._set_busy(False)
        self.access = access
        if user is not None:
            self.user = user
            self.accept()
            return
        self.error.setText(message)
        self.adjustSize()  # a reason of two lines is shown whole
        if wrong:
            self.password.clear()
        self.password.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        self.name.setEnabled(not busy)
        self.password.setEnabled(not busy)
        self.status.setText(tr("正在连接汇总数据库并核对账号……服务器较慢或连不上时最多等待十几秒，可以按“取消”。")
                            if busy else "")
        self.status.setVisible(busy)
        if busy:
            self.error.clear()
        self.adjustSize()

    def reject(self) -> None:
        """Leaves at once, even while the server is being reached: what that brings back is closed."""
        self._attempt += 1
        self._busy = False
        if self.access is not None:
            self.access.close()
            self.access = None
        super().reject()


def _log_in(answer: _Answer, dsn: str, attempt: int, access: psycopg.Connection | None, name: str,
            password: str) -> None:
    """On the log-in thread: connect (again, when the last connection broke), then log in."""
    user, message, wrong = None, "", False
    try:
        if access is None or access.closed or access.broken:
            if access is not None:
                access.close()
            access = None
            access = store.connect(dsn, migrating=False)
        user = street_users.log_in(access, name, password)
    except LoginFailed as exc:
        message, wrong = exc.message, True
    except GridOfficeError as exc:
        message = exc.message
    except psycopg.Error as exc:
        message = store.failure(exc)
    try:
        answer.finished.emit(attempt, access, user, message, wrong)
    except RuntimeError:  # the dialog is gone: nobody takes the connection
        if access is not None:
            access.close()
