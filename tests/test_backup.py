"""Backups: checked before rotation, thinned on schedule, restored with the current file kept aside."""

import datetime as dt

import pytest

import commands
from gridoffice import audit, backup, lock, safety
from gridoffice.errors import GridOfficeError


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    with safety.OpenOffice(path) as o:
        o.db.execute("INSERT INTO settings(key, value) VALUES('version', '1')")
        o.db.conn.commit()
    return path


def _value(path):
    with safety.OpenOffice(path) as o:
        return o.db.execute("SELECT value FROM settings WHERE key='version'").fetchone()[0]


def _set(path, value):
    with safety.OpenOffice(path) as o:
        o.db.execute("UPDATE settings SET value = ? WHERE key='version'", [value])
        o.db.conn.commit()


def test_thinning_keeps_hourly_daily_weekly_monthly():
    start = dt.datetime(2025, 1, 1)
    times = [start + dt.timedelta(hours=h) for h in range(24 * 400)]
    keep = backup.thin(times, backup.Schedule(hourly=24, daily=14, weekly=8, monthly=12))
    newest = times[-1]
    assert newest in keep
    assert all(newest - dt.timedelta(hours=h) in keep for h in range(24))
    assert len({t.date() for t in keep}) >= 14
    assert len({(t.year, t.month) for t in keep}) == 12
    assert len(keep) <= 24 + 14 + 8 + 12
    assert min(keep) > newest - dt.timedelta(days=366)


def test_backup_is_a_consistent_checked_copy_and_rotation_thins_old_ones(office, tmp_path):
    # A live writer holds the file while backups are taken.
    with safety.OpenOffice(office) as live:
        live.db.execute("UPDATE settings SET value = '2' WHERE key='version'")
        live.db.conn.commit()
        base = dt.datetime(2026, 3, 1, 9)
        schedule = backup.Schedule(hourly=3, daily=2, weekly=1, monthly=1)
        results = [backup.backup_now(office, schedule=schedule, now=base + dt.timedelta(hours=h)) for h in range(30)]
    kept = backup.list_backups(office)
    assert [b.taken_at for b in kept][:3] == [base + dt.timedelta(hours=h) for h in (29, 28, 27)]
    assert len(kept) == len(backup.thin([base + dt.timedelta(hours=h) for h in range(30)], schedule))
    assert sum(len(r.removed) for r in results) == 30 - len(kept)
    assert kept[0].path.parent == tmp_path / "office-备份"
    assert safety.integrity_problems(kept[0].path) == []
    assert _value(kept[0].path) == "2"


def test_a_backup_failing_its_check_is_discarded_and_nothing_rotated(office, monkeypatch):
    schedule = backup.Schedule(hourly=1, daily=0, weekly=0, monthly=0)
    first = backup.backup_now(office, schedule=schedule, now=dt.datetime(2026, 3, 1, 9)).backup
    monkeypatch.setattr(backup, "integrity_problems", lambda path: ["page 7 is never used"])
    with pytest.raises(GridOfficeError) as err:
        backup.backup_now(office, schedule=schedule, now=dt.datetime(2026, 3, 1, 10))
    assert "没有通过完整性检查" in err.value.message
    assert [b.path for b in backup.list_backups(office)] == [first.path]
    assert not any(p.name.endswith(".tmp") for p in first.path.parent.iterdir())


def test_backup_to_another_folder_and_due(office, tmp_path):
    dest = tmp_path / "usb"
    assert backup.due(office, dest)
    taken = backup.backup_now(office, dest, now=dt.datetime(2026, 3, 1, 9)).backup
    assert taken.path.parent == dest
    assert not backup.due(office, dest, now=dt.datetime(2026, 3, 1, 9, 30))
    assert backup.due(office, dest, now=dt.datetime(2026, 3, 1, 10, 0))
    automatic = backup.backup_if_due(office, dest)
    assert automatic is not None and backup.backup_if_due(office, dest) is None
    assert len(backup.list_backups(office, dest)) == 2


def test_restore_keeps_the_current_file_aside_and_logs_it(office):
    taken = backup.backup_now(office).backup
    _set(office, "3")
    result = backup.restore(office, taken.path, actor="管理员")
    assert _value(office) == "1"
    assert _value(result.kept_aside) == "3"
    with safety.OpenOffice(office) as o:
        last = o.db.execute("SELECT actor, action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        assert last[:2] == ("管理员", "restore") and taken.name in last[2]
        assert all(p is None for _, _, p in audit.verify(o.db))


def test_restore_is_refused_while_another_program_holds_the_file(office):
    taken = backup.backup_now(office).backup
    holder = lock.acquire(office)
    try:
        with pytest.raises(lock.LockHeld):
            backup.restore(office, taken.path)
    finally:
        holder.release()
    assert _value(office) == "1"


def test_restore_refuses_a_damaged_backup(office, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\0" * 8192)
    with pytest.raises(GridOfficeError) as err:
        backup.restore(office, bad)
    assert "不能用来恢复" in err.value.message
    assert _value(office) == "1"


def test_backup_and_restore_commands(office, tmp_path, capsys):
    def cli(*args):
        code = commands.run(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = cli("backup", "--db", str(office), "--to", str(tmp_path / "b"))
    assert code == 0 and "完整性检查通过" in out
    _set(office, "9")
    _, listed, _ = cli("backup", "--db", str(office), "--to", str(tmp_path / "b"), "--list")
    path = listed.split()[-1]
    code, out, _ = cli("restore", "--db", str(office), path)
    assert code == 0 and "恢复前的文件原样保存在" in out
    assert _value(office) == "1"
    holder = lock.acquire(office)
    try:
        code, _, err = cli("restore", "--db", str(office), path)
    finally:
        holder.release()
    assert code == 1 and "不能再打开" in err
    code, _, err = cli("restore", "--db", str(office), "latest", "--from-dir", str(tmp_path / "nowhere"))
    assert code == 1 and "没有找到完好的备份" in err
