import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402

from gridoffice import audit  # noqa: E402
from gridoffice.db import open_db  # noqa: E402


@pytest.fixture
def db(tmp_path):
    """A fresh, migrated office file in a temporary folder, acting as a test clerk."""
    database = open_db(tmp_path / "office.db")
    audit.set_actor(database, "测试员")
    yield database
    database.close()
