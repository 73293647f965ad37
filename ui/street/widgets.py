"""What the street window's pages share: read-only tables filled from rows of text, and times."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def tr(text: str) -> str:
    return QCoreApplication.translate("street", text)


def table(headers: list[str]) -> QTableWidget:
    view = QTableWidget(0, len(headers))
    view.setHorizontalHeaderLabels(headers)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def fill(view: QTableWidget, rows: list[list[str]], keys: list[object] | None = None, *,
         bold: set[int] = frozenset(), numbers: bool = False) -> None:
    """Rows of text into the table; `keys` are kept on the first column, `bold` rows are totals,
    `numbers` aligns every column but the first to the right."""
    view.setRowCount(len(rows))
    heavy = QFont(view.font())
    heavy.setBold(True)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if c == 0 and keys is not None:
                item.setData(Qt.ItemDataRole.UserRole, keys[r])
            if numbers and c > 0:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if r in bold:
                item.setFont(heavy)
            view.setItem(r, c, item)
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for c in range(view.columnCount() - 1):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        view.setColumnWidth(c, min(view.columnWidth(c), 320))


def when(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else tr("从未")
