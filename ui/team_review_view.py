"""团队月度点评: the collective monthly review of the service teams (seed 004), a tab of the matters page.

Each team's month: its self-assessment with what went well and what did not, the other teams' scores
and the residents' score (the mean 居民评分 of its grid's matters evaluated that month). The figures
come from gridoffice.activity.team_reviews; this view only shows and records them."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.activity import team_reviews
from gridoffice.errors import GridOfficeError
from gridoffice.masking import mask_text


def _mean(value: float | None, count: int) -> str:
    return "" if value is None else f"{value:.1f}（{count}）"


class TeamReviewView(QWidget):
    """The month's table of teams and a form to record a self-assessment or a peer score."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.rows: list[team_reviews.TeamReview] = []
        self.today = dt.date.today
        self.month = QDateEdit(QDate.currentDate(), self)
        self.month.setDisplayFormat("yyyy-MM")
        self.month.setCalendarPopup(True)
        month_label = QLabel(self.tr("点评月份(&Y)："), self)
        month_label.setBuddy(self.month)
        source = QLabel(self.tr("来源文章（舟山）：“通过团队自评、团队互评、群众评分等形式，对网格服务团队进行集中点评，"
                                "总结好的经验和做法，找准存在的问题，积极予以改进”。群众评分是该网格当月评价事项的居民评分平均数。"),
                        self)
        source.setWordWrap(True)
        source.setStyleSheet("color: #555;")
        top = QHBoxLayout()
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addStretch(1)
        self.table = QTableWidget(0, 6, self)
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in (
            "服务团队", "网格", "团队自评", "团队互评（份数）", "群众评分（件数）", "自评小结")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((170, 100, 70, 120, 120)):
            self.table.setColumnWidth(column, width)
        self.reviewer = QComboBox(self)
        self.score = QSpinBox(self)
        self.score.setRange(-1, 100)
        self.score.setSpecialValueText(self.tr("请填写"))
        self.score.setValue(-1)
        self.score.setMaximumWidth(120)
        self.reviewer.setMaximumWidth(360)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(60)
        self.save_button = QPushButton(self.tr("记录点评"), self)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("评分方(&R)："), self.reviewer)
        form.addRow(self.tr("评分(&S)："), self.score)
        form.addRow(self.tr("点评意见(&O)："), self.note)
        bottom = QHBoxLayout()
        bottom.addLayout(form, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(source)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        self.month.dateChanged.connect(lambda _d: self.reload())
        self.table.itemSelectionChanged.connect(self._selected)
        self.reviewer.currentIndexChanged.connect(lambda _i: self._reviewer_chosen())
        self.save_button.clicked.connect(self.save)

    def month_text(self) -> str:
        return self.month.date().toString("yyyy-MM")

    def reload(self) -> None:
        current = self.current()
        self.rows = team_reviews.month_reviews(self.page.ctx.reader(), self.month_text(), scope=self.page.ctx.scope())
        self.table.setRowCount(len(self.rows))
        for row, r in enumerate(self.rows):
            cells = (r.team, r.grid, "" if r.self_score is None else str(r.self_score),
                     _mean(r.peer_average, len(r.peers)), _mean(r.resident_average, r.resident_count),
                     mask_text(r.self_note).replace("\n", " "))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3 and r.peers:
                    item.setToolTip("\n".join(f"{p.reviewer}：{p.score}" + (f"　{mask_text(p.note)}" if p.note else "")
                                              for p in r.peers))
                self.table.setItem(row, column, item)
        ids = [r.team_id for r in self.rows]
        if current in ids:
            self.table.selectRow(ids.index(current))
        elif ids:
            self.table.selectRow(0)
        self._selected()

    def current(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()].team_id if rows and rows[0].row() < len(self.rows) else None

    def _selected(self) -> None:
        team_id = self.current()
        self.reviewer.blockSignals(True)
        self.reviewer.clear()
        if team_id is not None:
            self.reviewer.addItem(self.tr("本团队自评"), team_id)
            for r in self.rows:
                if r.team_id != team_id:
                    self.reviewer.addItem(self.tr("{team}（互评）").format(team=r.team), r.team_id)
        self.reviewer.blockSignals(False)
        for widget in (self.reviewer, self.score, self.note, self.save_button):
            widget.setEnabled(team_id is not None and self.page.ctx.can("edit"))
        self._reviewer_chosen()

    def _reviewer_chosen(self) -> None:
        """Show what is recorded already for the chosen reviewer, so a correction starts from it."""
        team_id, reviewer = self.current(), self.reviewer.currentData()
        row = next((r for r in self.rows if r.team_id == team_id), None)
        score, note = None, ""
        if row is not None and reviewer == team_id:
            score, note = row.self_score, row.self_note
            self.note.setPlaceholderText(self.tr("必填：好的经验做法、存在的问题、改进措施"))
        elif row is not None:
            peer = next((p for p in row.peers if p.reviewer_team_id == reviewer), None)
            score, note = (peer.score, peer.note) if peer else (None, "")
            self.note.setPlaceholderText(self.tr("可不填"))
        self.score.setValue(-1 if score is None else score)
        self.note.setPlainText(note)
        self.error.clear()

    def save(self) -> None:
        team_id, reviewer = self.current(), self.reviewer.currentData()
        if team_id is None:
            return
        score = self.score.value()
        month, note, today = self.month_text(), self.note.toPlainText(), self.today()
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.error.setText(exc.message if isinstance(exc, GridOfficeError) else str(exc))

        def done(_result) -> None:
            self.save_button.setEnabled(True)
            self.page.ctx.show_status(self.tr("已记录{m}的团队点评").format(m=month))

        self.page.ctx.write(
            lambda db: team_reviews.record(db, team_id, month, "" if score < 0 else score,
                                           reviewer_team_id=reviewer, note=note, today=today),
            description=self.tr("记录团队点评"), on_done=done, on_error=failed)
