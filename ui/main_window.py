"""The main window: page navigation, menus, status bar, and the settings it remembers."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QApplication, QFileDialog, QLabel, QMainWindow, QMessageBox, QStackedWidget,
                               QToolBar, QWidget)

from gridoffice import browse, regions
from gridoffice.errors import GridOfficeError

from . import app as app_module
from .background import LatestWorker
from .context import AppContext
from .pages import page_classes

# Kinds of change after which the status-bar totals are recounted.
TOTAL_KINDS = {"households", "persons", "org"}


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, persist: bool = True):
        super().__init__()
        self.ctx = ctx
        self.persist = persist
        self.pages: list[QWidget] = []
        self.setMinimumSize(1000, 600)
        self._stack = QStackedWidget()
        self.setCentralWidget(self._stack)
        self._worker = LatestWorker(ctx, "status", self)
        self._build_pages()
        self._build_menus()
        self._build_status_bar()
        ctx.changed.connect(self._on_changed)
        ctx.write_failed.connect(self._on_write_failed)
        ctx.navigate_requested.connect(self.open_record)
        ctx.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        ctx.write_started.connect(lambda d: self.statusBar().showMessage(tr("正在保存：{d}").format(d=d)))
        ctx.write_finished.connect(
            lambda d, ok: self.statusBar().showMessage((tr("已保存：{d}") if ok else tr("未保存：{d}")).format(d=d), 5000))
        self._update_title()
        self._restore_settings()
        self._refresh_totals()

    @classmethod
    def open(cls, path: str | Path, *, persist: bool = True) -> "MainWindow":
        ctx = AppContext(path)
        if persist:
            app_module.remember_file(path)
        return cls(ctx, persist=persist)

    # -- pages ---------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        self._nav = QToolBar(tr("页面"))
        self._nav.setObjectName("navigation")
        self._nav.setMovable(False)
        self._nav.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._nav)
        self._nav_group = QActionGroup(self)
        self._page_actions: list[QAction] = []
        for n, cls in enumerate(page_classes(), start=1):
            page = cls(self.ctx, self._stack)
            self.pages.append(page)
            self._stack.addWidget(page)
            action = QAction(cls.TITLE, self, checkable=True)
            shortcut = getattr(cls, "SHORTCUT", "") or (f"Ctrl+{n}" if n <= 9 else "")
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setToolTip(f"{cls.TITLE}（{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}）")
            action.triggered.connect(lambda _checked=False, i=len(self.pages) - 1: self._show_index(i))
            self._nav_group.addAction(action)
            self._nav.addAction(action)
            self._page_actions.append(action)

    def page_ids(self) -> list[str]:
        return [p.PAGE_ID for p in self.pages]

    def current_page(self) -> QWidget | None:
        return self._stack.currentWidget()

    def show_page(self, page_id: str) -> bool:
        for i, page in enumerate(self.pages):
            if page.PAGE_ID == page_id:
                self._show_index(i)
                return True
        return False

    def _show_index(self, index: int) -> None:
        self._stack.setCurrentIndex(index)
        self._page_actions[index].setChecked(True)
        self.statusBar().clearMessage()
        page = self.pages[index]
        for menu_action in self._page_menu_actions:
            menu_action.setVisible(menu_action.data() == page.PAGE_ID)
        if hasattr(page, "activated"):
            page.activated()

    def open_record(self, table: str, row_id: int) -> None:
        """Show a record on the first page that can (the archive for households and persons)."""
        for i, page in enumerate(self.pages):
            if hasattr(page, "open_record") and page.open_record(table, row_id):
                self._show_index(i)
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

        # Menus a page contributes (e.g. 户籍 operations) show while that page is current.
        self._page_menu_actions: list[QAction] = []
        for page in self.pages:
            for menu in getattr(page, "menus", lambda: [])():
                action = bar.addMenu(menu)
                action.setData(page.PAGE_ID)
                self._page_menu_actions.append(action)

        view_menu = bar.addMenu(tr("页面(&P)"))
        for action in self._page_actions:
            view_menu.addAction(action)
        help_menu = bar.addMenu(tr("帮助(&H)"))
        self._add(help_menu, tr("关于(&A)"), None, self._about)

    def _add(self, menu, text: str, shortcut, slot) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(shortcut if isinstance(shortcut, QKeySequence) else QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _fill_recent(self) -> None:
        self._recent_menu.clear()
        files = [f for f in app_module.recent_files() if Path(f).exists()]
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
        from .dialogs import NewOfficeDialog, create_office

        dialog = NewOfficeDialog(app_module.data_folder(), self)
        if dialog.exec() != NewOfficeDialog.DialogCode.Accepted:
            return
        path = dialog.office_path()
        try:
            create_office(path, dialog.office_values())
        except GridOfficeError as exc:
            QMessageBox.warning(self, tr("无法新建"), exc.message)
            return
        self.switch_to(path)

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("打开办公室文件"), str(app_module.data_folder()),
                                              tr("办公室数据库 (*.db *.sqlite);;所有文件 (*)"))
        if path:
            self.switch_to(Path(path))

    def switch_to(self, path: Path) -> None:
        """Open another office file in a new window and close this one."""
        if Path(path).resolve() == self.ctx.db_path.resolve():
            return
        try:
            window = MainWindow.open(path, persist=self.persist)
        except Exception as exc:  # noqa: BLE001 - shown to the clerk; the current file stays open
            QMessageBox.warning(self, tr("无法打开"), tr("无法打开文件{path}：\n{error}").format(path=path, error=exc))
            return
        window.show()
        self.close()

    def _about(self) -> None:
        QMessageBox.about(self, tr("关于"), tr("网格化管理、组团式服务、片组户联系\n\n当前文件：{path}").format(
            path=self.ctx.db_path))

    # -- status bar ----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        self._totals_label = QLabel()
        self._file_label = QLabel(self.ctx.db_path.name)
        self._file_label.setToolTip(str(self.ctx.db_path))
        self.statusBar().addPermanentWidget(self._totals_label)
        self.statusBar().addPermanentWidget(self._file_label)

    def _refresh_totals(self) -> None:
        self._worker.submit(lambda db: browse.totals(db), self._show_totals)

    def _show_totals(self, totals: browse.Totals) -> None:
        self._totals_label.setText(tr("全部在册：{h}户 {p}人").format(h=totals.households, p=totals.persons))

    def _update_title(self) -> None:
        name = regions.office(self.ctx.reader()).name or self.ctx.db_path.stem
        self.setWindowTitle(tr("{name} — 网格化管理").format(name=name))

    # -- signals -------------------------------------------------------------------------------
    def _on_changed(self, kinds: frozenset) -> None:
        for page in self.pages:
            page.on_changed(kinds)
        if kinds & TOTAL_KINDS:
            self._refresh_totals()
        if "settings" in kinds:
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
            self.restoreGeometry(geometry)
        else:
            self.resize(1366, 768)
        state = settings.value("window/state")
        if self.persist and state is not None:
            self.restoreState(state)
        if self.persist:
            for p in self.pages:
                if hasattr(p, "restore_state"):
                    p.restore_state(settings)
        last = settings.value("window/page", "") if self.persist else ""
        if not (last and self.show_page(str(last))) and self.pages:
            self._show_index(0)

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
        self.ctx.close()
        super().closeEvent(event)

    # -- screenshots and tests -----------------------------------------------------------------
    def is_settled(self) -> bool:
        if self.ctx.busy or self._worker.pending:
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
