"""The street's window (`--pg DSN`): its communities at a glance, the ledger of packages, and a
search across communities. Read-only: the connection is a read-only session, and nothing here
writes; packages are applied by `consolidate`.

Tabs: 社区概况 (each community's last package, households, persons, refusals; overdue ones
marked), 上报台账 (every package offered, newest first, refused ones alone on request), 跨社区查找
(persons by name, households by address or number; numbers masked by the core's rule).
"""

from __future__ import annotations

import datetime as dt

import psycopg
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMainWindow, QPushButton,
    QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

from gridoffice.consolidation import ledger, store, street_view
from gridoffice.errors import GridOfficeError

LEDGER_ROWS = 500


def tr(text: str) -> str:
    return QCoreApplication.translate("street", text)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(24)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for c in range(table.columnCount() - 1):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(c, min(table.columnWidth(c), 320))


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else tr("从未")


class StreetWindow(QMainWindow):
    PAGES = ("communities", "ledger", "search")

    def __init__(self, conn: psycopg.Connection, *, now: dt.datetime | None = None):
        super().__init__()
        self.conn = conn
        self.now = now
        self.setWindowTitle(tr("街道汇总（只读） — 网格化管理"))
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)

        overview = QWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.communities = _table([tr("社区"), tr("区划代码"), tr("已收到第几号"), tr("最后导入"), tr("户数"),
                                   tr("人数"), tr("此后拒收"), tr("状态")])
        box = QVBoxLayout(overview)
        box.addWidget(self.summary)
        box.addWidget(self.communities)
        self.tabs.addTab(overview, tr("社区概况(&1)"))

        ledger_page = QWidget()
        self.refused_only = QCheckBox(tr("只看拒收的包(&J)"))
        self.refresh_button = QPushButton(tr("刷新(&R)"))
        self.ledger = _table([tr("时间"), tr("社区"), tr("序号"), tr("结果"), tr("文件"), tr("操作人"), tr("说明")])
        top = QHBoxLayout()
        top.addWidget(self.refused_only)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        box = QVBoxLayout(ledger_page)
        box.addLayout(top)
        box.addWidget(self.ledger)
        self.tabs.addTab(ledger_page, tr("上报台账(&2)"))

        search_page = QWidget()
        self.query = QLineEdit()
        self.query.setPlaceholderText(tr("姓名（人员），或地址、户号（户）；三个字以上可查任意一段"))
        self.query.setClearButtonEnabled(True)
        self.search_button = QPushButton(tr("查找(&F)"))
        self.search_note = QLabel()
        self.hits = _table([tr("类别"), tr("姓名或户号"), tr("社区"), tr("身份证号与出生年月"), tr("地址")])
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.search_button)
        box = QVBoxLayout(search_page)
        box.addLayout(top)
        box.addWidget(self.search_note)
        box.addWidget(self.hits)
        self.tabs.addTab(search_page, tr("跨社区查找(&3)"))

        self.refused_only.toggled.connect(self.load_ledger)
        self.refresh_button.clicked.connect(self.refresh)
        self.search_button.clicked.connect(self.run_search)
        self.query.returnPressed.connect(self.run_search)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        QShortcut(QKeySequence.StandardKey.Refresh, self, activated=self.refresh)
        self.statusBar().showMessage(tr("只读：这里只能查看。导入上报包请用命令 consolidate。"))
        self.refresh()

    @classmethod
    def open(cls, dsn: str, **kwargs) -> "StreetWindow":
        return cls(store.connect(dsn, readonly=True), **kwargs)

    def _now(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.timezone.utc)

    def _focus_search(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.query.setFocus()
        self.query.selectAll()

    def wait_until_settled(self) -> None:
        """Every tab is read when the window opens; what is left are pending paint events."""
        QCoreApplication.processEvents()

    def page_ids(self) -> tuple[str, ...]:
        return self.PAGES

    def show_page(self, page: str) -> bool:
        if page not in self.PAGES:
            return False
        self.tabs.setCurrentIndex(self.PAGES.index(page))
        return True

    def refresh(self) -> None:
        self.load_communities()
        self.load_ledger()

    def load_communities(self) -> None:
        found = street_view.communities(self.conn)
        late = {o.uuid for o in ledger.overdue(self.conn, at=self._now())}
        rows = []
        for c in found:
            state = (tr("逾期未报") if c.uuid in late else tr("有拒收的包") if c.refused
                     else tr("尚未报送") if not c.last_sequence else tr("正常"))
            rows.append([c.name, c.division_code or tr("未设"), str(c.last_sequence) if c.last_sequence else "—",
                         _when(c.last_applied_at), f"{c.households:,}", f"{c.persons:,}", str(c.refused), state])
        _fill(self.communities, rows)
        self.summary.setText(tr("共{n}个社区，{h:,}户、{p:,}人；{late}个社区逾期未报（超过{days}天），"
                                "{refused}个社区有未解决的拒收。").format(
            n=len(found), h=sum(c.households for c in found), p=sum(c.persons for c in found), late=len(late),
            days=ledger.OVERDUE_DAYS, refused=sum(1 for c in found if c.refused)))

    def load_ledger(self) -> None:
        entries = ledger.entries(self.conn, limit=LEDGER_ROWS, refused_only=self.refused_only.isChecked())
        _fill(self.ledger, [[_when(e.at), e.office_name or tr("（无法识别）"), str(e.sequence or ""),
                             tr(ledger.OUTCOME_LABELS[e.outcome]), e.file_name, e.actor, e.reason] for e in entries])

    def run_search(self) -> None:
        try:
            hits = street_view.search(self.conn, self.query.text())
        except GridOfficeError as exc:
            self.search_note.setText(exc.message)
            _fill(self.hits, [])
            return
        kinds = {"person": tr("人员"), "household": tr("户")}
        _fill(self.hits, [[kinds[h.kind], h.name, h.community, h.detail if h.kind == "person" else "", h.address]
                          for h in hits])
        self.search_note.setText(tr("找到{n}条。").format(n=len(hits)) if hits else tr("没有找到相符的人员或户。"))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.conn.close()
        super().closeEvent(event)
