"""The read-side queries behind the big tables: filters, sorts, rows fetched per window."""

import pytest

from gridoffice.archive import browse
from gridoffice.org import regions
from gridoffice.audit import trail
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests.ui_helpers import office_copy

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office_db(tmp_path):
    path, office = office_copy(tmp_path)
    database = open_db(path)
    trail.set_actor(database, "测试员")
    yield database, office
    database.close()


@pytest.fixture
def db(office_db):
    return office_db[0]


@pytest.fixture
def office(office_db):
    return office_db[1]


def test_household_ids_filter_by_status_subtree_class_tag_and_age(db, office):
    assert set(browse.household_ids(db, scope=ADMIN)) == {office.h_zhang, office.h_wang}
    assert set(browse.household_ids(db, browse.Filter(status=None), scope=ADMIN)) == {office.h_zhang, office.h_wang, office.h_zhao}
    assert list(browse.household_ids(db, browse.Filter(org_id=office.grid_b), scope=ADMIN)) == [office.h_wang]
    assert set(browse.household_ids(db, browse.Filter(org_id=office.community), scope=ADMIN)) == {office.h_zhang, office.h_wang}
    assert list(browse.household_ids(db, browse.Filter(contact_class=1), scope=ADMIN)) == [office.h_zhang]
    assert list(browse.household_ids(db, browse.Filter(tag="disabled"), scope=ADMIN)) == [office.h_zhang]
    assert list(browse.household_ids(db, browse.Filter(age_min=60), scope=ADMIN)) == [office.h_zhang]
    assert list(browse.household_ids(db, browse.Filter(age_max=6), scope=ADMIN)) == [office.h_wang]
    assert list(browse.household_ids(db, browse.Filter(status="moved_out"), scope=ADMIN)) == [office.h_zhao]


def test_person_ids_filters_and_household_order_keeps_the_head_first(db, office):
    ids = list(browse.person_ids(db, scope=ADMIN))
    assert ids == sorted(ids)  # entry order by default: no sort needed
    by_household = list(browse.person_ids(db, sort="household", scope=ADMIN))
    assert by_household[:3] == [office.zhang_wei, office.li_na, office.zhang_xiaolong]  # head first, then eldest first
    assert list(browse.person_ids(db, limit=2, scope=ADMIN)) == ids[:2]
    assert list(browse.person_ids(db, browse.Filter(tag="disabled"), scope=ADMIN)) == [office.li_na]
    assert set(browse.person_ids(db, browse.Filter(age_min=60), scope=ADMIN)) == {office.zhang_wei, office.li_na}
    assert set(browse.person_ids(db, browse.Filter(age_min=30, age_max=41), scope=ADMIN)) == {office.zhang_xiaolong, office.wang_fang}
    assert len(browse.person_ids(db, browse.Filter(org_id=office.grid_b), scope=ADMIN)) == 2
    assert len(browse.person_ids(db, browse.Filter(status=None), scope=ADMIN)) == 6


def test_sorts(db, office):
    by_age = list(browse.person_ids(db, sort="age", scope=ADMIN))
    assert by_age[0] != office.zhang_wei and by_age[-1] == office.zhang_wei  # youngest first, eldest last
    oldest_first = list(browse.person_ids(db, sort="age", descending=True, scope=ADMIN))
    assert oldest_first[0] == office.zhang_wei
    members = list(browse.household_ids(db, sort="members", descending=True, scope=ADMIN))
    assert members == [office.h_zhang, office.h_wang]
    for key in browse.HOUSEHOLD_SORTS:
        assert len(browse.household_ids(db, sort=key, scope=ADMIN)) == 2
    for key in browse.PERSON_SORTS:
        assert len(browse.person_ids(db, sort=key, scope=ADMIN)) == 5


def test_rows_for_a_window_of_ids(db, office):
    rows = browse.household_rows(db, [office.h_zhang, office.h_wang], scope=ADMIN)
    z = rows[office.h_zhang]
    assert (z.head, z.members, z.grid, z.contact_class, z.address) == ("张伟", 3, "第一网格", 1, "幸福小区1幢101室")
    prow = browse.person_rows(db, [office.li_na], scope=ADMIN)[office.li_na]
    assert prow.name == "李娜" and prow.relation == "spouse" and prow.age in (67, 68)
    assert "*" in prow.id_masked and prow.household_number
    full = browse.person_rows(db, [office.li_na], full_id=True, scope=ADMIN)[office.li_na]
    assert len(full.id_masked) == 18 and "*" not in full.id_masked
    assert browse.household_rows(db, [], scope=ADMIN) == {}


def test_totals_count_active_records(db, office):
    assert browse.totals(db, ADMIN) == regions.Counts(households=2, persons=5)
