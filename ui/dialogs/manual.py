"""帮助 → 使用手册 (F1): the user's manual shipped with the program (gridoffice/resources/manual.md),
shown as formatted text in a window of its own, with a find field."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from gridoffice import shipped


def manual_text() -> str:
    return shipped.path(shipped.MANUAL).read_text(encoding="utf-8")


class ManualDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("使用手册"))
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(manual_text())
        self.find = QLineEdit(self)
        self.find.setPlaceholderText(self.tr("输入要查找的文字，回车查找下一处"))
        self.find.setClearButtonEnabled(True)
        find_label = QLabel(self.tr("查找(&F)："), self)
        find_label.setBuddy(self.find)
        self.status = QLabel(self)
        close = QPushButton(self.tr("关闭"), self)
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(find_label)
        row.addWidget(self.find, 1)
        row.addWidget(self.status)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)
        self.find.returnPressed.connect(self.find_next)
        QShortcut(QKeySequence.StandardKey.Find, self, lambda: (self.find.setFocus(), self.find.selectAll()))
        screen = self.screen().availableGeometry() if self.screen() else None
        # Beside the window at 1366×768: tall enough to read, narrow enough to keep the work in sight.
        self.resize(min(760, screen.width() - 40) if screen else 760, min(900, screen.height() - 80) if screen else 640)

    def find_next(self) -> bool:
        """Find the text typed, from the cursor on, starting over at the top once past the end."""
        text = self.find.text().strip()
        if not text:
            return False
        found = self.browser.find(text)
        if not found:
            cursor = self.browser.textCursor()
            cursor.movePosition(cursor.MoveOperation.Start)
            self.browser.setTextCursor(cursor)
            found = self.browser.find(text)
        self.status.setText("" if found else self.tr("没有找到“{t}”").format(t=text))
        return found
