"""A full disk in the middle of a write: the clerk is told in Chinese, the program stays usable,
and the file holds exactly the last commit."""

import os
import subprocess
import sys

import pytest

from gridoffice.audit import trail
from gridoffice.store import backup, opening, storage

ROWS = 400


def _bulk(db, tag):
    hid = db.execute("INSERT INTO households(number) VALUES(?)", [f"H-{tag}"]).lastrowid
    db.conn.executemany("INSERT INTO persons(household_id, name, relation, notes) VALUES(?,?,?,?)",
                        [(hid, f"人{tag}-{i}", "other", "说明" * 30) for i in range(ROWS)])
    trail.record(db, "import", "households", hid, new={"rows": ROWS})
    return hid


def _state(db):
    return (db.execute("SELECT count(*) FROM households").fetchone()[0],
            db.execute("SELECT count(*) FROM persons").fetchone()[0],
            db.execute("SELECT count(*) FROM audit").fetchone()[0])


def _assert_sound(db, path, expected):
    assert _state(db) == expected
    assert all(p is None for _, _, p in trail.verify(db))
    assert storage.integrity_problems(path) == []


def test_page_limit_hit_at_many_points_of_a_transaction(tmp_path):
    path = tmp_path / "office.db"
    with opening.OpenOffice(path) as office:
        db = office.db
        trail.set_actor(db, "测试员")
        storage.write(db, _bulk, "first")
        committed = _state(db)
        base = db.execute("PRAGMA page_count").fetchone()[0]
        failures = 0
        for extra in range(0, 30, 2):  # a bulk import needs about 34 pages
            db.execute(f"PRAGMA max_page_count = {base + extra}")
            with pytest.raises(storage.StorageError) as err:
                storage.write(db, _bulk, f"x{extra}")
            failures += 1
            assert err.value.kind == "full"
            assert "磁盘空间已满" in err.value.message and "上一次保存" in err.value.message
            assert not db.conn.in_transaction
            _assert_sound(db, path, committed)
        assert failures == 15
        db.execute("PRAGMA max_page_count = 1073741823")
        storage.write(db, _bulk, "after")
        assert _state(db)[0] == committed[0] + 1


def _can_mount(point):
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path):
    point = tmp_path / "disk"
    point.mkdir()
    if not _can_mount(point):
        pytest.skip("mounting an 8 MB tmpfs is not permitted here")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=True)


def _fill(point, leave):
    """Fill the disk so that about `leave` bytes stay free."""
    free = os.statvfs(point).f_bavail * os.statvfs(point).f_frsize
    filler = point / "filler"
    with open(filler, "ab") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


@pytest.mark.parametrize("wal", [True, False])
def test_a_really_full_disk_at_many_points(tiny_disk, monkeypatch, wal):
    if not wal:
        monkeypatch.setattr(opening, "network_location", lambda path: "cifs")
    path = tiny_disk / "office.db"
    with opening.OpenOffice(path) as office:
        db = office.db
        trail.set_actor(db, "测试员")
        storage.write(db, _bulk, "first")
        committed = _state(db)
        kinds = set()
        for n, leave in enumerate((0, 4096, 12288, 32768, 65536, 98304, 131072)):
            filler = _fill(tiny_disk, leave)
            with pytest.raises(storage.StorageError) as err:
                for i in range(4):  # a few imports, so the failure comes wherever the space ends
                    storage.write(db, _bulk, f"{n}-{i}")
                    committed = _state(db)
            kinds.add(err.value.kind)
            assert err.value.kind in ("full", "io")
            assert "刚才的操作没有保存" in err.value.message
            assert not db.conn.in_transaction
            filler.unlink()
            # Space is back: the same connection goes on working, and holds exactly the last commit.
            _assert_sound(db, path, committed)
            storage.write(db, _bulk, f"ok{n}")
            committed = _state(db)
        assert "full" in kinds


def test_a_backup_onto_a_full_disk_fails_cleanly_and_keeps_the_old_ones(tiny_disk, tmp_path):
    path = tmp_path / "office.db"
    with opening.OpenOffice(path) as office:
        trail.set_actor(office.db, "测试员")
        storage.write(office.db, _bulk, "first")
    old = backup.backup_now(path, tiny_disk).backup
    with opening.OpenOffice(path) as office:
        for i in range(3):
            storage.write(office.db, _bulk, f"more{i}")
    _fill(tiny_disk, 8192)
    with pytest.raises(storage.StorageError) as err:
        backup.backup_now(path, tiny_disk)
    assert err.value.kind in ("full", "io") and "没有保存" in err.value.message
    assert [b.path for b in backup.list_backups(path, tiny_disk)] == [old.path]
    assert not [p for p in tiny_disk.iterdir() if ".tmp" in p.name]
    assert storage.integrity_problems(old.path) == []
