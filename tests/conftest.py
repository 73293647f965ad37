import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402

pytest_plugins = ("tests.clock",)

from gridoffice import audit  # noqa: E402
from gridoffice.db import open_db  # noqa: E402


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated office file in a temporary folder, acting as a test clerk."""
    database = open_db(tmp_path / "office.db")
    audit.set_actor(database, "测试员")
    yield database
    database.close()


import datetime as dt  # noqa: E402
import shutil  # noqa: E402

SMALL_OFFICE_TODAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def small_office_template(tmp_path_factory):
    """~300 generated households, built once per session; tests get copies (see small_office)."""
    # Imported here so a test session that never asks for the office does not load the generator.
    from gridoffice import generator

    path = tmp_path_factory.mktemp("small-office") / "template.db"
    database = open_db(path)
    audit.set_actor(database, "测试员")
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
    audit.set_actor(database, "测试员")
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
    audit.set_actor(database, "测试员")
    yield database
    database.close()
