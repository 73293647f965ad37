"""Every command that writes honours the lock a running window holds: it waits briefly, then refuses
naming the holder, and writes nothing. The issue's attack: `import` and `export` ran beside the window."""

import os
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest

import commands
from commands import _files
from gridoffice.store import lock
from tests.conftest import give_accounts

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What the window does first when it opens an office (ui/safe_open.py → opening.prepare).
WINDOW = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from gridoffice.access import session
    from gridoffice.store import opening
    session.log_in(sys.argv[1], "admin", "demo1234").close()  # the window's log-in comes first
    held, report = opening.prepare(sys.argv[1])
    print("open", flush=True)
    sys.stdin.readline()
    held.release()
""")


@pytest.fixture
def office(small_office_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(small_office_template, path)
    give_accounts(path)  # the window below runs in its own process and logs in as GRIDOFFICE_USER
    return path


@pytest.fixture
def window(office):
    child = subprocess.Popen([sys.executable, "-c", WINDOW.format(root=ROOT), str(office)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "open"
    yield child
    child.stdin.close()
    child.wait(timeout=10)


def _entries(path):
    from gridoffice.store.db import raw_connect

    conn = raw_connect(path)
    try:
        return conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    finally:
        conn.close()


def test_writing_commands_refuse_beside_a_window_naming_it(office, window, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_files, "LOCK_WAIT", 0.3)
    before = _entries(office)
    roster = tmp_path / "roster.csv"
    roster.write_text("户号,姓名,与户主关系,身份证号\n", encoding="utf-8")
    backup_file = tmp_path / "copy.db"
    shutil.copyfile(office, backup_file)
    for argv in (["export", "summary", "--db", str(office), "--month", "2026-10", "-o", str(tmp_path / "s.xlsx")],
                 ["export", "roster", "--db", str(office), "-o", str(tmp_path / "r.xlsx")],
                 ["import", "--db", str(office), str(roster)],
                 ["cards", "--db", str(office), "--calibration", "-o", str(tmp_path / "c.pdf")],
                 ["users", "list", "--db", str(office)],
                 ["users", "reset-password", "--db", str(office), "--name", "clerk", "--password-stdin"],
                 ["assessment", "set", "--db", str(office), "--item", "走访次数=96:20"],
                 ["package", "--db", str(office), "-o", str(tmp_path / "p.pkg")],
                 ["restore", "--db", str(office), str(backup_file)]):
        assert commands.run(argv) in (1, 2), argv
        err = capsys.readouterr().err
        assert f"（进程号 {window.pid}）" in err and "已被电脑" in err and "自 " in err, argv
    assert not any((tmp_path / name).exists() for name in ("s.xlsx", "r.xlsx", "c.pdf", "p.pkg"))
    assert _entries(office) == before


def test_a_writing_command_waits_for_the_holder_to_let_go(office, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_files, "LOCK_WAIT", 10.0)
    held = lock.acquire(office)
    threading.Timer(0.5, held.release).start()
    out = tmp_path / "notice.xlsx"
    assert commands.run(["export", "notice", "--db", str(office), "--month", "2026-10", "-o", str(out), "-q"]) == 0
    assert out.exists() and not lock.lock_path(office).exists()
