"""The person form: validates as the clerk types, with each message beside its field.

The rules are the core's (people.validate_person, idcard.parse_id); the form only shows them.
A valid ID number fills in birth date and sex; Save stays disabled while anything is wrong.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from gridoffice import vocab
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.archive.households import Household
from gridoffice.idcard import clean_id, parse_id
from gridoffice.masking import mask_birth, mask_field
from gridoffice.archive.people import Person, PersonInput, validate_person

ERROR_STYLE = "color: #c62828;"
HINT_STYLE = "color: #2e7d32;"
TYPING_STYLE = "color: #757575;"
WARNING_STYLE = "color: #e65100;"
FIELDS = tuple(f.name for f in fields(PersonInput))


def tr(text: str) -> str:
    return QCoreApplication.translate("PersonForm", text)


def code_combo(table: dict, *, blank: str | None = None, exclude: tuple = ()) -> QComboBox:
    combo = QComboBox()
    if blank is not None:
        combo.addItem(blank, "")
    for code, text in table.items():
        if code not in exclude:
            combo.addItem(vocab.label(table, code), code)
    return combo


def set_combo(combo: QComboBox, code) -> None:
    index = combo.findData(code if code is not None else "")
    combo.setCurrentIndex(max(index, 0))


class PersonForm(QDialog):
    """Edit a person (`person` given), add a member to `household`, or fill in a new household's head.

    After exec() returns Accepted: `changes()` (edit: only changed fields) or `person_input()`
    and `relation()` (add).
    """

    def __init__(self, ctx, *, person: Person | None = None, household: Household | None = None,
                 new_head: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.household = household
        is_head = new_head or (person is not None and person.relation == "head")
        if person is not None:
            title = tr("修改人员：{name}").format(name=person.name)
        elif new_head:
            title = tr("新建户：填写户主")
        else:
            title = tr("添加成员到户{number}").format(number=household.number)
        self.setWindowTitle(title)
        self.edits: dict[str, QWidget] = {
            "name": QLineEdit(),
            "id_number": QLineEdit(),
            "sex": code_combo(vocab.SEX, blank=tr("（请选择）")),
            "birth_date": QLineEdit(),
            "relation": code_combo(vocab.RELATIONS, blank=tr("（请选择）"), exclude=() if is_head else ("head",)),
            "ethnicity": QLineEdit(),
            "political_status": code_combo(vocab.POLITICAL_STATUS),
            "education": QLineEdit(),
            "occupation": QLineEdit(),
            "phone": QLineEdit(),
            "residence": code_combo(vocab.RESIDENCE),
            "notes": QLineEdit(),
        }
        labels = {
            "name": tr("姓名(&N)"), "id_number": tr("身份证号(&I)"), "sex": tr("性别"), "birth_date": tr("出生日期"),
            "relation": tr("与户主关系(&R)"), "ethnicity": tr("民族"), "political_status": tr("政治面貌"),
            "education": tr("文化程度"), "occupation": tr("职业"), "phone": tr("电话(&P)"),
            "residence": tr("户籍类别"), "notes": tr("备注"),
        }
        self.edits["id_number"].setMaxLength(24)
        self.edits["id_number"].setPlaceholderText(tr("18位，填写后自动得出出生日期和性别"))
        self.edits["birth_date"].setPlaceholderText(tr("如 1980-05-17；有身份证号时自动填写"))
        self.edits["phone"].setPlaceholderText(tr("手机或座机，如 13812345678、0571-87654321"))
        self.edits["ethnicity"].setPlaceholderText(tr("如 汉族"))
        self.errors: dict[str, QLabel] = {}
        self.masked_cells: dict[str, tuple[QLabel, QPushButton]] = {}
        self.masked_birth: QLabel | None = None  # set while a stored number's birth date is masked
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        for row, key in enumerate(FIELDS):
            label = QLabel(labels[key])
            label.setBuddy(self.edits[key])
            message = QLabel()
            message.setWordWrap(True)
            message.setMinimumWidth(260)
            message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.errors[key] = message
            grid.addWidget(label, row, 0)
            grid.addWidget(self._cell(key), row, 1)
            grid.addWidget(message, row, 2)
        self.general = QLabel()
        self.general.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.resize(820, 0)

        if person is not None:
            self._load(person)
        else:
            set_combo(self.edits["political_status"], "masses")
            set_combo(self.edits["residence"], "registered")
        if new_head:
            set_combo(self.edits["relation"], "head")
        if is_head:
            self.edits["relation"].setEnabled(False)
            self.errors["relation"].setText(tr("户主请用“更换户主”变更") if person else tr("新户的第一人即户主"))
            self.errors["relation"].setStyleSheet(TYPING_STYLE)
        self._cleaned: PersonInput | None = None
        for key, widget in self.edits.items():
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(self.validate)
            else:
                widget.currentIndexChanged.connect(self.validate)
        self.validate()

    def _cell(self, key: str) -> QWidget:
        """The edit, or for a stored ID number or phone its masked text and a reveal button:
        the edit (holding the stored value) shows only after a reason was given and logged."""
        value = getattr(self.person, key, None) if self.person is not None else None
        if key == "birth_date" and value and self.person.id_number:
            # The birth date is digits 7-14 of the number: masked with it, shown when it is revealed.
            cell = QWidget()
            row = QHBoxLayout(cell)
            row.setContentsMargins(0, 0, 0, 0)
            self.masked_birth = QLabel(mask_field(key, value))
            row.addWidget(self.masked_birth, 1)
            row.addWidget(self.edits[key], 1)
            self.edits[key].hide()
            return cell
        if key not in ("id_number", "phone") or not value:
            return self.edits[key]
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(0, 0, 0, 0)
        masked = QLabel(mask_field(key, value))
        button = QPushButton(tr("显示完整号码"))
        button.clicked.connect(lambda: self._reveal(key, masked, button))
        row.addWidget(masked, 1)
        row.addWidget(button)
        # Offered only to roles that may reveal (users.ROLES); the core refuses the others anyway.
        button.setVisible(self.ctx.can("reveal"))
        row.addWidget(self.edits[key], 1)
        self.edits[key].hide()
        self.masked_cells[key] = (masked, button)
        return cell

    def _reveal(self, key: str, masked: QLabel, button: QPushButton) -> None:
        from ui.dialogs.reveal import ask_reveal

        if ask_reveal(self.ctx, "persons", self.person.id, key, masked.text(), self) is None:
            return
        masked.hide()
        button.hide()
        self.edits[key].show()
        self.edits[key].setFocus()
        if key == "id_number" and self.masked_birth is not None:
            self.masked_birth.hide()
            self.edits["birth_date"].show()
            self.masked_birth = None
            self.validate()

    # -- values --------------------------------------------------------------------------------
    def _load(self, person: Person) -> None:
        for key in FIELDS:
            widget = self.edits[key]
            value = getattr(person, key) or ""
            if isinstance(widget, QLineEdit):
                widget.setText(value)
            else:
                set_combo(widget, value)

    def _raw(self) -> dict[str, str]:
        values = {}
        for key, widget in self.edits.items():
            values[key] = widget.text() if isinstance(widget, QLineEdit) else (widget.currentData() or "")
        return values

    def person_input(self) -> PersonInput:
        """The cleaned values (valid once Save could be pressed)."""
        return self._cleaned

    def relation(self) -> str:
        return self._cleaned.relation if self._cleaned else ""

    def changes(self) -> dict[str, str]:
        """Fields whose cleaned value differs from the stored one (edit mode)."""
        if self.person is None or self._cleaned is None:
            return {}
        return {k: getattr(self._cleaned, k) for k in FIELDS
                if (getattr(self._cleaned, k) or "") != (getattr(self.person, k) or "")}

    # -- validation ----------------------------------------------------------------------------
    def _fill_from_id(self) -> None:
        """A complete valid number decides sex and birth date; the two fields follow it."""
        id_edit = self.edits["id_number"]
        text = clean_id(id_edit.text())
        sex, birth = self.edits["sex"], self.edits["birth_date"]
        info = None
        if len(text) in (15, 18):
            try:
                info = parse_id(text)
            except ValidationError:
                info = None
        for widget in (sex, birth):
            widget.blockSignals(True)
        if info is not None:
            set_combo(sex, info.sex)
            birth.setText(info.birth_date.isoformat())
        elif text and not sex.isEnabled():
            # The number became invalid: clear what it had filled in.
            set_combo(sex, "")
            birth.clear()
        for widget in (sex, birth):
            widget.setEnabled(not text)
            widget.blockSignals(False)

    def validate(self) -> bool:
        """Check everything now; show each message beside its field; enable Save only when valid."""
        self._fill_from_id()
        for key, label in self.errors.items():
            if key == "relation" and not self.edits["relation"].isEnabled():
                continue
            label.clear()
            label.setStyleSheet(ERROR_STYLE)
        self.general.clear()
        raw = self._raw()
        ok = True
        id_text = clean_id(raw["id_number"])
        if id_text:
            try:
                info = parse_id(id_text)
            except ValidationError as exc:
                ok = False
                typing = id_text.isdigit() and len(id_text) < 18 and len(id_text) != 15
                self.errors["id_number"].setText(
                    tr("已输入{n}位，还差{m}位").format(n=len(id_text), m=18 - len(id_text)) if typing else exc.message)
                self.errors["id_number"].setStyleSheet(TYPING_STYLE if typing else ERROR_STYLE)
            else:
                birth = info.birth_date.isoformat() if self.masked_birth is None else mask_birth(info.birth_date)
                self.errors["id_number"].setText(tr("出生日期{d}，{sex}").format(
                    d=birth, sex=vocab.label(vocab.SEX, info.sex)))
                self.errors["id_number"].setStyleSheet(HINT_STYLE)
        warnings: list[str] = []
        if ok:
            try:
                cleaned, warnings = validate_person(
                    self.ctx.reader(), PersonInput(**raw), person_id=self.person.id if self.person else None)
            except ValidationError as exc:
                ok = False
                target = self.errors.get(exc.field)
                if target is None or (exc.field == "relation" and not self.edits["relation"].isEnabled()):
                    target = self.general
                target.setText(exc.message)
                target.setStyleSheet(ERROR_STYLE)
            except GridOfficeError as exc:
                ok = False
                self.general.setText(exc.message)
                self.general.setStyleSheet(ERROR_STYLE)
            else:
                self._cleaned = cleaned
        if ok and self.person is None and not raw["relation"]:
            ok = False
            self.errors["relation"].setText(tr("请选择此人与户主的关系"))
        if ok and self.person is not None and not self.changes():
            ok = False
            self.general.setText(tr("还没有改动"))
            self.general.setStyleSheet(TYPING_STYLE)
        elif ok and warnings:
            self.general.setText("\n".join(warnings))
            self.general.setStyleSheet(WARNING_STYLE)
        if not ok:
            self._cleaned = None
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(ok)
        return ok

    def accept(self) -> None:
        if self.validate():
            super().accept()
