"""The office files this computer knows and the log-in before one opens: the data folder, the
recent files, the demo office's accounts offered on its log-in. The start (ui/app.py) and the
main window's File menu (ui/main_window.py) both use them; neither imports the other."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths

from gridoffice.demo.activity import DEMO_PASSWORD, add_demo_accounts

DEMO_FILE = "demo-office.db"
RECENT_KEY = "files/recent"
MAX_RECENT = 8


def tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def data_folder() -> Path:
    """Where new offices and the demo go by default: the user's data folder plus "GridOffice" once.

    AppDataLocation would add the organisation and the application name, both "GridOffice", giving
    GridOffice/GridOffice; offices already there stay reachable through the recent files."""
    generic = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    folder = Path(generic) / QCoreApplication.applicationName()
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


def ensure_demo_users(path: Path) -> None:
    """A demo office of an earlier version, still plain and without accounts, gets them before its
    first log-in (which then encrypts it); a demo built since has them already."""
    from gridoffice.access import users
    from gridoffice.audit import trail
    from gridoffice.store.db import Locked, connect
    from gridoffice.errors import GridOfficeError

    try:
        db = connect(path)
    except (Locked, GridOfficeError):
        return
    try:
        if db["users"].exists() and users.needs_first_admin(db):
            trail.set_actor(db, tr("演示数据"))
            add_demo_accounts(db)
    finally:
        db.close()


def is_demo(path: str | Path) -> bool:
    return Path(path).name == DEMO_FILE


def log_in(path: str | Path, parent=None):
    """The clerk logs in before the file is opened (it cannot be read before); None if they quit."""
    from .dialogs.login import LoginDialog

    hint, name = "", ""
    if is_demo(path):
        ensure_demo_users(Path(path))
        hint = tr("演示办公室的账号（密码都是 {pw}）：admin 系统管理员，clerk 工作人员，grid 网格员（只看一个网格）。").format(
            pw=DEMO_PASSWORD)
        name = "admin"
    dialog = LoginDialog(path, "", parent, hint=hint, user_name=name)
    if dialog.exec() != LoginDialog.DialogCode.Accepted:
        return None
    return dialog.user
