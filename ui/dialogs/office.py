"""A new office: its name, its place in the tree and its administrator; the first start offers it or the demo.

The form only collects what the clerk types (the password twice); what a new office needs, and every
refusal, is gridoffice.store.new_office's, which `users add` on a missing file goes through too.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QButtonGroup, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QVBoxLayout, QWidget)

from gridoffice.errors import GridOfficeError
from gridoffice.normalize import clean_text
from gridoffice.store import new_office
from ui.dialogs.common import ok_cancel
from ui.dialogs.person import ERROR_STYLE


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


class OfficeForm(QWidget):
    """Name of the office, its place in the tree (district / street / community) and its administrator:
    the file is encrypted from its first byte, so the first account is made with it."""

    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder = folder
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("如 东湖社区居民委员会"))
        self.district = QLineEdit()
        self.district.setPlaceholderText(tr("如 江干区（可不填）"))
        self.street = QLineEdit()
        self.street.setPlaceholderText(tr("如 凯旋街道（可不填）"))
        self.community = QLineEdit()
        self.community.setPlaceholderText(tr("如 东湖社区、丁桥村"))
        self.division_code = QLineEdit()
        self.division_code.setMaxLength(24)
        self.division_code.setPlaceholderText(tr("12位，如 330104002001（可暂不填，登记到街道前补上）"))
        self.path = QLineEdit(str(folder / "office.db"))
        browse = QPushButton(tr("选择…"))
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.admin = QLineEdit()
        self.admin.setMaxLength(32)
        self.admin.setPlaceholderText(tr("如 admin"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(tr("至少8个字符，字母和数字混合"))
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        form = QFormLayout(self)
        form.addRow(tr("单位名称(&N)"), self.name)
        form.addRow(tr("所属区县"), self.district)
        form.addRow(tr("所属镇街"), self.street)
        form.addRow(tr("村/社区(&C)"), self.community)
        form.addRow(tr("区划代码"), self.division_code)
        form.addRow(tr("保存位置"), path_row)
        form.addRow(tr("管理员用户名(&A)"), self.admin)
        form.addRow(tr("管理员密码(&P)"), self.password)
        form.addRow(tr("再输一次"), self.again)
        form.addRow(self.message)
        self.community.textChanged.connect(self._suggest_path)

    def _suggest_path(self, text: str) -> None:
        name = clean_text(text)
        if name and Path(self.path.text()).parent == self.folder:
            self.path.setText(str(self.folder / f"{name}.db"))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("新办公室文件保存到"), self.path.text(),
                                              tr("办公室数据库 (*.db)"))
        if path:
            self.path.setText(path if path.endswith(".db") else path + ".db")

    def check(self) -> bool:
        """The core's checks, said under the form (nothing is written); the password typed twice is the form's."""
        if self.password.text() != self.again.text():
            self.message.setText(tr("两次输入的密码不一致，请重新输入"))
            return False
        try:
            new_office.check(self.path.text(), self.admin.text(), self.password.text(), self.place())
        except GridOfficeError as exc:
            self.message.setText(exc.message)
            return False
        self.message.clear()
        return True

    def place(self) -> new_office.Place:
        return new_office.Place(self.name.text(), self.community.text(), self.street.text(), self.district.text(),
                                self.division_code.text())

    def values(self) -> dict:
        return {"place": self.place(), "admin": self.admin.text(), "password": self.password.text()}


def create_office(path: Path, values: dict, parent_widget: QWidget | None = None):
    """A new encrypted office file (gridoffice.store.new_office); shows the recovery code once and returns
    the administrator, logged in. Raises GridOfficeError if it cannot, leaving no file."""
    from ui.dialogs.login import show_recovery_code

    founded = new_office.create(path, values["admin"], values["password"], values["place"],
                                display_name=tr("系统管理员"))
    founded.db.close()
    show_recovery_code(parent_widget, founded.recovery_code)
    return founded.admin


class NewOfficeDialog(QDialog):
    def __init__(self, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("新建办公室"))
        self.form = OfficeForm(folder)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(ok_cancel(self, tr("新建")))
        self.resize(560, 0)

    def accept(self) -> None:
        if self.form.check():
            super().accept()

    def office_path(self) -> Path:
        return Path(self.form.path.text())

    def office_values(self) -> dict:
        return self.form.values()


class FirstStartDialog(QDialog):
    """Shown once, when no office file has been opened yet: a new office, or the demo."""

    def __init__(self, default_folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("欢迎使用网格化管理"))
        self.choice = "new"
        intro = QLabel(tr("这台电脑上还没有办公室数据。请新建本单位的办公室，或先打开演示办公室看看。"))
        intro.setWordWrap(True)
        self.new_radio = QRadioButton(tr("新建本单位的办公室(&N)"))
        self.demo_radio = QRadioButton(tr("打开演示办公室（约2000户虚构数据）(&D)"))
        self.new_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.new_radio)
        group.addButton(self.demo_radio)
        self.form = OfficeForm(default_folder)
        self.demo_radio.toggled.connect(lambda on: self.form.setEnabled(not on))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.new_radio)
        layout.addWidget(self.form)
        layout.addWidget(self.demo_radio)
        layout.addWidget(ok_cancel(self, tr("开始")))
        self.resize(600, 0)

    def accept(self) -> None:
        self.choice = "demo" if self.demo_radio.isChecked() else "new"
        if self.choice == "demo" or self.form.check():
            super().accept()

    def office_path(self) -> Path:
        return Path(self.form.path.text())

    def office_values(self) -> dict:
        return self.form.values()
