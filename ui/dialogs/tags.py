"""A person's population tags, and the office's own registers of them."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QCheckBox, QDialog, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from ui.dialogs.common import ok_cancel


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


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
