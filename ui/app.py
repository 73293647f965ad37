"""Start-up: arguments, fonts, translations, which office file to open, and the main window."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# The core a start needs comes before Qt: PySide6 reads the source of every module imported after it
# (the import hook behind its __feature__ switches), 30 ms of a start for these.
from commands import _argparse_zh
from gridoffice import i18n, shipped
from gridoffice.access import session  # noqa: F401
from gridoffice.archive import browse, households  # noqa: F401
from gridoffice.audit import history  # noqa: F401
from gridoffice.demo.activity import DEMO_PASSWORD, DEMO_USERS
from gridoffice.org import regions, staff  # noqa: F401
from gridoffice.store import tempfiles

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase, QIcon  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox  # noqa: E402

from ui import collector  # noqa: E402
from ui.office_files import DEMO_FILE, data_folder, is_demo, recent_files  # noqa: E402
from ui.translations import install_qt_translations  # noqa: E402

FONT_FILE = shipped.path(shipped.FONT)
DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 20240601


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    _argparse_zh.install()
    p = argparse.ArgumentParser(prog="gridoffice", description="GridOffice 网格化管理")
    p.add_argument("--db", help="要打开的办公室数据库文件")
    p.add_argument("--demo", action="store_true", help="打开演示办公室（首次使用时自动生成）")
    p.add_argument("--pg", metavar="DSN", help="打开街道（区）的汇总数据库（PostgreSQL 连接串），只读")
    p.add_argument("--screenshot", metavar="OUT.png", help="把主窗口渲染为PNG后退出")
    p.add_argument("--page", help="截图时显示的页面（如 archive、org、registers、completeness）")
    p.add_argument("--size", default="1366x768", help="截图的窗口大小，如 1366x768")
    return p.parse_args(argv)


def setup_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, the shipped CJK font as fallback, and the core's tr() hooked up."""
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("GridOffice")
    app.setApplicationName("GridOffice")
    app.setApplicationDisplayName(tr("网格化管理"))
    app.setWindowIcon(QIcon(str(shipped.path(shipped.ICON))))
    install_font(app)
    # Before any dialog: the first-start choice and the log-in already show Qt's own buttons.
    install_qt_translations()
    i18n.install(lambda context, text: QCoreApplication.translate(context, text))
    # Before any worker thread starts: no Qt object may be collected on one (ui/collector.py).
    collector.install(app)
    return app


def install_font(app: QApplication) -> None:
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return
    font = QFont(app.font())
    # The system font first (it may draw Latin better); the shipped one for every CJK glyph it lacks.
    font.setFamilies([font.family(), families[0]])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)


def demo_path() -> Path:
    return data_folder() / DEMO_FILE


def build_demo(path: Path) -> bool:
    """Generate the demo office into `path` once, with a progress dialog; False if cancelled or failed.

    The generator gets the file to itself (no AppContext, whose reader would hold it open): it
    switches the journal mode of the empty file, which SQLite refuses while others are connected.
    """
    from PySide6.QtWidgets import QProgressDialog

    from gridoffice.access import keys, session
    from gridoffice.audit import trail
    from gridoffice.demo import activity, generator
    from ui.context import PROGRESS_DELAY_MS, Cancelled, _Bridge, drive

    part = path.with_name(path.name + ".part")
    for leftover in (part, Path(str(part) + "-wal"), Path(str(part) + "-shm"), keys.path_for(part)):
        leftover.unlink(missing_ok=True)
    title = tr("正在生成演示办公室（约{n}户）……").format(n=DEMO_HOUSEHOLDS)
    dialog = QProgressDialog(title, tr("取消"), 0, 0)
    dialog.setWindowTitle(tr("演示办公室"))
    dialog.setMinimumDuration(PROGRESS_DELAY_MS)
    cancelled = threading.Event()
    dialog.canceled.connect(cancelled.set)
    bridge = _Bridge()

    def show(_job, done: int, total: int, message: str) -> None:
        dialog.setMaximum(total)
        dialog.setValue(min(done, total))
        dialog.setLabelText(message or title)

    bridge.progress.connect(show)
    outcome: dict = {}

    def work() -> None:
        # Encrypted like every office; the demo accounts open it (the recovery code is not needed).
        db, _code = session.create_office(part, DEMO_USERS[0][0], DEMO_PASSWORD,
                                          display_name=tr("系统管理员"))
        trail.set_actor(db, tr("演示数据"))
        try:
            def report(done: int, total: int, message: str) -> None:
                bridge.progress.emit(None, done, total, message)

            outcome["result"] = drive(generator.generate(db, households=DEMO_HOUSEHOLDS, seed=DEMO_SEED),
                                      report, cancelled)
            drive(activity.add_activity(db, seed=DEMO_SEED), report, cancelled)
            activity.add_demo_accounts(db)
        except BaseException as exc:  # noqa: BLE001 - reported below, on the GUI thread
            outcome["error"] = exc
        finally:
            db.close()

    worker = threading.Thread(target=work, name="gridoffice-demo", daemon=True)
    worker.start()
    while worker.is_alive():
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    dialog.close()
    if "error" in outcome:
        part.unlink(missing_ok=True)
        keys.path_for(part).unlink(missing_ok=True)
        if not isinstance(outcome["error"], Cancelled):
            QMessageBox.critical(None, tr("无法生成演示办公室"), str(outcome["error"]))
        return False
    # The key file first: the demo office never lies there without what opens it.
    os.replace(keys.path_for(part), keys.path_for(path))
    os.replace(part, path)
    return True


@dataclass(frozen=True)
class StartFile:
    """The file this session opens, and who is logged in already: the administrator of an office
    created at the first start made the account a moment ago and is not asked again."""

    path: Path
    user: object | None = None  # gridoffice.access.users.User


def choose_start_file(args: argparse.Namespace) -> StartFile | None:
    """The file this session opens: --db, --demo, the last one used, or what the clerk picks at first start."""
    if args.db:
        return StartFile(Path(args.db))
    if args.demo:
        path = demo_path()
        if not path.exists() and not build_demo(path):
            return None
        return StartFile(path)
    for candidate in recent_files():
        if Path(candidate).exists():
            return StartFile(Path(candidate))
    from gridoffice.errors import GridOfficeError
    from ui.dialogs.office import FirstStartDialog, create_office

    dialog = FirstStartDialog(default_folder=data_folder())
    if dialog.exec() != FirstStartDialog.DialogCode.Accepted:
        return None
    if dialog.choice == "demo":
        path = demo_path()
        if not path.exists() and not build_demo(path):
            return None
        return StartFile(path)
    path = dialog.office_path()
    try:
        return StartFile(path, create_office(path, dialog.office_values()))
    except GridOfficeError as exc:
        QMessageBox.warning(None, tr("无法新建"), exc.message)
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tempfiles.clean_at_start()  # what a killed export left, wherever it was writing (issue 21, point 7)
    if args.screenshot and not (args.db or args.demo or args.pg):
        print("截图需要 --db PATH、--demo 或 --pg DSN", file=sys.stderr)
        return 2
    app = setup_application()
    if args.pg:
        return street_main(app, args)
    start = choose_start_file(args)
    if start is None:
        return 0
    path = start.path
    from ui.main_window import MainWindow

    # A screenshot is taken with nobody at the keyboard: it logs in as GRIDOFFICE_USER with
    # GRIDOFFICE_PASSWORD (the demo office: as its administrator), like a script.
    user = start.user
    if args.screenshot:
        user = screenshot_user(path)
        if user is None:
            print("截图需要登录：请设置环境变量 GRIDOFFICE_USER 和 GRIDOFFICE_PASSWORD", file=sys.stderr)
            return 2
    try:
        window = MainWindow.open(path, persist=not args.screenshot, first_page=args.page, user=user)
    except Exception as exc:  # noqa: BLE001 - a start-up failure must be shown, not swallowed in a console
        if args.screenshot:
            raise
        QMessageBox.critical(None, tr("无法打开"), tr("无法打开文件{path}：\n{error}").format(path=path, error=exc))
        return 1
    if window is None:
        return 0
    if args.screenshot:
        return screenshot(window, args)
    window.show()
    return app.exec()


def street_main(app: QApplication, args: argparse.Namespace) -> int:
    """The street's window on its store, after a street account's log-in. A screenshot, with nobody
    at the keyboard, logs in as GRIDOFFICE_STREET_USER with GRIDOFFICE_STREET_PASSWORD."""
    from gridoffice.errors import GridOfficeError
    from ui.street.login import StreetLoginDialog
    from ui.street_window import StreetWindow

    try:
        if args.screenshot:
            window = StreetWindow.open(args.pg, os.environ.get("GRIDOFFICE_STREET_USER", ""),
                                       os.environ.get("GRIDOFFICE_STREET_PASSWORD", ""))
        else:
            # The dialog reaches the server and checks the password off the GUI thread.
            login = StreetLoginDialog(args.pg)
            if login.exec() != QDialog.DialogCode.Accepted or login.user is None:
                return 0
            window = StreetWindow(args.pg, login.access, login.user)
    except GridOfficeError as exc:
        if args.screenshot:
            print(exc.message, file=sys.stderr)
            return 2
        QMessageBox.critical(None, tr("无法打开汇总数据库"), exc.message)
        return 1
    if args.screenshot:
        window.wait_until_settled()
        return screenshot(window, args)
    window.show()
    return app.exec()


def screenshot_user(path: Path):
    from gridoffice.access import session
    from gridoffice.errors import GridOfficeError

    name = os.environ.get("GRIDOFFICE_USER") or (DEMO_USERS[0][0] if is_demo(path) else "")
    password = os.environ.get("GRIDOFFICE_PASSWORD") or (DEMO_PASSWORD if is_demo(path) else "")
    if not name:
        return None
    try:
        opened = session.log_in(path, name, password)
    except GridOfficeError as exc:
        print(exc.message, file=sys.stderr)
        return None
    opened.close()
    return opened.user


def screenshot(window, args: argparse.Namespace) -> int:
    width, _, height = args.size.lower().partition("x")
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(int(width), int(height))
    if args.page:
        if not window.show_page(args.page):
            print(f"没有名为 {args.page} 的页面；可用：{', '.join(window.page_ids())}", file=sys.stderr)
            window.close()
            return 2
    window.show()
    window.wait_until_settled()
    ok = window.grab().save(args.screenshot)
    window.close()
    return 0 if ok else 1
