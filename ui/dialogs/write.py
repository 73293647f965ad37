"""A form dialog whose OK runs one core write through the context's writer.

The dialog stays open until the write succeeded; a refusal from the core (a Chinese message
naming the field) is shown inside the dialog and the named input gets the focus, so the clerk
corrects it without typing everything again.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget,
)

from gridoffice.errors import GridOfficeError, ValidationError
from ui import undo

ERROR_STYLE = "color: #b00020;"
BAD_INPUT = "bad"  # dynamic property the style sheet outlines in red


class WriteDialog(QDialog):
    def __init__(self, ctx, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setStyleSheet(f"*[{BAD_INPUT}=\"true\"] {{ border: 1px solid #b00020; }}")
        self.result_value: Any = None
        self._fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def add_field(self, label: str, widget: QWidget, field: str | None = None) -> QWidget:
        """A labelled input; `field` is the name the core uses in ValidationError.field."""
        if isinstance(widget, QComboBox):
            # Combo boxes keep their narrow preferred width otherwise, cutting long unit paths.
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, widget.sizePolicy().verticalPolicy())
        self.form.addRow(label, widget)
        if field:
            self._fields[field] = widget
        return widget

    def save(self) -> None:
        """Subclasses collect their inputs and call submit()."""
        raise NotImplementedError

    def submit(self, fn: Callable[..., Any], *args: Any, description: str, undoable: bool = False,
               initiator: object = None) -> None:
        """Run fn(db, *args) on the writer; `undoable` puts it on the undo stack, named by `description`
        (the Edit menu shows “撤销 <description>”), once it succeeded. `initiator` as in AppContext.write."""
        self.show_error("")
        self.buttons.setEnabled(False)
        if undoable:
            undo.operation(self.ctx, description, lambda db: fn(db, *args), initiator=initiator,
                           on_done=self._done, on_error=self.failed)
        else:
            self.ctx.write(fn, *args, description=description, initiator=initiator,
                           on_done=self._done, on_error=self.failed)

    def show_error(self, message: str, field: str | None = None) -> None:
        for widget in self._fields.values():
            widget.setProperty(BAD_INPUT, False)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.error.setText(message)
        self.error.setVisible(bool(message))
        widget = self._fields.get(field) if field else None
        if widget is not None:
            widget.setProperty(BAD_INPUT, True)
            widget.style().unpolish(widget)
            widget.style().polish(widget)
            widget.setFocus()

    def failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, GridOfficeError):
            self.show_error(exc.message, exc.field if isinstance(exc, ValidationError) else None)
        else:
            self.show_error(self.tr("保存没有完成，数据没有改动：{e}").format(e=exc))

    def _done(self, result: Any) -> None:
        self.buttons.setEnabled(True)
        self.result_value = result
        self.accept()
