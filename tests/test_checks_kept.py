"""The completeness check's whole-office result kept in the office file (checks.found / checks.keep):
used again while the records, the migrations, the rules and the day's open links are as they were,
never after a change."""

import datetime as dt

import pytest

from tests._domain import TODAY, man
from tests.test_checks import clean  # noqa: F401 (the tidy office fixture)
from commands._progress import consume
from gridoffice.archive import completeness, households
from gridoffice.audit import trail, journal
from gridoffice.org import staff
from gridoffice.activity import logs, visits
from gridoffice.reports import dashboard as D
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def kept_found(db, today=TODAY) -> completeness.Kept:
    """The check's answer as 首页 gets it, kept as the page keeps it."""
    found = completeness.found(db, today)
    completeness.keep(db, found)
    return found


def as_check_finds(db, today=TODAY) -> list[tuple]:
    return [(p.kind, p.table, p.row_id) for p in consume(completeness.completeness(db, today, scope=ADMIN), quiet=True)]


def counts(db, today=TODAY) -> dict[str, int]:
    return {c.code: c.count for c in D.problem_counts(db, today, scope=ADMIN)}


def test_a_kept_result_is_used_while_nothing_changed(db, clean):
    t, *_ = clean
    households.create_household(db, org_id=t.area, head=man("赵六", serial=41), number="A-1")
    first = kept_found(db)
    assert first.fresh and [tuple(f) for f in first.found] == as_check_finds(db)
    again = completeness.found(db, TODAY)
    assert not again.fresh and again.found == first.found
    assert counts(db)["outside_grid"] == 1


def test_a_change_of_a_record_is_counted_at_once(db, clean):
    t, _cadre, member, ids = clean
    kept_found(db)
    assert counts(db)["outside_grid"] == 0
    hid = households.create_household(db, org_id=t.area, head=man("赵六", serial=41), number="A-1")
    found = completeness.found(db, TODAY)
    assert found.fresh and ("outside_grid", "households", hid) in [tuple(f) for f in found.found]
    assert counts(db)["outside_grid"] == 1
    # An ended contact: the party member now has four households, fewer than five.
    kept_found(db)
    staff.unlink_contact(db, member, ids[4], until=TODAY)
    assert counts(db)["party_member_contacts"] == 1 == len(
        [f for f in as_check_finds(db) if f[0] == "party_member_contacts"])


def test_a_look_or_a_days_work_outside_the_archive_does_not_make_it_old(db, clean):
    """A log-in, an export or a print writes an entry but changes no record, and a visit or a log entry
    changes none the rules read: the next 首页 uses the result."""
    _t, _cadre, member, ids = clean
    first = kept_found(db)
    with db.atomic():
        trail.record(db, "login", "users", 1)
    journal.record_export(db, "briefing", "/tmp/b.pdf", 2)
    journal.record_print(db, "cards", 3, table="persons", row_id=1)
    visits.record_visit(db, staff_id=member, household_ids=[ids[0]], visited_on=TODAY, today=TODAY)
    logs.add_entry(db, member, TODAY, "走访王一家", household_ids=[ids[0]], today=TODAY)
    assert not completeness.found(db, TODAY).fresh
    # Any other action does, even one no rule reads: the kept result never guesses.
    staff.add_staff(db, "新党员", "party_member")
    again = completeness.found(db, TODAY)
    assert again.fresh and again.key != first.key


def test_it_holds_until_the_next_day_a_link_begins_or_ends(db, clean):
    t, cadre, member, ids = clean
    later = TODAY + dt.timedelta(days=10)
    staff.unlink_contact(db, member, ids[4], until=later)  # planned: four households from `later` on
    first = kept_found(db)
    assert first.until == later.isoformat()
    before = completeness.found(db, later - dt.timedelta(days=1))
    assert not before.fresh and before.found == first.found
    on_the_day = completeness.found(db, later)
    assert on_the_day.fresh and [tuple(f) for f in on_the_day.found] == as_check_finds(db, later)
    assert [f.kind for f in on_the_day.found] == ["party_member_contacts", "class3_contact"]
    # A day before the one it was found on is not assumed either.
    assert completeness.found(db, TODAY - dt.timedelta(days=1)).fresh


def test_other_rules_or_a_migration_make_it_old(db, clean, monkeypatch):
    kept_found(db)
    monkeypatch.setattr(completeness, "_rules_fingerprint", lambda: "another-program")
    assert completeness.found(db, TODAY).fresh
    monkeypatch.undo()
    assert not completeness.found(db, TODAY).fresh
    db.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) VALUES('gridoffice', 'm999_test', '2026-11-22')")
    assert completeness.found(db, TODAY).fresh


def test_keep_skips_a_result_the_file_has_outgrown(db, clean):
    t, *_ = clean
    found = completeness.found(db, TODAY)
    households.create_household(db, org_id=t.area, head=man("赵六", serial=41), number="A-1")
    completeness.keep(db, found)  # found before the new household: not kept
    assert db.execute("SELECT 1 FROM settings WHERE key = ?", [completeness.KEPT_SETTING]).fetchone() is None
    assert counts(db)["outside_grid"] == 1


def test_the_kept_result_serves_every_scope(db, clean):
    """The rules run over the whole office; a unit's counts are its rows among what they found."""
    t, *_ = clean
    households.create_household(db, org_id=t.area, head=man("赵六", serial=41), number="A-1")
    kept_found(db)
    grid = {c.code: c.count for c in D.problem_counts(db, TODAY, scope=ADMIN, unit_id=t.grid)}
    area = {c.code: c.count for c in D.problem_counts(db, TODAY, scope=ADMIN, unit_id=t.area)}
    assert grid["outside_grid"] == 0 and area["outside_grid"] == 1


@pytest.mark.parametrize("rule", ["_outside_grid", "_class3"])
def test_the_fingerprint_follows_the_rules_code(rule):
    """A rule's SQL or code is part of the fingerprint (what another program version would differ in)."""
    code = getattr(completeness, rule).__code__
    changed = code.replace(co_consts=tuple(c + " " if isinstance(c, str) else c for c in code.co_consts))
    assert completeness._code_bytes(code) != completeness._code_bytes(changed)
    assert completeness._code_bytes(code) == completeness._code_bytes(getattr(completeness, rule).__code__)
