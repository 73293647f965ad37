"""The street's window (`--pg DSN`), after a street account's log-in (ui/street/login.py): its
communities at a glance, the ledger of packages with the overdue communities, a search across
communities, per community its archive, its registers and its completeness, the monthly summary
across communities, the communities ranked by the year-end assessment, and for administrators the
street's accounts and its audit. The larger pages live in ui/street/.

Read-only for residents' records: they are read on a read-only session, and packages are applied by
`consolidate`. Every read runs on the background reader (ui/street_reader.py), so a slow server never
freezes the window; a page asked again drops the answer it was waiting for, and long work shows its
progress in the status bar with a 取消 that stops it. ID numbers and phones are masked by the core's
rule; a street administrator may show one full ID number with a reason, which the street's audit
keeps, as a search and an export are kept.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Callable

import psycopg
from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMainWindow, QMessageBox, QProgressBar,
    QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget,
)

from gridoffice.archive import completeness, registers
from gridoffice.consolidation import ledger, store, street_users, street_view
from ui.street.accounts_page import AccountsPage
from ui.street.assessment_page import AssessmentPage
from ui.street.summary_page import SummaryPage
from ui.street.widgets import fill, table, tr, when
from ui.street_reader import Context, Reader

LEDGER_ROWS = 500


def _person_rows(found: list[registers.RegisterRow]) -> list[list[str]]:
    return [[r.name, r.sex, r.birth_date, "" if r.age is None else str(r.age), r.id_masked, r.phone_masked,
             r.household_number, r.grid, r.address] for r in found]


PERSON_HEADERS = ["姓名", "性别", "出生年月", "年龄", "身份证号", "电话", "户号", "网格", "住址"]


class StreetWindow(QMainWindow):
    PAGES = ("communities", "ledger", "search", "archive", "registers", "completeness", "summary", "assessment",
             "accounts", "audit")
    ADMIN_PAGES = ("accounts", "audit")
    # Slots whose work may take long: the status bar shows their progress and a 取消 for them.
    LONG = ("archive", "register", "completeness", "summary", "summary_export", "assessment")

    def __init__(self, dsn: str, access: psycopg.Connection, user: street_users.StreetUser, *,
                 now: dt.datetime | None = None):
        super().__init__()
        self.user = user
        self.now = now
        self.scope = street_view.scope_for(user.name, admin=user.admin)
        self.reader = Reader(dsn, access, self)
        self.waiting: set[str] = set()
        self._handlers: dict[str, tuple[Callable, Callable | None]] = {}
        self.communities_list: list[street_view.Community] = []
        self._archive_office: str | None = None
        self._register_office: str | None = None
        self.reader.answered.connect(self._answered)
        self.reader.failed.connect(self._failed)
        self.reader.progress.connect(self._progress)
        self.setWindowTitle(tr("街道汇总（只读） — {user}（{role}） — 网格化管理").format(
            user=user.label, role=tr(street_users.ROLES[user.role])))
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self._build_overview()
        self._build_ledger()
        self._build_search()
        self._build_archive()
        self._build_registers()
        self._build_completeness()
        self.summary_page = SummaryPage(self)
        self.tabs.addTab(self.summary_page, tr("月度汇总(&7)"))
        self.assessment_page = AssessmentPage(self)
        self.tabs.addTab(self.assessment_page, tr("年终考核排名(&8)"))
        self.accounts_page = AccountsPage(self)
        self.tabs.addTab(self.accounts_page, tr("街道账号(&9)"))
        self._build_audit()
        for page in self.ADMIN_PAGES:
            self.tabs.setTabVisible(self.PAGES.index(page), self.user.admin)
        self._build_progress()
        self.tabs.currentChanged.connect(self._page_shown)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        QShortcut(QKeySequence.StandardKey.Refresh, self, activated=self.refresh)
        self.statusBar().showMessage(tr("只读：这里只能查看，身份证号和电话已脱敏。导入上报包请用命令 consolidate。"))
        self.refresh()

    # --- building the pages ---------------------------------------------------------------------

    def _build_overview(self) -> None:
        page = QWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.communities = table([tr("社区"), tr("区划代码"), tr("已收到第几号"), tr("最后导入"), tr("户数"),
                                   tr("人数"), tr("此后拒收"), tr("状态")])
        box = QVBoxLayout(page)
        box.addWidget(self.summary)
        box.addWidget(self.communities)
        self.tabs.addTab(page, tr("社区概况(&1)"))

    def _build_ledger(self) -> None:
        page = QWidget()
        self.refused_only = QCheckBox(tr("只看拒收的包(&J)"))
        self.refresh_button = QPushButton(tr("刷新(&R)"))
        self.overdue_note = QLabel()
        self.overdue_note.setWordWrap(True)
        self.overdue = table([tr("逾期未报的社区"), tr("区划代码"), tr("已收到第几号"), tr("最后一包制作于"), tr("缺几个月")])
        self.overdue.setMaximumHeight(160)
        self.ledger = table([tr("时间"), tr("社区"), tr("序号"), tr("结果"), tr("文件"), tr("操作人"), tr("说明")])
        top = QHBoxLayout()
        top.addWidget(self.refused_only)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        box = QVBoxLayout(page)
        box.addWidget(self.overdue_note)
        box.addWidget(self.overdue)
        box.addLayout(top)
        box.addWidget(self.ledger, 1)
        self.tabs.addTab(page, tr("上报台账(&2)"))
        self.refused_only.toggled.connect(self.load_ledger)
        self.refresh_button.clicked.connect(self.refresh)

    def _build_search(self) -> None:
        page = QWidget()
        self.query = QLineEdit()
        self.query.setPlaceholderText(tr("姓名（人员），或地址、户号（户）；三个字以上可查任意一段"))
        self.query.setClearButtonEnabled(True)
        self.search_button = QPushButton(tr("查找(&F)"))
        self.search_note = QLabel(tr("每次查找都会记入街道操作记录。"))
        self.hits = table([tr("类别"), tr("姓名或户号"), tr("社区"), tr("身份证号与出生年月"), tr("地址")])
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.search_button)
        box = QVBoxLayout(page)
        box.addLayout(top)
        box.addWidget(self.search_note)
        box.addWidget(self.hits)
        self.tabs.addTab(page, tr("跨社区查找(&3)"))
        self.search_button.clicked.connect(self.run_search)
        self.query.returnPressed.connect(self.run_search)

    def _add_page(self, title: str, top: list, body: QWidget, *, stretch: QWidget) -> None:
        """A page: a row of labels (text) and widgets above its table; `stretch` takes the spare width."""
        row = QHBoxLayout()
        for item in top:
            if isinstance(item, str):
                row.addWidget(QLabel(item))
            else:
                row.addWidget(item, 1 if item is stretch else 0)
        page = QWidget()
        box = QVBoxLayout(page)
        box.addLayout(row)
        box.addWidget(body)
        self.tabs.addTab(page, title)

    def _choice_box(self) -> QComboBox:
        box = QComboBox()
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        return box

    def _build_archive(self) -> None:
        self.archive_community = self._choice_box()
        self.archive_note = QLabel()
        self.reveal_button = QPushButton(tr("查看完整身份证号(&V)…"))
        self.reveal_button.setVisible(self.user.may_reveal)
        self.archive = table([tr(h) for h in PERSON_HEADERS])
        self._add_page(tr("社区档案(&4)"), [tr("社区："), self.archive_community, self.archive_note, self.reveal_button],
                       self.archive, stretch=self.archive_note)
        self.archive_community.activated.connect(lambda _i: self.load_archive())
        self.reveal_button.clicked.connect(self.reveal_selected)

    def _build_registers(self) -> None:
        self.register_community = self._choice_box()
        self.register_group = self._choice_box()
        self.register_note = QLabel()
        self.register = table([tr(h) for h in PERSON_HEADERS])
        self._add_page(tr("重点人群(&5)"), [tr("社区："), self.register_community, tr("重点人群："), self.register_group,
                                          self.register_note], self.register, stretch=self.register_note)
        self.register_community.activated.connect(lambda _i: self.load_register())
        self.register_group.activated.connect(lambda _i: self.load_register())

    def _build_completeness(self) -> None:
        page = QWidget()
        self.completeness_note = QLabel(tr("与社区“完整性检查”相同的规则，按汇总数据库中该社区最近一次上报的数据检查。"))
        self.completeness_note.setWordWrap(True)
        self.completeness = table([tr("社区"), tr("问题合计")] + [tr(label) for label in completeness.KINDS.values()])
        self.problems = table([tr("问题类别"), tr("说明")])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.completeness)
        split.addWidget(self.problems)
        box = QVBoxLayout(page)
        box.addWidget(self.completeness_note)
        box.addWidget(split)
        self.tabs.addTab(page, tr("完整性(&6)"))
        self.completeness.itemSelectionChanged.connect(self._show_problems)
        self._completeness: list[street_view.Completeness] = []

    def _build_audit(self) -> None:
        self.audit = table([tr("时间"), tr("街道账号"), tr("操作"), tr("社区"), tr("内容")])
        page = QWidget()
        box = QVBoxLayout(page)
        box.addWidget(QLabel(tr("街道账号的登录、跨社区查找、查看完整身份证号、导出报表和账号变动的记录（只有街道管理员能看）。")))
        box.addWidget(self.audit)
        self.tabs.addTab(page, tr("操作记录(&0)"))

    def _build_progress(self) -> None:
        """Long work's progress and its 取消, in the status bar; shown only after ~600 ms."""
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress_text = QLabel()
        self.cancel_button = QPushButton(tr("取消(&C)"))
        for widget in (self.progress_text, self.progress, self.cancel_button):
            self.statusBar().addPermanentWidget(widget)
            widget.setVisible(False)
        self._progress_timer = QTimer(self, singleShot=True, interval=600)
        self._progress_timer.timeout.connect(self._show_progress)
        self.cancel_button.clicked.connect(self.cancel_long_work)

    # --- opening --------------------------------------------------------------------------------

    @classmethod
    def open(cls, dsn: str, name: str, password: str, **kwargs) -> "StreetWindow":
        """Logs the account in (StoreError, LoginFailed when it cannot) and opens the window."""
        access = store.connect(dsn, migrating=False)
        try:
            user = street_users.log_in(access, name, password)
        except BaseException:
            access.close()
            raise
        return cls(dsn, access, user, **kwargs)

    def _now(self) -> dt.datetime:
        return self.now or dt.datetime.now(dt.timezone.utc)

    def today(self) -> dt.date:
        return self._now().astimezone().date() if self._now().tzinfo else self._now().date()

    def _focus_search(self) -> None:
        self.show_page("search")
        self.query.setFocus()
        self.query.selectAll()

    def page_ids(self) -> tuple[str, ...]:
        return self.PAGES if self.user.admin else tuple(p for p in self.PAGES if p not in self.ADMIN_PAGES)

    def show_page(self, page: str) -> bool:
        if page not in self.page_ids():
            return False
        self.tabs.setCurrentIndex(self.PAGES.index(page))
        return True

    def wait_until_settled(self, timeout: float = 60) -> None:
        """Until every page asked for has its answer (screenshots and tests)."""
        deadline = time.monotonic() + timeout
        while self.waiting and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        QCoreApplication.processEvents()

    # --- asking and answering -------------------------------------------------------------------

    def ask(self, slot: str, function: Callable[[Context], object], show: Callable[[object], None],
            failed: Callable[[str], None] | None = None) -> None:
        """Runs `function(context)` on the reader; `show(result)` or `failed(message)` on the GUI thread."""
        self._handlers[slot] = (show, failed)
        self.waiting.add(slot)
        if slot in self.LONG:
            self.progress.setRange(0, 0)  # busy, until the work reports how far it is
            self._progress_timer.start()
        self.reader.submit(slot, function)

    def _ask(self, slot: str, function) -> None:
        self.ask(slot, function, getattr(self, f"_show_{slot}"))

    def _settled(self, slot: str) -> None:
        self.waiting.discard(slot)
        if not self.waiting & set(self.LONG):
            self._progress_timer.stop()
            for widget in (self.progress_text, self.progress, self.cancel_button):
                widget.setVisible(False)

    def _show_progress(self) -> None:
        if self.waiting & set(self.LONG):
            if not self.progress_text.text():
                self.progress_text.setText(tr("正在读取……"))
            for widget in (self.progress_text, self.progress, self.cancel_button):
                widget.setVisible(True)

    def _progress(self, slot: str, done: int, total: int, message: str) -> None:
        if slot not in self.waiting:
            return
        self.progress_text.setText(message)
        self.progress.setRange(0, total)  # 0, 0: busy, without a known end
        self.progress.setValue(done)

    def cancel_long_work(self) -> None:
        """Stops what the pages wait for (the server stops its query; a community being read stops)."""
        for slot in sorted(self.waiting & set(self.LONG)):
            self.reader.cancel(slot)
            self._failed(slot, tr("已取消。"))

    def _answered(self, slot: str, result) -> None:
        self._settled(slot)
        self.progress_text.clear()
        show, _failed = self._handlers.get(slot, (getattr(self, f"_show_{slot}", None), None))
        if show is not None:
            show(result)

    def _failed(self, slot: str, message: str) -> None:
        self._settled(slot)
        self.progress_text.clear()
        _show, failed = self._handlers.get(slot, (None, None))
        if failed is not None:
            failed(message)
            self.statusBar().showMessage(message)
            return
        if slot == "reveal":
            QMessageBox.warning(self, tr("查看完整身份证号"), message)
            return
        if slot == "search":
            fill(self.hits, [])
        notes = {"search": self.search_note, "archive": self.archive_note, "register": self.register_note,
                 "completeness": self.completeness_note}
        if slot in notes:
            notes[slot].setText(message)
        else:
            self.summary.setText(message)
        self.statusBar().showMessage(message)

    def _page_shown(self, index: int) -> None:
        page = self.PAGES[index]
        if page == "archive" and self._archive_office is None:
            self.load_archive()
        elif page == "registers" and self._register_office is None:
            self.load_register()
        elif page == "completeness" and not self._completeness:
            self.load_completeness()
        elif page in ("summary", "assessment", "accounts") and (page != "accounts" or self.user.admin):
            self.tabs.widget(index).shown()
        elif page == "audit" and self.user.admin:
            self._ask("audit", lambda ctx: street_users.audit_entries(ctx.read, limit=LEDGER_ROWS))

    def refresh(self) -> None:
        at = self._now()
        self._ask("communities", lambda ctx: (street_view.communities(ctx.read), ledger.overdue(ctx.read, at=at)))
        self.load_ledger()
        if self._archive_office is not None:
            self.load_archive()
        if self._register_office is not None:
            self.load_register()
        if self._completeness:
            self.load_completeness()
        # The heavier pages in ui/street/ read again only when they are the one looked at.
        if self.PAGES[self.tabs.currentIndex()] in ("summary", "assessment", "accounts"):
            self.tabs.currentWidget().load()

    def _show_communities(self, result) -> None:
        found, late = result
        self.communities_list = found
        late_ids = {o.uuid for o in late}
        rows = []
        for c in found:
            state = (tr("逾期未报") if c.uuid in late_ids else tr("有拒收的包") if c.refused
                     else tr("尚未报送") if not c.last_sequence else tr("正常"))
            rows.append([c.name, c.division_code or tr("未设"), str(c.last_sequence) if c.last_sequence else "—",
                         when(c.last_applied_at), f"{c.households:,}", f"{c.persons:,}", str(c.refused), state])
        fill(self.communities, rows)
        self.summary.setText(tr("共{n}个社区，{h:,}户、{p:,}人；{late}个社区逾期未报（上个整月没有上报包），"
                                "{refused}个社区有未解决的拒收。").format(
            n=len(found), h=sum(c.households for c in found), p=sum(c.persons for c in found), late=len(late_ids),
            refused=sum(1 for c in found if c.refused)))
        fill(self.overdue, [[o.name, o.division_code or tr("未设"), str(o.last_sequence) if o.last_sequence else "—",
                              when(o.last_made_at), str(o.months_missed)] for o in late])
        self.overdue_note.setText(
            tr("各社区每月至少报送一次上报包。{n}个社区上个整月没有上报包：").format(n=len(late)) if late
            else tr("各社区每月至少报送一次上报包；目前没有逾期未报的社区。"))
        sent = [c for c in found if c.last_sequence]
        for box in (self.archive_community, self.register_community):
            chosen = box.currentData()
            box.clear()
            for c in sent:
                box.addItem(c.name, c.uuid)
            if chosen is not None and (i := box.findData(chosen)) >= 0:
                box.setCurrentIndex(i)
        # A community page shown before the communities were known reads now.
        self._page_shown(self.tabs.currentIndex())

    def load_ledger(self) -> None:
        refused = self.refused_only.isChecked()
        self._ask("ledger", lambda ctx: ledger.entries(ctx.read, limit=LEDGER_ROWS, refused_only=refused))

    def _show_ledger(self, entries) -> None:
        fill(self.ledger, [[when(e.at), e.office_name or tr("（无法识别）"), str(e.sequence or ""),
                             tr(ledger.OUTCOME_LABELS[e.outcome]), e.file_name, e.actor, e.reason] for e in entries])

    def run_search(self) -> None:
        text = self.query.text()
        user = self.user

        def find(ctx: Context):
            hits = street_view.search(ctx.read, text)
            street_users.record_search(ctx.write, user, text, len(hits))
            return hits

        self.search_note.setText(tr("正在查找…"))
        self._ask("search", find)

    def _show_search(self, hits) -> None:
        kinds = {"person": tr("人员"), "household": tr("户")}
        fill(self.hits, [[kinds[h.kind], h.name, h.community, h.detail if h.kind == "person" else "", h.address]
                          for h in hits])
        self.search_note.setText(tr("找到{n}条。").format(n=len(hits)) if hits else tr("没有找到相符的人员或户。"))

    # --- one community --------------------------------------------------------------------------

    def load_archive(self) -> None:
        office = self.archive_community.currentData()
        if office is None:
            self.archive_note.setText(tr("还没有社区报送过上报包。"))
            return
        self._archive_office = office
        scope, today = self.scope, self.today()
        self.archive_note.setText(tr("正在读取…"))
        self._ask("archive", lambda ctx: _with_replica(ctx, office, lambda db: street_view.archive(db, scope=scope,
                                                                                                   today=today)))

    def _show_archive(self, rows) -> None:
        if rows is None:
            return
        fill(self.archive, _person_rows(rows), [r.person_id for r in rows])
        self.archive_note.setText(tr("{n}人（在册）").format(n=f"{len(rows):,}"))

    def reveal_selected(self) -> None:
        row = self.archive.currentRow()
        if row < 0 or self._archive_office is None:
            QMessageBox.information(self, tr("查看完整身份证号"), tr("请先在列表中选中一个人。"))
            return
        person_id = self.archive.item(row, 0).data(Qt.ItemDataRole.UserRole)
        name = self.archive.item(row, 0).text()
        reason, ok = QInputDialog.getText(self, tr("查看完整身份证号"), tr("查看“{name}”的完整身份证号的原因（会记入街道操作记录）：")
                                          .format(name=name))
        if not ok:
            return
        office, user = self._archive_office, self.user

        def reveal(ctx: Context):
            # The community's replica may have been let go meanwhile (replica.Replicas): built again,
            # its ids are the same, numbered from the same rows.
            gid = _with_replica(ctx, office, lambda db: street_view.person_gid(db, person_id))
            return None if gid is None else (name, street_users.reveal_id(ctx.write, ctx.read, user, office, gid, reason))

        self._ask("reveal", reveal)

    def _show_reveal(self, result) -> None:
        if result is None:
            return
        name, number = result
        QMessageBox.information(self, tr("完整身份证号"), tr("{name}：{number}").format(name=name, number=number or tr("无")))

    def load_register(self) -> None:
        office = self.register_community.currentData()
        if office is None:
            self.register_note.setText(tr("还没有社区报送过上报包。"))
            return
        self._register_office = office
        code = self.register_group.currentData()
        scope, today = self.scope, self.today()

        def read(ctx: Context):
            def on(db):
                groups = street_view.register_groups(db, scope)
                chosen = code if any(g.code == code for g in groups) else groups[0].code
                return groups, chosen, street_view.register(db, chosen, scope=scope, today=today)
            return _with_replica(ctx, office, on)

        self.register_note.setText(tr("正在读取…"))
        self._ask("register", read)

    def _show_register(self, result) -> None:
        if result is None:
            return
        groups, chosen, rows = result
        self.register_group.clear()
        for g in groups:
            self.register_group.addItem(g.label, g.code)
        self.register_group.setCurrentIndex(self.register_group.findData(chosen))
        fill(self.register, _person_rows(rows))
        self.register_note.setText(tr("{n}人").format(n=f"{len(rows):,}"))

    def load_completeness(self) -> None:
        offices = [(c.uuid, c.name) for c in self.communities_list if c.last_sequence]
        scope, today = self.scope, self.today()

        def read(ctx: Context):
            found = []
            for uuid, name in offices:
                done = _with_replica(ctx, uuid, lambda db, n=name: street_view.completeness(db, n, scope=scope,
                                                                                              today=today))
                if done is None:
                    return None
                found.append(done)
            return found

        self.completeness_note.setText(tr("正在检查各社区…"))
        self._ask("completeness", read)

    def _show_completeness(self, found) -> None:
        if found is None:
            return
        self._completeness = found
        fill(self.completeness, [[c.community, str(len(c.problems))] + [str(c.count(k)) for k in completeness.KINDS]
                                  for c in found])
        self.completeness_note.setText(tr("与社区“完整性检查”相同的规则，按汇总数据库中各社区最近一次上报的数据，"
                                          "于{day}检查：共{n}个问题。选中一个社区查看明细。").format(
            day=self.today().isoformat(), n=sum(len(c.problems) for c in found)))
        if found:
            self.completeness.selectRow(0)

    def _show_problems(self) -> None:
        row = self.completeness.currentRow()
        if not 0 <= row < len(self._completeness):
            return
        fill(self.problems, [[tr(completeness.KINDS[p.kind]), p.message] for p in self._completeness[row].problems])

    def _show_audit(self, entries) -> None:
        def said(e: street_users.AuditEntry) -> str:
            if e.action == "search":
                return tr("查找“{query}”，找到{n}条").format(query=e.detail.get("query", ""), n=e.detail.get("hits", 0))
            if e.action == "reveal":
                return tr("原因：{reason}").format(reason=e.detail.get("reason", ""))
            if e.action == "add_user":
                return tr("{name}（{role}）").format(name=e.detail.get("name", ""),
                                                   role=tr(street_users.ROLES.get(e.detail.get("role"), "")))
            if e.action in ("disable_user", "enable_user", "reset_password"):
                return tr("账号：{name}").format(name=e.detail.get("name", ""))
            if e.action == "export":
                what = tr(street_users.EXPORTS.get(e.detail.get("what"), "报表"))
                return tr("{what}（{month}），文件“{file}”").format(what=what, month=e.detail.get("month", ""),
                                                              file=e.detail.get("file", ""))
            return ""

        fill(self.audit, [[when(e.at), e.actor or tr("（未知账号）"), tr(street_users.ACTION_LABELS.get(e.action, "其他操作")),
                            e.office_name or "", said(e)] for e in entries])

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.reader.close()  # closes the access connection too: the reader may have made it again
        super().closeEvent(event)


def _with_replica(ctx: Context, office: str, read):
    """`read(db)` on the community's replica; None when the request went stale while it was built."""
    db = ctx.replica(office)
    return None if db is None else read(db)
