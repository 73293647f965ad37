"""Backups: checked before rotation, thinned on schedule, restored with the current file kept aside."""

import datetime as dt
import hashlib
import json
import re

import pytest

import commands
from commands import _files
from gridoffice.audit import trail, anchors
from gridoffice.store import backup, lock, officefile, opening, storage
from gridoffice.errors import GridOfficeError


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    with opening.OpenOffice(path) as o:
        o.db.execute("INSERT INTO settings(key, value) VALUES('version', '1')")
        o.db.conn.commit()
    return path


def _value(path):
    with opening.OpenOffice(path) as o:
        return o.db.execute("SELECT value FROM settings WHERE key='version'").fetchone()[0]


def _set(path, value):
    with opening.OpenOffice(path) as o:
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
    with opening.OpenOffice(office) as live:
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
    assert storage.integrity_problems(kept[0].path) == []
    assert _value(kept[0].path) == "2"


def test_a_backup_failing_its_check_is_discarded_and_nothing_rotated(office, monkeypatch):
    schedule = backup.Schedule(hourly=1, daily=0, weekly=0, monthly=0)
    first = backup.backup_now(office, schedule=schedule, now=dt.datetime(2026, 3, 1, 9)).backup
    monkeypatch.setattr(backup, "integrity_problems", lambda path, **_: ["page 7 is never used"])
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
    with opening.OpenOffice(office) as o:
        last = o.db.execute("SELECT actor, action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        assert last[:2] == ("管理员", "restore") and taken.name in last[2]
        assert all(p is None for _, _, p in trail.verify(o.db))


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


def test_backup_and_restore_commands(office, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_files, "LOCK_WAIT", 0.2)

    def cli(*args):
        code = commands.run(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, out, _ = cli("backup", "--db", str(office), "--to", str(tmp_path / "b"))
    assert code == 0 and "完整性检查通过" in out
    anchor = re.search(r"操作记录锚定码：(\S+)（已写入备份清单 office-\d{8}-\d{6}\.db\.manifest\.json）", out).group(1)
    _set(office, "9")
    _, listed, _ = cli("backup", "--db", str(office), "--to", str(tmp_path / "b"), "--list")
    path = listed.split()[4]
    assert listed.split()[5:] == ["锚定码", anchor]
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


def test_every_backup_has_a_manifest_with_its_office_schema_checksum_and_anchor(office, tmp_path, capsys):
    with opening.OpenOffice(office) as o:
        trail.set_actor(o.db, "测试员")
        with o.db.atomic():
            for n in range(3):
                trail.record(o.db, "update", "persons", n, new={"n": n})
        head = anchors.head(o.db)
    result = backup.backup_now(office, now=dt.datetime(2026, 3, 1, 9))
    path = result.backup.path
    written = json.loads(backup.manifest_path(path).read_text(encoding="utf-8"))
    assert written["format"] == "gridoffice-backup-manifest"
    manifest = backup.read_manifest(path)
    assert manifest == result.manifest
    assert manifest.office_uuid == officefile.read_identity(office).uuid != ""
    assert manifest.anchor == head.code and manifest.audit_entries == 3
    assert manifest.schema_version == officefile.schema_version() and manifest.taken_at == "2026-03-01 09:00:00"
    assert manifest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and manifest.size == path.stat().st_size
    # The manifest's anchor proves the trail later, and goes when thinning removes its backup.
    assert commands.run(["audit", "check", "--db", str(office), "--anchor", manifest.anchor]) == 0
    assert "核对通过：第 3 条记录仍在" in capsys.readouterr().out
    backup.backup_now(office, now=dt.datetime(2026, 3, 1, 9, 30), schedule=backup.Schedule(0, 0, 0, 0))
    assert not path.exists() and not backup.manifest_path(path).exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["office-20260301-093000.db",
                                                             "office-20260301-093000.db.keys",
                                                             "office-20260301-093000.db.manifest.json"]
