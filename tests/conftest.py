import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _state_folder() -> str:
    """The list of places of temporary files (gridoffice.store.tempfiles) for what runs outside a test
    (a module's fixture): the process's own, removed when it ends; each test gets its own below."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="gridoffice-state-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


os.environ["GRIDOFFICE_STATE_DIR"] = _state_folder()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402

pytest_plugins = ("tests.clock", "tests.pg")

from gridoffice.access import keys
from gridoffice.audit import trail  # noqa: E402
from gridoffice.store.db import open_db  # noqa: E402

# Every office file a test makes without logging in is encrypted under this one test key and gets
# a key file without slots (what `session.create_office` would write, less the passwords), so tests
# that make, copy and reopen files need no password. A file a test copied without its key file is
# adopted when the test key opens it. Tests of the log-in make real offices through gridoffice.access.session.
TEST_KEY = bytes(range(32))
TEST_OFFICE = keys.KeyFile("test-office", keys.check_value(TEST_KEY), {})
keys.remember(TEST_OFFICE, TEST_KEY)
_real_key_for = keys.key_for


def _opens_with_test_key(path: Path) -> bool:
    import sqlcipher3.dbapi2 as sqlite3

    conn = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{TEST_KEY.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def _test_key_for(path):
    path = Path(path)
    if keys.path_for(path).exists():
        return _real_key_for(path)
    new = not path.exists() or path.stat().st_size == 0
    if not new and (not path.is_file() or path.read_bytes()[:16] == b"SQLite format 3\x00"
                    or not _opens_with_test_key(path)):
        return None
    keys.write(path, TEST_OFFICE)
    return TEST_KEY


keys.key_for = _test_key_for

# The account a command in a test logs in with: the demo office's administrator, which
# `generate` gives every generated office too.
TEST_USER, TEST_PASSWORD = "admin", "demo1234"
TEST_RECOVERY_CODE = "TESTS-TESTS-TESTS-TESTS-TESTS-TESTS"


def give_accounts(path) -> None:
    """Give a test office what `session.create_office` gives a real one: the recovery slot and the
    administrator TEST_USER with TEST_PASSWORD. The account goes in without an audit entry, so the
    tests counting entries count only their own."""
    from gridoffice.access import users
    from gridoffice.store.db import connect

    path = Path(path)
    if not path.is_file() or not path.stat().st_size or keys.key_for(path) != TEST_KEY:
        return
    if keys.has_user(keys.read(path), TEST_USER):
        return
    database = connect(path)
    try:
        if not database["users"].exists():
            return
        if not database.execute("SELECT 1 FROM users WHERE name = ?", [TEST_USER]).fetchone():
            with database.atomic():
                database.execute(
                    "INSERT INTO users(name, display_name, role, password_hash, status, failed_logins, created_at, "
                    "updated_at) VALUES(?, '', 'admin', ?, 'active', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                    [TEST_USER, users.hash_password(TEST_PASSWORD)])
    finally:
        database.close()
    keys.set_slots(path, TEST_KEY, {keys.RECOVERY: keys.wrap(TEST_KEY, TEST_RECOVERY_CODE),
                                    keys.user_slot_name(TEST_USER): keys.wrap(TEST_KEY, TEST_PASSWORD)})


@pytest.fixture(autouse=True)
def _command_log_in(monkeypatch, tmp_path_factory):
    """Commands in tests log in as TEST_USER; an office made by a fixture gets the account first.
    The list of places of temporary files (gridoffice.store.tempfiles) is the test's own, not the user's."""
    from commands import _login

    monkeypatch.setenv("GRIDOFFICE_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    keys.remember(TEST_OFFICE, TEST_KEY)  # a test that forgot every key must not leave the next one locked out
    monkeypatch.setenv("GRIDOFFICE_USER", TEST_USER)
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", TEST_PASSWORD)
    real_log_in = _login.log_in

    def log_in(args, path, **kwargs):
        give_accounts(path)
        return real_log_in(args, path, **kwargs)

    monkeypatch.setattr(_login, "log_in", log_in)


@pytest.fixture(autouse=True)
def _garbage_on_the_gui_thread(request):
    """A Qt test collects Python's garbage on the GUI thread only, as the program does (ui/collector.py);
    what it left in cycles (its window, its context) is collected right after it, on that thread."""
    if "qapp" not in request.fixturenames:
        yield
        return
    import gc

    from ui import collector

    collector.install(request.getfixturevalue("qapp"))
    yield
    gc.collect()
    gc.enable()


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated office file in a temporary folder, acting as a test clerk."""
    database = open_db(tmp_path / "office.db")
    trail.set_actor(database, "测试员")
    yield database
    database.close()


import datetime as dt  # noqa: E402
import shutil  # noqa: E402

SMALL_OFFICE_TODAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def small_office_template(tmp_path_factory):
    """~300 generated households, built once per session; tests get copies (see small_office)."""
    # Imported here so a test session that never asks for the office does not load the generator.
    from gridoffice.demo import generator

    path = tmp_path_factory.mktemp("small-office") / "template.db"
    database = open_db(path)
    trail.set_actor(database, "测试员")
    job = generator.generate(database, households=300, seed=7, today=SMALL_OFFICE_TODAY)
    for _ in job:
        pass
    database.close()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def small_office(small_office_template, tmp_path):
    """A copy of the generated office (seed 7, today 2026-11-01), acting as a test clerk."""
    path = tmp_path / "office.db"
    shutil.copyfile(small_office_template, path)
    database = open_db(path)
    trail.set_actor(database, "测试员")
    yield database
    database.close()


@pytest.fixture(scope="session")
def activity_template(small_office_template, tmp_path_factory):
    """The small office with a year of matters, visits and logs (tests/_reports.py), built once."""
    from tests._reports import build_activity_office

    path = tmp_path_factory.mktemp("activity-office") / "office.db"
    build_activity_office(small_office_template, path)
    return path


@pytest.fixture
def activity_office(activity_template, tmp_path):
    """A copy of the activity office, acting as a test clerk."""
    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    database = open_db(path)
    trail.set_actor(database, "测试员")
    yield database
    database.close()
