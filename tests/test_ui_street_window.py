"""The street's window (`--pg`): communities, the ledger and a search across communities, read-only."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from commands._progress import consume
from gridoffice.consolidation import consolidate, store, street_view
from gridoffice.db import open_db

from tests import _street

AT = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def street_store(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    offices = [_street.make_office(tmp_path, street, seed=seed, households=5) for seed in (31, 32, 33)]
    packages = [_street.write_package(o.path, tmp_path / f"{n}.pkg", at=AT) for n, o in enumerate(offices[:2])]
    altered = tmp_path / "altered.pkg"
    data = bytearray(packages[1].read_bytes())
    data[len(data) // 2] ^= 1
    altered.write_bytes(bytes(data))
    with store.connect(pg_dsn) as conn:
        for o in offices:
            store.enroll(conn, uuid=o.card.uuid, division_code=o.card.division_code, name=o.card.name,
                         public_key=o.card.signing_key, by="测试街道")
        consume(consolidate.consolidate(conn, [altered, *packages], [street.key], by="测试街道"), quiet=True)
        applied_at = conn.execute("SELECT max(at) FROM ledger").fetchone()[0]
    return pg_dsn, offices, applied_at


def _cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_communities_ledger_and_overdue(qtbot, street_store):
    from ui.street_window import StreetWindow

    dsn, offices, applied_at = street_store
    window = StreetWindow.open(dsn, now=applied_at + dt.timedelta(days=1))
    qtbot.addWidget(window)
    rows = {row[0]: row for row in _cells(window.communities)}
    assert set(rows) == {o.card.name for o in offices}
    for o in offices[:2]:
        db = open_db(o.path)
        households = db.execute("SELECT count(*) FROM households WHERE status = 'active'").fetchone()[0]
        persons = db.execute("SELECT count(*) FROM persons WHERE status = 'active'").fetchone()[0]
        db.close()
        assert rows[o.card.name][2] == "1" and rows[o.card.name][4:6] == [f"{households:,}", f"{persons:,}"]
        assert rows[o.card.name][7] == "正常"
    assert rows[offices[2].card.name][2:4] == ["—", "从未"] and rows[offices[2].card.name][7] == "尚未报送"
    assert "共3个社区" in window.summary.text() and "0个社区逾期未报" in window.summary.text()

    ledger_rows = _cells(window.ledger)
    assert [r[3] for r in ledger_rows] == ["已导入", "已导入", "拒收"]
    assert ledger_rows[2][1] == "（无法识别）" and "签名不符" in ledger_rows[2][6]
    window.refused_only.setChecked(True)
    assert [r[4] for r in _cells(window.ledger)] == ["altered.pkg"]

    late = StreetWindow.open(dsn, now=applied_at + dt.timedelta(days=60))
    qtbot.addWidget(late)
    assert {r[7] for r in _cells(late.communities)} == {"逾期未报"}
    assert "3个社区逾期未报" in late.summary.text()


def test_search_across_communities_masks_numbers(qtbot, street_store):
    from ui.street_window import StreetWindow

    dsn, offices, _ = street_store
    db = open_db(offices[1].path)
    name, id_number = db.execute("SELECT name, id_number FROM persons WHERE status = 'active' AND id_number <> '' "
                                 "ORDER BY id LIMIT 1").fetchone()
    number, address = db.execute("SELECT number, address FROM households ORDER BY id LIMIT 1").fetchone()
    db.close()
    window = StreetWindow.open(dsn)
    qtbot.addWidget(window)
    window.show_page("search")
    window.query.setText(name)
    window.search_button.click()
    hits = _cells(window.hits)
    assert ["人员", name, offices[1].card.name] in [h[:3] for h in hits]
    assert all(id_number not in cell for h in hits for cell in h)
    assert any(h[3].startswith(id_number[:3] + "*") and h[3].endswith("月") for h in hits if h[1] == name)
    window.query.setText(address[:3])
    window.search_button.click()
    assert ["户", number, offices[1].card.name] in [h[:3] for h in _cells(window.hits)]
    window.query.setText("张" * 101)
    window.search_button.click()
    assert "查找内容太长" in window.search_note.text() and window.hits.rowCount() == 0


def test_the_window_reads_only(street_store, pg_dsn_factory):
    dsn, _, _ = street_store
    with store.connect(dsn, readonly=True) as conn:
        assert street_view.communities(conn)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM ledger")
    with pytest.raises(store.StoreError, match="还不是本版本网格通的汇总数据库"):
        store.connect(pg_dsn_factory(), readonly=True)
