"""Opening only what is ours: folders, text files, other programs' databases and newer files are refused
untouched; a restore takes only a backup of this office, and the office keeps its identity."""

import hashlib
import shutil
import sqlcipher3.dbapi2 as sqlite3
from pathlib import Path

import pytest

import commands
from gridoffice.access import keys
from gridoffice.org import regions
from gridoffice.store import backup, officefile, opening
from gridoffice.store.db import connect, open_db, raw_connect
from gridoffice.errors import GridOfficeError
from tests.conftest import give_accounts

FIXTURES = Path(__file__).parent / "fixtures"


def _foreign(path: Path, *, wal: bool = False) -> Path:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("CREATE TABLE moz_bookmarks(id INTEGER PRIMARY KEY, fk INTEGER)")
    conn.execute("INSERT INTO moz_places(url) VALUES('https://example.org/')")
    conn.commit()
    conn.close()
    return path


def _state(folder: Path) -> dict[str, str]:
    """Every file in the folder with the SHA-256 of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _office(path: Path, name: str) -> Path:
    db = open_db(path)
    regions.set_office(db, name, None)
    db.close()
    return path


def _newer(path: Path) -> Path:
    _office(path, "新版社区").exists()
    conn = raw_connect(path)
    conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                 "VALUES('gridoffice', 'm099_from_the_future', '2027-01-01')")
    conn.commit()
    conn.close()
    return path


def test_classify_names_what_a_path_holds(tmp_path):
    text = tmp_path / "名单.txt"
    text.write_text("张三 13800000000\n", encoding="utf-8")
    workbook = tmp_path / "roster.xlsx"
    workbook.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    found = {p.name: officefile.classify(p) for p in (tmp_path, text, workbook, empty)}
    assert found[tmp_path.name].kind == "folder" and "是一个文件夹" in found[tmp_path.name].message
    assert found["名单.txt"].kind == "not_sqlite" and "是一个文本文件，不是网格通的数据文件" in found["名单.txt"].message
    assert found["roster.xlsx"].what == "一个Excel表格或压缩文件"
    assert found["empty.db"].kind == "new" and found["empty.db"].openable
    assert officefile.classify(tmp_path / "none.db").kind == "missing"
    foreign = officefile.classify(_foreign(tmp_path / "places.sqlite"))
    assert foreign.kind == "foreign" and "另一个程序的SQLite数据库（其中的表：moz_bookmarks、moz_places）" in foreign.message
    ours = officefile.classify(_office(tmp_path / "office.db", "东风社区"))
    assert (ours.kind, ours.version, ours.message) == ("ours", officefile.schema_version(), "")
    newer = officefile.classify(_newer(tmp_path / "newer.db"))
    assert newer.kind == "newer" and not newer.openable
    assert f"数据格式第 {officefile.schema_version() + 1} 版，本程序只认识到第 {officefile.schema_version()} 版" in newer.message


@pytest.mark.parametrize("wal", [False, True], ids=["rollback", "wal"])
def test_another_programs_database_is_refused_without_a_single_write(tmp_path, capsys, wal):
    """The issue's attack: `--db` at another program's SQLite file added GridOffice's tables to it."""
    path = _foreign(tmp_path / "places.sqlite", wal=wal)
    before = _state(tmp_path)
    with pytest.raises(officefile.NotOurFile, match="另一个程序的SQLite数据库"):
        open_db(path)
    with pytest.raises(officefile.NotOurFile):
        opening.OpenOffice(path)
    out = str(tmp_path / "summary.xlsx")
    for argv in (["export", "summary", "--db", str(path), "--month", "2026-10", "-o", out],
                 ["generate", "--db", str(path), "--households", "10", "-q"],
                 ["import", "--db", str(path), str(tmp_path / "roster.xlsx")],
                 ["users", "list", "--db", str(path)],
                 ["search", "--db", str(path), "张"],
                 ["audit", "check", "--db", str(path)]):
        assert commands.run(argv) in (1, 2), argv
        assert "另一个程序的SQLite数据库（其中的表：moz_bookmarks、moz_places）" in capsys.readouterr().err, argv
    assert _state(tmp_path) == before


def test_a_newer_file_is_refused_naming_its_version(tmp_path, capsys):
    path = _newer(tmp_path / "newer.db")
    before = _state(tmp_path)
    words = f"更新版本的网格通的数据文件（数据格式第 {officefile.schema_version() + 1} 版"
    with pytest.raises(officefile.NotOurFile, match=r"请安装新版本的网格通") as err:
        connect(path)
    assert words in err.value.message
    with pytest.raises(officefile.NotOurFile):
        opening.prepare(path)
    assert commands.run(["export", "notice", "--db", str(path), "--month", "2026-10",
                         "-o", str(tmp_path / "n.xlsx")]) == 2
    assert words in capsys.readouterr().err
    assert _state(tmp_path) == before


def test_a_folder_or_a_text_file_as_db_gets_a_plain_message(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("居民名单", encoding="utf-8")
    for path, words in ((tmp_path, "是一个文件夹，不是数据文件"), (text, "是一个文本文件，不是网格通的数据文件")):
        for argv in (["export", "roster", "--db", str(path), "-o", str(tmp_path / "r.xlsx")],
                     ["users", "list", "--db", str(path)], ["check", "--db", str(path)]):
            assert commands.run(argv) in (1, 2)
            err = capsys.readouterr().err
            assert words in err and "Traceback" not in err, argv
        with pytest.raises(officefile.NotOurFile, match=words):
            opening.prepare(path)
    assert text.read_text(encoding="utf-8") == "居民名单"


def test_restore_refuses_another_programs_file_and_says_what_it_is(tmp_path, capsys):
    """The issue's attack: `restore --db office.db some-other-program.sqlite` emptied the office."""
    office = _office(tmp_path / "office.db", "东风社区")
    stranger = _foreign(tmp_path / "places.sqlite")
    give_accounts(office)  # the administrator who logs in to restore
    before = _state(tmp_path)
    assert commands.run(["restore", "--db", str(office), str(stranger)]) == 1
    err = capsys.readouterr().err
    assert "“places.sqlite”是另一个程序的SQLite数据库（其中的表：moz_bookmarks、moz_places），不是本单位的备份" in err
    text = tmp_path / "readme.txt"
    text.write_text("备份说明", encoding="utf-8")
    with pytest.raises(officefile.NotOurFile, match="是一个文本文件，不是本单位的备份"):
        backup.restore(office, text)
    with pytest.raises(officefile.NotOurFile, match="是一个文件夹"):
        backup.restore(office, tmp_path)
    with pytest.raises(officefile.NotOurFile, match="更新版本的网格通"):
        backup.restore(office, _newer(tmp_path / "newer.db"))
    assert {k: v for k, v in _state(tmp_path).items() if k in before} == before


def test_restore_refuses_another_offices_backup(tmp_path):
    office = _office(tmp_path / "office.db", "东风社区")
    other = _office(tmp_path / "other.db", "红旗村")
    mine = officefile.read_identity(office)
    before = _state(tmp_path)
    with pytest.raises(officefile.NotOurFile) as err:
        backup.restore(office, other)
    assert err.value.message.startswith("“other.db”是另一单位“红旗村”的数据文件，不是本单位“东风社区”的备份，不能用来恢复")
    assert _state(tmp_path) == before
    good = backup.backup_now(office, now=__import__("datetime").datetime(2026, 1, 1, 8)).backup.path
    backup.restore(office, good)
    assert officefile.read_identity(office) == mine


def test_an_old_backup_of_this_office_keeps_the_offices_identity(tmp_path):
    office = tmp_path / "office.db"
    shutil.copy(FIXTURES / "schema-v1.db", office)
    open_db(office).close()
    mine = officefile.read_identity(office)
    assert mine.name == "兴墩社区" and len(mine.uuid) == 36
    old = tmp_path / "old-backup.db"
    shutil.copy(FIXTURES / "schema-v1.db", old)
    assert officefile.read_identity(old).uuid == ""
    backup.restore(office, old)
    assert officefile.read_identity(office) == mine
    stranger = tmp_path / "stranger-v1.db"
    shutil.copy(FIXTURES / "schema-v1.db", stranger)
    conn = sqlite3.connect(stranger)
    conn.execute("UPDATE settings SET value = '红旗村' WHERE key = 'office_name'")
    conn.commit()
    conn.close()
    with pytest.raises(GridOfficeError, match="是旧版本的数据文件，记的单位是“红旗村”（区划代码 330381018001），与本单位“兴墩社区”"):
        backup.restore(office, stranger)


def test_the_identity_is_permanent_and_carries_the_division_code(db):
    uuid = officefile.identity_of(db.conn).uuid
    with pytest.raises(sqlite3.DatabaseError, match="permanent"):
        db.execute("UPDATE settings SET value = 'x' WHERE key = 'office_uuid'")
    with pytest.raises(sqlite3.DatabaseError, match="permanent"):
        db.execute("DELETE FROM settings WHERE key = 'office_uuid'")
    unit = regions.create_unit(db, None, "community", "东风社区", code="330102001001")
    regions.set_office(db, "东风社区", unit)
    assert officefile.identity_of(db.conn) == officefile.Identity(uuid, "东风社区", "330102001001")
    assert officefile.identity_of(db.conn).describe() == "“东风社区”（区划代码 330102001001）"
    assert officefile.division_code("330102") == "330102000000" and officefile.division_code("A1") == ""


def test_no_export_overwrites_the_office_a_backup_or_another_programs_database(activity_office, tmp_path, capsys):
    """`export roster --db office.db -o office.db` replaced the office with a spreadsheet (810 persons
    gone), and any command's -o could do the same to a backup or another program's database."""
    office = Path(activity_office.execute("PRAGMA database_list").fetchone()[2])
    activity_office.close()
    folder = office.parent
    other = _foreign(folder / "places.sqlite")
    shutil.copyfile(office, folder / "office-backup.db")
    keys.copy(office, folder / "office-backup.db")  # a backup carries the key file, as backup.py makes it
    number = raw_connect(office).execute("SELECT number FROM matters LIMIT 1").fetchone()[0]
    grid = raw_connect(office).execute("SELECT name FROM org_units WHERE level = 'grid' LIMIT 1").fetchone()[0]
    roster = folder / "roster.xlsx"
    assert commands.run(["export", "roster", "--db", str(office), "--full-numbers", "--reason", "测试再导入",
                         "-o", str(roster), "-q"]) == 0
    before, entries = _state(folder), raw_connect(office).execute("SELECT count(*) FROM audit").fetchone()[0]
    for target in (office, folder / "office-backup.db", other):
        for args in (["export", "roster"], ["export", "summary", "--month", "2026-10"], ["export", "notice"],
                     ["export", "village-file", "--org", grid], ["cards", "--grid", grid],
                     ["dossier", "matter", number]):
            assert commands.run(args + ["--db", str(office), "-o", str(target)]) == 2, (args, target.name)
            assert "数据库文件" in capsys.readouterr().err
        assert commands.run(["import", "--db", str(office), str(roster), "--dry-run", "--report", str(target)]) != 0
    assert _state(folder) == before
    assert raw_connect(office).execute("SELECT count(*) FROM audit").fetchone()[0] == entries
    assert "日志文件" in officefile.output_refusal(folder / "office.db-wal")


def test_the_writers_themselves_refuse_a_database_as_output(small_office, tmp_path):
    """The window's save dialogs reach the writers without a command: the rule is in each writer's save."""
    from commands._progress import consume
    from exports import public_notice
    from gridoffice.access.users import whole_office

    office = Path(small_office.execute("PRAGMA database_list").fetchone()[2])
    before = _state(office.parent)
    with pytest.raises(GridOfficeError, match="数据库文件"):
        consume(public_notice.write(small_office, office, "2026-10", scope=whole_office("测试员")), quiet=True)
    assert hashlib.sha256(office.read_bytes()).hexdigest() == before[office.name]
