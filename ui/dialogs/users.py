"""用户管理 (administrators only): the accounts of this office file, adding one, resetting a
password, disabling an account. Every change goes through the writer and gridoffice.access.users,
which checks the administrator's permission and records it in the audit trail."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QInputDialog,
    QLabel, QLineEdit, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice import vocab
from gridoffice.access import staff_accounts, users
from gridoffice.org import regions, staff

from ui.dialogs.common import ok_cancel
from ui.widgets.search_combo import searchable

STATUS_LABELS = {"active": "在用", "disabled": "已停用"}


class UserForm(QDialog):
    """A new account: name, display name, role, the unit a grid worker is responsible for, password."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("添加用户"))
        self.name, self.display, self.password, self.again = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox()
        for code, label in users.ROLE_LABELS.items():
            self.role.addItem(self.tr(label), code)
        self.org = QComboBox()
        self.org.addItem(self.tr("（全部）"), None)
        for unit in regions.all_units(ctx.reader()):
            self.org.addItem("　" * unit.depth + unit.name, unit.id)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("用户名(&U)："), self.name)
        form.addRow(self.tr("姓名(&D)："), self.display)
        form.addRow(self.tr("角色(&R)："), self.role)
        form.addRow(self.tr("负责范围(&G)："), self.org)
        form.addRow(self.tr("初始密码(&P)："), self.password)
        form.addRow(self.tr("再输一次(&C)："), self.again)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("添加"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        if self.password.text() != self.again.text():
            self.error.setText(self.tr("两次输入的密码不一致，请重新输入"))
            return
        self.buttons.setEnabled(False)
        scope = self.ctx.scope()
        self.ctx.write(lambda db: users.create_user(db, self.name.text(), self.password.text(), self.role.currentData(),
                                                    by=scope, display_name=self.display.text(),
                                                    org_id=self.org.currentData()),
                       description=self.tr("添加用户"), on_done=lambda _id: self.accept(),
                       on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(getattr(exc, "message", str(exc)))


class UsersDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("用户管理"))
        self.resize(680, 400)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([self.tr("用户名"), self.tr("姓名"), self.tr("角色"), self.tr("负责范围"),
                                              self.tr("对应工作人员"), self.tr("状态")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.add_button = QPushButton(self.tr("添加用户(&A)…"))
        self.reset_button = QPushButton(self.tr("重设密码(&P)…"))
        self.disable_button = QPushButton(self.tr("停用(&D)"))
        self.staff_button = QPushButton(self.tr("对应工作人员(&S)…"))
        self.name_button = QPushButton(self.tr("修改姓名(&N)…"))
        self.name_button.setToolTip(self.tr("报表的制表人、日志的点评人署此姓名；对应了工作人员的账号署工作人员的姓名"))
        self.name_button.clicked.connect(self.rename)
        self.staff_button.clicked.connect(self.link_staff)
        close = QPushButton(self.tr("关闭"))
        self.add_button.clicked.connect(self.add_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.disable_button.clicked.connect(self.disable_user)
        close.clicked.connect(self.accept)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.reset_button, self.name_button, self.staff_button, self.disable_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        db = self.ctx.reader()
        names = regions.unit_names(db)
        self.staff_names = {s.id: s.name for s in staff.staff_list(db, scope=self.ctx.scope(), include_left=True)}
        self.links = staff_accounts.links(db)
        self.users = users.list_users(db, by=self.ctx.user)
        self.table.setRowCount(len(self.users))
        for row, u in enumerate(self.users):
            # The name the account signs with (staff_accounts.real_name): its staff member's once linked.
            cells = (u.name, self.staff_names.get(self.links.get(u.id), "") or u.display_name,
                     self.tr(users.ROLE_LABELS[u.role]),
                     names.get(u.org_id, "") if u.org_id is not None else self.tr("全部"),
                     self.staff_names.get(self.links.get(u.id), ""),
                     self.tr(STATUS_LABELS.get(u.status, u.status)))
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self._update_buttons()

    def selected(self) -> users.User | None:
        row = self.table.currentRow()
        return self.users[row] if 0 <= row < len(self.users) and self.table.selectedItems() else None

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.reset_button.setEnabled(chosen is not None)
        self.staff_button.setEnabled(chosen is not None)
        self.name_button.setEnabled(chosen is not None)
        self.disable_button.setEnabled(
            chosen is not None and chosen.status == "active" and chosen.id != self.ctx.user.id)

    def _done(self, text: str):
        def show(_result=None) -> None:
            self.message.setText(text)
            self.refresh()
        return show

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(getattr(exc, "message", str(exc)))

    def add_user(self) -> None:
        if UserForm(self.ctx, self).exec():
            self.message.setText(self.tr("已添加用户"))
            self.refresh()

    def reset_password(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        password, ok = QInputDialog.getText(self, self.tr("重设密码"),
                                            self.tr("给“{name}”设置新密码（至少8位，字母和数字混合）：").format(name=chosen.name),
                                            QLineEdit.EchoMode.Password)
        if ok:
            self.ctx.write(users.reset_password, self.ctx.user, chosen.id, password, description=self.tr("重设密码"),
                           on_done=self._done(self.tr("已重设“{name}”的密码并解锁").format(name=chosen.name)),
                           on_error=self._refused)

    def rename(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        name, ok = QInputDialog.getText(self, self.tr("修改姓名"),
                                        self.tr("账号“{name}”使用人的真实姓名：").format(name=chosen.name),
                                        QLineEdit.EchoMode.Normal, chosen.display_name)
        if ok:
            self.ctx.write(users.set_display_name, self.ctx.user, chosen.id, name, description=self.tr("修改姓名"),
                           on_done=self._done(self.tr("账号“{user}”的姓名已改为{name}").format(user=chosen.name,
                                                                                        name=name.strip())),
                           on_error=self._refused)

    def disable_user(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        answer = QMessageBox.question(self, self.tr("停用用户"),
                                      self.tr("停用“{name}”后，此账号不能再登录；操作记录里仍保留其名字。确定停用吗？").format(
                                          name=chosen.name))
        if answer == QMessageBox.StandardButton.Yes:
            self.ctx.write(users.disable_user, self.ctx.user, chosen.id, description=self.tr("停用用户"),
                           on_done=self._done(self.tr("已停用“{name}”").format(name=chosen.name)),
                           on_error=self._refused)

    def link_staff(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        dialog = StaffLinkDialog(self.ctx, chosen, self.links.get(chosen.id), self)
        if not dialog.exec():
            return
        staff_id = dialog.staff_id()
        who = self.staff_names.get(staff_id, "") if staff_id is not None else ""
        scope = self.ctx.scope()
        self.ctx.write(lambda db: staff_accounts.link(db, chosen.id, staff_id, by=scope),
                       description=self.tr("账号对应工作人员"),
                       on_done=self._done(self.tr("账号“{user}”对应工作人员{staff}").format(user=chosen.name, staff=who)
                                          if who else self.tr("账号“{user}”不再对应工作人员").format(user=chosen.name)),
                       on_error=self._refused)


class StaffLinkDialog(QDialog):
    """Which staff member an account is: search by typing part of a name (an office has hundreds)."""

    def __init__(self, ctx, user: users.User, current: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("对应工作人员：{name}").format(name=user.display_name or user.name))
        db = ctx.reader()
        units = regions.unit_names(db)
        self.ids: list[int | None] = [None]
        self.combo = QComboBox(self)
        self.combo.addItem(self.tr("（不对应工作人员）"))
        for s in staff.staff_list(db, scope=ctx.scope()):
            self.ids.append(s.id)
            unit = units.get(s.org_id, "")
            kind = vocab.label(vocab.STAFF_KINDS, s.kind)
            self.combo.addItem("　".join(t for t in (s.name, unit, kind) if t))
        searchable(self.combo)
        self.combo.setCurrentIndex(self.ids.index(current) if current in self.ids else 0)
        self.combo.setMinimumContentsLength(24)
        form = QFormLayout()
        form.addRow(self.tr("工作人员(&S)"), self.combo)
        buttons = ok_cancel(self, self.tr("确定"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("输入姓名的一部分查找。对应后，联户手册打开时显示本人的联系户，"
                                        "为他人写日志时会先询问。")))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def staff_id(self) -> int | None:
        index = self.combo.currentIndex()
        return self.ids[index] if 0 <= index < len(self.ids) else None
