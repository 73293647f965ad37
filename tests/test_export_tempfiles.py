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
from gridoffice.access import keys, session, users
from gridoffice.audit import journal
from gridoffice.store import tempfiles
from gridoffice.access.users import whole_office

AUDITOR = whole_office("测试员")  # a role that reads the audit trail

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
    """The rows spooled so far beside the target, once there are plenty of them."""
    for spool in folder.glob(f"{tempfiles.PREFIX}*.spool"):
        try:
            if spool.stat().st_size > 100_000:
                return spool
        except FileNotFoundError:
            pass
    return None


def test_a_killed_full_roster_export_leaves_no_number_anywhere_and_the_next_start_cleans_up(office, tmp_path):
    """THREATS.md, "someone with a copy of ... a temp file": a full-number roster export killed with
    SIGKILL mid-write leaves nothing in the system temp folder, and beside the target only its spool,
    owner-only and encrypted under a key that died with the process (no ID number, no phone in it).
    The next start of any command, whatever it does and wherever, removes it."""
    office = copy_of(office, tmp_path)
    s = session.log_in(office, "admin", PASSWORD)
    phones = [p for (p,) in s.db.execute("SELECT phone FROM persons WHERE length(phone) = 11 LIMIT 50")]
    s.close()
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
    # What the killed run left is beside the target, for its owner only, and reads as noise.
    leftovers = sorted(out.glob(f"{tempfiles.PREFIX}*"))
    assert spill in leftovers
    for entry in leftovers:
        assert stat.S_IMODE(entry.stat().st_mode) & 0o077 == 0, entry
        raw = entry.read_bytes()
        assert not ID_RUN.search(raw) and not any(p.encode() in raw for p in phones)
        assert "花名册".encode() not in raw and b"<row" not in raw
    # No export entry either: the entry commits only just before a finished file is renamed.
    s = session.log_in(office, "admin", PASSWORD)
    try:
        assert not [e for e in journal.query(s.db, journal.Filter(action="export"), scope=AUDITOR) if e.new.get("unmasked")]
    finally:
        s.close()

    # The next start of a command that writes nothing there (a search) removes what the killed run left.
    assert commands.run(["search", "--db", str(office), "张"]) in (0, 1)
    assert list(out.glob(f"{tempfiles.PREFIX}*")) == [] and list(out.iterdir()) == []
    assert list(tempfiles.places_folder().iterdir()) == []


def test_a_leftover_of_a_live_run_stays_and_a_day_old_one_goes(tmp_path):
    """The start-up clean removes only what no running process is writing: a live process's spool
    stays listed, a dead one's goes, and so does a day-old one whatever its process."""
    folder = tmp_path / "out"
    folder.mkdir()
    with tempfiles.Spool(folder / "roster.xlsx") as spool:
        spool.write(b"330106199001011234 13800000001")
        dead = folder / f"{tempfiles.PREFIX}999999999-abcd.spool"
        dead.write_bytes(b"x")
        assert tempfiles.clean_at_start() == [dead]
        assert spool.path.exists() and len(list(tempfiles.places_folder().iterdir())) == 1
        assert b"13800000001" not in b"".join(p.read_bytes() for p in folder.iterdir())
        assert b"".join(spool.replay()) == b"330106199001011234 13800000001"
        # The parent process is alive: its file stays while fresh and goes once a day old.
        live = folder / f"{tempfiles.PREFIX}{os.getppid()}-abcd.spool"
        live.write_bytes(b"x")
        os.utime(live, (time.time(),) * 2)  # the run's clock (tests/clock.py moves it ahead)
        assert tempfiles.clean_at_start() == [] and live.exists()
        os.utime(live, (time.time() - tempfiles.STALE_SECONDS - 60,) * 2)
        assert tempfiles.clean_at_start() == [live]
    assert list(folder.iterdir()) == []
    assert tempfiles.clean_at_start() == [] and list(tempfiles.places_folder().iterdir()) == []


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
    assert not [e for e in journal.query(db, journal.Filter(action="export"), scope=AUDITOR)]
    s.close()
    # Once the database is free the same export is written with its entry.
    s = session.log_in(path, "clerk", PASSWORD)
    scope = users.scope_of(s.db, s.user)
    consume(roster.write(s.db, target, scope=scope, full_numbers=True, reason="报送上级核对") if kind == "roster"
            else monthly_summary.write(s.db, target, "2026-10", scope=scope), quiet=True)
    assert openpyxl.load_workbook(target, read_only=True) and len(journal.query(
        s.db, journal.Filter(action="export"), scope=AUDITOR)) == 1
    s.close()
