"""A household's own fields, the unit it lives in, its head and its members leaving.

Each operation dialog collects what the core needs and says in words what will happen; the
page then asks for a final confirmation and sends the core call through AppContext.write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from gridoffice import vocab
from gridoffice.archive import households, kinship
from gridoffice.errors import ValidationError
from gridoffice.archive.households import Household
from gridoffice.masking import mask_phone
from gridoffice.normalize import clean_text, normalize_phone
from gridoffice.archive.people import Person
from ui.dialogs.common import ok_cancel
from ui.dialogs.person import ERROR_STYLE, code_combo, set_combo
from ui.dialogs.reveal import ask_reveal
from ui.widgets.dates import date_edit, day_of
from ui.widgets.unit_picker import UnitTree


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def member_label(person: Person) -> str:
    return f"{person.name}（{vocab.label(vocab.RELATIONS, person.relation)}）"




class HouseholdDialog(QDialog):
    """The household's own fields: for a new household (with its unit) or to edit one.

    A stored phone is shown masked and read-only; the clerk either reveals it (a logged act with a
    reason, ui/dialogs/reveal.py) or types a new one. Until then the stored value is kept as it is,
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
            self.picker = UnitTree(ctx.reader(), org_id)
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


class ChooseUnitDialog(QDialog):
    """The unit a household moves to, chosen in the whole tree."""

    def __init__(self, ctx, title: str, current: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.picker = UnitTree(ctx.reader(), current)
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
