"""Global ids: every travelling record gets one when it is inserted, keeps it, and older files get theirs."""

import re
import shutil
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlite3

from commands._progress import consume
from exports import roster
from gridoffice.archive import households
from gridoffice.audit import trail
from gridoffice.store import schema
from gridoffice.consolidation import tables
from gridoffice.store.db import memory_db, open_db
from gridoffice.roster.importer import import_file
from gridoffice.access.users import whole_office

from tests._domain import man
from tests._offices import TODAY, small_office

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
FIXTURES = Path(__file__).parent / "fixtures"


def gids(db, table):
    return [r[0] for r in db.execute(f"SELECT gid FROM [{table}] ORDER BY rowid")]


def assert_all_have_gids(db, table):
    found = gids(db, table)
    assert all(g and UUID.match(g) for g in found), table
    assert len(set(found)) == len(found), table
    return found


@pytest.fixture
def office(tmp_path):
    db = open_db(tmp_path / "office.db")
    small_office(db)
    yield db
    db.close()


def test_exactly_the_travelling_tables_have_a_gid(office):
    with_gid = {name for (name,) in office.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if "gid" in {c[1] for c in office.execute(f"PRAGMA table_info([{name}])")}}
    assert with_gid == set(tables.NAMES)
    for name in ("users", "settings", "visit_last", "matter_time_limits"):
        assert name not in with_gid


def test_every_record_of_a_generated_office_has_its_own_gid(office):
    filled = {}
    for name in tables.NAMES:
        filled[name] = len(assert_all_have_gids(office, name))
    # Every kind has rows, so the triggers are seen at work on each.
    assert [name for name, n in filled.items() if n == 0] == []


def test_every_reference_column_of_a_travelling_table_is_translated():
    """A new *_id column must be named in tables.TABLES, or it would travel as a local id."""
    db = memory_db()
    for table in tables.TABLES:
        columns = {c[1] for c in db.execute(f"PRAGMA table_info([{table.name}])")}
        declared = {fk[3]: fk[2] for fk in db.execute(f"PRAGMA foreign_key_list([{table.name}])")}
        assert {c for c in columns if c.endswith("_id")} == set(table.refs), table.name
        assert {c: t for c, t in declared.items()} == {c: t for c, t in table.refs.items() if c in declared}
        assert set(table.dropped) <= columns


def test_a_new_row_gets_a_gid_and_keeps_it_through_edits(office):
    org = office.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    hid = households.create_household(office, org_id=org, head=man("韩立新"), address="宝石小区1幢1单元101室",
                                      today=TODAY)
    head = office.execute("SELECT gid FROM persons WHERE household_id = ?", [hid]).fetchone()[0]
    assert UUID.match(head)
    gid = office.execute("SELECT gid FROM households WHERE id = ?", [hid]).fetchone()[0]
    assert UUID.match(gid)
    office.execute("UPDATE households SET address = '宝石小区2幢', phone = '13800000000' WHERE id = ?", [hid])
    households.update_household(office, hid, address="宝石小区3幢", contact_class=1)
    assert office.execute("SELECT gid FROM households WHERE id = ?", [hid]).fetchone()[0] == gid
    with pytest.raises(sqlite3.IntegrityError, match="permanent"):
        office.execute("UPDATE households SET gid = ? WHERE id = ?", ["00000000-0000-4000-8000-000000000000", hid])
    with pytest.raises(sqlite3.IntegrityError, match="permanent"):
        office.execute("UPDATE households SET gid = NULL WHERE id = ?", [hid])
    assert office.execute("SELECT gid FROM households WHERE id = ?", [hid]).fetchone()[0] == gid


def test_a_row_brought_with_its_own_gid_keeps_it_and_a_copy_of_it_is_refused(office):
    org = office.execute("SELECT id FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    moved = "0f0e0d0c-0b0a-4908-8706-050403020100"
    office.execute("INSERT INTO households(number, org_id, gid) VALUES('H-T-2', ?, ?)", [org, moved])
    assert office.execute("SELECT count(*) FROM households WHERE gid = ?", [moved]).fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        office.execute("INSERT INTO households(number, org_id, gid) VALUES('H-T-3', ?, ?)", [org, moved])


def test_a_roster_import_gives_its_rows_gids_of_the_same_kind(office, tmp_path):
    """A bulk load gives its rows their gids itself (schema.new_gids), not through the trigger."""
    made = schema.new_gids(5000)
    assert all(UUID.match(g) for g in made) and len(set(made)) == 5000
    path = tmp_path / "roster.xlsx"
    consume(roster.write(office, path, scope=whole_office("测试员"), full_numbers=True, reason="迁移到新电脑"), quiet=True)
    fresh = open_db(tmp_path / "new.db")
    trail.set_actor(fresh, "测试员")
    result = consume(import_file(fresh, path, create_grids=True), quiet=True)
    assert result.persons_new > 50  # rows naming the first office's own registers are refused here
    for name in ("households", "persons", "person_tags", "household_tags"):
        found = assert_all_have_gids(fresh, name)
        assert found and not set(found) & set(gids(office, name)), name
    fresh.close()


def test_the_audit_trail_stays_append_only_with_its_gid(office):
    entry, gid = office.execute("SELECT id, gid FROM audit ORDER BY id LIMIT 1").fetchone()
    assert UUID.match(gid)
    for statement in ("UPDATE audit SET actor = 'x' WHERE id = ?", "UPDATE audit SET hash = 'x' WHERE id = ?",
                      "DELETE FROM audit WHERE id = ?"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            office.execute(statement, [entry])
    with pytest.raises(sqlite3.IntegrityError, match="permanent"):
        office.execute("UPDATE audit SET gid = lower(gid) || 'x' WHERE id = ?", [entry])


@pytest.mark.parametrize("frozen", sorted(FIXTURES.glob("schema-v*.db")), ids=lambda p: p.stem)
def test_the_migration_gives_an_older_files_rows_their_gids(frozen, tmp_path):
    path = tmp_path / "office.db"
    shutil.copy(frozen, path)
    old = sqlite3.connect(str(path))
    counts = {name: old.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
              for (name,) in old.execute("SELECT name FROM sqlite_master WHERE type = 'table'") if name in tables.NAMES}
    old.close()
    db = open_db(path)
    try:
        for name, count in counts.items():
            assert len(assert_all_have_gids(db, name)) == count
        assert counts["households"] > 0 and counts["persons"] > 0 and counts["audit"] > 0
    finally:
        db.close()
