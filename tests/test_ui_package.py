"""文件 → 生成上报包: the dialog makes the package as a job, says what it made, and is offered to the right roles."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from gridoffice.access import keys
from gridoffice.consolidation import enroll, package
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests._offices import small_office
from ui.context import AppContext, User
from ui.main_window import MainWindow
from ui.dialogs.package import PackageDialog

PASSWORD = "street-pass-1"
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ui-package")
    db = open_db(folder / "office.db")
    small_office(db, households=15)
    enroll.make_street_keys(folder, PASSWORD)
    enroll.enroll_office(db, folder / "street.pub", folder / "office.card", by=whole_office("admin"))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return folder


def copy_of(template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(template / "office.db", path)
    keys.copy(template / "office.db", path)
    return path


def test_the_dialog_makes_a_package_the_street_can_read(template, tmp_path, qtbot):
    ctx = AppContext(copy_of(template, tmp_path), User("王文书", "clerk"))
    try:
        dialog = PackageDialog(ctx, today=TODAY)
        qtbot.addWidget(dialog)
        assert dialog.make_button.isEnabled() and dialog.full_box.isChecked() and not dialog.full_box.isEnabled()
        assert "第1号" in dialog.info.text() and dialog.path_edit.text().endswith("-2026-11-第1号.pkg")
        dialog.path_edit.setText(str(tmp_path / "十一月"))
        dialog.resize(1366 * 2 // 3, 300)
        dialog.make()
        qtbot.waitUntil(lambda: "已生成第1号上报包" in dialog.result.text(), timeout=20000)
        dialog.grab().save(str(tmp_path / "package_dialog.png"))
        assert "十一月.pkg" in dialog.result.text() and "KB" in dialog.result.text()
        assert dialog.path_edit.text().endswith("-2026-11-第2号.pkg") and "第2号" in dialog.info.text()
        street = enroll.read_street_key(template / "street.key", PASSWORD)
        card = enroll.read_card(template / "office.card")
        got = package.read_package(tmp_path / "十一月.pkg", street, {card.uuid: card})
        assert got.manifest.sequence == 1 and got.manifest.anchor in dialog.result.text()
        assert dialog.full_box.isEnabled() and not dialog.full_box.isChecked()
    finally:
        ctx.close()


def test_a_missing_folder_and_an_office_not_enrolled_are_said_in_the_dialog(template, tmp_path, qtbot):
    path = copy_of(template, tmp_path)
    ctx = AppContext(path, User("王文书", "clerk"))
    try:
        dialog = PackageDialog(ctx, today=TODAY)
        qtbot.addWidget(dialog)
        dialog.path_edit.setText(str(tmp_path / "没有这个文件夹" / "十一月.pkg"))
        dialog.make()
        assert "不存在" in dialog.result.text() and package.package_state(ctx.reader())[0] == 0
    finally:
        ctx.close()
    bare = tmp_path / "bare"
    bare.mkdir()
    db = open_db(bare / "office.db")
    db.close()
    ctx = AppContext(bare / "office.db", User("王文书", "clerk"))
    try:
        dialog = PackageDialog(ctx, today=TODAY)
        qtbot.addWidget(dialog)
        assert "还没有登记到街道" in dialog.info.text() and not dialog.make_button.isEnabled()
    finally:
        ctx.close()


@pytest.mark.parametrize("role, offered", [("admin", True), ("clerk", True), ("leader", False),
                                           ("grid_worker", False)])
def test_the_menu_offers_it_to_administrators_and_clerks(template, tmp_path, qtbot, role, offered):
    ctx = AppContext(copy_of(template, tmp_path), User("某人", role))
    window = MainWindow(ctx, persist=False)
    qtbot.addWidget(window)
    try:
        texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
        assert ("生成上报包(&K)…" in texts) == offered
    finally:
        window.close()
