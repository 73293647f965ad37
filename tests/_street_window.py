"""A street for the tests of its window: three generated communities (two with a year of activity,
one never reporting), their packages consolidated (with an altered one refused), a street
administrator and a member of staff; and the window opened on it, logged in."""

from __future__ import annotations

import datetime as dt

import pytest

from commands._progress import consume
from gridoffice.demo import activity
from gridoffice.consolidation import consolidate, store, street_users
from gridoffice.store.db import open_db

from tests import _street

AT = dt.datetime(2026, 11, 2, 9, 0)
DAY = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
ADMIN, STAFF = ("jiedao", "street-admin-1"), ("zhiyuan", "street-staff-1")


@pytest.fixture
def street_store(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    offices = [_street.make_office(tmp_path, street, seed=seed, households=5) for seed in (31, 32, 33)]
    for n, o in enumerate(offices[:2]):
        db = open_db(o.path)
        consume(activity.add_activity(db, seed=60 + n, today=_street.TODAY), quiet=True)
        db.close()
    # Something for the completeness check to find in the second community: a household without a head.
    _street.change(offices[1].path, "UPDATE persons SET relation = 'other' WHERE relation = 'head' AND household_id = "
                                    "(SELECT min(id) FROM households)")
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
        # Enrolled on a fixed day, not the server's today: the overdue rule counts from it.
        conn.execute("UPDATE offices SET enrolled_at = '2026-10-20 10:00+00'")
        admin = street_users.add_user(conn, *ADMIN, "street_admin", by=None)
        street_users.add_user(conn, *STAFF, "street_staff", by=admin)
    return pg_dsn, offices


def open_window(qtbot, dsn, account=ADMIN, now=DAY):
    from ui.street_window import StreetWindow

    window = StreetWindow.open(dsn, *account, now=now)
    qtbot.addWidget(window)
    window.wait_until_settled()
    return window


def open_page(qtbot, dsn, page: str, account=ADMIN):
    """The window of `account`, on `page`, with what the page reads read."""
    window = open_window(qtbot, dsn, account)
    window.show_page(page)
    window.wait_until_settled()
    return window


def headers(table) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
