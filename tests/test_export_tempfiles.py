"""Temporary files and the entry before the rename (issue 21, "no file without its entry"), tried
the way they fail: a real `export roster --full-numbers` process killed with SIGKILL in the middle
of writing, and an export whose audit entry meets a database another connection is writing."""

import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import commands
from commands._progress import consume
from exports import monthly_summary, roster
from gridoffice import audit_log, keys, session, tempfiles, users

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo1234"
ID_RUN = re.compile(rb"\d{17}[\dX]")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and POSIX modes")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """An office made by `generate` (real key file and accounts), big enough that its roster takes
    a moment to write."""
    path = tmp_path_factory.mktemp("kill") / "office.db"
    assert commands.run(["generate", "--db", str(path), "--households", "1500", "--seed", "4",
                         "--today", "2026-11-01", "--no-activity", "-q"]) == 0
    return path


def copy_of(office: Path, folder: Path) -> Path:
    """The office for one test: a copy with its key file, so no test sees another's entries."""
    path = folder / "office.db"
    path.write_bytes(office.read_bytes())
    keys.copy(office, path)
    return path


def _spilled(folder: Path) -> Path | None:
    """The rows openpyxl has spilled so far beside the target, once there are plenty of them."""
    for sheet in folder.glob(f"{tempfiles.PREFIX}*/sheet.xml"):
        try:
            if sheet.stat().st_size > 100_000:
                return sheet
        except FileNotFoundError:
            pass
    return None


def test_a_killed_full_roster_export_leaves_nothing_in_the_temp_folder_and_an_owner_only_leftover(office, tmp_path):
    office = copy_of(office, tmp_path)
    system_temp, out = tmp_path / "system-temp", tmp_path / "out"
    system_temp.mkdir()
    out.mkdir()
    target = out / "花名册.xlsx"
    env = {**os.environ, "TMPDIR": str(system_temp), "TEMP": str(system_temp), "TMP": str(system_temp),
           "GRIDOFFICE_USER": "admin", "GRIDOFFICE_PASSWORD": PASSWORD, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "export", "roster", "--db", str(office),
                              "--full-numbers", "--reason", "迁移到新电脑", "-o", str(target), "-q"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while (spill := _spilled(out)) is None:
        assert child.poll() is None, "the export ended before it could be killed: " + child.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    # No finished file, and nothing at all in the system temp folder.
    assert not target.exists()
    assert list(system_temp.rglob("*")) == []
    # What the killed run left holds full numbers, beside the target and for its owner only.
    leftovers = sorted(out.glob(f"{tempfiles.PREFIX}*"))
    assert spill.parent in leftovers
    assert ID_RUN.search(spill.read_bytes())
    for entry in leftovers:
        for part in [entry, *entry.rglob("*")]:
            assert stat.S_IMODE(part.stat().st_mode) & 0o077 == 0, part
    # No export entry either: the entry commits only just before a finished file is renamed.
    s = session.log_in(office, "admin", PASSWORD)
    try:
        assert not [e for e in audit_log.query(s.db, audit_log.Filter(action="export")) if e.new.get("unmasked")]
    finally:
        s.close()

    # The next export into that folder removes what the killed one left.
    assert commands.run(["export", "roster", "--db", str(office), "-o", str(out / "第二份.xlsx"), "-q"]) == 0
    assert list(out.glob(f"{tempfiles.PREFIX}*")) == []
    assert sorted(p.name for p in out.iterdir()) == ["第二份.xlsx"]


@pytest.mark.parametrize("kind", ["roster", "summary"])
def test_an_export_whose_entry_cannot_commit_leaves_no_file(office, tmp_path, kind):
    """Another program holds the office's write lock: the export writes its temporary file, fails to
    record its entry, and leaves neither the document nor the temporary file."""
    path = copy_of(office, tmp_path)
    s = session.log_in(path, "clerk", PASSWORD)
    db = s.db
    db.execute("PRAGMA busy_timeout = 200")  # the program waits 10 s; the outcome is the same
    holder = session.log_in(path, "admin", PASSWORD).db
    holder.execute("BEGIN IMMEDIATE")
    target = tmp_path / "out" / f"{kind}.xlsx"
    target.parent.mkdir()
    scope = users.scope_of(db, s.user)
    job = (roster.write(db, target, scope=scope, full_numbers=True, reason="报送上级核对") if kind == "roster"
           else monthly_summary.write(db, target, "2026-10", scope=scope))
    try:
        with pytest.raises(Exception) as err:
            consume(job, quiet=True)
        assert "locked" in str(err.value) or "busy" in str(err.value)
        assert list(target.parent.iterdir()) == []
    finally:
        holder.conn.rollback()
        holder.close()
    assert not [e for e in audit_log.query(db, audit_log.Filter(action="export"))]
    s.close()
    # Once the database is free the same export is written with its entry.
    s = session.log_in(path, "clerk", PASSWORD)
    scope = users.scope_of(s.db, s.user)
    consume(roster.write(s.db, target, scope=scope, full_numbers=True, reason="报送上级核对") if kind == "roster"
            else monthly_summary.write(s.db, target, "2026-10", scope=scope), quiet=True)
    assert openpyxl.load_workbook(target, read_only=True) and len(audit_log.query(
        s.db, audit_log.Filter(action="export"))) == 1
    s.close()
