"""The street's window (`--pg`), after a street account's log-in: communities, the ledger with the
overdue communities, a search across communities, and per community the archive, the registers,
the completeness check and the assessment's ranking; read-only and masked, read off the GUI thread."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import psycopg
import pytest

from commands._progress import consume
from gridoffice.access import users
from gridoffice.archive import completeness, registers
from gridoffice.consolidation import store, street_users, street_view
from gridoffice.store.db import open_db

from tests._street_window import (  # noqa: F401
    ADMIN, DAY, STAFF, cells as _cells, open_page, open_window as _open, street_store,
)


def _office_count(office, sql: str) -> int:
    db = open_db(office.path)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


def test_the_window_needs_a_street_log_in(qtbot, street_store, monkeypatch):
    from ui.street.login import StreetLoginDialog
    from ui.street_window import StreetWindow

    dsn, _ = street_store
    with pytest.raises(street_users.LoginFailed, match="用户名或密码不正确"):
        StreetWindow.open(dsn, ADMIN[0], "not-the-password")
    dialog = StreetLoginDialog(dsn)
    qtbot.addWidget(dialog)
    dialog.name.setText(STAFF[0])
    dialog.password.setText("wrong-one-1")
    dialog.submit()
    assert dialog.busy and not dialog.ok_button.isEnabled() and "正在连接" in dialog.status.text()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    assert dialog.error.text() == "用户名或密码不正确" and dialog.user is None and not dialog.password.text()
    first = dialog.access
    dialog.password.setText(STAFF[1])
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.user.name == STAFF[0] and not dialog.user.admin
    # The connection of the first try served the second; the caller owns it now.
    assert dialog.access is first and not first.closed
    first.close()


def test_communities_ledger_and_the_overdue(qtbot, street_store):
    dsn, offices = street_store
    window = _open(qtbot, dsn, now=dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.timezone.utc))
    rows = {row[0]: row for row in _cells(window.communities)}
    assert set(rows) == {o.card.name for o in offices}
    for o in offices[:2]:
        households = _office_count(o, "SELECT count(*) FROM households WHERE status = 'active'")
        persons = _office_count(o, "SELECT count(*) FROM persons WHERE status = 'active'")
        assert rows[o.card.name][2] == "1" and rows[o.card.name][4:6] == [f"{households:,}", f"{persons:,}"]
        assert rows[o.card.name][7] == "正常"
    assert rows[offices[2].card.name][2:4] == ["—", "从未"] and rows[offices[2].card.name][7] == "尚未报送"
    assert "共3个社区" in window.summary.text() and "0个社区逾期未报" in window.summary.text()
    assert window.overdue.rowCount() == 0 and "没有逾期未报的社区" in window.overdue_note.text()

    ledger_rows = _cells(window.ledger)
    assert [r[3] for r in ledger_rows] == ["已导入", "已导入", "拒收"]
    assert ledger_rows[2][1] == "（无法识别）" and "签名不符" in ledger_rows[2][6]
    window.refused_only.setChecked(True)
    window.wait_until_settled()
    assert [r[4] for r in _cells(window.ledger)] == ["altered.pkg"]

    # In January nothing arrived for December: every community is overdue, the one that never sent
    # for two months (November and December, counted from its enrolment in October).
    late = _open(qtbot, dsn, now=dt.datetime(2027, 1, 5, 9, 0, tzinfo=dt.timezone.utc))
    assert {r[7] for r in _cells(late.communities)} == {"逾期未报"}
    assert "3个社区逾期未报" in late.summary.text()
    overdue = {r[0]: r for r in _cells(late.overdue)}
    assert overdue[offices[2].card.name][2:] == ["—", "从未", "2"]
    assert overdue[offices[0].card.name][2] == "1" and overdue[offices[0].card.name][3].startswith("2026-11-02")
    assert overdue[offices[0].card.name][4] == "1"
    assert "3个社区上个整月没有上报包" in late.overdue_note.text()


def test_search_across_communities_masks_numbers_and_is_audited(qtbot, street_store):
    dsn, offices = street_store
    db = open_db(offices[1].path)
    name, id_number = db.execute("SELECT name, id_number FROM persons WHERE status = 'active' AND id_number <> '' "
                                 "ORDER BY id LIMIT 1").fetchone()
    number, address = db.execute("SELECT number, address FROM households ORDER BY id LIMIT 1").fetchone()
    db.close()
    window = _open(qtbot, dsn, STAFF)
    window.show_page("search")
    window.query.setText(name)
    window.search_button.click()
    window.wait_until_settled()
    hits = _cells(window.hits)
    assert ["人员", name, offices[1].card.name] in [h[:3] for h in hits]
    assert all(id_number not in cell for h in hits for cell in h)
    assert any(h[3].startswith(id_number[:3] + "*") and h[3].endswith("月") for h in hits if h[1] == name)
    window.query.setText(address[:3])
    window.search_button.click()
    window.wait_until_settled()
    assert ["户", number, offices[1].card.name] in [h[:3] for h in _cells(window.hits)]
    window.query.setText("张" * 101)
    window.search_button.click()
    window.wait_until_settled()
    assert "查找内容太长" in window.search_note.text() and window.hits.rowCount() == 0
    with store.connect(dsn) as conn:
        searches = [e for e in street_users.audit_entries(conn) if e.action == "search"]
    assert [(e.actor, e.detail["query"]) for e in reversed(searches)] == [(STAFF[0], name), (STAFF[0], address[:3])]
    assert searches[0].detail["hits"] >= 1
    # Staff have no page of the street's audit; an administrator reads who searched what.
    assert "audit" not in window.page_ids() and not window.show_page("audit")
    admin = _open(qtbot, dsn, ADMIN)
    assert admin.show_page("audit")
    admin.wait_until_settled()
    rows = _cells(admin.audit)
    assert [STAFF[0], "跨社区查找", "", f"查找“{address[:3]}”，找到{searches[0].detail['hits']}条"] == rows[1][1:]
    assert [ADMIN[0], "登录"] == rows[0][1:3]


def test_the_archive_is_masked_and_only_an_administrator_reveals_with_a_reason(qtbot, street_store, monkeypatch):
    from ui import street_window

    dsn, offices = street_store
    staff = _open(qtbot, dsn, STAFF)
    assert staff.reveal_button.isHidden()
    window = _open(qtbot, dsn, ADMIN)
    assert not window.reveal_button.isHidden()
    window.show_page("archive")
    window.archive_community.setCurrentIndex(window.archive_community.findText(offices[1].card.name))
    window.load_archive()
    window.wait_until_settled()
    db = open_db(offices[1].path)
    people = db.execute("SELECT name, id_number, phone FROM persons WHERE status = 'active'").fetchall()
    db.close()
    rows = _cells(window.archive)
    assert sorted(r[0] for r in rows) == sorted(p[0] for p in people)
    assert f"{len(people)}人" in window.archive_note.text()
    text = " ".join(cell for r in rows for cell in r)
    for _, id_number, phone in people:
        assert not id_number or id_number not in text
        assert not phone or phone not in text
    assert all(r[4] == "" or r[4][3:-1] == "*" * 14 for r in rows)

    row = next(i for i, r in enumerate(rows) if r[4])
    name = rows[row][0]
    full = next(p[1] for p in people if p[0] == name and p[1])
    window.archive.selectRow(row)
    shown = []
    monkeypatch.setattr(street_window.QInputDialog, "getText", lambda *a, **k: ("核对跨社区重复登记", True))
    monkeypatch.setattr(street_window.QMessageBox, "information", lambda _p, title, text: shown.append(text))
    window.reveal_selected()
    window.wait_until_settled()
    assert shown == [f"{name}：{full}"]
    with store.connect(dsn) as conn:
        entry = street_users.audit_entries(conn)[0]
    assert (entry.actor, entry.action, entry.office_name, entry.detail["reason"]) == (
        ADMIN[0], "reveal", offices[1].card.name, "核对跨社区重复登记")


def test_registers_per_community_and_the_sensitive_ones_for_administrators_only(qtbot, street_store):
    dsn, offices = street_store
    window = _open(qtbot, dsn, ADMIN)
    window.show_page("registers")
    window.wait_until_settled()
    community = window.register_community.currentText()
    office = next(o for o in offices if o.card.name == community)
    codes = [window.register_group.itemData(i) for i in range(window.register_group.count())]
    assert "low_income" in codes and "age:elderly_60" in codes
    window.register_group.setCurrentIndex(codes.index("age:elderly_60"))
    window.load_register()
    window.wait_until_settled()
    db = open_db(office.path)
    scope = users.whole_office("测试", "leader")
    day = DAY.date()
    expected = registers.rows(db, registers.person_ids(db, "age:elderly_60", scope=scope, today=day), scope=scope,
                              today=day)
    db.close()
    rows = _cells(window.register)
    assert sorted((r[0], r[4], r[6]) for r in rows) == sorted(
        (r.name, r.id_masked, r.household_number) for r in expected.values())
    assert rows and all(int(r[3]) >= 60 for r in rows)
    staff = _open(qtbot, dsn, STAFF)
    staff.show_page("registers")
    staff.wait_until_settled()
    staff_codes = {staff.register_group.itemData(i) for i in range(staff.register_group.count())}
    assert "age:elderly_60" in staff_codes and not staff_codes & {"low_income", "disabled", "correction"}


def test_completeness_per_community_is_the_office_s_check(qtbot, street_store):
    dsn, offices = street_store
    window = _open(qtbot, dsn, STAFF)
    window.show_page("completeness")
    window.wait_until_settled()
    rows = {r[0]: r for r in _cells(window.completeness)}
    assert set(rows) == {o.card.name for o in offices[:2]}
    for o in offices[:2]:
        db = open_db(o.path)
        own = consume(completeness.completeness(db, DAY.date(), scope=users.whole_office("测试员")), quiet=True)
        db.close()
        kinds = Counter(p.kind for p in own)
        assert rows[o.card.name][1:] == [str(len(own))] + [str(kinds[k]) for k in completeness.KINDS]
    assert rows[offices[1].card.name][list(completeness.KINDS).index("no_head") + 2] == "1"
    window.completeness.selectRow(list(rows).index(offices[1].card.name))
    problems = _cells(window.problems)
    assert ["没有户主的户"] in [p[:1] for p in problems]


def test_the_assessment_ranks_the_communities_by_the_formula(qtbot, street_store):
    dsn, offices = street_store
    window = open_page(qtbot, dsn, "assessment", STAFF)
    page = window.assessment_page
    rows = _cells(page.table)
    assert sorted(r[1] for r in rows) == sorted(o.card.name for o in offices[:2])
    scores = [float(r[3]) for r in rows]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert rows[0][0] == "1"
    db = open_db(next(o for o in offices if o.card.name == rows[0][1]).path)
    from gridoffice.reports import assessment

    counts, staff = assessment.office_counts(db, 2026, scope=users.whole_office("测试"), today=DAY.date())
    indicators = assessment.template(db)
    db.close()
    assert rows[0][2] == str(staff)
    assert street_view.ranked([(rows[0][1], counts, staff)], indicators)[0].score == scores[0]
    # A year without records: no visits, lower scores (the contact coverage is judged on its last day).
    page.year.setValue(2020)
    window.wait_until_settled()
    earlier = _cells(page.table)
    assert {r[4] for r in earlier} == {"0.00"} and all(float(r[3]) < scores[-1] for r in earlier)


def test_a_slow_query_never_freezes_the_window_and_a_newer_one_cancels_it(qtbot, street_store):
    dsn, _ = street_store
    window = _open(qtbot, dsn, STAFF)
    started = time.monotonic()
    window._ask("search", lambda ctx: ctx.read.execute("SELECT pg_sleep(60)").fetchall())
    assert time.monotonic() - started < 0.5
    with psycopg.connect(dsn, autocommit=True) as probe:
        qtbot.waitUntil(lambda: probe.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                                              "'SELECT pg_sleep%%' AND state = 'active'").fetchone()[0] == 1,
                        timeout=10000)
        # The window answers meanwhile: another page's tab and a click are handled at once.
        window.show_page("ledger")
        assert window.tabs.currentIndex() == window.PAGES.index("ledger")
        window.query.setText("社区")
        started = time.monotonic()
        window.run_search()
        window.wait_until_settled(timeout=20)
        assert time.monotonic() - started < 20
        assert "找到" in window.search_note.text() or "没有找到" in window.search_note.text()
        assert probe.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%%' "
                             "AND state = 'active'").fetchone()[0] == 0


def test_a_server_gone_away_is_said_and_the_next_refresh_reconnects(qtbot, street_store):
    dsn, _ = street_store
    window = _open(qtbot, dsn, STAFF)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    window.refresh()
    window.wait_until_settled()
    assert "与汇总数据库的连接中断了" in window.summary.text()
    # The reader makes a new connection for the next request: the pages read again.
    window.refresh()
    window.wait_until_settled()
    assert "共3个社区" in window.summary.text()
