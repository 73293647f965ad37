"""The street window's pages in ui/street/: the monthly summary across communities and its audited
export, the street's accounts for administrators, the log-in off the GUI thread, and long work's
progress with its 取消."""

from __future__ import annotations

import socket
import threading
import time

import openpyxl
import psycopg
import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from exports import monthly_summary
from gridoffice.consolidation import replica, store, street_summary, street_users, street_view

from tests._street_window import (  # noqa: F401
    ADMIN, STAFF, cells, headers, open_page, open_window, street_store,
)


def test_the_monthly_summary_shows_each_community_and_the_total(qtbot, street_store):
    dsn, offices = street_store
    window = open_page(qtbot, dsn, "summary")
    page = window.summary_page
    assert page.month.currentData() == "2026-10"  # on 20 November the month just ended is proposed
    with store.connect(dsn) as conn:
        expected = street_summary.monthly_summary(conn, "2026-10", scope=street_view.scope_for(ADMIN[0], admin=True))
    rows = cells(page.table)
    names = [o.card.name for o in offices]
    assert sorted(r[0] for r in rows[:-1]) == sorted(names) and rows[-1][0] == "合计"
    assert headers(page.table)[:3] == ["社区", "户数", "人数"]
    for figures in expected.grids:
        row = next(r for r in rows if r[0] == figures.name)
        assert row[1:3] == [str(figures.households), str(figures.persons)]
    assert rows[-1][1:3] == [str(expected.total.households), str(expected.total.persons)]
    assert expected.total.households > 0 and "3个社区" in page.note.text()
    assert page.table.item(len(rows) - 1, 0).font().bold()
    # The visits sheet carries the month before and the change, as the workbook does.
    page.section.setCurrentIndex(1)
    page.section.activated.emit(1)
    work = cells(page.table)
    assert [r[0] for r in work[-3:]] == ["合计", "上月（2026年9月）", "环比"]
    assert work[-3][headers(page.table).index("走访次数")] == str(expected.total.visits) and expected.total.visits > 0
    # Another month is read again.
    page.month.setCurrentIndex(page.month.findData("2026-09"))
    page.month.activated.emit(page.month.currentIndex())
    window.wait_until_settled()
    assert "2026年9月" in page.note.text()
    # F5 reads the page looked at again.
    window.refresh()
    assert "summary" in window.waiting
    window.wait_until_settled()
    assert "2026年9月" in page.note.text() and page.table.rowCount() == len(work)


def test_street_staff_get_no_sensitive_register_in_the_summary(qtbot, street_store):
    dsn, _ = street_store
    header = headers(open_page(qtbot, dsn, "summary", STAFF).summary_page.table)
    with store.connect(dsn) as conn:
        staff = street_summary.monthly_summary(conn, "2026-10", scope=street_view.scope_for(STAFF[0], admin=False))
        every = street_summary.monthly_summary(conn, "2026-10")
    assert header[3:] == [g.label for g in staff.groups]
    hidden = {g.label for g in every.groups} - {g.label for g in staff.groups}
    assert hidden and not hidden & set(header)


def test_the_export_is_the_command_s_workbook_and_is_audited(qtbot, street_store, tmp_path, monkeypatch):
    from ui.street import summary_page

    dsn, offices = street_store
    window = open_page(qtbot, dsn, "summary")
    target = tmp_path / "街道十月.xlsx"
    monkeypatch.setattr(summary_page, "save_path", lambda *_a: target)
    window.summary_page.export_button.click()
    window.wait_until_settled()
    assert f"已导出：{target}" in window.summary_page.result.text()
    book = openpyxl.load_workbook(target)
    with store.connect(dsn) as conn:
        expected = street_summary.monthly_summary(conn, "2026-10", scope=street_view.scope_for(ADMIN[0], admin=True))
        entry = street_users.audit_entries(conn)[0]
    assert book.sheetnames == [f"{name}（按社区）" for name, _, _ in monthly_summary.sections(expected)]
    sheet = book["人口（按社区）"]
    column_a = [c.value for c in sheet["A"]]
    assert all(o.card.name in column_a for o in offices)
    first = column_a.index(expected.grids[0].name) + 1
    assert [sheet.cell(first, 2).value, sheet.cell(first, 3).value] == [expected.grids[0].households,
                                                                        expected.grids[0].persons]
    assert (entry.actor, entry.action, entry.detail) == (
        ADMIN[0], "export", {"what": "monthly_summary", "file": target.name, "month": "2026-10", "rows": 3})
    window.show_page("audit")
    window.wait_until_settled()
    assert cells(window.audit)[0][1:] == [ADMIN[0], "导出报表", "", f"月度汇总表（2026-10），文件“{target.name}”"]


def test_an_administrator_manages_the_accounts_from_the_window(qtbot, street_store, monkeypatch):
    from ui.street import accounts_page

    dsn, _ = street_store
    staff_window = open_window(qtbot, dsn, STAFF)
    assert "accounts" not in staff_window.page_ids() and not staff_window.show_page("accounts")
    window = open_page(qtbot, dsn, "accounts")
    page = window.accounts_page
    rows = cells(page.table)
    assert [r[:4] for r in rows] == [[ADMIN[0], "", "街道管理员", "在用"], [STAFF[0], "", "街道工作人员", "在用"]]
    page.table.selectRow(0)
    assert not page.toggle_button.isEnabled()  # never one's own account
    page.table.selectRow(1)
    assert page.toggle_button.isEnabled() and page.toggle_button.text() == "停用(&D)"
    monkeypatch.setattr(accounts_page.QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
    page.toggle_button.click()
    window.wait_until_settled()
    assert cells(page.table)[1][3] == "已停用" and "已停用“zhiyuan”" in page.note.text()
    assert page.toggle_button.text() == "启用(&E)"
    with store.connect(dsn) as conn, pytest.raises(street_users.LoginFailed, match="此账号已停用"):
        street_users.log_in(conn, *STAFF)

    def typed(password: str):
        def exec_(dialog) -> QDialog.DialogCode:
            dialog.password.setText(password)
            dialog.again.setText(password)
            dialog.submit()
            return dialog.result()
        return exec_

    monkeypatch.setattr(accounts_page.AccountDialog, "exec", typed("short1"))
    page.password_button.click()
    window.wait_until_settled()
    assert "密码至少要" in page.note.text()
    monkeypatch.setattr(accounts_page.AccountDialog, "exec", typed("fresh-staff-9"))
    page.password_button.click()
    window.wait_until_settled()
    page.toggle_button.click()
    window.wait_until_settled()
    assert cells(page.table)[1][3] == "在用"
    with store.connect(dsn) as conn:
        assert street_users.log_in(conn, STAFF[0], "fresh-staff-9").name == STAFF[0]
    window.show_page("audit")
    window.wait_until_settled()
    said = [r[1:] for r in cells(window.audit) if r[2] in ("停用街道账号", "启用街道账号", "重设街道账号密码")]
    assert said == [[ADMIN[0], "启用街道账号", "", "账号：zhiyuan"], [ADMIN[0], "重设街道账号密码", "", "账号：zhiyuan"],
                    [ADMIN[0], "停用街道账号", "", "账号：zhiyuan"]]


def test_adding_an_account_from_the_window(qtbot, street_store, monkeypatch):
    from ui.street import accounts_page

    dsn, _ = street_store
    window = open_page(qtbot, dsn, "accounts")

    def filled(dialog) -> QDialog.DialogCode:
        dialog.name.setText("jiandu")
        dialog.display_name.setText("监督员乙")
        dialog.password.setText("watch-over-7")
        dialog.again.setText("watch-over-8")
        dialog.submit()
        assert dialog.error.text() == "两次输入的密码不一致，请重新输入"
        dialog.again.setText("watch-over-7")
        dialog.submit()
        return dialog.result()

    monkeypatch.setattr(accounts_page.AccountDialog, "exec", filled)
    window.accounts_page.add_button.click()
    window.wait_until_settled()
    assert ["jiandu", "监督员乙", "街道工作人员", "在用"] in [r[:4] for r in cells(window.accounts_page.table)]
    with store.connect(dsn) as conn:
        assert not street_users.log_in(conn, "jiandu", "watch-over-7").admin


class _SilentServer:
    """A TCP port that accepts connections and answers nothing for `hold` seconds, then hangs up:
    a PostgreSQL server that is slow or stuck, as the log-in meets it."""

    def __init__(self, hold: float):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.hold = hold
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Timer(self.hold, conn.close).start()

    def close(self) -> None:
        self.sock.close()


def test_the_log_in_never_freezes_while_the_server_is_slow(qtbot):
    from ui.street.login import StreetLoginDialog

    server = _SilentServer(hold=3)
    dsn = f"host=127.0.0.1 port={server.port} dbname=street user=street sslmode=disable gssencmode=disable"
    try:
        dialog = StreetLoginDialog(dsn)
        qtbot.addWidget(dialog)
        dialog.name.setText(ADMIN[0])
        dialog.password.setText(ADMIN[1])
        started = time.monotonic()
        dialog.submit()
        assert time.monotonic() - started < 0.5 and dialog.busy and "正在连接汇总数据库" in dialog.status.text()
        # The dialog keeps answering while the server says nothing.
        ticks = []
        for _ in range(10):
            qtbot.wait(100)
            ticks.append(time.monotonic())
        assert dialog.busy and max(b - a for a, b in zip(ticks, ticks[1:])) < 0.5
        qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
        # The server hung up without a word: said in Chinese, as store.connection_failure says it.
        assert dialog.user is None and dialog.error.text() == (
            "与汇总数据库的连接中断了（服务器停止或重启）：请确认 PostgreSQL 服务在运行后重试。")
        assert dialog.password.text() == ADMIN[1]  # not a wrong password: kept for the next try
        # 取消 while connecting leaves at once; what the connection brings back later is dropped.
        dialog.submit()
        started = time.monotonic()
        dialog.reject()
        assert time.monotonic() - started < 0.5 and dialog.result() == QDialog.DialogCode.Rejected
        assert dialog.access is None and dialog.user is None
    finally:
        server.close()


def test_long_work_shows_progress_and_cancel_stops_it_on_the_server(qtbot, street_store, monkeypatch):
    dsn, offices = street_store
    window = open_window(qtbot, dsn, STAFF)
    page = window.summary_page
    window.ask("summary", lambda ctx: ctx.read.execute("SELECT pg_sleep(60)").fetchall(), page._loaded, page._failed)
    qtbot.waitUntil(lambda: not window.cancel_button.isHidden(), timeout=5000)
    assert not window.progress.isHidden() and window.progress_text.text()
    with psycopg.connect(dsn, autocommit=True) as probe:
        def sleeping() -> int:
            return probe.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' "
                                 "AND state = 'active'").fetchone()[0]
        qtbot.waitUntil(lambda: sleeping() == 1, timeout=10000)
        window.cancel_button.click()
        assert "已取消" in page.note.text() and window.cancel_button.isHidden() and not window.waiting
        qtbot.waitUntil(lambda: sleeping() == 0, timeout=10000)
    # A community read for the first time reports its rows as they come.
    monkeypatch.setattr(replica, "BATCH", 20)
    seen = []
    window.reader.progress.connect(lambda slot, done, total, message: seen.append((slot, done, total, message)))
    window.show_page("archive")
    window.wait_until_settled()
    assert window.archive.rowCount() > 0
    reads = [s for s in seen if s[0] == "archive"]
    assert len(reads) > 3 and reads[-1][1] == reads[-1][2] > 0
    assert reads[0][3].startswith("正在读取社区“") and reads[0][3].endswith("的数据……")


def test_the_window_holds_at_most_the_replicas_it_may_keep(qtbot, street_store, monkeypatch):
    """The completeness of every community builds each one's replica; only the last ones stay open."""
    dsn, offices = street_store
    monkeypatch.setattr(replica, "KEEP", 1)
    window = open_page(qtbot, dsn, "completeness")
    sent = [o.card.uuid for o in offices[:2]]  # the communities that sent a package
    assert window.completeness.rowCount() == len(sent)
    kept = window.reader._context._replicas
    [last] = kept.offices()
    # The community let go is built again when read, and the other is let go in its place.
    [other] = set(sent) - {last}
    window.archive_community.setCurrentIndex(window.archive_community.findData(other))
    window.show_page("archive")
    window.wait_until_settled()
    assert window.archive.rowCount() > 0
    assert kept.offices() == [other]
