"""Attacks on the next package's runs (consolidation/received.py): a table cut at a run's edge, a
record moved to another run, and two processes applying packages of one office at once. Each must
leave the store exact or unchanged."""

from __future__ import annotations

import datetime as dt
import threading
import time

import psycopg

from gridoffice.consolidation import received, store

from tests import _street
from tests.test_consolidate import AT, apply
# The store, and an office whose persons and tags fill several runs, as the runs' own tests have them.
from tests.test_consolidate_runs import first_applied, next_package, office, sent_runs, street  # noqa: F401


def _rows(office, table: str) -> int:
    db = _street.open_db(office.path)
    try:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_records_cut_at_a_run_edge_are_refused_although_every_run_sent_is_the_same(
        tmp_path, street, office, pg_dsn, monkeypatch):
    """The persons' tags after the first two runs deleted (runs of 16 lines here): the runs that remain
    equal the package before's, so no line of that table is staged; only the count after writing can
    tell the others gone."""
    monkeypatch.setattr(received, "RUN", 16)
    kept = 2 * received.RUN
    held = _rows(office, "person_tags")
    assert held > kept
    first, second = next_package(tmp_path, office, "DELETE FROM person_tags WHERE id > "
                                 f"(SELECT id FROM person_tags ORDER BY id LIMIT 1 OFFSET {kept - 1})")
    with first_applied(pg_dsn, street, office, first) as conn:
        before = _street.dump(conn)
        sent = sent_runs(monkeypatch)
        [outcome] = apply(conn, street, second)
        assert outcome.outcome == "refused", outcome
        assert "录入过的记录不应被删除" in outcome.message and f"人员标签{held - kept}条" in outcome.message
        assert "person_tags" not in {t for t, _ in sent}
        assert _street.dump(conn) == before


def test_a_record_moved_to_another_run_changes_nothing_in_the_store(tmp_path, street, office, pg_dsn, monkeypatch):
    """A person's tag given the office's last rowid (as a rebuilt table would): it leaves its run for the
    last one, every run from its old place on differs, and the store holds the same records after."""
    first, second = next_package(tmp_path, office, "UPDATE person_tags SET id = (SELECT max(id) + 1 FROM person_tags) "
                                 "WHERE id = (SELECT min(id) FROM person_tags)")
    with first_applied(pg_dsn, street, office, first) as conn:
        sent = sent_runs(monkeypatch)
        [outcome] = apply(conn, street, second)
        assert outcome.outcome == "applied", outcome.message
        assert "person_tags" in {t for t, _ in sent}
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, second, street)


def _apply_in_thread(pg_dsn, street, path, results: list) -> threading.Thread:
    def run():
        with store.connect(pg_dsn) as conn:
            results.extend(apply(conn, street, path))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _together(pg_dsn, street, *paths) -> list:
    """Applies each path from its own connection at once: the ledger, every package's last write, is
    held until all have started, so the first waits there holding its office while the others queue."""
    results: list = []
    with psycopg.connect(pg_dsn, autocommit=False) as gate:
        gate.execute("LOCK TABLE ledger IN EXCLUSIVE MODE")
        threads = [_apply_in_thread(pg_dsn, street, path, results) for path in paths]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # every applier is waiting on a lock
            waiting = gate.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                   "AND datname = current_database()").fetchone()[0]
            if waiting >= len(paths):
                break
            threading.Event().wait(0.05)
        gate.rollback()
    for thread in threads:
        thread.join(120)
    return results


def test_the_same_next_package_applied_by_two_processes_at_once_is_applied_once(tmp_path, street, office, pg_dsn):
    first, second = next_package(tmp_path, office, "UPDATE households SET notes = '同时' WHERE id = 1")
    with first_applied(pg_dsn, street, office, first) as conn:
        results = _together(pg_dsn, street, second, second)
        assert sorted(o.outcome for o in results) == ["already", "applied"], results
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, second, street)
        alone = received.held(conn, office.card.uuid)
        assert alone["households"].count == _rows(office, "households")


def test_two_forks_applied_at_once_leave_one_of_them_exactly(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    backup = _street.copy_office(office.path, tmp_path / "backup.db")
    _street.change(office.path, "UPDATE households SET notes = '原文件' WHERE id = 1")
    _street.change(backup, "DELETE FROM person_tags WHERE id = (SELECT min(id) FROM person_tags)")
    _street.change(backup, "UPDATE households SET notes = '恢复后' WHERE id = 2")
    mine = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    forked = _street.write_package(backup, tmp_path / "2-forked.pkg", at=AT + dt.timedelta(days=30))
    with first_applied(pg_dsn, street, office, first) as conn:
        results = {o.file_name: o for o in _together(pg_dsn, street, mine, forked)}
        assert sorted(o.outcome for o in results.values()) == ["applied", "refused"], results
        winner = mine if results[mine.name].outcome == "applied" else forked
        source = office.path if winner is mine else backup
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(source, winner, street)
