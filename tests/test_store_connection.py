"""What goes wrong reaching the street's store is said in Chinese, naming what to fix, with no driver
English and no traceback: in the core, in the commands and in the window."""

from __future__ import annotations

import re
import socket

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from commands import run as run_command
from gridoffice.consolidation import store

from tests import _street
from tests.pg import admin_dsn

PASSWORD_ROLE = "gridoffice_password_check"  # dev.sh makes the cluster ask this role for its password
# Words of the driver's and the server's English that must never reach a user.
ENGLISH = re.compile(r"connection|failed|refused|password authentication|does not exist|psycopg|Traceback|"
                     r"invalid|server|socket", re.IGNORECASE)


def _with(dsn: str, **changes) -> str:
    params = conninfo_to_dict(dsn)
    params.update(changes)
    return make_conninfo(**params)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _password_role(dsn: str) -> str:
    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        try:
            conn.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-password-1'")
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
            pass  # the other worker made it
    wrong = _with(dsn, user=PASSWORD_ROLE, password="wrong-password-1")
    try:
        psycopg.connect(wrong, connect_timeout=5).close()
    except psycopg.OperationalError:
        return wrong
    pytest.skip("this cluster lets the role in without its password (dev.sh's cluster asks for it)")


def _cases(dsn: str, tmp_path) -> dict[str, tuple[str, str]]:
    """Each fault: a connection string and words the message must hold."""
    port = _free_port()
    return {
        "syntax": ("dbname street user", "连接串写法有误"),
        "unknown option": ("host=localhost dbnme=street", "连接串写法有误"),
        "server down (socket)": (f"host={tmp_path} dbname=street user=street", "请确认服务已启动"),
        "server down (tcp)": (f"host=127.0.0.1 port={port} dbname=street user=street", f"端口 {port}"),
        "no such database": (_with(dsn, dbname="no_such_store"), "没有名为“no_such_store”的数据库"),
        "no such user": (_with(dsn, user="no_such_user"), "没有用户“no_such_user”"),
        "wrong password": (_password_role(dsn), f"用户“{PASSWORD_ROLE}”的密码不对"),
    }


def test_each_fault_is_named_in_chinese(pg_dsn, tmp_path):
    for fault, (dsn, words) in _cases(pg_dsn, tmp_path).items():
        for readonly in (False, True):
            with pytest.raises(store.StoreError) as caught:
                store.connect(dsn, readonly=readonly)
            message = caught.value.message
            assert words in message, fault
            assert not ENGLISH.search(message.replace("host=", "").replace("password=", "")), (fault, message)
            assert "wrong-password-1" not in message


def test_a_store_of_a_newer_version_is_refused_by_name(pg_dsn):
    store.connect(pg_dsn).close()
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO store_migrations(name) VALUES ('m099_from_the_future')")
    for readonly in (False, True):
        with pytest.raises(store.StoreError, match="由更新版本的网格通建立.*请先把本程序升级到最新版本"):
            store.connect(pg_dsn, readonly=readonly)


def test_the_commands_say_it_without_a_traceback(pg_dsn, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GRIDOFFICE_STREET_KEY_PASSWORD", _street.STREET_PASSWORD)
    monkeypatch.setenv("GRIDOFFICE_STREET_USER", "jiedao")
    monkeypatch.setenv("GRIDOFFICE_STREET_PASSWORD", "street-admin-1")
    street = _street.make_street(tmp_path)
    cases = _cases(pg_dsn, tmp_path)
    for fault, (dsn, words) in cases.items():
        for argv in (["consolidate", "--pg", dsn, "--key", str(street.key_path), "nothing.pkg"],
                     ["street", "ledger", "--pg", dsn],
                     ["street", "users", "add", "--pg", dsn, "--name", "x", "--role", "street_staff"]):
            assert run_command(argv) == 2, (fault, argv)
            captured = capsys.readouterr()
            assert words in captured.err and "Traceback" not in captured.err + captured.out, (fault, argv)


def test_the_window_says_it_and_opens_nothing(pg_dsn, tmp_path, monkeypatch, qapp, capsys):
    """The log-in dialog reaches the server (off the GUI thread) and says the fault in its own words;
    the clerk can correct nothing there but leave, and no window opens."""
    import time

    from PySide6.QtCore import QCoreApplication

    from ui import app, street_window
    from ui.street.login import StreetLoginDialog

    said = []

    def try_once(dialog) -> int:
        dialog.name.setText("jiedao")
        dialog.password.setText("street-admin-1")
        dialog.submit()
        deadline = time.monotonic() + 30
        while dialog.busy and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.01)
        said.append(dialog.error.text())
        dialog.reject()
        return dialog.result()

    monkeypatch.setattr(StreetLoginDialog, "exec", try_once)
    monkeypatch.setattr(street_window.StreetWindow, "show", lambda _w: pytest.fail("a window opened"))
    for fault, (dsn, words) in _cases(pg_dsn, tmp_path).items():
        assert app.main(["--pg", dsn]) == 0, fault
        assert words in said.pop(), fault
        assert app.main(["--pg", dsn, "--screenshot", str(tmp_path / "x.png")]) == 2
        assert words in capsys.readouterr().err
        assert not (tmp_path / "x.png").exists()
