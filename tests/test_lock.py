"""One program per office file: a second one is refused by name; a crashed holder's lock is taken over."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from gridoffice.store import lock, opening

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HOLD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from gridoffice.store import lock
    held = lock.acquire(sys.argv[1])
    print("held", flush=True)
    time.sleep(60)
""")


def _holder_process(db_path):
    child = subprocess.Popen([sys.executable, "-c", HOLD.format(root=ROOT), str(db_path)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_second_process_is_refused_naming_the_holder_then_takes_over_after_a_crash(tmp_path):
    db_path = tmp_path / "office.db"
    child = _holder_process(db_path)
    try:
        with pytest.raises(lock.LockHeld) as err:
            lock.acquire(db_path)
        assert f"进程号 {child.pid}" in err.value.message
        assert "已被电脑" in err.value.message and "不能再打开" in err.value.message
        assert lock.holder(db_path).pid == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The crashed holder left its lock file behind, but its OS lock died with it.
    assert lock.lock_path(db_path).exists()
    assert lock.holder(db_path) is None
    taken = lock.acquire(db_path)
    assert taken.stale and taken.previous.pid == child.pid
    taken.release()
    assert not lock.lock_path(db_path).exists()


def test_a_clean_release_leaves_no_marker(tmp_path):
    db_path = tmp_path / "office.db"
    first = lock.acquire(db_path)
    with pytest.raises(lock.LockHeld):
        lock.acquire(db_path)
    first.release()
    again = lock.acquire(db_path)
    assert not again.stale and again.previous is None
    again.release()


def test_open_office_refuses_a_second_copy_and_reports_an_unclean_shutdown(tmp_path):
    db_path = tmp_path / "office.db"
    first = opening.OpenOffice(db_path)
    with pytest.raises(lock.LockHeld):
        opening.OpenOffice(db_path)
    # Simulate a crash: the connection goes away without a clean close, the lock file stays.
    first.db.execute("INSERT INTO settings(key, value) VALUES('k', 'v')")
    first.db.conn.commit()
    os.close(first.lock._fd)
    first.lock._fd = None
    first.db.close()
    reopened = opening.OpenOffice(db_path)
    try:
        assert reopened.report.unclean and reopened.report.checked
        assert any("没有正常关闭" in n for n in reopened.report.notices)
        assert any("数据完好" in n for n in reopened.report.notices)
        assert reopened.db.execute("SELECT value FROM settings WHERE key='k'").fetchone()[0] == "v"
    finally:
        reopened.close()
    clean = opening.OpenOffice(db_path)
    assert not clean.report.unclean and not clean.report.checked
    clean.close()


def test_on_a_share_another_computers_lock_file_is_not_taken_over_silently(tmp_path, monkeypatch):
    db_path = tmp_path / "office.db"
    lock.lock_path(db_path).write_text(
        '{"host": "村委会-电脑2", "user": "clerk", "pid": 4242, "since": "2026-11-22 08:00:00"}', encoding="utf-8")
    monkeypatch.setattr(opening, "network_location", lambda path: "cifs")
    with pytest.raises(lock.LockHeld) as err:
        opening.prepare(db_path)
    assert err.value.uncertain and "村委会-电脑2" in err.value.message and "仍然打开" in err.value.message
    held, report = opening.prepare(db_path, take_over=True)
    assert held.stale and held.previous.host == "村委会-电脑2"
    held.release()
    # On a local disk the OS lock is trustworthy: the same leftover is taken over at once.
    lock.lock_path(db_path).write_text('{"host": "other", "user": "u", "pid": 1, "since": ""}', encoding="utf-8")
    monkeypatch.setattr(opening, "network_location", lambda path: None)
    held, report = opening.prepare(db_path)
    assert held.stale
    held.release()
