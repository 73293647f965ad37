"""Opening checks: network paths, damaged files moved aside with the newest good backup offered,
and storage errors told in Chinese."""

import datetime as dt
import errno
import sqlcipher3.dbapi2 as sqlite3

import pytest

from gridoffice.store import backup, officefile, opening, storage

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
//server/share /mnt/office\\040share cifs rw,vers=3.0 0 0
server:/export /srv/nfs nfs4 rw 0 0
tmpfs /tmp tmpfs rw 0 0
"""


def test_network_locations_are_recognised():
    assert storage.network_location("\\\\server\\share\\office.db") == "UNC"
    assert storage.network_location("//server/share/office.db", platform="win32") == "UNC"
    assert storage.network_location("/mnt/office share/a/office.db", mounts=MOUNTS, platform="linux") == "cifs"
    assert storage.network_location("/srv/nfs/office.db", mounts=MOUNTS, platform="linux") == "nfs4"
    assert storage.network_location("/srv/nfsx/office.db", mounts=MOUNTS, platform="linux") is None
    assert storage.network_location("/home/clerk/office.db", mounts=MOUNTS, platform="linux") is None


def test_a_file_on_a_share_opens_without_wal_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(opening, "network_location", lambda path: "cifs")
    with opening.OpenOffice(tmp_path / "office.db") as office:
        assert not office.report.wal
        assert office.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert office.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert "网络共享（cifs）" in office.report.notices[0] and "DELETE" in office.report.notices[0]
    with pytest.raises(storage.StorageError) as err:
        opening.prepare(tmp_path / "office.db", allow_network=False)
    assert "网络共享" in err.value.message


def test_a_local_file_uses_wal_with_full_sync(tmp_path):
    with opening.OpenOffice(tmp_path / "office.db") as office:
        assert office.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert office.db.execute("PRAGMA synchronous").fetchone()[0] == 2


def _corrupt(path):
    with open(path, "r+b") as f:
        f.seek(4096 * 2)
        f.write(b"\xde\xad\xbe\xef" * 2048)


def test_a_damaged_file_is_moved_aside_and_the_newest_good_backup_offered(tmp_path):
    db_path = tmp_path / "office.db"
    with opening.OpenOffice(db_path) as office:
        office.db.execute("INSERT INTO settings(key, value) VALUES('x', '1')")
        office.db.conn.commit()
    older = backup.backup_now(db_path, now=dt.datetime(2026, 1, 1, 8)).backup.path
    newer = backup.backup_now(db_path, now=dt.datetime(2026, 1, 2, 8)).backup.path
    _corrupt(newer)
    _corrupt(db_path)
    with pytest.raises(opening.DamagedFile) as err:
        opening.prepare(db_path, check="always")
    damaged = err.value
    assert not db_path.exists()
    assert damaged.moved_to.exists() and "damaged" in damaged.moved_to.name
    assert damaged.backup == older  # the newer backup is damaged too, so it is skipped
    assert "检查发现损坏" in damaged.message and older.name in damaged.message
    assert not (tmp_path / "office.db.lock").exists()
    backup.restore(db_path, damaged.backup)
    with opening.OpenOffice(db_path, check="always") as office:
        assert office.db.execute("SELECT value FROM settings WHERE key='x'").fetchone()[0] == "1"


def test_a_text_file_is_refused_untouched_but_an_office_with_backups_is_treated_as_damaged(tmp_path):
    db_path = tmp_path / "office.db"
    text = b"this is a spreadsheet, not a database" * 200
    db_path.write_bytes(text)
    with pytest.raises(officefile.NotOurFile) as err:
        opening.prepare(db_path, check="always")
    assert err.value.message.startswith("“office.db”是一个文本文件，不是网格通的数据文件。程序没有打开它，也没有改动它。")
    assert db_path.read_bytes() == text and sorted(p.name for p in tmp_path.iterdir()) == ["office.db"]
    with opening.OpenOffice(tmp_path / "kept.db"):
        pass
    backup.backup_now(tmp_path / "kept.db", tmp_path / "office-备份", now=dt.datetime(2026, 1, 1, 8))
    for p in (tmp_path / "office-备份").iterdir():
        p.rename(p.with_name(p.name.replace("kept-", "office-")))
    with pytest.raises(opening.DamagedFile) as damaged:
        opening.prepare(db_path, check="auto")
    assert damaged.value.backup is not None and "最近一份完好的备份" in damaged.value.message


def test_a_leftover_journal_counts_as_unclean(tmp_path):
    db_path = tmp_path / "office.db"
    with opening.OpenOffice(db_path):
        pass
    (tmp_path / "office.db-journal").write_bytes(b"")
    assert not storage.had_hot_journal(db_path)
    (tmp_path / "office.db-wal").write_bytes(b"\0" * 32)
    assert storage.had_hot_journal(db_path)


@pytest.mark.parametrize("exc, kind, words", [
    (sqlite3.OperationalError("database or disk is full"), "full", "磁盘空间已满"),
    (sqlite3.OperationalError("disk I/O error"), "io", "磁盘出错"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "readonly", "只读"),
    (sqlite3.OperationalError("database is locked"), "busy", "占用"),
    (sqlite3.DatabaseError("database disk image is malformed"), "corrupt", "已损坏"),
    (OSError(errno.ENOSPC, "No space left on device"), "full", "磁盘空间已满"),
    (OSError(errno.EROFS, "Read-only file system"), "readonly", "只读"),
])
def test_storage_errors_are_classified_with_chinese_messages(exc, kind, words):
    classified = storage.classify(exc)
    assert classified.kind == kind and words in classified.message


def test_errors_that_are_not_about_storage_pass_through():
    assert storage.classify(ValueError("x")) is None
    assert storage.classify(sqlite3.IntegrityError("UNIQUE constraint failed: users.name")) is None
