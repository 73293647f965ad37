"""Dialogs: first start, new office, household fields, picking a unit, and the household operations.

Each operation dialog collects what the core needs and says in words what will happen; the
page then asks for a final confirmation and sends the core call through AppContext.write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from gridoffice import vocab
from gridoffice.archive import households, kinship
from gridoffice.org import regions
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.archive.households import Household
from gridoffice.masking import mask_phone
from gridoffice.normalize import clean_text, normalize_phone
from gridoffice.archive.people import Person

from .person_form import ERROR_STYLE, code_combo, set_combo
from .reveal_dialog import ask_reveal
from .widgets.dates import date_edit, day_of


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def confirm(parent: QWidget | None, title: str, text: str, *, undoable: bool) -> bool:
    """The last word before a change: says what will happen and whether Ctrl+Z can take it back."""
    note = tr("可以用“撤销”(Ctrl+Z)恢复。") if undoable else tr("此操作不能撤销，办理后可在“历史”中查看。")
    box = QMessageBox(QMessageBox.Icon.Question, title, f"{text}\n\n{note}", parent=parent)
    ok = box.addButton(tr("确定办理"), QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(ok if undoable else cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is ok


def save_path(parent: QWidget, title: str, start: Path, suffix: str) -> Path | None:
    """Ask where to save an .xlsx or .pdf, proposing `start`; the suffix is added when left out."""
    filt = tr("Excel 工作簿 (*.xlsx)") if suffix == "xlsx" else tr("PDF 文件 (*.pdf)")
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(start), filt)
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == "." + suffix else path.with_name(path.name + "." + suffix)


def ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def member_label(person: Person) -> str:
    return f"{person.name}（{vocab.label(vocab.RELATIONS, person.relation)}）"




# -- a new office ------------------------------------------------------------------------------

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
        if not clean_text(self.community.text()):
            self.message.setText(tr("请填写村或社区的名称"))
            return False
        if not clean_text(self.name.text()):
            self.message.setText(tr("请填写单位名称"))
            return False
        if Path(self.path.text()).exists():
            self.message.setText(tr("文件{path}已存在，请换一个保存位置").format(path=self.path.text()))
            return False
        if not clean_text(self.admin.text()):
            self.message.setText(tr("请填写系统管理员的用户名"))
            return False
        if self.password.text() != self.again.text():
            self.message.setText(tr("两次输入的密码不一致，请重新输入"))
            return False
        self.message.clear()
        return True

    def values(self) -> dict:
        return {"name": self.name.text(), "district": self.district.text(), "street": self.street.text(),
                "community": self.community.text(), "admin": self.admin.text(), "password": self.password.text()}


def create_office(path: Path, values: dict, parent_widget: QWidget | None = None):
    """A new encrypted office file with its administrator and its place in the tree; shows the
    recovery code once and returns the administrator, logged in. Raises GridOfficeError if it cannot."""
    from gridoffice.access import keys, session

    from .login_dialog import show_recovery_code

    path = Path(path)
    if path.exists():
        raise ValidationError("path", tr("文件{path}已存在").format(path=path))
    db, code = session.create_office(path, values.get("admin", ""), values.get("password", ""),
                                     display_name=tr("系统管理员"))
    try:
        parent = None
        for level in ("district", "street", "community"):
            name = clean_text(values.get(level, ""))
            if name:
                parent = regions.create_unit(db, parent, level, name)
        regions.set_office(db, values["name"], parent)
        admin = session.authenticate(db, clean_text(values.get("admin", "")))
    except GridOfficeError:
        db.close()
        for leftover in (path, keys.path_for(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        raise
    db.close()
    show_recovery_code(parent_widget, code)
    return admin


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


# -- household fields and units ----------------------------------------------------------------

class UnitPicker(QTreeWidget):
    """The organisation tree (active units) to pick one from."""

    def __init__(self, db, current: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        items: dict[int, QTreeWidgetItem] = {}
        for unit in regions.all_units(db):
            parent_item = items.get(unit.parent_id)
            item = QTreeWidgetItem([f"{unit.name}（{vocab.label(vocab.ORG_LEVELS, unit.level)}）"])
            item.setData(0, Qt.ItemDataRole.UserRole, unit.id)
            (parent_item.addChild(item) if parent_item else self.addTopLevelItem(item))
            items[unit.id] = item
        self.expandToDepth(2)
        if current in items:
            self.setCurrentItem(items[current])
            self.scrollToItem(items[current])

    def unit_id(self) -> int | None:
        item = self.currentItem()
        return item.data(0, Qt.ItemDataRole.UserRole) if item else None

    def unit_text(self) -> str:
        item = self.currentItem()
        return item.text(0) if item else ""


class HouseholdDialog(QDialog):
    """The household's own fields: for a new household (with its unit) or to edit one.

    A stored phone is shown masked and read-only; the clerk either reveals it (a logged act with a
    reason, ui/reveal_dialog.py) or types a new one. Until then the stored value is kept as it is,
    so the masked text is never saved."""

    def __init__(self, ctx, *, household: Household | None = None, org_id: int | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.setWindowTitle(tr("修改户信息：{n}").format(n=household.number) if household else tr("新建户"))
        self.number = QLineEdit(household.number if household else "")
        self.number.setPlaceholderText(tr("留空则自动编号"))
        self.address = QLineEdit(household.address if household else "")
        stored_phone = household.phone if household else ""
        self.phone_open = not stored_phone
        self.phone = QLineEdit(mask_phone(stored_phone) if stored_phone else "")
        self.phone.setReadOnly(not self.phone_open)
        self.reveal_phone = QPushButton(tr("显示完整号码"))
        self.reveal_phone.setVisible(bool(stored_phone) and ctx.can("reveal"))
        self.reveal_phone.clicked.connect(self._reveal_phone)
        self.replace_phone = QPushButton(tr("重新填写"))
        self.replace_phone.setToolTip(tr("不看原号码，直接填写新号码"))
        self.replace_phone.setVisible(bool(stored_phone))
        self.replace_phone.clicked.connect(self._replace_phone)
        phone_row = QHBoxLayout()
        phone_row.setContentsMargins(0, 0, 0, 0)
        phone_row.addWidget(self.phone, 1)
        phone_row.addWidget(self.reveal_phone)
        phone_row.addWidget(self.replace_phone)
        self.contact_class = QComboBox()
        for code, text in vocab.CONTACT_CLASSES.items():
            self.contact_class.addItem(vocab.label(vocab.CONTACT_CLASSES, code), code)
        self.contact_class.setCurrentIndex(self.contact_class.findData(household.contact_class if household else 3))
        self.notes = QLineEdit(household.notes if household else "")
        form = QFormLayout()
        self.picker = None
        if household is None:
            self.picker = UnitPicker(ctx.reader(), org_id)
            self.picker.setMinimumHeight(200)
            form.addRow(tr("所属网格(&G)"), self.picker)
        form.addRow(tr("户号"), self.number)
        form.addRow(tr("地址(&A)"), self.address)
        form.addRow(tr("电话"), phone_row)
        form.addRow(tr("联系类别"), self.contact_class)
        form.addRow(tr("备注"), self.notes)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.buttons = ok_cancel(self, tr("下一步：填写户主") if household is None else tr("保存"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(620, 0)
        self._reader = ctx.reader()
        self.phone.textChanged.connect(self.validate)
        self.number.textChanged.connect(self.validate)
        self.validate()

    def validate(self) -> bool:
        """Phone and number checked as typed, with the core's rules; OK stays disabled while wrong."""
        problem = ""
        try:
            if self.phone_open:
                normalize_phone(self.phone.text())
        except ValidationError as exc:
            problem = exc.message
        number = clean_text(self.number.text())
        if not problem and number:
            if households.number_taken(self._reader, number, self.household.id if self.household else None):
                problem = tr("户号“{n}”已被其他户使用，请换一个").format(n=number)
        elif not problem and self.household is not None:
            problem = tr("户号不能为空")
        self.message.setText(problem)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if not self.validate():
            return
        if self.picker is not None and self.picker.unit_id() is None:
            self.message.setText(tr("请选择该户所属的网格或单元"))
            return
        if self.household is not None and not self.changes():
            self.message.setText(tr("还没有改动"))
            return
        super().accept()

    def _open_phone(self, text: str) -> None:
        self.phone_open = True
        self.phone.setReadOnly(False)
        self.phone.setText(text)
        self.reveal_phone.hide()
        self.replace_phone.hide()
        self.phone.setFocus()

    def _reveal_phone(self) -> None:
        value = ask_reveal(self.ctx, "households", self.household.id, "phone", self.phone.text(), self)
        if value is not None:
            self._open_phone(value)

    def _replace_phone(self) -> None:
        self._open_phone("")

    def values(self) -> dict:
        phone = self.phone.text() if self.phone_open else self.household.phone
        values = {"address": self.address.text(), "phone": phone,
                  "contact_class": self.contact_class.currentData(), "notes": self.notes.text()}
        if self.household is None:
            values["org_id"] = self.picker.unit_id()
            values["number"] = self.number.text() or None
        else:
            values["number"] = self.number.text()
        return values

    def changes(self) -> dict:
        """Fields that differ from the household as stored (edit mode)."""
        h = self.household
        return {k: v for k, v in self.values().items() if v != getattr(h, k)}


class UnitDialog(QDialog):
    def __init__(self, ctx, title: str, current: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.picker = UnitPicker(ctx.reader(), current)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(ok_cancel(self, tr("确定")))
        self.resize(420, 520)


# -- relations of several members --------------------------------------------------------------

class RelationTable(QTableWidget):
    """One row per member: (optionally) a tick to include them, and their relation to the head."""

    def __init__(self, people: list[Person], *, checkable: bool = False, parent: QWidget | None = None):
        super().__init__(len(people), 2, parent)
        self.people = people
        self.setHorizontalHeaderLabels([tr("成员"), tr("与（新）户主关系")])
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().setVisible(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.combos: dict[int, QComboBox] = {}
        for row, person in enumerate(people):
            item = QTableWidgetItem(member_label(person))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | (Qt.ItemFlag.ItemIsUserCheckable if checkable else Qt.ItemFlag.NoItemFlags))
            if checkable:
                item.setCheckState(Qt.CheckState.Unchecked)
            self.setItem(row, 0, item)
            combo = code_combo(vocab.RELATIONS, exclude=("head",))
            set_combo(combo, person.relation if person.relation != "head" else "other_relative")
            self.combos[person.id] = combo
            self.setCellWidget(row, 1, combo)
        self.setMinimumHeight(min(60 + 30 * len(people), 260))

    def checked_ids(self) -> list[int]:
        return [p.id for row, p in enumerate(self.people) if self.item(row, 0).checkState() == Qt.CheckState.Checked]

    def set_checked(self, person_id: int, on: bool = True) -> None:
        for row, p in enumerate(self.people):
            if p.id == person_id:
                self.item(row, 0).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def relations(self, ids=None) -> dict[int, str]:
        wanted = set(ids) if ids is not None else {p.id for p in self.people}
        return {pid: combo.currentData() for pid, combo in self.combos.items() if pid in wanted}


def propose_relations(table: RelationTable, kin: dict, new_head_id: int) -> None:
    """The other members' relations restated toward the new head (the clerk may correct them);
    the new head's own row is hidden."""
    for row, p in enumerate(table.people):
        table.setRowHidden(row, p.id == new_head_id)
        if p.id != new_head_id:
            set_combo(table.combos[p.id], kinship.propose(kin[new_head_id], kin[p.id]))


def person_combo(people: list[Person], *, blank: str | None = None) -> QComboBox:
    combo = QComboBox()
    if blank is not None:
        combo.addItem(blank, None)
    for p in people:
        combo.addItem(member_label(p), p.id)
    return combo


class ChangeHeadDialog(QDialog):
    def __init__(self, household: Household, new_head_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.household = household
        head = household.head
        others = [p for p in household.active_members if p.relation != "head"]
        self.setWindowTitle(tr("更换户主：户{n}").format(n=household.number))
        self.new_head = person_combo(others)
        if new_head_id is not None:
            self.new_head.setCurrentIndex(max(self.new_head.findData(new_head_id), 0))
        self.old_relation = code_combo(vocab.RELATIONS, exclude=("head",))
        set_combo(self.old_relation, "other_relative")
        self.others = RelationTable(others)
        form = QFormLayout()
        form.addRow(tr("新户主(&H)"), self.new_head)
        form.addRow(tr("原户主{name}改为").format(name=head.name if head else ""), self.old_relation)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("其他成员与新户主的关系：")))
        layout.addWidget(self.others)
        layout.addWidget(ok_cancel(self, tr("下一步")))
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        layout.insertWidget(layout.count() - 1, self.message)
        self.kin = {p.id: kinship.kin_of(p) for p in household.active_members}
        self.new_head.currentIndexChanged.connect(self._sync)
        self._sync()
        self.resize(520, 0)

    def _sync(self) -> None:
        new_id = self.new_head.currentData()
        propose_relations(self.others, self.kin, new_id)
        if self.household.head is not None:
            set_combo(self.old_relation, kinship.propose(self.kin[new_id], self.kin[self.household.head.id]))

    def accept(self) -> None:
        new_id, old_relation, relations = self.values()
        if self.household.head is not None:
            relations = {**relations, self.household.head.id: old_relation}
        impossible = kinship.problems(self.kin[new_id], relations, self.kin)
        self.message.setText("\n".join(impossible))
        if not impossible:
            super().accept()

    def values(self) -> tuple[int, str, dict]:
        new_id = self.new_head.currentData()
        relations = {k: v for k, v in self.others.relations().items() if k != new_id}
        return new_id, self.old_relation.currentData(), relations


class SplitDialog(QDialog):
    def __init__(self, household: Household, preselect: list[int] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.household = household
        members = list(household.active_members)
        self.setWindowTitle(tr("分户：从户{n}分出新户").format(n=household.number))
        self.table = RelationTable(members, checkable=True)
        for pid in preselect:
            self.table.set_checked(pid)
        self.new_head = QComboBox()
        self.remaining_head = QComboBox()
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        form = QFormLayout()
        form.addRow(tr("新户户主(&H)"), self.new_head)
        form.addRow(tr("原户新户主"), self.remaining_head)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("勾选要分出的成员，并填写他们与新户主的关系（新户的地址、电话、网格沿用原户）：")))
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(ok_cancel(self, tr("下一步")))
        self.kin = {p.id: kinship.kin_of(p) for p in members}
        self._proposed_for: tuple[int | None, frozenset] = (None, frozenset())
        self.table.itemChanged.connect(self._sync)
        self.new_head.activated.connect(lambda _i: self._propose())
        self._sync()
        self.resize(560, 0)

    def _sync(self) -> None:
        moving = set(self.table.checked_ids())
        members = self.household.active_members
        current = self.new_head.currentData()
        self.new_head.blockSignals(True)
        self.new_head.clear()
        for p in members:
            if p.id in moving:
                self.new_head.addItem(member_label(p), p.id)
        if current is not None and self.new_head.findData(current) >= 0:
            self.new_head.setCurrentIndex(self.new_head.findData(current))
        self.new_head.blockSignals(False)
        self._propose()
        head = self.household.head
        head_moves = head is not None and head.id in moving
        self.remaining_head.clear()
        for p in members:
            if p.id not in moving:
                self.remaining_head.addItem(member_label(p), p.id)
        self.remaining_head.setEnabled(head_moves)
        if not head_moves:
            self.remaining_head.clear()
            self.remaining_head.addItem(tr("（原户主留在原户）"), None)

    def _propose(self) -> None:
        """Each moving member's relation toward the new head, as it likely is (the old head's
        daughter-in-law is the new head's wife): re-proposed for all when the new head changes, for
        the newly ticked otherwise, so the clerk's own corrections stay. Those who stay keep theirs."""
        new_head = self.new_head.currentData()
        moving = frozenset(self.table.checked_ids())
        last_head, last_moving = self._proposed_for
        fresh = moving if new_head != last_head else moving - last_moving
        self.table.blockSignals(True)  # the cells changed here are not the clerk's ticks
        for row, person in enumerate(self.table.people):
            if person.id == new_head:  # the new head's own row says so instead of offering a relation
                if self.table.cellWidget(row, 1) is not None:
                    self.table.removeCellWidget(row, 1)
                    old = self.table.combos.pop(person.id)
                    old.hide()
                    old.deleteLater()
                    self.table.setItem(row, 1, QTableWidgetItem(tr("新户主")))
                continue
            if self.table.cellWidget(row, 1) is None:  # was the new head a moment ago
                self.table.takeItem(row, 1)
                self.table.combos[person.id] = code_combo(vocab.RELATIONS, exclude=("head",))
                self.table.setCellWidget(row, 1, self.table.combos[person.id])
                fresh = fresh | {person.id}
            combo = self.table.combos[person.id]
            combo.setEnabled(person.id in moving)
            if person.id in fresh:
                set_combo(combo, kinship.propose(self.kin[new_head], self.kin[person.id])
                          if new_head is not None and person.id in moving else
                          person.relation if person.relation != "head" else "other_relative")
        self.table.blockSignals(False)
        self._proposed_for = (new_head, moving)
        self.message.clear()

    def accept(self) -> None:
        moving = self.table.checked_ids()
        if not moving:
            self.message.setText(tr("请勾选要分出的成员"))
            return
        if len(moving) == len(self.household.active_members):
            self.message.setText(tr("不能把全部成员都分出去，原户至少要留一人"))
            return
        _moving, new_head, relations, _remaining = self.values()
        # The split cannot be undone: a set of relations that cannot be true is refused here, before the confirmation.
        impossible = kinship.problems(self.kin[new_head], relations, self.kin)
        if impossible:
            self.message.setText("\n".join(impossible))
            return
        super().accept()

    def values(self) -> tuple[list[int], int, dict, int | None]:
        moving = self.table.checked_ids()
        new_head = self.new_head.currentData()
        relations = self.table.relations([pid for pid in moving if pid != new_head])
        return moving, new_head, relations, self.remaining_head.currentData()


class MergeDialog(QDialog):
    """Merge this household into another one, found by its number."""

    def __init__(self, ctx, household: Household, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.target_id: int | None = None
        self.target_text = ""
        self.setWindowTitle(tr("合户：把户{n}并入另一户").format(n=household.number))
        self.number = QLineEdit()
        self.number.setPlaceholderText(tr("输入并入户的户号"))
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.table = RelationTable(list(household.active_members))
        form = QFormLayout()
        form.addRow(tr("并入户号(&T)"), self.number)
        form.addRow("", self.found)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(tr("本户成员与并入户户主的关系：")))
        layout.addWidget(self.table)
        self.buttons = ok_cancel(self, tr("下一步"))
        layout.addWidget(self.buttons)
        self.number.textChanged.connect(self._lookup)
        self._lookup("")
        self.resize(540, 0)

    def _lookup(self, text: str) -> None:
        self.target_id, self.target_text = look_up_household(self.ctx, text, self.household, self.found,
                                                             tr("不能并入本户自己"), tr("户{n}已{s}，不能并入"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.target_id is not None)

    def relations(self) -> dict[int, str]:
        return self.table.relations()


def look_up_household(ctx, text: str, own: Household, label: QLabel, itself: str,
                      inactive: str) -> tuple[int | None, str]:
    """The active household numbered `text` other than `own`, said on `label`; (None, "") when none."""
    number = clean_text(text)
    other = households.find_by_number(ctx.reader(), number) if number else None
    found, message = None, ""
    if not number:
        message = tr("请输入户号")
    elif other is None:
        message = tr("没有户号为“{n}”的户").format(n=number)
    elif other.id == own.id:
        message = itself
    elif other.status != "active":
        message = inactive.format(n=number, s=vocab.label(vocab.HOUSEHOLD_STATUS, other.status))
    else:
        found = other.id
        message = tr("户{n}（户主{h}）").format(n=number, h=other.head.name if other.head else tr("无"))
    label.setText(message)
    label.setStyleSheet("color: #2e7d32;" if found else ERROR_STYLE if number else "")
    return found, message if found else ""


class DayCheck:
    """A dialog's day field checked by the core's rule (`check(day)` gives the refusal or None) when
    the clerk presses OK, before any irreversible confirmation: the dialog stays open with the reason."""

    def _setup_day(self, check: Callable[[dt.date], str | None]) -> None:
        self.day = date_edit(self)
        self.day_check = check
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.day.dateChanged.connect(lambda _d: self.message.clear())

    def day_problem(self) -> str | None:
        problem = self.day_check(day_of(self.day))
        self.message.setText(problem or "")
        if problem:
            self.day.setFocus()
        return problem

    def day_text(self) -> str:
        return day_of(self.day).isoformat()


class LeaveDialog(DayCheck, QDialog):
    """A member leaves (moves out) or died: the date, and a new head when the head leaves."""

    def __init__(self, household: Household, person: Person, *, death: bool,
                 check: Callable[[dt.date], str | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.person = person
        self.setWindowTitle((tr("登记死亡：{name}") if death else tr("成员迁出：{name}")).format(name=person.name))
        self._setup_day(check)
        form = QFormLayout()
        form.addRow(tr("死亡日期(&D)") if death else tr("迁出日期(&D)"), self.day)
        others = [p for p in household.active_members if p.id != person.id]
        self.new_head = None
        self.others = None
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.kin = {p.id: kinship.kin_of(p) for p in household.active_members}
        if person.relation == "head" and others:
            self.new_head = person_combo(others)
            form.addRow(tr("新户主(&H)"), self.new_head)
            self.others = RelationTable(others)
            layout.addWidget(QLabel(tr("其他成员与新户主的关系：")))
            layout.addWidget(self.others)
            self.new_head.currentIndexChanged.connect(self._sync)
            self._sync()
        layout.addWidget(self.message)
        layout.addWidget(ok_cancel(self, tr("下一步")))
        self.resize(500, 0)

    def accept(self) -> None:
        if self.day_problem():
            return
        if self.new_head is not None:
            _day, new_id, relations = self.values()
            impossible = kinship.problems(self.kin[new_id], relations, self.kin)
            if impossible:
                self.message.setText("\n".join(impossible))
                return
        super().accept()

    def _sync(self) -> None:
        propose_relations(self.others, self.kin, self.new_head.currentData())

    def values(self) -> tuple[str, int | None, dict | None]:
        if self.new_head is None:
            return self.day_text(), None, None
        new_id = self.new_head.currentData()
        return self.day_text(), new_id, {k: v for k, v in self.others.relations().items() if k != new_id}


class DayDialog(DayCheck, QDialog):
    def __init__(self, title: str, label: str, check: Callable[[dt.date], str | None],
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self._setup_day(check)
        form = QFormLayout(self)
        form.addRow(label, self.day)
        form.addRow(self.message)
        form.addRow(ok_cancel(self, tr("下一步")))

    def accept(self) -> None:
        if not self.day_problem():
            super().accept()


class TagDialog(QDialog):
    """Put a person (or a household) on registers, or take them off: one box per (code, name)."""

    def __init__(self, title: str, current: list[str], choices, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        for code, name in choices:
            box = QCheckBox(name)
            box.setChecked(code in current)
            self.boxes[code] = box
            layout.addWidget(box)
        self.current = set(current)
        layout.addWidget(ok_cancel(self, tr("保存")))

    def added(self) -> list[str]:
        return [c for c, b in self.boxes.items() if b.isChecked() and c not in self.current]

    def removed(self) -> list[str]:
        return [c for c, b in self.boxes.items() if not b.isChecked() and c in self.current]

    def changes(self, add, end):
        """fn(db) putting the ticked registers on (add(db, code)) and taking the unticked ones off
        (end(db, code)); None when nothing changed."""
        added, removed = self.added(), self.removed()
        if not added and not removed:
            return None

        def apply(db) -> None:
            for code in added:
                add(db, code)
            for code in removed:
                end(db, code)
        return apply


class TransferDialog(QDialog):
    """A member moves to another household of the office (remove_member with to_household_id): the
    household by its number, the member's relation to its head, and a new head when the head goes."""

    def __init__(self, ctx, household: Household, person: Person, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.household = household
        self.target_id: int | None = None
        self.target_text = ""
        self.setWindowTitle(tr("转入其他户：{name}").format(name=person.name))
        self.number = QLineEdit()
        self.number.setPlaceholderText(tr("输入转入户的户号"))
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.relation = code_combo(vocab.RELATIONS, exclude=("head",))
        set_combo(self.relation, "other_relative")
        form = QFormLayout()
        form.addRow(tr("转入户号(&T)"), self.number)
        form.addRow("", self.found)
        form.addRow(tr("与转入户户主的关系(&R)"), self.relation)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        others = [p for p in household.active_members if p.id != person.id]
        self.new_head = self.others = None
        self.kin = {p.id: kinship.kin_of(p) for p in household.active_members}
        if person.relation == "head":
            self.new_head = person_combo(others)
            form.addRow(tr("本户新户主(&H)"), self.new_head)
            self.others = RelationTable(others)
            layout.addWidget(QLabel(tr("本户其他成员与新户主的关系：")))
            layout.addWidget(self.others)
            self.new_head.currentIndexChanged.connect(self._sync)
            self._sync()
        self.buttons = ok_cancel(self, tr("下一步"))
        layout.addWidget(self.buttons)
        self.number.textChanged.connect(self._lookup)
        self._lookup("")
        self.resize(520, 0)

    def _lookup(self, text: str) -> None:
        self.target_id, self.target_text = look_up_household(self.ctx, text, self.household, self.found,
                                                             tr("转入户不能是原户"), tr("户{n}已{s}，不能转入"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.target_id is not None)

    _sync = LeaveDialog._sync

    def values(self) -> tuple[int, str, int | None, dict | None]:
        """(target household, relation there, this household's new head, the others' relations)."""
        if self.new_head is None:
            return self.target_id, self.relation.currentData(), None, None
        new_id = self.new_head.currentData()
        return (self.target_id, self.relation.currentData(), new_id,
                {k: v for k, v in self.others.relations().items() if k != new_id})


class RegisterDialog(QDialog):
    """A register of the office's own: its name, and whether it tells of health or hardship."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(tr("增设名册"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(tr("如：失业人员、失能老人"))
        self.sensitive = QCheckBox(tr("涉及健康、残疾或困难等敏感信息（只有可查看敏感信息的角色能看到）"))
        form = QFormLayout(self)
        form.addRow(tr("名册名称(&N)"), self.name)
        form.addRow("", self.sensitive)
        form.addRow(ok_cancel(self, tr("增设")))

    def values(self) -> tuple[str, bool]:
        return self.name.text(), self.sensitive.isChecked()

