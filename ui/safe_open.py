"""The GUI side of opening a file safely, and the automatic backup.

`prepare_interactively(path)` runs gridoffice.store.opening.prepare before the AppContext opens its
connections: it tells the clerk who holds the file, offers the newest good backup when the file
is damaged, and shows what happened after an unclean shutdown. `AutoBackup` takes a checked
backup in a background thread whenever the newest one is an hour old, without a dialog.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gridoffice.store import backup, lock, opening
from gridoffice.errors import GridOfficeError


def tr(text: str) -> str:
    return QCoreApplication.translate("SafeOpen", text)


def prepare_interactively(path: str | Path, parent: QWidget | None = None, *, take_over: bool = False
                          ) -> tuple[lock.OfficeLock, opening.OpenReport] | None:
    """The lock and the report, or None when the file cannot be opened (the clerk has been told why)."""
    path = Path(path)
    try:
        held, report = opening.prepare(path, take_over=take_over)
    except lock.LockHeld as exc:
        if not exc.uncertain:
            QMessageBox.warning(parent, tr("文件正在使用"), exc.message)
            return None
        box = QMessageBox(QMessageBox.Icon.Warning, tr("文件可能正在使用"), exc.message,
                          QMessageBox.StandardButton.Cancel, parent)
        force = box.addButton(tr("仍然打开"), QMessageBox.ButtonRole.AcceptRole)
        box.exec()
        if box.clickedButton() is not force:
            return None
        return prepare_interactively(path, parent, take_over=True)
    except opening.DamagedFile as exc:
        if exc.backup is None:
            QMessageBox.critical(parent, tr("数据文件已损坏"), exc.message)
            return None
        answer = QMessageBox.question(
            parent, tr("数据文件已损坏"), exc.message + "\n\n" + tr("现在用这份备份恢复吗？"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        try:
            backup.restore(path, exc.backup)
        except GridOfficeError as failed:
            QMessageBox.critical(parent, tr("恢复失败"), failed.message)
            return None
        QMessageBox.information(parent, tr("已恢复"), tr("已从备份“{name}”恢复。损坏的文件保存在“{moved}”。").format(
            name=exc.backup.name, moved=exc.moved_to.name))
        return prepare_interactively(path, parent)
    except GridOfficeError as exc:
        QMessageBox.critical(parent, tr("无法打开"), exc.message)
        return None
    if report.notices:
        QMessageBox.information(parent, tr("打开数据文件"), "\n\n".join(report.notices))
    return held, report


class AutoBackup(QObject):
    """Every few minutes, a backup if the newest is older than `every`; results arrive as signals."""

    finished = Signal(str)  # a line for the status bar
    failed = Signal(str)  # a Chinese message for the clerk

    def __init__(self, db_path: str | Path, parent: QObject | None = None, *,
                 every: dt.timedelta = dt.timedelta(hours=1), poll_ms: int = 10 * 60 * 1000):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.every = every
        self._thread: threading.Thread | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.run_if_due)

    def start(self) -> None:
        self.timer.start()
        self.run_if_due()

    def stop(self) -> None:
        self.timer.stop()
        if self._thread is not None:
            self._thread.join()

    def run_if_due(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._work, name="gridoffice-autobackup", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            result = backup.backup_if_due(self.db_path, every=self.every)
        except GridOfficeError as exc:
            self.failed.emit(tr("自动备份失败：") + exc.message)
            return
        if result is not None:
            self.finished.emit(tr("已自动备份（{time}，{size:.1f} MB，检查通过）").format(
                time=result.backup.taken_at.strftime("%H:%M"), size=result.backup.size / 1e6))
