"""The street window's search across communities: one or two characters from the start of a name or
a household number, three or more anywhere; names written with LIKE's wildcards mean themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from commands._progress import consume
from gridoffice.consolidation import consolidate, store, street_view
from tests import _street

AT = dt.datetime(2026, 11, 30, 17, 0)
NAMES = ["欧阳", "欧阳修文", "李欧阳", "李欧阳修", "王%五", "王五", "_丁", "丁一"]


@pytest.fixture
def searched(tmp_path, pg_dsn):
    street = _street.make_street(tmp_path)
    offices = [_street.make_office(tmp_path, street, seed=seed, households=6) for seed in (41, 42)]
    for n, name in enumerate(NAMES):
        _street.change(offices[n % 2].path, "UPDATE persons SET name = ?, status = 'active' WHERE id = ?",
                       [name, n // 2 + 1])
    packages = [_street.write_package(o.path, tmp_path / f"{n}.pkg", at=AT) for n, o in enumerate(offices)]
    with store.connect(pg_dsn) as conn:
        for o in offices:
            store.enroll(conn, uuid=o.card.uuid, division_code=o.card.division_code, name=o.card.name,
                         public_key=o.card.signing_key, by="测试街道")
        outcomes = consume(consolidate.consolidate(conn, packages, [street.key], by="测试街道"), quiet=True)
        assert [o.outcome for o in outcomes] == ["applied", "applied"]
        yield conn, offices


def persons(conn, query, **kw):
    return [h.name for h in street_view.search(conn, query, **kw) if h.kind == "person"]


def test_one_or_two_characters_find_names_that_start_with_them_in_order(searched):
    conn, _offices = searched
    assert persons(conn, "欧") == ["欧阳", "欧阳修文"]
    assert persons(conn, "欧阳") == ["欧阳", "欧阳修文"]
    assert persons(conn, "丁") == ["丁一"]


def test_three_characters_find_names_that_hold_them_anywhere(searched):
    conn, _offices = searched
    assert sorted(persons(conn, "欧阳修")) == ["李欧阳修", "欧阳修文"]
    assert persons(conn, "李欧阳") == ["李欧阳", "李欧阳修"]


def test_wildcards_are_plain_characters(searched):
    conn, _offices = searched
    assert persons(conn, "王%") == ["王%五"]
    assert persons(conn, "_") == ["_丁"]
    assert persons(conn, "王%五") == ["王%五"]


def test_the_limit_keeps_the_first_names_in_order(searched):
    conn, _offices = searched
    every = [r[0] for r in conn.execute(
        "SELECT data->>'name' FROM records_persons WHERE data->>'status' = 'active' ORDER BY data->>'name' COLLATE \"C\"")]
    first = every[0][:1]
    starting = [n for n in every if n.startswith(first)]
    assert persons(conn, first, limit=2) == starting[:2]


def test_a_household_number_is_found_from_its_start(searched):
    conn, offices = searched
    number = conn.execute("SELECT data->>'number' FROM records_households ORDER BY 1 LIMIT 1").fetchone()[0]
    hits = [h.name for h in street_view.search(conn, number[:2]) if h.kind == "household"]
    assert number in hits and all(h.startswith(number[:2]) for h in hits)


def test_the_bound_after_a_prefix_skips_the_surrogates():
    assert street_view._after("欧") == chr(ord("欧") + 1)
    assert street_view._after("a\ud7ff") == "a\ue000"
