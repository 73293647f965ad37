"""A later package costs what changed: only the runs of lines that differ from the package before
leave the street's computer (consolidation/received.py), and the store stays exact and refuses what
diverges as it did when every line was compared."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import shutil

import pytest

from gridoffice.consolidation import consolidate, received, store
from gridoffice.consolidation.tables import AUDIT

from tests import _street
from tests.test_consolidate import AT, apply, enroll_all, refused_and_unchanged


@pytest.fixture
def street(tmp_path):
    return _street.make_street(tmp_path)


@pytest.fixture
def office(tmp_path, street):
    # Enough households that persons and households fill several runs.
    return _street.make_office(tmp_path, street, seed=23, households=40)


def sent_runs(monkeypatch) -> list[tuple[str, int]]:
    """(table, lines) of every run consolidate sends to the server."""
    sent: list[tuple[str, int]] = []
    cut = received.runs

    def watched(*args):
        for table, run, read in cut(*args):
            if run is not None:
                sent.append((table, len(run[0])))
            yield table, run, read

    monkeypatch.setattr(received, "runs", watched)
    return sent


def next_package(tmp_path, office, *edits: str):
    """The office's first package, then the edits made in the file, then its next package."""
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    for sql in edits:
        _street.change(office.path, sql)
    return first, _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))


def first_applied(pg_dsn, street, office, first):
    """A store with the office enrolled and its first package applied."""
    conn = store.connect(pg_dsn)
    enroll_all(conn, [office])
    assert apply(conn, street, first)[0].outcome == "applied"
    return conn


def _batches(lines: list[tuple[str, bytes]], size: int) -> list[tuple[str, list[bytes], list[bytes]]]:
    """The (table, lines, digests) batches Package.batches() yields, `size` lines of one table at most."""
    batches = []
    for table, group in itertools.groupby(lines, key=lambda pair: pair[0]):
        texts = [line for _, line in group]
        for start in range(0, len(texts), size):
            batch = texts[start:start + size]
            batches.append((table, batch, [hashlib.sha256(line).digest() for line in batch]))
    return batches


@pytest.mark.parametrize("size", [1, 50, 64, 4096])
def test_runs_equal_to_the_package_before_are_not_sent(size):
    """Runs are cut the same whatever the batches the package is read in."""
    lines = [("persons", b'{"gid":"%d"}' % n) for n in range(150)] + [(AUDIT, b'{"entry":1}')]
    found: dict[str, bytes] = {}
    everything = list(received.runs(_batches(lines, size), None, found))
    assert [(t, len(run[0]), len(run[1])) for t, run, _ in everything] == [
        ("persons", 64, 64), ("persons", 64, 64), ("persons", 22, 22), (AUDIT, 1, 1)]
    assert [run[0][0] for _, run, _ in everything] == [b'{"gid":"0"}', b'{"gid":"64"}', b'{"gid":"128"}', b'{"entry":1}']
    assert [read for _, _, read in everything] == [64, 128, 150, 151]
    assert len(found["persons"]) == 3 * 32
    before = {"persons": received.Received(150, "h", found["persons"]),
              AUDIT: received.Received(1, "h", found[AUDIT])}
    # One line of the second run changed, and a line added at the end.
    changed = lines[:100] + [("persons", b'{"gid":"x"}')] + lines[101:150] + [("persons", b'{"gid":"new"}'), lines[150]]
    again: dict[str, bytes] = {}
    sent = [(t, run[0][0] if run else None) for t, run, _ in received.runs(_batches(changed, size), before, again)]
    assert sent == [("persons", None), ("persons", b'{"gid":"64"}'), ("persons", b'{"gid":"128"}'), (AUDIT, b'{"entry":1}')]
    assert received.touched(["persons", AUDIT], before, again) == {"persons"}
    assert received.touched(["persons", AUDIT], before, found) == set()
    assert received.touched(["persons", "needs"], before, found) == {"needs"}  # held nothing of it: checked whole
    assert received.touched(["persons"], None, found) == {"persons"}


def test_a_next_package_sends_only_the_runs_an_edit_touched(tmp_path, street, office, pg_dsn, monkeypatch):
    first, second = next_package(
        tmp_path, office, "UPDATE persons SET phone = '13900000000' WHERE id = (SELECT min(id) + 70 FROM persons)")
    with first_applied(pg_dsn, street, office, first) as conn:
        persons = conn.execute("SELECT count(*) FROM records WHERE tbl = 'persons'").fetchone()[0]
        assert persons > 70 >= received.RUN  # the edited person is in the second run: the first is not sent
        sent = sent_runs(monkeypatch)
        [outcome] = apply(conn, street, second)
        assert outcome.outcome == "applied", outcome.message
        # The edited person's run of persons, and the audit entries since the first package.
        assert [t for t, _ in sent] == ["persons", AUDIT]
        assert sent[0][1] == persons - received.RUN
        assert outcome.rows_changed == 1 + sent[1][1]
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, second, street)
        kept = received.held(conn, office.card.uuid)
        assert kept["persons"].count == persons
        assert kept["persons"].hash == consolidate.table_states(conn, office.card.uuid)["persons"].hash


def test_a_record_gone_while_another_came_is_refused_as_vanished(tmp_path, street, office, pg_dsn):
    """The same count of persons' tags, one of them another: the store would hold one more than the package."""
    first, second = next_package(
        tmp_path, office, "DELETE FROM person_tags WHERE id = (SELECT max(id) FROM person_tags)",
        "INSERT INTO person_tags(person_id, tag, since) SELECT min(id), 'elderly_alone', '2026-11-01' FROM persons")
    with first_applied(pg_dsn, street, office, first) as conn:
        message = refused_and_unchanged(conn, street, second, "录入过的记录不应被删除")
        assert "人员标签1条" in message


def test_a_store_that_kept_no_runs_compares_the_next_package_whole(tmp_path, street, office, pg_dsn, monkeypatch):
    """A store made before it kept runs (or that lost them) stages every line of the next package once,
    refusing a vanished record as before, then keeps that package's runs."""
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    other = _street.copy_office(office.path, tmp_path / "other.db")
    shutil.copyfile(office.card_path, other.with_suffix(".card"))  # the same office, restored elsewhere
    _street.change(office.path, "DELETE FROM person_tags WHERE id = (SELECT min(id) FROM person_tags)")
    lacking = _street.write_package(office.path, tmp_path / "2-lacking.pkg", at=AT + dt.timedelta(days=30))
    _street.change(other, "UPDATE households SET notes = '补报' WHERE id = 1")
    edited = _street.write_package(other, tmp_path / "2-edited.pkg", at=AT + dt.timedelta(days=30))
    with first_applied(pg_dsn, street, office, first) as conn:
        conn.execute("DELETE FROM received")
        refused_and_unchanged(conn, street, lacking, "人员标签1条")
        sent = sent_runs(monkeypatch)
        [outcome] = apply(conn, street, edited)
        assert outcome.outcome == "applied", outcome.message
        held = consolidate.table_states(conn, office.card.uuid)
        assert sum(n for t, n in sent if t != AUDIT) == sum(s.count for t, s in held.items() if t != AUDIT)
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(other, edited, street)
        assert {t: r.count for t, r in received.held(conn, office.card.uuid).items() if r.count} == {
            t: s.count for t, s in held.items() if t != AUDIT and s.count}
