"""街道账号, for street administrators: the street's accounts with their role, state and recent
failed log-ins; add one, disable or enable one, set a new password for one (which also clears the
waits its name earned). Every change runs through the core (street_users), which checks the
administrator again and keeps it in the street's audit, on the window's background reader.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
    QVBoxLayout, QWidget,
)

from gridoffice.consolidation import street_users

from .widgets import fill, table, tr


class AccountsPage(QWidget):
    """`host` is the street window: its reader (ask) and its account, an administrator."""

    def __init__(self, host, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.accounts: list[street_users.Account] = []
        self.note = QLabel(tr("街道账号只由街道管理员管理；账号不会删除，停用后不能登录，其操作记录仍在。"))
        self.note.setWordWrap(True)
        self.table = table([tr("用户名"), tr("显示名称"), tr("角色"), tr("状态"), tr("建立于"), tr("建立人"), tr("近期登录失败")])
        self.add_button = QPushButton(tr("添加账号(&A)…"))
        self.toggle_button = QPushButton(tr("停用(&D)"))
        self.password_button = QPushButton(tr("重设密码(&P)…"))
        buttons = QHBoxLayout()
        for button in (self.add_button, self.toggle_button, self.password_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.note)
        box.addLayout(buttons)
        box.addWidget(self.table, 1)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.add_button.clicked.connect(self.add)
        self.toggle_button.clicked.connect(self.toggle)
        self.password_button.clicked.connect(self.reset_password)
        self._selection_changed()

    def shown(self) -> None:
        self.load()

    def load(self) -> None:
        user = self.host.user
        self.host.ask("accounts", lambda ctx: street_users.list_users(ctx.write, user), self._show, self._failed)

    def _show(self, accounts: list[street_users.Account]) -> None:
        chosen = self.selected()
        self.accounts = accounts
        rows = []
        for a in accounts:
            failed = "" if not a.failures else (
                tr("{n}次，需等{s}秒才能再试").format(n=a.failures, s=int(a.wait + 0.999)) if a.wait
                else tr("{n}次").format(n=a.failures))
            rows.append([a.name, a.display_name, tr(street_users.ROLES[a.role]), tr("在用") if a.active else tr("已停用"),
                         a.created_at.astimezone().strftime("%Y-%m-%d"), a.created_by or tr("（第一个账号）"), failed])
        fill(self.table, rows)
        names = [a.name for a in accounts]
        if chosen is not None and chosen.name in names:
            self.table.selectRow(names.index(chosen.name))
        self._selection_changed()

    def _failed(self, message: str) -> None:
        self.note.setText(message)
        self.note.setStyleSheet("color: #b00020")

    def selected(self) -> street_users.Account | None:
        row = self.table.currentRow()
        return self.accounts[row] if 0 <= row < len(self.accounts) and self.table.selectedItems() else None

    def _selection_changed(self) -> None:
        account = self.selected()
        self.toggle_button.setEnabled(account is not None and account.name != self.host.user.name)
        self.password_button.setEnabled(account is not None)
        self.toggle_button.setText(tr("启用(&E)") if account is not None and not account.active else tr("停用(&D)"))

    def _change(self, function, done: str) -> None:
        """Runs a change of an account on the reader, then says it and reads the list again."""
        def said(_result) -> None:
            self.note.setStyleSheet("")
            self.note.setText(done)
            self.load()

        self.host.ask("account_change", function, said, self._failed)

    def toggle(self) -> None:
        account, user = self.selected(), self.host.user
        if account is None:
            return
        active = not account.active
        if not active and QMessageBox.question(
                self, tr("停用街道账号"), tr("停用“{name}”后，这个账号不能再登录（随时可以重新启用）。确定停用吗？").format(
                    name=account.name)) != QMessageBox.StandardButton.Yes:
            return
        self._change(lambda ctx: street_users.set_active(ctx.write, user, account.name, active),
                     (tr("已启用“{name}”") if active else tr("已停用“{name}”")).format(name=account.name))

    def reset_password(self) -> None:
        account, user = self.selected(), self.host.user
        if account is None:
            return
        dialog = AccountDialog(self, name=account.name)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        password = dialog.password.text()
        self._change(lambda ctx: street_users.reset_password(ctx.write, user, account.name, password),
                     tr("已重设“{name}”的密码，并清除了它的登录失败等待。").format(name=account.name))

    def add(self) -> None:
        user = self.host.user
        dialog = AccountDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, display, role, password = (dialog.name.text(), dialog.display_name.text(), dialog.role.currentData(),
                                         dialog.password.text())
        self._change(lambda ctx: street_users.add_user(ctx.write, name, password, role, by=user, display_name=display),
                     tr("已添加街道账号“{name}”").format(name=name.strip()))


class AccountDialog(QDialog):
    """A new account (name, display name, role, password), or, given `name`, a new password for it.
    The password is typed twice; the core's rules (length, letters and digits) are checked on saving."""

    def __init__(self, parent: QWidget | None = None, *, name: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("重设“{name}”的密码").format(name=name) if name else tr("添加街道账号"))
        self.name, self.display_name = QLineEdit(name or ""), QLineEdit()
        self.name.setMaxLength(32)
        self.role = QComboBox()
        for code, label in street_users.ROLES.items():
            self.role.addItem(tr(label), code)
        self.role.setCurrentIndex(list(street_users.ROLES).index("street_staff"))
        self.password, self.again = QLineEdit(), QLineEdit()
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        if name is None:
            form.addRow(tr("用户名(&U)："), self.name)
            form.addRow(tr("显示名称(&N)："), self.display_name)
            form.addRow(tr("角色(&R)："), self.role)
        form.addRow(tr("新密码(&P)："), self.password)
        form.addRow(tr("再输一次(&C)："), self.again)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.error)
        box.addWidget(buttons)

    def submit(self) -> None:
        if not self.name.text().strip():
            self.error.setText(tr("请填写用户名"))
        elif self.password.text() != self.again.text():
            self.error.setText(tr("两次输入的密码不一致，请重新输入"))
        else:
            self.accept()
