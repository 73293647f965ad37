"""A bulk import's search documents are written after its commit (gridoffice.search.index.fill):
searches say so meanwhile, edits in between are indexed with their new values, and a process
killed while filling leaves an office whose next opening finishes the index."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from commands._progress import consume
from gridoffice.access import users
from gridoffice.archive import people
from gridoffice.org import regions
from gridoffice.search import finder, index
from gridoffice.idcard import make_id
from gridoffice.roster.importer import import_file

ADMIN = users.whole_office("测试员")
TODAY = dt.date(2026, 11, 1)
HOUSEHOLDS = 30


def pid(n: int, woman: bool = False) -> str:
    """An invented ID number; the sequence's parity gives the sex."""
    return make_id("330102", dt.date(1950 + n % 50, 1 + n % 12, 1 + n % 28), 2 * n + (2 if woman else 1))


def roster(path: Path) -> Path:
    """30 households of two: 户主 甲{n} and 妻 乙{n}, each with a phone ending in its number."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "姓名", "身份证号码", "与户主关系", "性别", "联系电话", "现住址", "所属网格"])
    digits = "零一二三四五六七八九"
    for n in range(HOUSEHOLDS):
        word = digits[n // 10] + digits[n % 10]
        ws.append([f"B{n:03d}", f"钱甲{word}", pid(n), "户主", "男", f"1380000{n:04d}", f"和平路{n}号", "第一网格"])
        ws.append([None, f"孙乙{word}", pid(n, woman=True), "妻", "女", "", None, None])
    wb.save(path)
    return path


@pytest.fixture
def office(db):
    community = regions.create_unit(db, None, "community", "东风社区")
    regions.create_unit(db, community, "grid", "第一网格")
    return db


def titles(db, query: str, **kw) -> list[str]:
    return [h.title for h in finder.search(db, query, scope=ADMIN, today=TODAY, **kw)]


def test_a_bulk_import_is_searchable_once_its_backlog_is_filled(office, tmp_path):
    db = office
    result = consume(import_file(db, roster(tmp_path / "r.xlsx"), today=TODAY), quiet=True)
    assert result.persons_new == 2 * HOUSEHOLDS
    # Committed and in use, but not yet in the index: the search tells the clerk.
    assert finder.pending(db) == 3 * HOUSEHOLDS
    assert "索引建立中" in finder.pending_notice(db) and "90" in finder.pending_notice(db)
    assert titles(db, "钱甲零七") == []
    # Small batches: a batch of persons ends inside the persons, the households come after them.
    steps = list(index.fill(db, today=TODAY, batch=7))
    assert steps[-1][:2] == (90, 90) and len(steps) == 9 + 5
    assert finder.pending(db) == 0 and finder.pending_notice(db) is None
    assert index.backlog(db) == []
    assert titles(db, "钱甲零七", kind="person") == ["钱甲零七"]
    assert titles(db, "qianjia", kind="person")[:1] and all(t.startswith("钱甲") for t in titles(db, "qianjia"))
    assert titles(db, "0007", kind="person") == ["钱甲零七"]
    assert titles(db, "B007", kind="household") == ["钱甲零七户"]
    assert titles(db, "和平路7号", kind="household") == ["钱甲零七户"]
    assert finder.dirty_count(db) == 0
    # What the filler wrote is what a rebuild writes: the same hits for every kind of query.
    queries = ["钱甲", "孙乙二九", "sunyi", "0012", "B02", "和平路"]
    before = {q: titles(db, q, limit=200) for q in queries}
    consume(finder.rebuild(db, today=TODAY), quiet=True)
    assert {q: titles(db, q, limit=200) for q in queries} == before


def test_an_edit_before_the_filler_comes_is_indexed_with_its_new_values(office, tmp_path):
    db = office
    consume(import_file(db, roster(tmp_path / "r.xlsx"), today=TODAY), quiet=True)
    person_id = db.execute("SELECT id FROM persons WHERE name = '孙乙一二'").fetchone()[0]
    # The edit reindexes as every edit does; a row still waiting is left to the filler.
    people.update_person(db, person_id, name="周新名", today=TODAY)
    assert finder.pending(db) == 3 * HOUSEHOLDS
    consume(finder.fill(db, today=TODAY), quiet=True)
    assert titles(db, "周新名") == ["周新名"]
    assert titles(db, "孙乙一二") == []
    assert finder.dirty_count(db) == 0


def test_a_rebuild_empties_the_backlog(office, tmp_path):
    db = office
    consume(import_file(db, roster(tmp_path / "r.xlsx"), today=TODAY), quiet=True)
    consume(finder.rebuild(db, today=TODAY), quiet=True)
    assert finder.pending(db) == 0
    assert titles(db, "钱甲零七", kind="person") == ["钱甲零七"]


KILL_CHILD = r"""
import os, signal, sys
sys.path.insert(0, {root!r})
from gridoffice.access import keys
from gridoffice.search import index
from gridoffice.store.db import open_db
keys.key_for = lambda path: bytes(range(32))  # the test key of tests/conftest.py
db = open_db({db!r})
write = index.write_documents
def killed_after_the_second(db, batch, calls=[]):
    calls.append(1)
    if len(calls) == 3:  # two batches committed, the third written but not yet committed
        write(db, batch)
        os.kill(os.getpid(), signal.SIGKILL)
    write(db, batch)
index.write_documents = killed_after_the_second
for _ in index.fill(db, batch=10):
    pass
"""


def test_a_filler_killed_half_way_leaves_an_office_that_the_next_opening_finishes(office, tmp_path):
    db = office
    consume(import_file(db, roster(tmp_path / "r.xlsx"), today=TODAY), quiet=True)
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    root = str(Path(__file__).resolve().parent.parent)
    child = subprocess.run([sys.executable, "-c", KILL_CHILD.format(root=root, db=db_path)], timeout=60)
    assert child.returncode == -signal.SIGKILL
    # Two batches of ten committed with the backlog shortened; the third rolled back with it.
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert index.backlog(db)[0][0] == 21
    assert finder.pending(db) == 3 * HOUSEHOLDS - 20
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 2 * HOUSEHOLDS
    # The next opening (the window's, below; or the next import command) writes the rest.
    consume(finder.fill(db, today=TODAY), quiet=True)
    assert finder.pending(db) == 0 and finder.dirty_count(db) == 0
    for name in ("钱甲零零", "孙乙一二", "钱甲二九"):  # in the first batch, the third, the last
        assert titles(db, name, kind="person") == [name]
    assert len(titles(db, "钱甲", kind="household", limit=100)) == HOUSEHOLDS


def test_the_import_command_fills_the_index_before_it_ends(office, tmp_path, capsys):
    from commands import run as cli

    db = office
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    assert cli(["import", "--db", db_path, str(roster(tmp_path / "r.xlsx")), "-q"]) == 0
    assert "新登记60人" in capsys.readouterr().out
    assert finder.pending(db) == 0
    assert titles(db, "钱甲零七", kind="person") == ["钱甲零七"]


def test_the_window_fills_a_backlog_left_by_a_stopped_import(office, tmp_path, qtbot):
    from ui.context import AppContext, User

    db = office
    consume(import_file(db, roster(tmp_path / "r.xlsx"), today=TODAY), quiet=True)
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    db.close()
    ctx = AppContext(db_path, User("测试员", role="admin"))
    try:
        qtbot.waitUntil(lambda: finder.pending(ctx.reader()) == 0, timeout=20000)
        qtbot.waitUntil(lambda: not ctx.busy, timeout=10000)
        hits = finder.search(ctx.reader(), "钱甲零七", scope=ctx.scope(), kind="person")
        assert [h.title for h in hits] == ["钱甲零七"]
    finally:
        ctx.close()
