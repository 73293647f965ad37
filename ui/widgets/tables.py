"""The look every read-only record list shares, and the small record tables built on it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QTableWidget, QTableWidgetItem, QWidget

ROW_HEIGHT = 24  # a row of the archive's big tables and its search drop-down, in pixels


def style_records(table: QTableView) -> QTableView:
    """Whole rows, one at a time, no editing; a fixed row height so the view never measures rows
    (big lists stay smooth); Tab leaves the table instead of walking its cells."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setTabKeyNavigation(False)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.horizontalHeader().setHighlightSections(False)
    return table


def record_table(parent: QWidget, headers: list[str], widths: tuple[int, ...], stretch: int) -> QTableWidget:
    """A read-only record table with these headers and widths; column `stretch` takes the rest."""
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    style_records(table)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_rows(table: QTableWidget, rows: list[tuple[int, list[str]]]) -> None:
    """Replace the rows, keeping the current row on the same id when it is still there."""
    current = table.item(table.currentRow(), 0).data(Qt.ItemDataRole.UserRole) if table.currentRow() >= 0 else None
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for r, (row_id, texts) in enumerate(rows):
        for c, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row_id)
            table.setItem(r, c, item)
    again = next((r for r, (row_id, _) in enumerate(rows) if row_id == current), 0 if rows else -1)
    if again >= 0:
        table.setCurrentCell(again, 0)


def hint_label(text: str, parent: QWidget) -> QLabel:
    """A greyed, centred line in place of an empty list."""
    label = QLabel(text, parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)
    return label


class ColumnFitter(QObject):
    """Each column as wide as its header and the rows in view, one column (an address, a matter's
    text) the rest: at 1366×768 a list shows every column without scrolling sideways, and cuts
    with “…” only the column that is meant to stretch. Only the rows in view are measured
    (resize precision 0), so a list of 150,000 rows measures the same few dozen; the columns are
    fitted again after the rows change and when the table is resized."""

    def __init__(self, table: QTableView, stretch: int, stretch_min: int = 120):
        super().__init__(table)
        self.table = table
        table.fitter = self  # found by the table, for whoever wants its measure
        self.stretch = stretch
        self.stretch_min = stretch_min
        header = table.horizontalHeader()
        header.setResizeContentsPrecision(0)
        header.setStretchLastSection(False)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        model = table.model()
        for signal in (model.modelReset, model.layoutChanged, model.dataChanged, model.rowsInserted):
            signal.connect(self._timer.start)
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._timer.start()
        return False

    def needs(self) -> list[int]:
        """The width each column needs for its header and the rows in view."""
        header = self.table.horizontalHeader()
        return [max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c))
                for c in range(header.count())]

    def fit(self) -> None:
        # A hidden list is measured when it shows: its page may be closing, its file already closed.
        if not self.table.isVisible():
            return
        header = self.table.horizontalHeader()
        # No other column takes more than a third: a long comment beside a log still leaves the log room.
        cap = max(self.stretch_min, self.table.viewport().width() // 3)
        needs = [w if c == self.stretch else min(w, cap) for c, w in enumerate(self.needs())]
        others = sum(w for c, w in enumerate(needs) if c != self.stretch and not header.isSectionHidden(c))
        for column, width in enumerate(needs):
            if column != self.stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
                header.resizeSection(column, width)
        room = self.table.viewport().width() - others
        if room >= self.stretch_min:
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Stretch)
        else:  # the window is too narrow for all: the stretching column keeps a readable width
            header.setSectionResizeMode(self.stretch, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(self.stretch, self.stretch_min)


class TextRowsModel(QAbstractTableModel):
    """Rows of display texts computed once when a list arrives, with an optional background per row:
    an 850-household list costs the rows painted, not 6,000 table items. (Items of Qt's own item
    models are no QObjects: deleted by their model, their Python wrappers are not told, and a later
    object at the same address came back as one of them.)"""

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self.headers = headers
        self.rows: list[tuple] = []
        self.brushes: list[QBrush | None] = []

    def set_rows(self, rows: list[tuple], brushes: list[QBrush | None] | None = None,
                 headers: list[str] | None = None) -> None:
        self.beginResetModel()
        if headers is not None:
            self.headers = headers
        self.rows = [tuple(str(x) for x in row) for row in rows]
        self.brushes = brushes or []
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        return self.rows[row][column]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and self.brushes:
            return self.brushes[index.row()]
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


def make_table(parent: QWidget, headers: list[str], stretch: int) -> QTableView:
    """A list whose columns fit what they show; `stretch` (an address, a text) takes the rest."""
    table = QTableView(parent)
    table.setModel(TextRowsModel(headers, table))
    style_records(table)
    ColumnFitter(table, stretch)
    return table


def fill(table: QTableView, rows: list[tuple], brushes: list[QBrush | None] | None = None) -> None:
    table.model().set_rows(rows, brushes)


def selected_row(table: QTableView) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None
