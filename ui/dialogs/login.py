"""Log-in before the main window opens; the office file cannot be read before it.

The dialog works on the file's path: gridoffice.access.session unlocks the file's key slot with the name
and password, opens it and checks the account. After exec() returns Accepted, `user` is the
logged-in gridoffice.access.users.User. An office of an earlier version (plain SQLite) is encrypted at its
first log-in, and its recovery code is shown once. A file nobody can log in to yet (an earlier
version's office before its first start, without any account) asks for the administrator to create;
a file with accounts but no active administrator does not (see users.needs_first_admin): its users
log in as they are and are told that only a backup brings an administrator back.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget,
)

from gridoffice.access import session, users
from gridoffice.store.db import Locked, connect, is_plain
from gridoffice.errors import GridOfficeError


def _accounts_state(path: Path) -> str:
    """"first" (no account yet), "no_admin" (accounts, no active administrator) or "" (as it should be).
    Only a file this process can already read (an earlier version's plain office) may be either."""
    try:
        db = connect(path, readonly=True)
    except (Locked, GridOfficeError):
        return ""
    try:
        if not db["users"].exists():
            return ""
        return "first" if users.needs_first_admin(db) else "no_admin" if users.lacks_admin(db) else ""
    finally:
        db.close()


class LoginDialog(QDialog):
    def __init__(self, path: str | Path, office_name: str = "", parent: QWidget | None = None, *, hint: str = "",
                 user_name: str = ""):
        super().__init__(parent)
        self.path = Path(path)
        self.user: users.User | None = None
        state = _accounts_state(self.path)
        self.first_start = state == "first"
        self.setWindowTitle(self.tr("创建系统管理员") if self.first_start else self.tr("登录"))

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        if self.first_start:
            self.intro.setText(self.tr("这是第一次使用本数据文件。请设置系统管理员的用户名和密码；"
                                       "以后由管理员为其他工作人员添加账号。请牢记密码。"))
        else:
            # An office of the version before encryption is converted by this log-in, not before it.
            text = (self.tr("数据文件“{name}”还没有加密，登录后程序会为它加密。请输入用户名和密码。")
                    if is_plain(self.path) else self.tr("数据文件“{name}”已加密，请输入用户名和密码。"))
            self.intro.setText(office_name or text.format(name=self.path.name))
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
        if state == "no_admin":
            hint = self.tr("这个数据文件里没有在用的系统管理员。为安全起见，程序不会让打开它的人新建管理员："
                           "请用已有的账号登录；管理员账号只能从有管理员的备份中找回，请把数据文件和备份交给本单位的信息化负责人。")
            self.hint.setText(hint)
            self.hint.setStyleSheet("color: #b00020")
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        (self.password if user_name else self.name).setFocus()

    def submit(self) -> None:
        name, password = self.name.text(), self.password.text()
        try:
            if self.first_start:
                if password != self.confirm.text():
                    raise GridOfficeError(self.tr("两次输入的密码不一致，请重新输入"))
                db = connect(self.path)
                try:
                    users.create_first_admin(db, name, password)
                finally:
                    db.close()
            opened = session.log_in(self.path, name, password)
        except GridOfficeError as exc:
            self.error.setText(exc.message)
            self.password.clear()
            self.confirm.clear()
            self.password.setFocus()
            return
        opened.close()  # the window opens its own connections, now that the key is unlocked
        self.user = opened.user
        if opened.recovery_code:
            show_recovery_code(self, opened.recovery_code, converted=True)
        self.accept()


def show_recovery_code(parent: QWidget | None, code: str, *, converted: bool = False) -> None:
    """The recovery code, shown once: it opens the office when the administrator's password is lost."""
    box = QMessageBox(QMessageBox.Icon.Information, parent.tr("恢复码") if parent else "恢复码", "", parent=parent)
    head = (box.tr("数据文件已加密保存。") if converted else box.tr("办公室已建立，数据文件已加密保存。"))
    box.setText(head + box.tr("下面是恢复码，只显示这一次：忘记系统管理员密码时，凭它重新设置密码。"
                              "请抄写或打印后锁进柜子，不要存在这台电脑上。")
                + f"\n\n{code}\n\n" + box.tr("用法：python main.py users recover --db 数据文件 --name 管理员用户名"))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


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
