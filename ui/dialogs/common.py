"""What the dialogs share: the last word before a change, where to save a file, OK and Cancel, and
the small inputs several forms use (a choice, a note, a title cut short for the Edit menu)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFileDialog, QMessageBox, QPlainTextEdit, QWidget

from gridoffice import vocab


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


def short(text: str, size: int = 12) -> str:
    """A title cut to fit the Edit menu's 撤销 line."""
    return text if len(text) <= size else text[:size] + "…"


def combo(parent: QWidget, items: list[tuple[object, str]], current: object = None) -> QComboBox:
    box = QComboBox(parent)
    for data, text in items:
        box.addItem(text, data)
    if current is not None:
        box.setCurrentIndex(max(0, box.findData(current)))
    return box


def note_edit(parent: QWidget, placeholder: str) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(80)
    return edit


def vocab_combo(parent: QWidget, table: dict, *, blank: str | None = None) -> QComboBox:
    """The codes of a vocabulary table (gridoffice.vocab) by their Chinese labels; `blank` first for none."""
    items = [("", blank)] if blank is not None else []
    return combo(parent, items + [(code, vocab.label(table, code)) for code in table])
