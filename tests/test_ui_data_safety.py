"""The log-in dialog, the backup dialog and the audit page, driven headless."""

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QMessageBox

from gridoffice.access import users
from gridoffice.audit import trail, anchors
from gridoffice.store import backup
from gridoffice.store.db import open_db
from ui.dialogs.backup import BackupDialog
from ui.context import AppContext, User
from ui.dialogs.login import LoginDialog
from ui.pages.audit_page import AuditPage
from gridoffice.access.users import whole_office

AUDITOR = whole_office("测试员")  # a role that reads the audit trail


def test_first_start_creates_the_administrator_then_logs_in(qtbot, tmp_path):
    db = open_db(tmp_path / "office.db")
    dialog = LoginDialog(tmp_path / "office.db")
    qtbot.addWidget(dialog)
    assert dialog.first_start and dialog.windowTitle() == "创建系统管理员"
    qtbot.keyClicks(dialog.name, "admin")
    qtbot.keyClicks(dialog.password, "gridoffice1")
    qtbot.keyClicks(dialog.confirm, "gridoffice2")
    dialog.submit()
    assert "不一致" in dialog.error.text() and users.needs_first_admin(db)
    qtbot.keyClicks(dialog.password, "gridoffice1")
    qtbot.keyClicks(dialog.confirm, "gridoffice1")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.user.role == "admin"

    again = LoginDialog(tmp_path / "office.db")
    qtbot.addWidget(again)
    assert not again.first_start and again.confirm.isHidden()
    assert again.intro.text() == "数据文件“office.db”已加密，请输入用户名和密码。"
    qtbot.keyClicks(again.name, "admin")
    qtbot.keyClicks(again.password, "wrong-one1")
    again.submit()
    assert again.error.text() == "用户名或密码不正确" and again.password.text() == ""
    qtbot.keyClicks(again.password, "gridoffice1")
    again.submit()
    assert again.user.name == "admin"
    db.close()


def test_a_file_with_a_clerk_but_no_active_administrator_does_not_offer_to_create_one(qtbot, tmp_path):
    """Whoever opens such a file (a copy whose administrator was disabled, or altered) is not made
    administrator: the dialog is the ordinary log-in, says why, and the clerk logs in as a clerk."""
    from gridoffice.errors import PermissionDenied

    db = open_db(tmp_path / "office.db")
    users.create_first_admin(db, "admin", "gridoffice1")
    users.create_user(db, "clerk", "gridoffice2", "clerk", by=users.whole_office("admin"))
    db.execute("UPDATE users SET status = 'disabled' WHERE name = 'admin'")
    db.conn.commit()
    assert not users.needs_first_admin(db) and users.lacks_admin(db)
    with pytest.raises(PermissionDenied):
        users.create_first_admin(db, "intruder", "gridoffice3")
    db.close()

    if os.environ.get("GRIDOFFICE_PNG"):
        from PySide6.QtWidgets import QApplication

        from ui.app import install_font

        install_font(QApplication.instance())  # the PNG shows the shipped font, as the program does
    dialog = LoginDialog(tmp_path / "office.db")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.first_start and dialog.windowTitle() == "登录" and dialog.confirm.isHidden()
    assert "没有在用的系统管理员" in dialog.hint.text() and not dialog.hint.isHidden()
    if os.environ.get("GRIDOFFICE_PNG"):
        dialog.grab().save(os.path.join(os.environ["GRIDOFFICE_PNG"], "login-without-administrator.png"))
    qtbot.keyClicks(dialog.name, "intruder")
    qtbot.keyClicks(dialog.password, "gridoffice3")
    dialog.submit()
    assert dialog.error.text() == "用户名或密码不正确" and dialog.user is None
    dialog.name.clear()
    qtbot.keyClicks(dialog.name, "clerk")
    qtbot.keyClicks(dialog.password, "gridoffice2")
    dialog.submit()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.user.role == "clerk"


@pytest.fixture
def ctx(qapp, tmp_path):
    context = AppContext(tmp_path / "office.db", User("李领导", "leader"))
    yield context
    context.close()


def test_backup_dialog_backs_up_and_asks_before_restoring(ctx, qtbot, monkeypatch, tmp_path):
    dialog = BackupDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 0 and "还没有备份" in dialog.status.text()
    dialog.backup_now()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert "完整性检查通过" in dialog.status.text()
    assert backup.list_backups(ctx.db_path)[0].name == dialog.table.item(0, 2).text()
    anchor = backup.read_manifest(backup.list_backups(ctx.db_path)[0].path).anchor
    assert dialog.table.item(0, 3).text() == anchor and f"锚定码 {anchor}" in dialog.status.text()
    dialog.grab().save(str(tmp_path / "backup_dialog.png"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.restore_requested) as blocker:
        dialog.ask_restore()
    assert blocker.args[0] == backup.list_backups(ctx.db_path)[0].path


def test_audit_page_filters_and_checks_the_chain(ctx, qtbot, tmp_path):
    db = open_db(ctx.db_path)
    with db.atomic():
        for actor, row in (("张三", 1), ("李四", 2), ("张三", 3)):
            trail.set_actor(db, actor)
            trail.record(db, "update_person", "persons", row, old={"name": "甲"}, new={"name": "乙"})
    db.close()
    page = AuditPage(ctx)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.activated()
    assert page.body.isVisible() and page.table.rowCount() == 3
    assert page.table.item(0, 2).text() == "修改人员信息" and page.table.item(0, 3).text() == "（已不存在）"
    page.actor.setCurrentIndex(page.actor.findData("张三"))
    page.search()
    assert page.table.rowCount() == 2 and "共 2 条" in page.summary.text()
    page.table.selectRow(0)
    assert "姓名由“甲”改为“乙”" in page.detail.toPlainText()
    with qtbot.waitSignal(ctx.navigate_requested) as nav:
        page.table.cellDoubleClicked.emit(0, 0)
    assert nav.args == ["persons", 3]
    page.actor.setCurrentIndex(0)
    qtbot.keyClicks(page.row_id, "2")
    qtbot.keyClick(page.row_id, Qt.Key.Key_Return)
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == "李四"
    page.check_chain()
    qtbot.waitUntil(lambda: "校验通过" in page.summary.text(), timeout=10000)
    page.grab().save(str(tmp_path / "audit_page.png"))


def test_audit_page_shows_the_anchor_to_copy_and_checks_a_typed_one(ctx, qtbot):
    db = open_db(ctx.db_path)
    with db.atomic():
        for row in (1, 2, 3):
            trail.record(db, "update_person", "persons", row, old={"name": "甲"}, new={"name": "乙"})
    code = anchors.head(db).code
    db.close()
    page = AuditPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    page.activated()
    assert page.anchor.text() == code and code.startswith("3-")
    qtbot.mouseClick(page.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == code and "已复制锚定码" in page.summary.text()
    qtbot.keyClicks(page.anchor_input, code.lower().replace("-", " "))
    qtbot.keyClick(page.anchor_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "校验通过" in page.summary.text(), timeout=10000)
    assert f"锚定码 {code} 核对通过：第 3 条记录仍在、没有改动。" in page.summary.text()
    page.anchor_input.setText("3-AAAA-BBBB-CCCC-D")
    page.check_chain()
    assert "校验位不对" in page.summary.text() and page.check_button.isEnabled()
    page.anchor_input.setText(anchors.Anchor(9, anchors.parse(code).prefix).code)
    page.check_chain()
    qtbot.waitUntil(lambda: "校验发现" in page.summary.text(), timeout=10000)
    assert "记录只到第3条" in page.summary.text()


def test_audit_page_is_closed_to_roles_without_the_right(qapp, qtbot, tmp_path):
    context = AppContext(tmp_path / "office.db", User("网格员小王", "grid_worker"))
    try:
        page = AuditPage(context)
        qtbot.addWidget(page)
        page.show()
        page.activated()
        assert page.denied.isVisible() and not page.body.isVisible()
    finally:
        context.close()


def _corrupt(path):
    with open(path, "r+b") as f:
        f.seek(4096 * 2)
        f.write(b"\xde\xad\xbe\xef" * 2048)


def test_opening_tells_who_holds_the_file_and_offers_the_backup_for_a_damaged_one(qapp, tmp_path, monkeypatch):
    from gridoffice.store import lock, opening, storage
    from ui import safe_open

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    path = tmp_path / "office.db"
    with opening.OpenOffice(path) as office:
        office.db.execute("INSERT INTO settings(key, value) VALUES('k', 'v')")
        office.db.conn.commit()
    backup.backup_now(path)

    holder = lock.acquire(path)
    assert safe_open.prepare_interactively(path) is None
    assert shown[-1][0] == "文件正在使用" and "进程号" in shown[-1][1]
    holder.release()

    _corrupt(path)
    stale = open(str(path) + ".lock", "w")  # a crash left its lock file: the file gets checked
    stale.close()
    held, report = safe_open.prepare_interactively(path)
    try:
        assert shown[-1][0] == "已恢复" and "损坏的文件保存在" in shown[-1][1]
        assert not report.unclean
        assert storage.integrity_problems(path) == []
        assert any(p.name.startswith("office.damaged-") for p in tmp_path.iterdir())
    finally:
        held.release()


def test_auto_backup_runs_when_due_and_reports(qapp, qtbot, tmp_path):
    from gridoffice.store import opening
    from ui.safe_open import AutoBackup

    path = tmp_path / "office.db"
    opening.OpenOffice(path).close()
    auto = AutoBackup(path)
    with qtbot.waitSignal(auto.finished, timeout=10000) as blocker:
        auto.start()
    assert "已自动备份" in blocker.args[0]
    auto.run_if_due()  # not due again within the hour: no second backup
    auto.stop()
    assert len(backup.list_backups(path)) == 1


@pytest.fixture
def clerk_ctx(qapp, tmp_path):
    """A clerk's window: clerks may reveal a full number (users.ROLES), leaders may not."""
    context = AppContext(tmp_path / "office.db", User("王文书", "clerk"))
    yield context
    context.close()


def test_reveal_dialog_needs_a_reason_then_shows_and_logs(clerk_ctx, qtbot, tmp_path):
    from gridoffice.audit import journal
    from ui.dialogs.reveal import RevealDialog

    ctx = clerk_ctx
    db = open_db(ctx.db_path)
    db.execute("INSERT INTO households(id, number, phone) VALUES(1, 'H1', '13812348000')")
    db.conn.commit()
    db.close()
    dialog = RevealDialog(ctx, "households", 1, "phone", "138****8000")
    qtbot.addWidget(dialog)
    dialog.reveal()
    qtbot.waitUntil(lambda: dialog.error.text() != "", timeout=5000)
    assert "请填写原因" in dialog.error.text() and dialog.value.text() == "138****8000"
    dialog.reason.setCurrentText("电话联系本人")
    dialog.reveal()
    qtbot.waitUntil(lambda: dialog.value.text() == "13812348000", timeout=5000)
    dialog.grab().save(str(tmp_path / "reveal.png"))
    entry = journal.query(ctx.reader(), journal.Filter(action="reveal"), scope=AUDITOR)[0]
    assert (entry.actor, entry.new["reason"]) == ("王文书", "电话联系本人")


def test_a_plain_office_of_an_earlier_version_is_not_said_to_be_encrypted_until_the_log_in_converts_it(
        qtbot, tmp_path, monkeypatch):
    from tests.test_session import _plain_office
    from ui.dialogs import login as login_dialog

    shown = []
    monkeypatch.setattr(login_dialog, "show_recovery_code", lambda parent, code, converted=False: shown.append(converted))
    _plain_office(tmp_path / "office.db")
    dialog = LoginDialog(tmp_path / "office.db")
    qtbot.addWidget(dialog)
    assert dialog.intro.text() == "数据文件“office.db”还没有加密，登录后程序会为它加密。请输入用户名和密码。"
    qtbot.keyClicks(dialog.name, "admin")
    qtbot.keyClicks(dialog.password, "gridoffice1")
    dialog.submit()
    assert dialog.user is not None and dialog.user.name == "admin" and shown == [True]
    again = LoginDialog(tmp_path / "office.db")
    qtbot.addWidget(again)
    assert again.intro.text() == "数据文件“office.db”已加密，请输入用户名和密码。"
