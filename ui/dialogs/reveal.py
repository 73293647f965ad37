"""Showing one full ID or phone number: a deliberate act with a reason, logged in the audit trail.

Forms show masked numbers; their "显示完整号码" button opens this dialog. The reason and the
reveal go through the writer (gridoffice.masking.reveal records the audit entry); the number is
shown in this dialog; `ask_reveal` hands it to the form that asked, for that one record.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget,
)

from gridoffice import masking

REASONS = ("办理业务核对身份", "电话联系本人", "上门走访", "填报上级报表")


class RevealDialog(QDialog):
    def __init__(self, ctx, table: str, row_id: int, field: str, masked: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.target = (table, row_id, field)
        self.revealed: str | None = None
        what = self.tr("身份证号") if field == "id_number" else self.tr("电话")
        self.setWindowTitle(self.tr("显示完整{what}").format(what=what))
        note = QLabel(self.tr("完整号码属于个人敏感信息。查看会记入操作记录（谁、何时、为什么），请填写原因。"))
        note.setWordWrap(True)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems([self.tr(r) for r in REASONS])
        self.reason.setCurrentText("")
        self.value = QLabel(masked)
        self.value.setStyleSheet("font-size: 16pt")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.tr("原因(&R)："), self.reason)
        form.addRow(what + self.tr("："), self.value)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close)
        self.show_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.show_button.setText(self.tr("显示(&S)"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("关闭"))
        self.buttons.accepted.connect(self.reveal)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def reveal(self) -> None:
        table, row_id, field = self.target
        reason = self.reason.currentText()
        self.show_button.setEnabled(False)
        self.ctx.write(partial(masking.reveal, scope=self.ctx.scope()), table, row_id, field, reason,
                       description=self.tr("查看完整号码"), on_done=self._shown, on_error=self._refused)

    def _shown(self, value: str) -> None:
        self.revealed = value
        self.value.setText(value)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.clear()
        self.reason.setEnabled(False)

    def _refused(self, exc: BaseException) -> None:
        self.show_button.setEnabled(True)
        self.error.setText(getattr(exc, "message", str(exc)))


def ask_reveal(ctx, table: str, row_id: int, field: str, masked: str, parent: QWidget | None = None) -> str | None:
    """Open the dialog; the clear value once the clerk gave a reason and it was shown, else None."""
    dialog = RevealDialog(ctx, table, row_id, field, masked, parent)
    dialog.exec()
    return dialog.revealed
