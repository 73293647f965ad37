"""Log-in before the main window opens; on the very first start it creates the administrator.

The dialog works on a plain Database (before any AppContext exists). After exec() returns
Accepted, `user` is the logged-in gridoffice.users.User and the connection's actor is set.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)
from sqlite_utils import Database

from gridoffice import users
from gridoffice.errors import GridOfficeError


class LoginDialog(QDialog):
    def __init__(self, db: Database, office_name: str = "", parent: QWidget | None = None, *, hint: str = "",
                 user_name: str = ""):
        super().__init__(parent)
        self.db = db
        self.user: users.User | None = None
        self.first_start = users.needs_first_admin(db)
        self.setWindowTitle(self.tr("创建系统管理员") if self.first_start else self.tr("登录"))

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        if self.first_start:
            self.intro.setText(self.tr("这是第一次使用本数据文件。请设置系统管理员的用户名和密码；"
                                       "以后由管理员为其他工作人员添加账号。请牢记密码。"))
        else:
            self.intro.setText(office_name or self.tr("请输入用户名和密码。"))
        self.name = QLineEdit()
        self.name.setMaxLength(32)
        self.name.setText(user_name)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")

        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.name)
        form.addRow(self.tr("密码(&P)："), self.password)
        if self.first_start:
            form.addRow(self.tr("再输一次(&C)："), self.confirm)
        else:
            self.confirm.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("创建并登录") if self.first_start else self.tr("登录"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        # Only the demo office passes a hint (its made-up accounts); a real office never shows one.
        self.hint = QLabel(hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555")
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.password if user_name else self.name).setFocus()

    def submit(self) -> None:
        name, password = self.name.text(), self.password.text()
        try:
            if self.first_start:
                if password != self.confirm.text():
                    raise GridOfficeError(self.tr("两次输入的密码不一致，请重新输入"))
                users.create_first_admin(self.db, name, password)
            self.user = users.login(self.db, name, password)
        except GridOfficeError as exc:
            self.error.setText(exc.message)
            self.password.clear()
            self.confirm.clear()
            self.password.setFocus()
            return
        self.accept()


class ChangePasswordDialog(QDialog):
    """The logged-in user changes their own password (through the writer: it is audited)."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("修改密码"))
        self.old, self.new, self.again = QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.old, self.new, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("原密码(&O)："), self.old)
        form.addRow(self.tr("新密码(&N)："), self.new)
        form.addRow(self.tr("再输一次(&C)："), self.again)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("修改"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("用户：{name}").format(name=ctx.user.name)))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        if self.new.text() != self.again.text():
            self.error.setText(self.tr("两次输入的新密码不一致，请重新输入"))
            return
        self.buttons.setEnabled(False)
        self.ctx.write(users.change_password, self.ctx.user.id, self.old.text(), self.new.text(),
                       description=self.tr("修改密码"), on_done=lambda _r: self.accept(), on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(getattr(exc, "message", str(exc)))
