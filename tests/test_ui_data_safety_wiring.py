"""Data safety wired into the window: log-in, role views, masking, backups, storage errors."""

import shutil

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from gridoffice.access import users
from gridoffice.archive import households
from gridoffice.audit import trail, journal
from gridoffice.store import backup, lock, storage
from gridoffice.store.db import open_db, raw_connect
from gridoffice.masking import find_unmasked, mask_birth
from ui import app as app_module
from ui.context import AppContext
from ui.main_window import MainWindow
from tests.ui_helpers import office_copy

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = users.whole_office("测试员")

PASSWORD = "gridoffice1"


@pytest.fixture
def office_file(tmp_path):
    path, office = office_copy(tmp_path)
    db = open_db(path)
    trail.set_actor(db, "测试员")
    users.create_first_admin(db, "admin", PASSWORD)
    users.create_user(db, "grid_a", PASSWORD, "grid_worker", by=ADMIN, org_id=office.grid_a)
    db.close()
    return path, office


def test_log_in_says_a_wrong_password_then_opens_as_the_user(qtbot, office_file):
    path, _ = office_file
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        dialog.name.setText("grid_a")
        dialog.password.setText("wrong-pass1")
        dialog.submit()
        seen.append(dialog.error.text())
        dialog.password.setText(PASSWORD)
        dialog.submit()

    QTimer.singleShot(0, answer)
    window = MainWindow.open(path, persist=False)
    qtbot.addWidget(window)
    assert seen == ["用户名或密码不正确"]
    assert isinstance(window.ctx.user, users.User) and window.ctx.user.role == "grid_worker"
    assert trail.actor(window.ctx._write_db) == "grid_a"
    window.close()


def test_quitting_the_log_in_opens_nothing(qtbot, office_file):
    path, _ = office_file
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert MainWindow.open(path, persist=False) is None
    assert lock.holder(path) is None


def open_as(qtbot, path, name):
    db = open_db(path)
    user = users.login(db, name, PASSWORD)
    db.close()
    window = MainWindow(AppContext(path, user), persist=False)
    qtbot.addWidget(window)
    window.show()
    window.show_page("archive")
    page = window.current_page()
    qtbot.waitUntil(lambda: not page.is_loading() and page.household_model.rowCount() > 0)
    return window, page


def search_titles(qtbot, page, text):
    page.search_edit.setText(text)
    qtbot.waitUntil(lambda: page.results.isVisible() and page.results.count() > 0
                    and text in page.results.item(0).text())
    return [page.results.item(i).text() for i in range(page.results.count())]


def test_a_grid_worker_sees_only_their_grid(qtbot, office_file):
    path, office = office_file
    window, page = open_as(qtbot, path, "grid_a")
    assert [page.household_model.id_at(r) for r in range(page.household_model.rowCount())] == [office.h_zhang]
    units = [page.tree.topLevelItem(0).child(i).text(0) for i in range(page.tree.topLevelItem(0).childCount())]
    assert units == ["第一网格"]
    assert any("张伟" in t for t in search_titles(qtbot, page, "张伟"))
    assert search_titles(qtbot, page, "王芳") == ["没有找到“王芳”"]
    page.show_household(office.h_wang)
    assert page.detail.household is None or page.detail.household.id != office.h_wang
    # 李娜's disability tag is sensitive: neither the member list nor the group filter shows it.
    page.show_household(office.h_zhang, office.li_na)
    row = page.detail.members.currentRow()
    assert page.detail.members.item(row, 0).text() == "李娜" and page.detail.members.item(row, 5).text() == ""
    groups = [page.group_combo.itemText(i) for i in range(page.group_combo.count())]
    assert "残疾人" not in groups
    window.close()


def test_an_administrator_sees_every_grid_and_the_sensitive_tag(qtbot, office_file):
    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    assert page.household_model.rowCount() == 2
    page.show_household(office.h_zhang, office.li_na)
    assert page.detail.members.item(page.detail.members.currentRow(), 5).text() == "残疾人"
    window.close()


def test_phones_are_masked_and_a_reveal_needs_a_reason_and_is_logged(qtbot, office_file, monkeypatch):
    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    page.show_household(office.h_zhang)
    assert page.detail.fields["phone"].text() == "138****0001"
    row = next(r for r in range(page.household_model.rowCount()) if page.household_model.id_at(r) == office.h_zhang)
    texts = [page.household_model.index(row, c).data() for c in range(page.household_model.columnCount())]
    assert "138****0001" in texts and "13800000001" not in texts

    outcome = {}

    def drive():
        dialog = QApplication.activeModalWidget()
        dialog.reveal()
        qtbot.waitUntil(lambda: dialog.error.text() != "")
        outcome["no_reason"] = dialog.error.text()
        dialog.reason.setCurrentText("电话联系本人")
        dialog.reveal()
        qtbot.waitUntil(lambda: dialog.revealed is not None)
        dialog.accept()

    QTimer.singleShot(0, drive)
    page.detail.reveal_phone.click()
    assert "请填写原因" in outcome["no_reason"]
    assert page.detail.fields["phone"].text() == "13800000001"
    entries = [e for e in journal.query(window.ctx.reader(), scope=ADMIN) if e.action == "reveal"]
    assert len(entries) == 1 and entries[0].new == {"field": "phone", "reason": "电话联系本人"}
    assert entries[0].actor == "admin"
    page.show_household(office.h_wang)
    page.show_household(office.h_zhang)
    assert page.detail.fields["phone"].text() == "138****0001"
    window.close()


def test_the_registers_page_hides_sensitive_groups_from_a_grid_worker(qtbot, office_file):
    from ui.pages.registers_page import RegistersPage

    path, office = office_file
    db = open_db(path)
    worker, admin = users.login(db, "grid_a", PASSWORD), users.login(db, "admin", PASSWORD)
    db.close()
    for user, sees in ((worker, False), (admin, True)):
        ctx = AppContext(path, user)
        page = RegistersPage(ctx)
        qtbot.addWidget(page)
        assert ("disabled" in page._group_items) is sees and ("low_income" in page._group_items) is sees
        assert "floating" in page._group_items
        page.close()
        ctx.close()


def test_a_full_disk_is_told_in_chinese_and_the_window_stays_usable(qtbot, office_file, monkeypatch):
    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    ctx = window.ctx
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    ctx.write(lambda db: db.execute("PRAGMA max_page_count = " + str(db.execute("PRAGMA page_count").fetchone()[0])),
              description="")

    def fill(db):
        with db.atomic():
            db.execute("UPDATE households SET notes = ? WHERE id = ?", ["满" * 200_000, office.h_wang])

    ctx.write(fill, description="写入备注")
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "磁盘" in shown[0] and "没有保存" in shown[0]
    assert ctx.reader().execute("SELECT notes FROM households WHERE id = ?", [office.h_wang]).fetchone()[0] == ""
    done = []
    ctx.write(lambda db: db.execute("PRAGMA max_page_count = 1073741823"), description="")
    ctx.write(lambda db: households.update_household(db, office.h_wang, notes="好了"), description="修改备注",
              on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    window.close()


def test_backup_now_from_the_menu_and_restore_reopens_the_backup(qtbot, office_file, monkeypatch):
    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    dialog = window.open_backups()
    dialog.backup_now()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10000)
    assert "完整性检查通过" in dialog.status.text()
    taken = backup.list_backups(path)[0].path
    assert not storage.integrity_problems(taken)
    dialog.close()
    done = []
    window.ctx.write(lambda db: households.update_household(db, office.h_wang, address="新地址"),
                     description="改地址", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append((parent, title)))
    window.restore_from(taken)
    new_window, title = told[0]
    qtbot.addWidget(new_window)
    assert title == "已恢复" and new_window is not window and new_window.ctx.user.name == "admin"
    address = new_window.ctx.reader().execute("SELECT address FROM households WHERE id = ?", [office.h_wang])
    assert address.fetchone()[0] == "幸福小区2幢201室"
    new_window.close()


def test_a_read_only_job_does_not_say_saved(qtbot, office_file):
    path, _ = office_file
    window, page = open_as(qtbot, path, "admin")
    said = []
    window.ctx.write_finished.connect(lambda d, ok: said.append(d))
    finished = []

    def job(db):
        yield 1, 1, ""
        return 1

    window.ctx.run_job(job, "统计", on_done=finished.append)
    qtbot.waitUntil(lambda: bool(finished))
    assert said == []
    window.close()


def test_the_demo_office_offers_its_accounts_on_the_log_in(qtbot, tmp_path, monkeypatch):
    path, office = office_copy(tmp_path)
    demo = tmp_path / app_module.DEMO_FILE
    shutil.copy(path, demo)
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        seen.append((dialog.hint.text(), dialog.name.text()))
        dialog.name.setText("grid")
        dialog.password.setText(app_module.DEMO_PASSWORD)
        dialog.submit()

    QTimer.singleShot(0, answer)
    window = MainWindow.open(demo, persist=False)
    qtbot.addWidget(window)
    assert app_module.DEMO_PASSWORD in seen[0][0] and seen[0][1] == "admin"
    assert window.ctx.user.role == "grid_worker" and window.ctx.user.org_id == office.grid_a
    window.close()


def test_an_administrator_adds_a_grid_worker_and_disables_them(qtbot, office_file, monkeypatch):
    from ui.dialogs.users import UserForm, UsersDialog

    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    dialog = UsersDialog(window.ctx, window)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    form = UserForm(window.ctx, dialog)
    qtbot.addWidget(form)
    form.name.setText("grid_b")
    form.role.setCurrentIndex(form.role.findData("grid_worker"))
    form.password.setText(PASSWORD)
    form.again.setText(PASSWORD)
    form.submit()
    qtbot.waitUntil(lambda: form.error.text() != "")
    assert form.error.text() == "网格员必须指定负责的网格或片区"
    form.org.setCurrentIndex(form.org.findData(office.grid_b))
    form.submit()
    qtbot.waitUntil(lambda: form.result() == form.DialogCode.Accepted)
    dialog.refresh()
    row = next(r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "grid_b")
    assert dialog.table.item(row, 3).text() == "第二网格"
    dialog.table.selectRow(row)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.disable_user()
    qtbot.waitUntil(lambda: "已停用" in dialog.message.text())
    assert users.list_users(window.ctx.reader(), by=window.ctx.user)[-1].status == "disabled"
    window.close()


def test_the_person_form_masks_the_id_until_revealed(qtbot, office_file):
    from gridoffice.archive import people
    from ui.dialogs.person import PersonForm

    path, office = office_file
    window, page = open_as(qtbot, path, "admin")
    person = people.get_person(window.ctx.reader(), office.zhang_wei, scope=ADMIN)
    form = PersonForm(window.ctx, person=person)
    qtbot.addWidget(form)
    form.show()
    masked, button = form.masked_cells["id_number"]
    assert "*" in masked.text() and form.edits["id_number"].isHidden()
    # The birth date is the number's digits 7-14: the form shows its year and month only, also in the hint.
    born = person.birth_date
    assert form.masked_birth.text() == mask_birth(born) and form.edits["birth_date"].isHidden()
    assert born not in form.errors["id_number"].text() and mask_birth(born) in form.errors["id_number"].text()
    assert not find_unmasked(" ".join(w.text() for w in form.findChildren(QLabel) if w.isVisible()))

    def drive():
        dialog = QApplication.activeModalWidget()
        dialog.reason.setCurrentText("办理业务核对身份")
        dialog.reveal()
        qtbot.waitUntil(lambda: dialog.revealed is not None)
        dialog.accept()

    QTimer.singleShot(0, drive)
    button.click()
    assert form.edits["id_number"].isVisible() and form.edits["id_number"].text() == person.id_number
    assert form.edits["birth_date"].isVisible() and form.edits["birth_date"].text() == born
    assert born in form.errors["id_number"].text()
    assert form.changes() == {}
    window.close()


def test_the_org_page_shows_a_grid_worker_their_grid_only(qtbot, office_file):
    path, office = office_file
    window, page = open_as(qtbot, path, "grid_a")
    window.show_page("org")
    org = window.current_page()
    org.activated()
    tops = [org.tree.topLevelItem(i).text(0) for i in range(org.tree.topLevelItemCount())]
    assert tops == ["第一网格"] and org.select_unit(office.grid_a) and not org.select_unit(office.grid_b)
    window.close()


def test_the_automatic_backup_reports_in_the_status_bar(qtbot, office_file):
    path, _ = office_file
    window, page = open_as(qtbot, path, "admin")
    window.start_auto_backup()
    qtbot.waitUntil(lambda: "已自动备份" in window.statusBar().currentMessage(), timeout=10000)
    assert len(backup.list_backups(path)) == 1
    window.close()


def test_the_window_refuses_another_programs_database_and_a_newer_file_untouched(qtbot, tmp_path):
    import hashlib
    import sqlite3

    from gridoffice.store import officefile

    stranger = tmp_path / "places.sqlite"
    conn = sqlite3.connect(stranger)
    conn.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.db"
    open_db(newer).close()
    conn = raw_connect(newer)
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES('gridoffice', 'm099_from_the_future', '2027-01-01')")
    conn.commit()
    conn.close()
    for path, words in ((stranger, "是另一个程序的SQLite数据库（其中的表：moz_places），不是网格通的数据文件"),
                        (newer, "更新版本的网格通的数据文件"), (tmp_path, "是一个文件夹，不是数据文件")):
        before = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        listing = sorted(p.name for p in tmp_path.iterdir())
        # The start-up and 打开… show this message in a box (ui/app.py, MainWindow.switch_to).
        with pytest.raises(officefile.NotOurFile, match=words):
            MainWindow.open(path, persist=False)
        assert sorted(p.name for p in tmp_path.iterdir()) == listing
        if before:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == before
