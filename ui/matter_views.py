"""The matters page's two views of its own: one matter (facts, the steps it may take, its timeline,
its dossier) and the weekly analysis meeting (the week's difficult and overdue matters, a decision
on each, the printed list)."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDateEdit, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView,
                               QLabel, QPlainTextEdit, QPushButton, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from gridoffice.matters import rules as M
from gridoffice.activity import logs
from gridoffice.org import regions
from gridoffice.matters import query as Q
from gridoffice.errors import GridOfficeError
from gridoffice.masking import mask_phone, mask_text

# Background colours of the time-limit column, by timeliness kind.
COLOURS = {"overdue": "#f8d7da", "due_soon": "#fff3cd", "closed_late": "#f1e4f3"}


class MatterView(QWidget):
    """One matter: its facts, the legal steps as buttons, its timeline, the dossier button."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.matter: M.Matter | None = None
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.facts = QLabel(self)
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons: dict[str, QPushButton] = {}
        self.button_grid = QGridLayout()
        self.button_grid.setSpacing(4)
        for action in M.RULES:
            if action == "meeting":
                continue
            button = QPushButton(self.tr(M.ACTIONS[action]), self)
            button.clicked.connect(lambda _c=False, a=action: page.open_step(a))
            self.buttons[action] = button
        self.dossier_button = QPushButton(self.tr("导出档案PDF…"), self)
        self.dossier_button.setShortcut(QKeySequence("Ctrl+P"))
        self.dossier_button.clicked.connect(page.export_dossier)
        self.timeline = QTextBrowser(self)
        self.timeline.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addLayout(self.button_grid)
        layout.addWidget(QLabel(self.tr("办理过程"), self))
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.dossier_button)
        self.show_matter(None, [])

    def show_matter(self, m: M.Matter | None, events: list[M.Event], need: logs.Need | None = None) -> None:
        self.matter = m
        # Only the steps the state machine allows are offered, packed four to a row.
        legal = [a for a in M.legal_actions(m.state) if a in self.buttons] if m else []
        for action, button in self.buttons.items():
            self.button_grid.removeWidget(button)
            button.setVisible(action in legal)
        for n, action in enumerate(legal):
            self.button_grid.addWidget(self.buttons[action], n // 4, n % 4)
        self.dossier_button.setEnabled(m is not None)
        if m is None:
            self.heading.setText(self.tr("<p>在左侧选择一个事项，查看它的全部办理过程。</p>"))
            self.facts.clear()
            self.timeline.clear()
            return
        t = M.timeliness(m, self.page.now)
        colour = {"overdue": "#b00020", "due_soon": "#8a6d00", "closed_late": "#7b1fa2"}.get(t.kind, "#2e7d32")
        self.heading.setText(
            f"<h3 style='margin:0'>{escape(m.number)}　{escape(mask_text(m.title))}</h3>"
            f"<p style='margin:2px 0'><b>{escape(self.tr(M.STATES[m.state]))}</b>　"
            f"<span style='color:{colour}'>{escape(t.label)}</span></p>")
        rows = [
            (self.tr("居民"), "　".join(x for x in (m.resident_name or self.tr("（未留姓名）"), mask_phone(m.resident_phone),
                                                  m.household_number and self.tr("户号 ") + m.household_number) if x)),
            (self.tr("渠道/类别"), f"{self.tr(M.SOURCES[m.source])} · {m.category} · {self.tr(M.GRADES[m.grade])}"),
            (self.tr("网格"), m.grid or self.tr("未指定")),
            (self.tr("受理"), f"{m.taker_name} {m.received_at[:16]}"),
            (self.tr("承办"), m.assignee or self.tr("尚未交办")),
            (self.tr("时限"), self.tr("答复 {a}，办结 {b}").format(a=m.respond_due[:16], b=m.resolve_due[:16])),
        ]
        if need:
            # The other direction of the need-to-matter link: where the matter came from.
            rows.append((self.tr("来源需求"), self.tr("{day} {staff}走访户号{number}（{head}）时记录：{content}").format(
                day=need.raised_on, staff=need.staff_name, number=need.household_number, head=need.head_name,
                content=mask_text(need.content))))
        if m.promise:
            rows.append((self.tr("承诺"), f"{m.promise}（{m.promise_date}）"))
        if m.satisfaction:
            rows.append((self.tr("评价"), self.tr(M.SATISFACTION[m.satisfaction])))
        if m.content:
            rows.append((self.tr("内容"), mask_text(m.content)))
        self.facts.setText("<table cellspacing=2>" + "".join(
            f"<tr><td style='color:#555'>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>")
        items = []
        for e in reversed(events):
            change = f" → {escape(self.tr(M.STATES[e.to_state]))}" if e.to_state and e.to_state != e.from_state else ""
            note = escape(mask_text(e.note)).replace("\n", "<br>") if e.note else ""
            if e.action == "evaluate" and e.data.get("satisfaction"):
                note = escape(self.tr(M.SATISFACTION[e.data["satisfaction"]])) + (f"　{note}" if note else "")
            items.append(f"<p style='margin:0 0 6px 0'><span style='color:#555'>{escape(e.at[:16])}</span>　"
                         f"<b>{escape(self.tr(M.ACTIONS.get(e.action, e.action)))}</b>{change}　"
                         f"<span style='color:#555'>{escape(e.actor)}</span>{'<br>' + note if note else ''}</p>")
        self.timeline.setHtml("".join(items))


class MeetingView(QWidget):
    """每周民情分析会: the week's difficult and overdue matters, the decision on each, the printout."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.items: list[M.MeetingItem] = []
        self.week = QDateEdit(QDate.currentDate(), self)
        self.week.setCalendarPopup(True)
        self.week.setDisplayFormat("yyyy-MM-dd")
        self.caption = QLabel(self)
        self.print_button = QPushButton(self.tr("打印清单PDF…"), self)
        top = QHBoxLayout()
        week_label = QLabel(self.tr("分析会所在周(&W)："), self)
        week_label.setBuddy(self.week)
        top.addWidget(week_label)
        top.addWidget(self.week)
        top.addWidget(self.caption, 1)
        top.addWidget(self.print_button)
        self.table = QTableWidget(0, 7, self)
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in (
            "编号", "诉求事项", "等级", "状态", "时限", "列入原因", "分析会决定")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((100, 240, 70, 70, 180, 90)):
            self.table.setColumnWidth(column, width)
        self.decision = QPlainTextEdit(self)
        self.decision.setPlaceholderText(self.tr("分析会对所选事项的决定，例如“由城建办牵头，周五前现场处理”"))
        self.decision.setFixedHeight(70)
        self.decision.setTabChangesFocus(True)
        self.save_button = QPushButton(self.tr("记录决定"), self)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.decision, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.error)
        self.week.dateChanged.connect(lambda _d: self.reload())
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda index: page.show_matter(self.items[index.row()].matter.id))
        self.save_button.clicked.connect(self.save_decision)
        self.print_button.clicked.connect(self.print_agenda)

    def monday(self) -> dt.date:
        return M.week_start(self.week.date().toPython())

    def reload(self) -> None:
        current = self.current()
        self.items = Q.meeting_list(self.page.ctx.reader(), self.monday(), scope=self.page.ctx.scope(),
                                    now=self.page.now)
        self.table.setRowCount(len(self.items))
        reasons = {"difficult": self.tr("疑难"), "overdue": self.tr("超期")}
        for row, item in enumerate(self.items):
            m = item.matter
            t = M.timeliness(m, self.page.now)
            cells = (m.number, mask_text(m.title), self.tr(M.GRADES[m.grade]), self.tr(M.STATES[m.state]), t.short,
                     "、".join(reasons[r] for r in item.reasons), item.decision)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
            if t.kind in COLOURS:
                self.table.item(row, 4).setBackground(QBrush(QColor(COLOURS[t.kind])))
        sunday = self.monday() + dt.timedelta(days=6)
        self.caption.setText(self.tr("{a} 至 {b}：疑难 {d} 件，超期 {o} 件").format(
            a=self.monday().isoformat(), b=sunday.isoformat(), d=sum("difficult" in i.reasons for i in self.items),
            o=sum("overdue" in i.reasons for i in self.items)))
        ids = [i.matter.id for i in self.items]
        if current in ids:
            self.table.selectRow(ids.index(current))
        self._selected()

    def current(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.items[rows[0].row()].matter.id if rows and rows[0].row() < len(self.items) else None

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None
        self.decision.setPlainText(item.decision if item else "")
        self.decision.setEnabled(item is not None)
        self.save_button.setEnabled(item is not None)
        self.error.clear()

    def save_decision(self) -> None:
        matter_id, week, text = self.current(), self.monday(), self.decision.toPlainText()
        if matter_id is None:
            return
        self.save_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.error.setText(exc.message if isinstance(exc, GridOfficeError) else str(exc))

        self.page.ctx.write(lambda db: M.record_decision(db, matter_id, week, text),
                            description=self.tr("记录分析会决定"), on_error=failed)

    def print_agenda(self) -> None:
        default = str(Path.home() / self.tr("民情分析会清单-{d}.pdf").format(d=self.monday().isoformat()))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存分析会清单"), default, self.tr("PDF 文件 (*.pdf)"))
        if not path:
            return
        # reportlab costs about a second to import: only when a clerk prints, not when the window starts.
        from exports.meeting_agenda import write_agenda

        office = regions.office(self.page.ctx.reader()).name
        write_agenda(path, self.monday(), self.items, [M.timeliness(i.matter, self.page.now) for i in self.items],
                     office_name=office)
        self.page.ctx.show_status(self.tr("已保存分析会清单：{p}").format(p=path))
