"""Consolidation into PostgreSQL: the union is exact, applying again is harmless, and whatever
diverges (altered bytes, an unknown office, a gap, a fork, a vanished record) is refused with the
store unchanged and the reason in the ledger."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from commands._progress import consume
from gridoffice.consolidation import consolidate, store
from gridoffice.consolidation.tables import AUDIT

from tests import _street

AT = dt.datetime(2026, 11, 2, 9, 0)


def enroll_all(conn, offices) -> None:
    for office in offices:
        card = office.card
        store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                     public_key=card.signing_key, by="测试街道")


def apply(conn, street, *paths):
    return consume(consolidate.consolidate(conn, list(paths), [street.key], by="测试街道"), quiet=True)


@pytest.fixture
def street(tmp_path):
    return _street.make_street(tmp_path)


@pytest.fixture
def office(tmp_path, street):
    return _street.make_office(tmp_path, street, seed=11)


def test_twenty_offices_reach_street_and_district_exactly_and_applying_again_changes_nothing(
        tmp_path, street, pg_dsn_factory):
    offices = [_street.make_office(tmp_path, street, seed=seed, households=4) for seed in range(20)]
    firsts = [_street.write_package(o.path, tmp_path / f"{n}-1.pkg", at=AT) for n, o in enumerate(offices)]
    # Five offices work on and send a second package: an edit, a new tag, a new household's member.
    seconds = []
    for n, o in enumerate(offices[:5]):
        _street.change(o.path, "UPDATE persons SET phone = '13800000000' WHERE id = (SELECT min(id) FROM persons)")
        _street.change(o.path, "INSERT INTO person_tags(person_id, tag, since) SELECT max(id), 'elderly_alone', "
                               "'2026-11-01' FROM persons")
        seconds.append(_street.write_package(o.path, tmp_path / f"{n}-2.pkg", at=AT + dt.timedelta(days=30)))
    street_dsn, district_dsn = pg_dsn_factory(), pg_dsn_factory()
    with store.connect(street_dsn) as st, store.connect(district_dsn) as district:
        enroll_all(st, offices)
        enroll_all(district, offices)
        outcomes = apply(st, street, *seconds, *firsts)  # given out of order: each office's go in sequence
        assert [o.outcome for o in outcomes] == ["applied"] * 25
        # The street forwards the offices' original packages; the district checks them the same way.
        assert [o.outcome for o in apply(district, street, *firsts, *seconds)] == ["applied"] * 25
        for n, o in enumerate(offices):
            in_file = _street.file_rows(o.path, seconds[n] if n < 5 else firsts[n], street)
            assert sum(len(rows) for rows in in_file.values()) > 50
            assert _street.store_rows(st, o.card.uuid) == in_file
            assert _street.store_rows(district, o.card.uuid) == in_file
            for conn in (st, district):
                held = consolidate.table_states(conn, o.card.uuid)
                assert {t: s.count for t, s in held.items() if s.count} == {
                    t: len(rows) for t, rows in in_file.items() if rows}
        street_dump = _street.dump(st)
        # The same records and states; only the times of enrolling and applying differ.
        assert {t: rows for t, rows in street_dump.items() if t != "offices"} == {
            t: rows for t, rows in _street.dump(district).items() if t != "offices"}
        assert store.offices(st) == store.offices(district)
        assert [o.last_sequence for o in store.offices(st)].count(2) == 5

        everything = (firsts + seconds) * 2
        random.Random(5).shuffle(everything)
        again = apply(st, street, *everything)
        assert {o.outcome for o in again} == {"already"}
        assert all("已导入过" in o.message for o in again)
        assert _street.dump(st) == street_dump
        outcomes = [row[3] for row in _street.ledger(st)]
        assert outcomes.count("applied") == 25 and outcomes.count("already") == 50


def test_a_package_the_street_already_holds_changes_nothing_but_the_ledger(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        [applied] = apply(conn, street, first)
        assert applied.outcome == "applied" and applied.rows_changed > 0
        before = _street.dump(conn)
        [again] = apply(conn, street, first)
        assert again.outcome == "already" and again.rows_changed == 0
        assert _street.dump(conn) == before
        assert [r[3] for r in _street.ledger(conn)] == ["applied", "already"]


def refused_and_unchanged(conn, street, path, expected: str) -> str:
    before = _street.dump(conn)
    [outcome] = apply(conn, street, path)
    assert outcome.outcome == "refused", outcome
    assert expected in outcome.message
    assert _street.dump(conn) == before
    last = _street.ledger(conn)[-1]
    assert (last[0], last[3], last[4]) == (path.name, "refused", outcome.message)
    return outcome.message


def test_altered_bytes_are_refused(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / "altered.pkg"
    altered.write_bytes(bytes(data))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        refused_and_unchanged(conn, street, altered, "签名不符")
        assert apply(conn, street, first)[0].outcome == "applied"


def test_a_package_of_an_office_not_enrolled_is_refused(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    with store.connect(pg_dsn) as conn:
        message = refused_and_unchanged(conn, street, first, "尚未登记")
        assert "单位卡" in message
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 0


def test_a_skipped_sequence_is_refused_until_the_missing_package_arrives(tmp_path, street, office, pg_dsn):
    packages = []
    for n in range(1, 4):
        _street.change(office.path, "UPDATE households SET notes = ? WHERE id = 1", [f"第{n}次"])
        packages.append(_street.write_package(office.path, tmp_path / f"{n}.pkg", at=AT + dt.timedelta(days=n)))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert apply(conn, street, packages[0])[0].outcome == "applied"
        message = refused_and_unchanged(conn, street, packages[2], "缺少第2号")
        assert "第3号" in message
        assert [o.outcome for o in apply(conn, street, packages[1], packages[2])] == ["applied", "applied"]
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, packages[2], street)


def test_a_fork_after_a_restored_backup_is_refused(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    backup = _street.copy_office(office.path, tmp_path / "backup.db")
    _street.change(office.path, "UPDATE households SET notes = '原文件' WHERE id = 1")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    # The office restores the backup taken after its first package and carries on.
    _street.change(backup, "UPDATE households SET notes = '恢复后' WHERE id = 1")
    forked = _street.write_package(backup, tmp_path / "2-forked.pkg", at=AT + dt.timedelta(days=31))
    forked_full = _street.write_package(backup, tmp_path / "3-forked-full.pkg", at=AT + dt.timedelta(days=32),
                                        full=True)
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert [o.outcome for o in apply(conn, street, first, second)] == ["applied", "applied"]
        refused_and_unchanged(conn, street, forked, "第2号包已导入过且内容不同")
        refused_and_unchanged(conn, street, forked_full, "分叉")
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, second, street)


def test_a_fork_on_a_trail_that_was_rewritten_is_refused_by_the_audit_head(tmp_path, street, office, pg_dsn):
    """The same sequence and previous package, but the trail after the head was cut and written anew."""
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    backup = _street.copy_office(office.path, tmp_path / "backup.db")
    _street.change(office.path, "UPDATE households SET notes = '原文件' WHERE id = 1")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    _street.change(backup, "UPDATE households SET notes = '恢复后' WHERE id = 1")
    other_second = _street.write_package(backup, tmp_path / "2-other.pkg", at=AT + dt.timedelta(days=30), full=True)
    _street.change(backup, "UPDATE households SET notes = '又改' WHERE id = 1")
    third = _street.write_package(backup, tmp_path / "3-other.pkg", at=AT + dt.timedelta(days=60), full=True)
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert [o.outcome for o in apply(conn, street, first, second)] == ["applied", "applied"]
        refused_and_unchanged(conn, street, other_second, "内容不同")
        # The next number on the other branch names a previous package the street never received.
        refused_and_unchanged(conn, street, third, "分叉")


def test_a_record_that_vanished_from_the_office_is_refused(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    _street.change(office.path, "DELETE FROM person_tags WHERE id = (SELECT min(id) FROM person_tags)")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert apply(conn, street, first)[0].outcome == "applied"
        message = refused_and_unchanged(conn, street, second, "录入过的记录不应被删除")
        assert "人员标签1条" in message


def test_a_store_whose_trail_was_cut_refuses_rather_than_fill_the_gap(tmp_path, street, office, pg_dsn):
    """The check after applying compares the store itself with the manifest: a store that lost an
    entry of an office's trail does not take that office's next package as if nothing happened."""
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    _street.change(office.path, "UPDATE households SET notes = '再报' WHERE id = 1")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert apply(conn, street, first)[0].outcome == "applied"
        conn.execute("DELETE FROM audit_entries WHERE entry = 1")
        message = refused_and_unchanged(conn, street, second, "已撤销本次导入")
        assert "操作记录" in message


def test_the_ledger_names_the_office_and_why(tmp_path, street, office, pg_dsn):
    from gridoffice.consolidation import ledger

    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        apply(conn, street, first, first)
        entries = ledger.entries(conn)
        assert [(e.outcome, e.office_name, e.sequence, e.file_name) for e in entries] == [
            ("already", office.card.name, 1, "1.pkg"), ("applied", office.card.name, 1, "1.pkg")]
        assert entries[0].actor == "测试街道"
        # Made in November: on time through December, overdue once December has passed without one.
        assert ledger.overdue(conn, at=dt.datetime(2026, 12, 31, 12, tzinfo=dt.timezone.utc)) == []
        [late] = ledger.overdue(conn, at=dt.datetime(2027, 1, 2, 12, tzinfo=dt.timezone.utc))
        assert (late.name, late.last_sequence, late.months_missed) == (office.card.name, 1, 1)
        assert ledger.entries(conn, refused_only=True) == []


def test_the_first_package_a_store_gets_from_an_office_must_be_whole(tmp_path, street, office, pg_dsn):
    """An office that sent its first packages elsewhere (another street, before enrolling here) starts
    here with a package carrying its whole trail; its numbers then follow from that one."""
    _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    _street.change(office.path, "UPDATE households SET notes = '第二包' WHERE id = 1")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    whole = _street.write_package(office.path, tmp_path / "3-full.pkg", at=AT + dt.timedelta(days=31), full=True)
    _street.change(office.path, "UPDATE households SET notes = '第四包' WHERE id = 1")
    fourth = _street.write_package(office.path, tmp_path / "4.pkg", at=AT + dt.timedelta(days=60))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        refused_and_unchanged(conn, street, second, "还没有收到过该社区的包，而它不是完整上报包")
        assert [o.outcome for o in apply(conn, street, whole, fourth)] == ["applied", "applied"]
        assert store.office(conn, office.card.uuid).last_sequence == 4
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, fourth, street)


def test_a_value_the_store_cannot_hold_refuses_the_package_whole(tmp_path, street, office, pg_dsn):
    """A row that came into the office with a global id of its own that is not a UUID."""
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    _street.change(office.path, "INSERT INTO person_tags(person_id, tag, since, gid) "
                                "SELECT min(id), 'elderly_alone', '2026-11-01', 'not-a-uuid' FROM persons")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert apply(conn, street, first)[0].outcome == "applied"
        refused_and_unchanged(conn, street, second, "有汇总库无法保存的值")


def test_the_gid_is_read_from_the_line_as_the_key_itself():
    """The gid goes to COPY without the line being parsed: a value holding the same characters, a
    key ending in _gid, a backslash or a tab are no gid; a line without one gives NULL."""
    from gridoffice.consolidation import package

    gid = "0b7a4a4e-7a55-4d0c-9a3e-51c1d4f1e0aa"
    row = {"household_gid": "11111111-2222-4333-8444-555555555555", "note": 'x"gid":"y\\\t',
           "address": "幸福路\"gid\":\"1号", "gid": gid}
    def gid_of(row: dict) -> bytes:
        return consolidate._gid(consolidate._copy_text(package.canonical_row(row)))

    assert gid_of(row) == gid.encode()
    assert gid_of({"gid": None, "name": "张三"}) == b"\\N"
    assert gid_of({"gid": 'a\\b'}) == b"a\\\\\\\\b"
    # A crafted line whose gid never ends: NULL, not half an escape that would swallow COPY's tab.
    assert consolidate._gid(consolidate._copy_text(b'{"gid":"' + gid.encode() + b'\\')) == b"\\N"


def test_lines_escaped_a_run_at_a_time_are_escaped_as_one_by_one():
    lines = [b'{"a":"x\ty"}', b"\\", b"", b"\r\t\\\"", "幸福路\t1号".encode(), b'{"gid":"a\\"}']
    joined = consolidate._copy_text(b"\n".join(lines)).split(b"\n")
    assert joined == [consolidate._copy_text(line) for line in lines]
    assert all(b"\t" not in text and b"\r" not in text for text in joined)


def test_a_first_package_whose_gid_postgresql_reads_otherwise_is_refused_whole(tmp_path, street, office, pg_dsn,
                                                                               monkeypatch):
    """Signed by the office itself, each person's line names a second gid after its own: the program
    reads the first, PostgreSQL's JSON the last. The check after writing finds them and nothing stays."""
    from gridoffice.consolidation import package

    real = package._lines_sql

    def doubled(names, parts):
        sql = real(names, parts)
        if "birth_date" not in names:
            return sql
        return sql.replace("), (", ", 'gid', '00000000-0000-4000-8000-000000000000'), (", 1)

    monkeypatch.setattr(package, "_lines_sql", doubled)
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    monkeypatch.undo()
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        message = refused_and_unchanged(conn, street, first, "条数或校验值不符，已撤销本次导入")
        assert "人员" in message and conn.execute("SELECT count(*) FROM records").fetchone()[0] == 0


def test_python_switches_threads_faster_only_while_copying(tmp_path, street, office, pg_dsn, monkeypatch):
    """The queued writer gets its turn sooner while lines are copied; afterwards the interval is what it
    was, also when two copies overlap."""
    import sys

    seen = []
    real = consolidate._send

    def watched(*args, **kwargs):
        seen.append(sys.getswitchinterval())
        return real(*args, **kwargs)

    monkeypatch.setattr(consolidate, "_send", watched)
    before = sys.getswitchinterval()
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    with store.connect(pg_dsn) as conn:
        enroll_all(conn, [office])
        assert apply(conn, street, first)[0].outcome == "applied"
        assert seen and set(seen) == {consolidate._SWITCH_SECONDS}
        assert sys.getswitchinterval() == before
        with consolidate._prompt_writer(), consolidate._prompt_writer():
            assert sys.getswitchinterval() == consolidate._SWITCH_SECONDS
        assert sys.getswitchinterval() == before
