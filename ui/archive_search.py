"""The archive page's search box: search as you type, a drop-down of hits under the box, a scanned
card's code opening its household or team, and a number search that leaves its audit entry first."""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem

from gridoffice.search import finder
from gridoffice.store.db import CACHE_MB
from gridoffice.errors import GridOfficeError
from ui.background import LatestWorker
from ui.models import ID_ROLE
from ui.widgets.tables import ROW_HEIGHT

SEARCH_DELAY_MS = 150
# The drop-down lists this many; more are announced, not silently cut.
SEARCH_LIMIT = 50


def tr(text: str) -> str:
    return QCoreApplication.translate("ArchivePage", text)


class ArchiveSearch(QObject):
    """The search box (`edit`) and its drop-down (`results`, a child of the page so the box keeps
    the focus while the clerk types)."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.started = 0.0
        self.last_latency: float | None = None
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(tr("搜索：姓名、拼音、身份证或电话4位以上、地址、户号（Ctrl+F）"))
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self._text_changed)
        self.edit.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.run)
        # Search as you type reads the same index pages keystroke after keystroke: a full page cache.
        self.worker = LatestWorker(page.ctx, "search", self, cache_mb=CACHE_MB)
        # A child list rather than a popup window: the search field keeps focus while typing.
        self.results = QListWidget(page)
        self.results.setWindowFlags(Qt.WindowType.Widget)
        self.results.hide()
        self.results.setUniformItemSizes(True)
        self.results.setFrameShape(QListWidget.Shape.Box)
        self.results.setStyleSheet("QListWidget { border: 1px solid #7a7a7a; }")
        self.results.itemActivated.connect(self._open_hit)
        self.results.installEventFilter(self)

    def _text_changed(self, text: str) -> None:
        self.started = time.perf_counter()
        if not text.strip():
            self.timer.stop()
            self.worker.submit(lambda db: [], lambda hits: self.results.hide())
            return
        if finder.query_problem(text.strip()):
            # Refused at once, without waiting for the typing pause.
            self.timer.stop()
            self.run()
            return
        self.timer.start()

    def run(self) -> None:
        query = self.edit.text().strip()
        if self._open_scanned(query):
            return
        if problem := finder.query_problem(query):
            self._show_message(problem)
            return
        if not query:
            return
        started = self.started
        scope = self.page.ctx.scope()
        if refusal := finder.number_refusal(self.page.ctx.reader(), query, scope):
            self._show_message(refusal)
        elif finder.number_search(self.page.ctx.reader(), query):
            # A number search leaves an audit entry first: it runs on the writer, like a reveal.
            self.page.ctx.write(lambda db: (finder.search(db, query, scope=scope, limit=SEARCH_LIMIT),
                                       finder.pending_notice(db)), description=tr("按号码查找"),
                           on_done=lambda found: self._show_hits(query, *found, started, only_if_current=True))
        else:
            # Rows of a bulk import still waiting for the search index are told, not silently missing.
            self.worker.submit(lambda db: (finder.search(db, query, scope=scope, limit=SEARCH_LIMIT),
                                                  finder.pending_notice(db)),
                                      lambda found: self._show_hits(query, *found, started))

    def _open_scanned(self, text: str) -> bool:
        """A USB scanner types a card's QR code into the search box: open its household or team."""
        from gridoffice.reports import cards  # the cards' layouts and codes: not needed before a first search

        try:
            found = cards.read_code(self.page.ctx.reader(), text, self.page.ctx.scope())
        except GridOfficeError as exc:
            self._show_message(exc.message)
            return True
        if found is None:
            return False
        self.edit.clear()
        self.results.hide()
        if found.table == "households":
            self.page.show_household(found.row_id, None)
        else:
            self.page.ctx.navigate("teams", found.row_id)
        return True

    def _show_message(self, text: str) -> None:
        """One line in the drop-down under the search box, which cannot be opened."""
        self.results.clear()
        self._add_note(text)
        self._open_results()

    def _add_note(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.results.addItem(item)

    def _open_results(self) -> None:
        self._put()
        self.results.show()
        self.results.raise_()

    def _show_hits(self, query: str, hits, waiting: str | None, started: float, only_if_current: bool = False) -> None:
        if only_if_current and self.edit.text().strip() != query:
            return  # the writer answered after the clerk typed on; the newer search shows
        self.last_latency = time.perf_counter() - started
        self.results.clear()
        notes = []
        if not hits:
            digits = query.replace("-", "").replace(" ", "")
            # Numbers are indexed in runs of four: a shorter number finds only household numbers and addresses.
            notes.append(tr("没有找到“{q}”。按身份证号或电话查找请至少输入4位数字，如电话的后4位").format(q=query)
                         if digits.isdigit() and len(digits) < 4 else tr("没有找到“{q}”").format(q=query))
        elif len(hits) >= SEARCH_LIMIT:
            notes.append(tr("只列出最相符的前{n}条，请多输入几个字或数字缩小范围").format(n=SEARCH_LIMIT))
        if waiting:
            notes.append(waiting)
        for hit in hits:
            kind = tr("人") if hit.kind == "person" else tr("户")
            why = f"　（{hit.why}）" if hit.why else ""
            item = QListWidgetItem(f"[{kind}] {hit.title}　{hit.subtitle}{why}")
            item.setData(ID_ROLE, (hit.kind, hit.id, hit.household_id))
            self.results.addItem(item)
        for text in notes:
            self._add_note(text)
        self._open_results()
        if hits:
            self.results.setCurrentRow(0)

    def place(self) -> None:
        """Under the search box, as wide as it or wider; called when the page is resized."""
        if not self.results.isVisible():
            return
        self._put()

    def _put(self) -> None:
        edit = self.edit
        top_left = edit.mapTo(self.page, QPoint(0, edit.height()))
        rows = min(max(self.results.count(), 1), 12)
        height = rows * (self.results.sizeHintForRow(0) if self.results.count() else ROW_HEIGHT) + 6
        self.results.setGeometry(top_left.x(), top_left.y(), max(edit.width(), 420), height)

    def _open_hit(self, item: QListWidgetItem) -> None:
        data = item.data(ID_ROLE)
        if not data:
            return
        kind, row_id, household_id = data
        self.results.hide()
        if household_id is None:
            self.page.ctx.show_status(tr("此人还没有入户"))
            return
        self.page.show_household(household_id, row_id if kind == "person" else None)
        self.page.detail.members.setFocus()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if obj is self.edit:
                if key == Qt.Key.Key_Down and self.results.isVisible():
                    self.results.setFocus()
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    if self.timer.isActive():
                        self.timer.stop()
                        self.run()
                    elif self.results.isVisible() and self.results.currentItem():
                        self._open_hit(self.results.currentItem())
                    return True
                if key == Qt.Key.Key_Escape:
                    self.edit.clear()
                    self.results.hide()
                    self.page.back_to_table()
                    return True
            elif obj is self.results and key == Qt.Key.Key_Escape:
                self.results.hide()
                self.edit.setFocus()
                return True
        return super().eventFilter(obj, event)
