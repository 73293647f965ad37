"""The id-list table models, without any widget: rows fetched per block, never per cell."""

from array import array

import pytest
from PySide6.QtCore import Qt

from gridoffice.archive import browse
from gridoffice.audit import trail
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from ui import models
from ui.models import ID_ROLE, HouseholdModel, PersonModel
from tests.ui_helpers import office_copy

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office_db(qapp, tmp_path):
    path, office = office_copy(tmp_path)
    database = open_db(path)
    trail.set_actor(database, "测试员")
    yield database, office
    database.close()


def cells(model):
    return [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]


def test_household_model_shows_rows_with_one_query_per_block(office_db):
    db, office = office_db
    model = HouseholdModel(lambda: db, lambda: ADMIN)
    model.set_ids(browse.household_ids(db, scope=ADMIN))
    assert model.rowCount() == 2
    table = cells(model)
    assert table[0][:3] == [model.data(model.index(0, 0)), "张伟", "3"]
    assert "第一网格" in table[0] and "一类" in table[0]
    assert model.queries == 1  # sixteen cells, one query
    assert model.data(model.index(1, 0), ID_ROLE) == office.h_wang
    assert model.headerData(1, Qt.Orientation.Horizontal) == "户主"


def test_blocks_are_cached_and_evicted(office_db, monkeypatch):
    db, office = office_db
    monkeypatch.setattr(models, "BLOCK", 1)
    monkeypatch.setattr(models, "MAX_BLOCKS", 1)
    model = PersonModel(lambda: db, lambda: ADMIN)
    model.set_ids(browse.person_ids(db, scope=ADMIN))
    model.data(model.index(0, 0))
    model.data(model.index(0, 1))
    assert model.queries == 1
    model.data(model.index(1, 0))
    model.data(model.index(0, 0))
    assert model.queries == 3  # block 0 was evicted when block 1 came in


def test_unchanged_ids_keep_the_model_and_only_refresh(office_db, qtbot):
    db, office = office_db
    model = HouseholdModel(lambda: db, lambda: ADMIN)
    ids = browse.household_ids(db, scope=ADMIN)
    model.set_ids(ids)
    with qtbot.assertNotEmitted(model.modelReset):
        with qtbot.waitSignal(model.dataChanged):
            model.set_ids(array("q", ids))
    with qtbot.waitSignal(model.modelReset):
        model.set_ids(array("q", [office.h_wang]))
    assert model.row_of(office.h_wang) == 0 and model.row_of(office.h_zhang) == -1


def test_sorting_asks_the_owner_to_reload(office_db, qtbot):
    db, _ = office_db
    model = PersonModel(lambda: db, lambda: ADMIN)
    with qtbot.waitSignal(model.sort_requested) as blocker:
        model.sort(2, Qt.SortOrder.DescendingOrder)
    assert blocker.args == ["age", True]


def test_a_row_that_vanished_says_so(office_db):
    db, _ = office_db
    model = HouseholdModel(lambda: db, lambda: ADMIN)
    model.set_ids(array("q", [999999]))
    assert model.data(model.index(0, 0)) == "（已不存在）"
    assert model.data(model.index(0, 1)) == ""
