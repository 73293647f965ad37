"""The street's commands: `street enroll`, `consolidate`, `street ledger`, and a kill -9 in the middle."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from commands import run as run_command
from gridoffice.consolidation import store, street_users

from tests import _street

ROOT = Path(__file__).resolve().parent.parent
AT = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def street(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDOFFICE_STREET_KEY_PASSWORD", _street.STREET_PASSWORD)
    return _street.make_street(tmp_path)


@pytest.fixture
def street_admin(pg_dsn, monkeypatch):
    """The street's administrator, logged in by the environment as a script would."""
    with store.connect(pg_dsn) as conn:
        street_users.add_user(conn, "jiedao", "street-admin-1", "street_admin", by=None)
    monkeypatch.setenv("GRIDOFFICE_STREET_USER", "jiedao")
    monkeypatch.setenv("GRIDOFFICE_STREET_PASSWORD", "street-admin-1")


@pytest.fixture
def office(tmp_path, street):
    return _street.make_office(tmp_path, street, seed=21)


def test_enroll_consolidate_and_read_the_ledger(tmp_path, street, office, pg_dsn, street_admin, capsys):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    assert run_command(["street", "enroll", "--pg", pg_dsn, str(office.card_path)]) == 0
    assert f"已登记：{office.card.name}" in capsys.readouterr().out
    assert run_command(["street", "enroll", "--pg", pg_dsn, str(office.card_path)]) == 0
    assert "已登记过，未作改动" in capsys.readouterr().out

    key = str(street.key_path)
    assert run_command(["consolidate", "--pg", pg_dsn, "--key", key, "--quiet", str(first), str(first)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("已导入上报包“1.pkg”") and "已导入过，本次未作任何改动" in out[1]

    altered = tmp_path / "altered.pkg"
    data = bytearray(first.read_bytes())
    data[-100] ^= 0xFF
    altered.write_bytes(bytes(data))
    assert run_command(["consolidate", "--pg", pg_dsn, "--key", key, "--quiet", str(altered)]) == 1
    err = capsys.readouterr().err
    assert "拒收：上报包“altered.pkg”的内容与社区的签名不符" in err and "共1个包，拒收1个" in err

    assert run_command(["street", "ledger", "--pg", pg_dsn]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "时间\t社区\t序号\t结果\t说明"
    assert [line.split("\t")[3] for line in lines[1:4]] == ["拒收", "重复，未改动", "已导入"]
    assert "签名不符" in lines[1] and lines[3].split("\t")[1:3] == [office.card.name, "1"]


def test_what_the_street_gives_wrong_is_said_in_chinese(tmp_path, street, office, pg_dsn, street_admin, capsys,
                                                        monkeypatch):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    key = str(street.key_path)
    monkeypatch.setenv("GRIDOFFICE_STREET_KEY_PASSWORD", "wrong-password")
    assert run_command(["consolidate", "--pg", pg_dsn, "--key", key, str(first)]) == 2
    assert "街道私钥的密码不正确" in capsys.readouterr().err
    monkeypatch.setenv("GRIDOFFICE_STREET_KEY_PASSWORD", _street.STREET_PASSWORD)
    nowhere = f"host={tmp_path} dbname=street user=street"
    assert run_command(["consolidate", "--pg", nowhere, "--key", key, str(first)]) == 2
    assert "连不上" in capsys.readouterr().err
    assert run_command(["street", "enroll", "--pg", pg_dsn, str(first)]) == 2
    assert "不是社区单位卡" in capsys.readouterr().err
    with store.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM offices").fetchone()[0] == 0


def _waiting_on_the_ledger(dsn: str) -> int | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO ledger%%'").fetchone()
    return row[0] if row else None


def test_a_kill_during_consolidate_leaves_the_store_as_before_that_package(tmp_path, street, office, pg_dsn):
    first = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    _street.change(office.path, "UPDATE households SET notes = '第二包' WHERE id = 1")
    second = _street.write_package(office.path, tmp_path / "2.pkg", at=AT + dt.timedelta(days=30))
    with store.connect(pg_dsn) as conn:
        store.enroll(conn, uuid=office.card.uuid, division_code=office.card.division_code, name=office.card.name,
                     public_key=office.card.signing_key)
    argv = [sys.executable, str(ROOT / "main.py"), "consolidate", "--pg", pg_dsn, "--key", str(street.key_path),
            "--quiet"]
    assert subprocess.run([*argv, str(first)], capture_output=True, timeout=120).returncode == 0
    with store.connect(pg_dsn) as conn:
        before = _street.dump(conn)
        ledger_before = _street.ledger(conn)
    # The ledger's line is the package's last write: hold it back, so the child is killed with every
    # record of the second package written but not committed.
    with psycopg.connect(pg_dsn) as blocker:
        blocker.execute("LOCK TABLE ledger IN SHARE MODE")
        child = subprocess.Popen([*argv, str(second)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while (pid := _waiting_on_the_ledger(pg_dsn)) is None:
                assert child.poll() is None, child.stderr.read().decode()
                assert time.monotonic() < deadline, "consolidate never reached the ledger"
                time.sleep(0.05)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        blocker.rollback()
    assert child.returncode == -signal.SIGKILL
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        deadline = time.monotonic() + 30
        while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline
            time.sleep(0.05)
    with store.connect(pg_dsn) as conn:
        assert _street.dump(conn) == before
        assert _street.ledger(conn) == ledger_before
        assert store.office(conn, office.card.uuid).last_sequence == 1
    # The same package afterwards applies whole.
    done = subprocess.run([*argv, str(second)], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    with store.connect(pg_dsn) as conn:
        assert store.office(conn, office.card.uuid).last_sequence == 2
        assert _street.store_rows(conn, office.card.uuid) == _street.file_rows(office.path, second, street)
