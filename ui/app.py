"""Start-up: arguments, fonts, translations, which office file to open, and the main window."""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from gridoffice import i18n

ROOT = Path(__file__).resolve().parent.parent
FONT_FILE = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
DEMO_FILE = "demo-office.db"
DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 20240601
# The demo office's made-up accounts (user, role): all share DEMO_PASSWORD, shown on its log-in dialog.
DEMO_USERS = (("admin", "admin"), ("clerk", "clerk"), ("grid", "grid_worker"))
DEMO_PASSWORD = "demo1234"
RECENT_KEY = "files/recent"
MAX_RECENT = 8


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="gridoffice", description="GridOffice 网格化管理")
    p.add_argument("--db", help="要打开的办公室数据库文件")
    p.add_argument("--demo", action="store_true", help="打开演示办公室（首次使用时自动生成）")
    p.add_argument("--screenshot", metavar="OUT.png", help="把主窗口渲染为PNG后退出")
    p.add_argument("--page", help="截图时显示的页面（如 archive、org、registers、completeness）")
    p.add_argument("--size", default="1366x768", help="截图的窗口大小，如 1366x768")
    return p.parse_args(argv)


def data_folder() -> Path:
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def recent_files() -> list[str]:
    value = QSettings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def remember_file(path: str | Path) -> None:
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files() if f != path]
    QSettings().setValue(RECENT_KEY, files[:MAX_RECENT])


def setup_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with names, the shipped CJK font as fallback, and the core's tr() hooked up."""
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setOrganizationName("GridOffice")
    app.setApplicationName("GridOffice")
    app.setApplicationDisplayName(tr("网格化管理"))
    install_font(app)
    i18n.install(lambda context, text: QCoreApplication.translate(context, text))
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

    from gridoffice import audit, demo, generator
    from gridoffice.db import open_db
    from ui.context import PROGRESS_DELAY_MS, Cancelled, _Bridge, drive

    part = path.with_name(path.name + ".part")
    for leftover in (part, Path(str(part) + "-wal"), Path(str(part) + "-shm")):
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
        db = open_db(part)
        audit.set_actor(db, tr("演示数据"))
        try:
            def report(done: int, total: int, message: str) -> None:
                bridge.progress.emit(None, done, total, message)

            outcome["result"] = drive(generator.generate(db, households=DEMO_HOUSEHOLDS, seed=DEMO_SEED),
                                      report, cancelled)
            drive(demo.add_activity(db, seed=DEMO_SEED), report, cancelled)
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
        if not isinstance(outcome["error"], Cancelled):
            QMessageBox.critical(None, tr("无法生成演示办公室"), str(outcome["error"]))
        return False
    os.replace(part, path)
    return True


def ensure_demo_users(db) -> None:
    """The demo office's accounts, made on its first log-in; the grid worker gets the first grid."""
    from gridoffice import audit, users

    if not users.needs_first_admin(db):
        return
    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY path LIMIT 1").fetchone()
    audit.set_actor(db, tr("演示数据"))
    # The program itself sets up the demo office: it acts as its administrator.
    office = users.whole_office(tr("演示数据"))
    for name, role in DEMO_USERS:
        if role == "grid_worker" and grid is None:
            continue
        users.create_user(db, name, DEMO_PASSWORD, role, by=office, display_name=tr(users.ROLE_LABELS[role]),
                          org_id=grid[0] if role == "grid_worker" else None)


def is_demo(path: str | Path) -> bool:
    return Path(path).name == DEMO_FILE


def log_in(db, path: str | Path, parent=None):
    """The clerk logs in (the first start of a file creates its administrator); None if they quit."""
    from gridoffice import regions

    from .login_dialog import LoginDialog

    hint, name = "", ""
    if is_demo(path):
        ensure_demo_users(db)
        hint = tr("演示办公室的账号（密码都是 {pw}）：admin 系统管理员，clerk 工作人员，grid 网格员（只看一个网格）。").format(
            pw=DEMO_PASSWORD)
        name = "admin"
    dialog = LoginDialog(db, regions.office(db).name, parent, hint=hint, user_name=name)
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.user


def choose_start_file(args: argparse.Namespace) -> Path | None:
    """The file this session opens: --db, --demo, the last one used, or what the clerk picks at first start."""
    if args.db:
        return Path(args.db)
    if args.demo:
        path = demo_path()
        if not path.exists() and not build_demo(path):
            return None
        return path
    for candidate in recent_files():
        if Path(candidate).exists():
            return Path(candidate)
    from ui.dialogs import FirstStartDialog, create_office

    dialog = FirstStartDialog(default_folder=data_folder())
    if dialog.exec() != FirstStartDialog.DialogCode.Accepted:
        return None
    if dialog.choice == "demo":
        path = demo_path()
        if not path.exists() and not build_demo(path):
            return None
        return path
    path = dialog.office_path()
    create_office(path, dialog.office_values())
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot and not (args.db or args.demo):
        print("截图需要 --db PATH 或 --demo", file=sys.stderr)
        return 2
    app = setup_application()
    path = choose_start_file(args)
    if path is None:
        return 0
    from ui.context import User
    from ui.main_window import MainWindow

    # A screenshot is taken with nobody at the keyboard: it renders as an administrator. Whoever can
    # run the program on a file can read the file itself, so this opens nothing new.
    user = User(tr("截图"), "admin") if args.screenshot else None
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
