"""The main window: page navigation, menus, status bar, and the settings it remembers."""

from __future__ import annotations

import bisect
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget,
                               QToolBar, QWidget)

from gridoffice.access import users
from gridoffice.archive import browse
from gridoffice.org import regions
from gridoffice.store import backup, officefile
from gridoffice.changes import Changes
from gridoffice.consolidation import PACKAGE_ROLES
from gridoffice.errors import GridOfficeError

from . import office_files
from .background import LatestWorker
from .context import AppContext, User, open_office
from .pages import module_of, order_key, page_classes, page_modules
from .translations import install_qt_translations

DEFAULT_PAGE = "archive"
# Leaders and administrators start on the month at a glance after every log-in.
LEADER_PAGE, LEADER_ROLES = "dashboard", frozenset({"leader", "admin"})
# The other pages are imported and built after the first one has shown its rows (checked this often,
# given up waiting for after OTHER_PAGES_MAX_WAIT_S).
OTHER_PAGES_DELAY_MS = 150
OTHER_PAGES_MAX_WAIT_S = 5.0
# Kinds of change after which the status-bar totals are recounted.
_TOTALS = Changes.HOUSEHOLDS | Changes.PERSONS | Changes.ORG  # the status bar's totals


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


FIRST_SIZE = QSize(1366, 768)
# Room a desktop's title bar and borders take around the window's contents.
FRAME = QSize(16, 40)


def first_geometry(available: QRect) -> QRect | None:
    """Where the window opens the first time: None (maximised) when the screen's free area cannot hold
    1366×768 with the title bar — the office's common 1366×768 screen less its taskbar — else that
    size, or up to 85 % of a larger screen, centred."""
    if available.width() < FIRST_SIZE.width() + FRAME.width() or \
            available.height() < FIRST_SIZE.height() + FRAME.height():
        return None
    size = QSize(max(FIRST_SIZE.width(), int(available.width() * 0.85)),
                 max(FIRST_SIZE.height(), int(available.height() * 0.85)))
    place = QRect(QPoint(0, 0), size)
    place.moveCenter(available.center())
    return place


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, persist: bool = True, first_page: str | None = None):
        super().__init__()
        install_qt_translations()
        self.ctx = ctx
        self.persist = persist
        self.pages: list[QWidget] = []
        self.setMinimumSize(1000, 600)
        self._stack = QStackedWidget()
        self.setCentralWidget(self._stack)
        self._worker = LatestWorker(ctx, "status", self)
        self._build_navigation()
        self._build_menus()
        self._build_status_bar()
        start = first_page or (LEADER_PAGE if getattr(ctx.user, "role", "") in LEADER_ROLES else "") or (
            QSettings().value("window/page", "") if persist else "") or DEFAULT_PAGE
        self._start_page = str(start)
        module = module_of(self._start_page) or module_of(DEFAULT_PAGE)
        self._add_pages(page_classes([module]) if module else page_classes())
        self._all_loaded = module is None
        ctx.changed.connect(self._on_changed)
        ctx.write_failed.connect(self._on_write_failed)
        ctx.navigate_requested.connect(self.open_record)
        ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ctx.write_started.connect(lambda d: self.statusBar().showMessage(tr("正在保存：{d}").format(d=d)))
        ctx.write_finished.connect(
            lambda d, ok: self.statusBar().showMessage((tr("已保存：{d}") if ok else tr("未保存：{d}")).format(d=d), 5000))
        self._update_title()
        self._restore_settings()
        self._totals_asked = False  # counted once the first page has its rows (_load_pages_in_background)
        if ctx.notices:
            QTimer.singleShot(0, lambda: QMessageBox.information(self, tr("打开文件"), "\n\n".join(ctx.notices)))
        self._shown_at = time.monotonic()
        # Owned by the window, so it cannot fire after the window is gone.
        self._pages_timer = QTimer(self)
        self._pages_timer.setSingleShot(True)
        self._pages_timer.timeout.connect(self._load_pages_in_background)
        self._pages_timer.start(OTHER_PAGES_DELAY_MS)

    @classmethod
    def open(cls, path: str | Path, *, persist: bool = True, first_page: str | None = None,
             user: User | None = None, parent: QWidget | None = None) -> "MainWindow | None":
        """The window on `path` after the log-in (skipped when `user` is given); None if the clerk quit."""
        install_qt_translations()  # before the log-in dialog, whose buttons Qt labels
        # A folder, another program's database or a newer file is refused before anyone is asked to log in.
        found = officefile.classify(path)
        if found.kind in (officefile.FOLDER, officefile.FOREIGN, officefile.NEWER):
            raise officefile.NotOurFile(found.kind, found.message)
        # The file is encrypted: the log-in unlocks it, so it comes before the file is opened.
        user = user or office_files.log_in(path, parent)
        if user is None:
            return None
        office = open_office(path, parent)
        ctx = AppContext(path, user, office=office)
        if persist:
            office_files.remember_file(path)
        window = cls(ctx, persist=persist, first_page=first_page)
        if persist:
            window.start_auto_backup()
        return window

    # -- pages ---------------------------------------------------------------------------------
    def _build_navigation(self) -> None:
        self._nav = QToolBar(tr("页面"))
        self._nav.setObjectName("navigation")
        self._nav.setMovable(False)
        self._nav.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._nav)
        self._nav_group = QActionGroup(self)
        self._page_actions: list[QAction] = []
        self._page_menu_actions: list[QAction] = []
        self._all_loaded = False

    def _add_pages(self, classes: list[type]) -> None:
        """Insert pages at their place in the navigation order, with their action and menus."""
        for cls in classes:
            page = cls(self.ctx, self._stack)
            pos = bisect.bisect([order_key(type(p)) for p in self.pages], order_key(cls))
            self.pages.insert(pos, page)
            self._stack.insertWidget(pos, page)
            action = QAction(QCoreApplication.translate("pages", cls.TITLE), self, checkable=True)
            action.triggered.connect(lambda _checked=False, p=page: self._show(p))
            if hasattr(page, "count_changed"):
                page.count_changed.connect(lambda text, p=page: self._show_count(p, text))
            # A page the role may not use (操作记录 for a clerk) is not offered at all.
            action.setVisible(getattr(page, "allowed", lambda: True)())
            self._nav_group.addAction(action)
            before = self._page_actions[pos] if pos < len(self._page_actions) else None
            self._nav.insertAction(before, action)
            self._view_menu.insertAction(before, action)
            self._page_actions.insert(pos, action)
            for menu in getattr(page, "menus", lambda: [])():
                menu_action = self.menuBar().insertMenu(self._view_menu.menuAction(), menu)
                menu_action.setData(page.PAGE_ID)
                menu_action.setVisible(page is self.current_page())
                self._page_menu_actions.append(menu_action)
            if self.persist and hasattr(page, "restore_state"):
                page.restore_state(QSettings())
        # Ctrl+1…9 count the pages without a shortcut of their own (首页 has Ctrl+0).
        n = 0
        for page, action in zip(self.pages, self._page_actions):
            shortcut = getattr(page, "SHORTCUT", "")
            if not shortcut:
                n += 1
                shortcut = f"Ctrl+{n}" if n <= 9 else ""
            action.setShortcut(QKeySequence(shortcut))
            if shortcut:
                keys = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
                action.setToolTip(f"{action.text()}（{keys}）")

    def load_all_pages(self) -> None:
        """Import and build every page not built yet, now."""
        if self._all_loaded:
            return
        self._all_loaded = True
        built = {type(p) for p in self.pages}
        self._add_pages([cls for cls in page_classes() if cls not in built])

    def _load_pages_in_background(self) -> None:
        """After the first page has its rows: the status bar's totals, then the other pages imported
        one per event-loop turn, so the window keeps answering the clerk in between."""
        page = self.current_page()
        waited = time.monotonic() - self._shown_at
        if page is not None and getattr(page, "is_loading", lambda: False)() and waited < OTHER_PAGES_MAX_WAIT_S:
            self._pages_timer.start(OTHER_PAGES_DELAY_MS)
            return
        if not self._totals_asked:
            self._refresh_totals()
        if self._all_loaded:
            return
        built = {type(p).__module__.rsplit(".", 1)[-1] for p in self.pages}
        missing = [name for name in page_modules() if name not in built]
        if not missing:
            self._all_loaded = True
            return
        self._add_pages(page_classes(missing[:1]))
        self._pages_timer.start(0)

    def page_ids(self) -> list[str]:
        self.load_all_pages()
        return [p.PAGE_ID for p in self.pages]

    def current_page(self) -> QWidget | None:
        return self._stack.currentWidget()

    def show_page(self, page_id: str) -> bool:
        # A page not built yet: its own module first (by the naming convention), every page only
        # when the convention does not find it — importing them all costs about a second.
        for load in (self._load_page_module, lambda _page_id: self.load_all_pages(), None):
            for page in self.pages:
                if page.PAGE_ID == page_id:
                    self._show(page)
                    return True
            if load is not None:
                load(page_id)
        return False

    def _load_page_module(self, page_id: str) -> None:
        module = module_of(page_id)
        built = {type(p) for p in self.pages}
        if module and not self._all_loaded:
            self._add_pages([cls for cls in page_classes([module]) if cls not in built])

    def _show(self, page: QWidget) -> None:
        self._stack.setCurrentWidget(page)
        self._page_actions[self.pages.index(page)].setChecked(True)
        self.statusBar().clearMessage()
        self._count_label.setText(getattr(page, "count_text", ""))
        for menu_action in self._page_menu_actions:
            menu_action.setVisible(menu_action.data() == page.PAGE_ID)
        if hasattr(page, "activated"):
            page.activated()

    def open_record(self, table: str, row_id: int) -> None:
        """Show a record on the first page that can (the archive for households and persons)."""
        self.load_all_pages()
        for page in self.pages:
            if hasattr(page, "open_record") and page.open_record(table, row_id):
                self._show(page)
                return
        self.statusBar().showMessage(tr("没有页面能显示这条记录"), 5000)

    # -- menus ---------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(tr("文件(&F)"))
        # No Ctrl+N here: pages use it for their own "new" (e.g. 登记事项); a new office is rare.
        self._add(file_menu, tr("新建办公室(&N)…"), None, self.new_office)
        self._add(file_menu, tr("打开(&O)…"), QKeySequence.StandardKey.Open, self.open_file_dialog)
        self._recent_menu = file_menu.addMenu(tr("最近打开(&R)"))
        self._recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self.import_action = self._add(file_menu, tr("导入花名册(&I)…"), QKeySequence("Ctrl+I"), self.open_import)
        self.import_action.setEnabled(self.ctx.can_import())
        self.import_list_action = self._add(file_menu, tr("导入重点人群名单(&L)…"), QKeySequence("Ctrl+Shift+I"),
                                            self.open_list_import)
        self.import_list_action.setEnabled(self.ctx.can_import())
        self._add(file_menu, tr("备份与恢复(&B)…"), None, self.open_backups)
        if getattr(self.ctx.user, "role", "") in PACKAGE_ROLES:
            self._add(file_menu, tr("生成上报包(&K)…"), QKeySequence("Ctrl+Shift+K"), self.open_package)
        if isinstance(self.ctx.user, users.User):
            self._add(file_menu, tr("修改密码(&W)…"), None, self.change_password)
            if self.ctx.can("manage_users"):
                self._add(file_menu, tr("用户管理(&U)…"), None, self.manage_users)
        file_menu.addSeparator()
        self._add(file_menu, tr("退出(&Q)"), QKeySequence("Ctrl+Q"), self.close)

        edit_menu = bar.addMenu(tr("编辑(&E)"))
        undo = self.ctx.undo_stack.createUndoAction(self, tr("撤销"))
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = self.ctx.undo_stack.createRedoAction(self, tr("重做"))
        redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        self.undo_action, self.redo_action = undo, redo
        edit_menu.addSeparator()
        self._add(edit_menu, tr("查找(&F)"), QKeySequence("Ctrl+F"), self.focus_search)

        # Menus a page contributes (e.g. 户籍 operations) go before this one and show while it is current.
        self._view_menu = bar.addMenu(tr("页面(&P)"))
        help_menu = bar.addMenu(tr("帮助(&H)"))
        self.manual_action = self._add(help_menu, tr("使用手册(&M)"), QKeySequence.StandardKey.HelpContents,
                                       self.open_manual)
        self._add(help_menu, tr("关于(&A)"), None, self._about)

    def open_manual(self) -> None:
        from .dialogs.manual import ManualDialog

        # One window, kept beside the main window while the clerk works (not modal).
        if getattr(self, "_manual", None) is None:
            self._manual = ManualDialog(self)
        self._manual.show()
        self._manual.raise_()
        self._manual.activateWindow()

    def _add(self, menu, text: str, shortcut, slot) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _fill_recent(self) -> None:
        self._recent_menu.clear()
        files = [f for f in office_files.recent_files() if Path(f).exists()]
        if not files:
            self._recent_menu.addAction(tr("（无）")).setEnabled(False)
        for n, path in enumerate(files, start=1):
            action = self._recent_menu.addAction(f"&{n} {path}")
            action.triggered.connect(lambda _c=False, p=path: self.switch_to(Path(p)))

    def focus_search(self) -> None:
        page = self.current_page()
        if not hasattr(page, "focus_search"):
            self.show_page("archive")
            page = self.current_page()
        if hasattr(page, "focus_search"):
            page.focus_search()

    def new_office(self) -> None:
        from .dialogs.office import NewOfficeDialog, create_office

        dialog = NewOfficeDialog(office_files.data_folder(), self)
        if dialog.exec() != NewOfficeDialog.DialogCode.Accepted:
            return
        path = dialog.office_path()
        try:
            admin = create_office(path, dialog.office_values(), self)
        except GridOfficeError as exc:
            QMessageBox.warning(self, tr("无法新建"), exc.message)
            return
        self.switch_to(path, admin)

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("打开办公室文件"), str(office_files.data_folder()),
                                              tr("办公室数据库 (*.db *.sqlite);;所有文件 (*)"))
        if path:
            self.switch_to(Path(path))

    def switch_to(self, path: Path, user: users.User | None = None) -> None:
        """Open another office file in a new window (after its log-in, unless `user` is given) and close this one."""
        if Path(path).resolve() == self.ctx.db_path.resolve():
            return
        try:
            window = MainWindow.open(path, persist=self.persist, user=user)
        except Exception as exc:  # noqa: BLE001 - shown to the clerk; the current file stays open
            QMessageBox.warning(self, tr("无法打开"), tr("无法打开文件{path}：\n{error}").format(path=path, error=exc))
            return
        if window is None:
            return
        window.show()
        self.close()

    def open_import(self):
        """The roster import wizard (imported on first use: it loads the spreadsheet readers)."""
        if not self.ctx.can_import():
            return None
        from .dialogs.import_wizard import open_import_wizard

        return open_import_wizard(self.ctx, self)

    def open_list_import(self):
        """The same wizard for a special-group list (低保, 残疾, 优抚, 帮教 lists from other departments)."""
        if not self.ctx.can_import():
            return None
        from .dialogs.import_wizard import open_import_wizard

        return open_import_wizard(self.ctx, self, kind="tags")

    # -- backups and the user's password -------------------------------------------------------
    def start_auto_backup(self) -> None:
        """A checked backup now if the newest is an hour old, then every hour, in the background."""
        from .safe_open import AutoBackup

        self.auto_backup = AutoBackup(self.ctx.db_path, self)
        self.auto_backup.finished.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.auto_backup.failed.connect(self._auto_backup_failed)
        self.auto_backup.start()

    def _auto_backup_failed(self, text: str) -> None:
        # Told once in a dialog; the retries every few minutes only repeat it in the status bar.
        self.statusBar().showMessage(text, 15000)
        if not getattr(self, "_backup_failure_told", False):
            self._backup_failure_told = True
            QMessageBox.warning(self, tr("自动备份失败"), text)

    def _stop_auto_backup(self) -> None:
        if getattr(self, "auto_backup", None) is not None:
            self.auto_backup.stop()

    def open_package(self) -> "PackageDialog":
        from .dialogs.package import PackageDialog  # the package's cryptography: only when a package is made

        dialog = PackageDialog(self.ctx, self)
        dialog.open()
        return dialog

    def open_backups(self) -> "BackupDialog":
        from .dialogs.backup import BackupDialog  # imported when used, like every dialog a start does not show

        dialog = BackupDialog(self.ctx, self, can_restore=self.ctx.can("restore"))
        dialog.restore_requested.connect(self.restore_from)
        dialog.open()
        return dialog

    def restore_from(self, backup_path: Path) -> None:
        """Close the file (keeping its lock), put the backup in its place, and reopen it in a new window."""
        if self.ctx.busy:
            QMessageBox.warning(self, tr("请稍候"), tr("还有操作正在保存，请等它完成后再恢复。"))
            return
        path, user = self.ctx.db_path, self.ctx.user
        self._stop_auto_backup()
        held = self.ctx.close(keep_lock=True)
        try:
            result = backup.restore(path, backup_path, held=held, actor=user.name)
            title = tr("已恢复")
            text = tr("已用备份“{name}”恢复。恢复前的文件原样保存在“{kept}”。").format(
                name=backup_path.name, kept=result.kept_aside.name if result.kept_aside else tr("（无）"))
        except GridOfficeError as exc:
            title, text = tr("恢复失败"), exc.message + "\n\n" + tr("数据文件没有改动。")
        finally:
            held.release()
        try:
            window = MainWindow.open(path, persist=self.persist, user=user)
        except Exception as exc:  # noqa: BLE001 - shown to the clerk
            QMessageBox.critical(self, tr("无法打开"), tr("无法打开文件{path}：\n{error}").format(path=path, error=exc))
            self.close()
            return
        window.show()
        self.close()
        QMessageBox.information(window, title, text)

    def change_password(self) -> None:
        from .dialogs.login import ChangePasswordDialog

        ChangePasswordDialog(self.ctx, self).exec()

    def manage_users(self) -> None:
        from .dialogs.users import UsersDialog

        UsersDialog(self.ctx, self).exec()

    def _about(self) -> None:
        QMessageBox.about(self, tr("关于"), tr("网格化管理、组团式服务、片组户联系\n\n当前文件：{path}").format(
            path=self.ctx.db_path))

    # -- status bar ----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self._totals_label = QLabel()
        # The current page's row count lives here, beside the totals; messages keep the left part.
        self._count_label = QLabel()
        self._file_label = QLabel(self.ctx.db_path.name)
        self._file_label.setToolTip(str(self.ctx.db_path))
        user = self.ctx.user
        self._user_label = QLabel(tr("{name}（{role}）").format(name=user.name, role=tr(user.permissions.label)))
        self.statusBar().addPermanentWidget(self._count_label)
        self.statusBar().addPermanentWidget(self._user_label)
        self.statusBar().addPermanentWidget(self._totals_label)
        self.statusBar().addPermanentWidget(self._file_label)

    def _show_count(self, page: QWidget, text: str) -> None:
        if page is self.current_page():
            self._count_label.setText(text)

    def _refresh_totals(self) -> None:
        self._totals_asked = True
        scope = self.ctx.scope()
        self._worker.submit(lambda db: browse.totals(db, scope), self._show_totals)

    def _show_totals(self, totals: regions.Counts) -> None:
        text = tr("全部在册：{h}户 {p}人") if self.ctx.scope().whole_office else tr("负责范围在册：{h}户 {p}人")
        self._totals_label.setText(text.format(h=totals.households, p=totals.persons))

    def _update_title(self) -> None:
        name = regions.office(self.ctx.reader()).name or self.ctx.db_path.stem
        self.setWindowTitle(tr("{name} — 网格化管理").format(name=name))

    # -- signals -------------------------------------------------------------------------------
    def _on_changed(self, changes: Changes, initiator: object) -> None:
        for page in self.pages:
            page.on_changed(changes, initiator)
        if changes & _TOTALS:
            self._refresh_totals()
        if changes & Changes.SETTINGS:
            self._update_title()

    def _on_write_failed(self, description: str, exc: BaseException) -> None:
        if isinstance(exc, GridOfficeError):
            QMessageBox.warning(self, tr("未能完成"), exc.message)
        else:
            QMessageBox.critical(self, tr("出错了"), tr("“{d}”没有完成，数据没有改动。\n\n{e}").format(d=description, e=exc))

    # -- settings ------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if self.persist and geometry is not None:
            self.restoreGeometry(geometry)  # Qt moves it back onto a screen that has become smaller
        elif self.persist:
            self._fit_on_screen()
        else:
            self.resize(FIRST_SIZE)
        state = settings.value("window/state")
        if self.persist and state is not None:
            self.restoreState(state)
        start = next((p for p in self.pages if p.PAGE_ID == self._start_page), self.pages[0] if self.pages else None)
        if start is not None:
            self._show(start)

    def _fit_on_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        place = first_geometry(screen.availableGeometry()) if screen else None
        if place is None:
            self.setWindowState(Qt.WindowState.WindowMaximized)
        else:
            self.setGeometry(place)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist:
            settings = QSettings()
            settings.setValue("window/geometry", self.saveGeometry())
            settings.setValue("window/state", self.saveState())
            page = self.current_page()
            if page is not None:
                settings.setValue("window/page", page.PAGE_ID)
            for p in self.pages:
                if hasattr(p, "save_state"):
                    p.save_state(settings)
        # No page may be built on a closed file (the window outlives its close until deleted).
        self._pages_timer.stop()
        self._all_loaded = True
        self._stop_auto_backup()
        self.ctx.close()
        super().closeEvent(event)

    # -- screenshots and tests -----------------------------------------------------------------
    def is_settled(self) -> bool:
        if not self._all_loaded or not self._totals_asked or self.ctx.busy or self._worker.pending:
            return False
        return not any(getattr(p, "is_loading", lambda: False)() for p in self.pages)

    def wait_until_settled(self, timeout: float = 15.0) -> None:
        """Let background loads finish (for screenshots): process events until nothing is pending."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            QApplication.processEvents()
            if self.is_settled():
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.3:
                    break
            else:
                quiet_since = None
            time.sleep(0.01)
        QApplication.processEvents()
