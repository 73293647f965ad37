"""Members and households moving between households: a split, a merge, a member transferred."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from gridoffice import vocab
from gridoffice.archive import households, kinship
from gridoffice.archive.households import Household
from gridoffice.errors import PermissionDenied
from gridoffice.normalize import clean_text
from gridoffice.archive.people import Person
from ui.dialogs.common import ok_cancel
from ui.dialogs.household import LeaveDialog, RelationTable, member_label, person_combo
from ui.dialogs.person import ERROR_STYLE, code_combo, set_combo


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


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
    found, message = None, ""
    try:
        other = households.find_by_number(ctx.reader(), number, scope=ctx.scope()) if number else None
    except PermissionDenied as exc:  # a household of another grid: the core's refusal says so
        other, refused = None, exc.message
    else:
        refused = ""
    if refused:
        message = refused
    elif not number:
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
