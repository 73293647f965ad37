"""生成上报包: the package the office hands to its street, made as a job the clerk may cancel.

The job runs on the write connection (its last step writes the audit entry and the package's
number), so the window stays usable while edits made meanwhile wait their turn.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from gridoffice.access import users
from gridoffice.store import officefile
from gridoffice.consolidation import enroll, package
from gridoffice.store.storage import classify

from ui.context import Cancelled


class PackageDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None, *, today: dt.date | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("生成上报包"))
        self.resize(640, 300)
        db = ctx.reader()
        identity = officefile.identity_of(db.conn)
        self.enrolled = enroll.card_of(db) is not None
        sequence, _ = package.package_state(db)
        self._stem = f"{identity.name or self.tr('本单位')}-{(today or dt.date.today()).strftime('%Y-%m')}"

        self.info = QLabel()
        self.info.setWordWrap(True)
        if self.enrolled:
            self._say(sequence + 1)
        else:
            self.info.setText(self.tr(
                "本单位还没有登记到街道，不能生成上报包。请系统管理员用街道发来的公钥文件登记（命令 enroll），"
                "并把生成的单位卡交给街道。"))
        self.path_edit = QLineEdit(str(Path.home() / self._default_name(sequence + 1)))
        self.browse_button = QPushButton(self.tr("浏览(&B)…"))
        self.browse_button.clicked.connect(self.browse)
        self.full_box = QCheckBox(self.tr("完整上报包：包含全部操作记录（首次上报或街道要求时）"))
        self.full_box.setChecked(sequence == 0)
        self.full_box.setEnabled(sequence > 0)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.make_button = self.buttons.addButton(self.tr("生成(&G)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole)
        self.make_button.clicked.connect(self.make)
        self.close_button.clicked.connect(self.reject)
        self.make_button.setEnabled(self.enrolled)

        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        form = QFormLayout()
        form.addRow(self.tr("单位"), QLabel(identity.describe()))
        form.addRow(self.tr("保存为"), row)
        form.addRow("", self.full_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addLayout(form)
        layout.addWidget(self.result, 1)
        layout.addWidget(self.buttons)
        for widget in (self.path_edit, self.browse_button, self.full_box):
            widget.setEnabled(self.enrolled and widget.isEnabled())

    def _say(self, sequence: int) -> None:
        self.info.setText(self.tr(
            "上报包含本单位的全部记录和上次上报以来的操作记录，加密后只有街道能打开，并带有本单位的签名。"
            "这是第{n}号上报包；请按编号依次交给街道，不要遗漏。").format(n=sequence))

    def _default_name(self, sequence: int) -> str:
        return f"{self._stem}-{self.tr('第{n}号').format(n=sequence)}.pkg"

    def browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("保存上报包"), self.path_edit.text(),
                                                self.tr("上报包 (*.pkg)"))
        if chosen:
            self.path_edit.setText(chosen)

    def target(self) -> Path:
        path = Path(self.path_edit.text().strip())
        return path if path.suffix.lower() == ".pkg" else path.with_name(path.name + ".pkg")

    def make(self) -> None:
        path, full = self.target(), self.full_box.isChecked()
        if refusal := officefile.output_refusal(path):
            self.result.setText(refusal)
            return
        if not path.parent.is_dir():
            self.result.setText(self.tr("文件夹“{folder}”不存在，请换一个位置。").format(folder=path.parent))
            return
        self.make_button.setEnabled(False)
        self.result.setText(self.tr("正在生成上报包……"))
        user = self.ctx.user
        self.ctx.run_job(lambda db: package.write_package(db, path, by=users.scope_of(db, user), full=full),
                         self.tr("生成上报包"), writes=True, parent=self, on_done=self._done, on_error=self._failed)

    def _done(self, written: package.Written) -> None:
        m = written.manifest
        self.make_button.setEnabled(True)
        self.full_box.setChecked(False)
        self.full_box.setEnabled(True)
        size = written.size / 1e6
        shown = self.tr("{n:.1f} MB").format(n=size) if size >= 0.1 else self.tr("{n:.0f} KB").format(
            n=max(1, written.size / 1e3))
        self.result.setText(self.tr(
            "已生成第{n}号上报包“{name}”（{size}，用时 {s:.1f} 秒）。操作记录锚定码：{code}。"
            "请把它交给街道，并保留到街道确认收到。").format(
            n=m.sequence, name=written.path.name, size=shown, s=written.seconds, code=m.anchor))
        # The next package gets a name of its own: a package handed in late must not be overwritten.
        self.path_edit.setText(str(written.path.with_name(self._default_name(m.sequence + 1))))
        self._say(m.sequence + 1)

    def _failed(self, exc: BaseException) -> None:
        self.make_button.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.result.setText(self.tr("已取消，没有生成上报包，编号也没有占用。"))
            return
        classified = classify(exc)
        message = classified.message if classified else getattr(exc, "message", "") or str(exc)
        self.result.setText(self.tr("上报包没有生成：{m}").format(m=message))
