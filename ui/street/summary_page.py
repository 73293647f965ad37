"""月度汇总: the monthly summary across the street's communities for a chosen month, one row per
community with the total, the month before and the change, one sheet at a time as the workbook has
them; and its export, the very workbook `street summary` writes, kept in the street's audit.

The figures are computed on the server (consolidation/street_summary.py) by the window's background
reader: a large district takes a while, the window stays usable and 取消 stops the query on the
server. The export writes what is on screen, on the reader's thread too. Street staff see the
special groups a grid worker sees, as in the command.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from gridoffice.reports import monthly
from gridoffice.consolidation import street_summary, street_users

from ..dialogs.common import save_path
from .widgets import fill, table, tr


def months(today: dt.date, count: int = 24) -> list[tuple[str, str]]:
    """(label, 'YYYY-MM') of this month and the ones before it, newest first."""
    first, out = today.replace(day=1), []
    for _ in range(count):
        out.append((tr("{y}年{m}月").format(y=first.year, m=first.month), first.isoformat()[:7]))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out


class SummaryPage(QWidget):
    """`host` is the street window: its reader (ask), its account and its scope."""

    def __init__(self, host, parent: QWidget | None = None):
        super().__init__(parent)
        self.host = host
        self.summary: monthly.Summary | None = None
        self.last_path: Path | None = None
        self.month = QComboBox()
        today = host.today()
        for label, value in months(today):
            self.month.addItem(label, value)
        # Communities hand in the month just ended, as an office's report page proposes it.
        self.month.setCurrentIndex(1 if today.day < 25 else 0)
        self.section = QComboBox()
        self.section.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.export_button = QPushButton(tr("导出 Excel(&E)…"))
        self.export_button.setEnabled(False)
        self.note = QLabel(tr("与各社区自己的月度汇总表口径相同：每个社区一行，另有合计、上月和环比。"))
        self.note.setWordWrap(True)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.table = table([tr("社区")])
        top = QHBoxLayout()
        for widget in (QLabel(tr("月份(&M)：")), self.month, QLabel(tr("表：")), self.section):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.export_button)
        top.itemAt(0).widget().setBuddy(self.month)
        box = QVBoxLayout(self)
        box.addLayout(top)
        box.addWidget(self.note)
        box.addWidget(self.table, 1)
        box.addWidget(self.result)
        self.month.activated.connect(lambda _i: self.load())
        self.section.activated.connect(lambda _i: self._show())
        self.export_button.clicked.connect(self.export)

    def shown(self) -> None:
        if self.summary is None and "summary" not in self.host.waiting:
            self.load()

    def load(self) -> None:
        month, scope = self.month.currentData(), self.host.scope
        self.summary = None
        self.export_button.setEnabled(False)
        self.note.setText(tr("正在统计{m}各社区的数据……社区多时需要一些时间，可以先看别的页面，或按状态栏的“取消”。").format(
            m=self.month.currentText()))
        self.host.ask("summary", lambda ctx: street_summary.monthly_summary(ctx.read, month, scope=scope),
                      self._loaded, self._failed)

    def _loaded(self, summary: monthly.Summary) -> None:
        from exports import monthly_summary  # the writer's module brings openpyxl: only once it is needed

        self.summary = summary
        names = [name for name, _, _ in monthly_summary.sections(summary)]
        keep = max(0, self.section.currentIndex())
        self.section.clear()
        self.section.addItems(names)
        self.section.setCurrentIndex(min(keep, len(names) - 1))
        self.export_button.setEnabled(True)
        self._show()

    def _failed(self, message: str) -> None:
        self.note.setText(tr("统计未完成：{m}").format(m=message))

    def _show(self) -> None:
        from exports import monthly_summary

        if self.summary is None:
            return
        section = max(0, self.section.currentIndex())
        headers, rows, totals = monthly_summary.figure_rows(self.summary, section, tr("社区"))
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        fill(self.table, rows, bold=totals, numbers=True)
        total = self.summary.total
        self.note.setText(tr("{name}·{sheet}（{period}）：{n}个社区，{h:,}户、{p:,}人。与各社区自己的月度汇总表口径相同。").format(
            name=self.summary.office, sheet=self.section.currentText(), period=self.summary.period.label,
            n=len(self.summary.grids), h=total.households, p=total.persons))

    def export(self) -> None:
        summary, user = self.summary, self.host.user
        if summary is None:
            return
        month = summary.period.start[:7]
        start = (self.last_path.parent if self.last_path else Path.home()) / tr("街道月度汇总表-{m}.xlsx").format(m=month)
        path = save_path(self, tr("保存月度汇总表"), start, "xlsx")
        if path is None:
            return
        from exports import monthly_summary

        def write(ctx):
            def record() -> None:
                street_users.record_export(ctx.write, user, "monthly_summary", path.name, month=month,
                                           rows=len(summary.grids))

            steps = monthly_summary.write_summary(summary, path, maker=user.name, record=record)
            try:
                while True:
                    next(steps)
            except StopIteration as done:
                return done.value

        self.export_button.setEnabled(False)
        self.result.setText(tr("正在导出……"))
        self.host.ask("summary_export", write, self._exported, self._export_failed)

    def _exported(self, path: Path) -> None:
        self.last_path = path
        self.export_button.setEnabled(True)
        self.result.setText(tr("已导出：{path}（已记入街道操作记录）").format(path=path))

    def _export_failed(self, message: str) -> None:
        self.export_button.setEnabled(self.summary is not None)
        self.result.setText(tr("导出未完成：{m}").format(m=message))
