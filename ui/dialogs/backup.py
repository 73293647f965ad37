"""备份与恢复: the list of backups, "Backup now", and choosing one to restore.

Backing up runs as a job (it reads through its own connection, so the clerk may keep working).
Restoring replaces the file the program has open, so the dialog only asks and confirms; it emits
`restore_requested(path)` and the main window closes its connections, calls
gridoffice.store.backup.restore(db_path, path, held=<its lock>) and reopens the file.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from gridoffice.store import backup


def backup_job(db_path: Path):
    """A progress generator around backup_now, for AppContext.run_job."""
    yield 0, 1, QCoreApplication.translate("BackupDialog", "正在备份并校验…")
    result = backup.backup_now(db_path)
    yield 1, 1, QCoreApplication.translate("BackupDialog", "备份完成")
    return result


class BackupDialog(QDialog):
    restore_requested = Signal(object)  # Path of the chosen backup

    def __init__(self, ctx, parent: QWidget | None = None, *, can_restore: bool = True):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("备份与恢复"))
        self.resize(820, 420)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        # The anchor comes from the backup's manifest: the audit trail's head when the backup was taken.
        self.table.setHorizontalHeaderLabels([self.tr("备份时间"), self.tr("大小"), self.tr("文件"), self.tr("锚定码")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(False)
        self.status = QLabel()
        self.status.setWordWrap(True)

        self.backup_button = QPushButton(self.tr("立即备份(&B)"))
        self.restore_button = QPushButton(self.tr("用所选备份恢复(&R)…"))
        self.folder_button = QPushButton(self.tr("打开备份文件夹(&O)"))
        self.close_button = QPushButton(self.tr("关闭"))
        self.restore_button.setVisible(can_restore)
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button.clicked.connect(self.ask_restore)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.folder_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.refresh()

    @property
    def folder(self) -> Path:
        return backup.default_dir(self.ctx.db_path)

    def refresh(self) -> None:
        backups = backup.list_backups(self.ctx.db_path)
        self.info.setText(self.tr("备份保存在“{folder}”。旧备份按计划保留：最近24小时每小时一份、"
                                  "最近14天每天一份、最近8周每周一份、最近12个月每月一份。").format(folder=self.folder))
        self.table.setRowCount(len(backups))
        for row, b in enumerate(backups):
            manifest = backup.read_manifest(b.path)
            cells = (b.taken_at.strftime("%Y-%m-%d %H:%M:%S"), f"{b.size / 1e6:.1f} MB", b.name,
                     manifest.anchor if manifest else "")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, str(b.path))
                self.table.setItem(row, col, item)
        if backups:
            self.table.selectRow(0)
        else:
            self.status.setText(self.tr("还没有备份。"))
        self._update_buttons()

    def selected(self) -> Path | None:
        items = self.table.selectedItems()
        return Path(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None)

    def backup_now(self) -> None:
        self.backup_button.setEnabled(False)
        self.status.setText(self.tr("正在备份…"))
        path = self.ctx.db_path
        self.ctx.run_job(lambda db: backup_job(path), self.tr("备份"), on_done=self._backed_up,
                         on_error=self._failed, parent=self)

    def _backed_up(self, result: backup.BackupResult) -> None:
        self.backup_button.setEnabled(True)
        self.refresh()
        text = self.tr("已备份：{name}（{size:.1f} MB，用时 {s:.1f} 秒，完整性检查通过；锚定码 {code}）").format(
            name=result.backup.name, size=result.backup.size / 1e6, s=result.seconds, code=result.manifest.anchor)
        if result.removed:
            text += self.tr("；按保留计划清理了 {n} 份旧备份").format(n=len(result.removed))
        self.status.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self.backup_button.setEnabled(True)
        self.status.setText(getattr(exc, "message", str(exc)))

    def ask_restore(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        answer = QMessageBox.question(
            self, self.tr("从备份恢复"),
            self.tr("确定用备份“{name}”替换当前数据吗？\n\n当前文件会原样另存一份，不会删除；"
                    "但此备份之后录入的内容在恢复后的文件里看不到，需要补录。").format(name=chosen.name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.restore_requested.emit(chosen)
            self.accept()

    def open_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
