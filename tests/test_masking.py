"""Masking: numbers are hidden by default, revealing one needs a reason and is logged."""

import datetime as dt

import pytest

from gridoffice import masking
from gridoffice.access import users
from gridoffice.audit import journal
from gridoffice.errors import NotFound, ValidationError
from gridoffice.idcard import make_id
from gridoffice.access.users import whole_office


# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

ID = make_id("110101", dt.date(1980, 5, 17), 123)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Stored hashes carry their own cost, so tests may hash cheaply without changing what is checked."""
    monkeypatch.setattr(users, "_N", 2 ** 8)

@pytest.fixture
def person(db):
    db.execute("INSERT INTO org_units(id, level, name, path, sort, status) VALUES(1, 'grid', '一网格', '/1/', 0, 'active')")
    db.execute("INSERT INTO org_units(id, level, name, path, sort, status) VALUES(2, 'grid', '二网格', '/2/', 0, 'active')")
    db.execute("INSERT INTO households(id, number, org_id, phone) VALUES(1, 'H1', 1, '0571-88001234')")
    db.execute("INSERT INTO persons(id, household_id, name, id_number, phone, relation) "
               "VALUES(1, 1, '测试甲', ?, '13812348000', 'head')", [ID])
    db.conn.commit()
    return 1


def test_masks():
    assert masking.mask_id(ID) == ID[:3] + "*" * 14 + ID[-1:]
    assert masking.mask_phone("13812348000") == "138****8000"
    assert masking.mask_phone("0571-88001234") == "0571-****1234"
    assert masking.mask_phone("") == ""
    assert masking.mask_phone("12345") == "****5"
    assert masking.mask_field("id_number", ID) == masking.mask_id(ID)
    assert masking.mask_field("phone", "13812348000") == "138****8000"


def test_reveal_returns_the_clear_value_and_logs_who_and_why(db, person):
    assert masking.reveal(db, "persons", person, "id_number", "办理低保核对身份", scope=ADMIN) == ID
    entry = journal.query(db, journal.Filter(action="reveal"), scope=ADMIN)[0]
    assert (entry.actor, entry.table_name, entry.row_id) == ("测试员", "persons", person)
    assert entry.new == {"field": "id_number", "reason": "办理低保核对身份"}
    assert masking.reveal(db, "households", 1, "phone", "通知开会", scope=ADMIN) == "0571-88001234"


@pytest.mark.parametrize("table, field, reason, error, words", [
    ("persons", "id_number", "", ValidationError, "请填写原因"),
    ("persons", "id_number", "  看 ", ValidationError, "请填写原因"),
    ("persons", "name", "核对", ValidationError, "不是需要脱敏显示的字段"),
    ("persons", "phone", "核对", None, None),
])
def test_reveal_without_a_reason_is_refused_and_not_logged(db, person, table, field, reason, error, words):
    before = journal.count(db, scope=ADMIN)
    if error is None:
        assert masking.reveal(db, table, person, field, reason, scope=ADMIN) == "13812348000"
        assert journal.count(db, scope=ADMIN) == before + 1
        return
    with pytest.raises(error) as err:
        masking.reveal(db, table, person, field, reason, scope=ADMIN)
    assert words in err.value.message
    assert journal.count(db, scope=ADMIN) == before


def test_reveal_of_a_missing_row(db, person):
    with pytest.raises(NotFound):
        masking.reveal(db, "persons", 99, "phone", "核对电话", scope=ADMIN)


def test_reveal_is_for_the_roles_that_may_and_never_outside_the_grid(db, person):
    outside = users.get_user(db, users.create_user(db, "w2", "gridoffice1", "grid_worker", by=ADMIN, org_id=2))
    inside = users.get_user(db, users.create_user(db, "w1", "gridoffice1", "grid_worker", by=ADMIN, org_id=1))
    for worker in (outside, inside):
        with pytest.raises(users.PermissionDenied) as err:
            masking.reveal(db, "persons", person, "phone", "上门走访", scope=users.scope_of(db, worker))
        assert "没有“查看完整的身份证号和电话”的权限" in err.value.message
    # A clerk reveals, within the units the account is given (here another grid: refused).
    elsewhere = users.get_user(db, users.create_user(db, "c2", "gridoffice1", "clerk", by=ADMIN, org_id=2))
    with pytest.raises(users.PermissionDenied) as err:
        masking.reveal(db, "persons", person, "phone", "上门走访", scope=users.scope_of(db, elsewhere))
    assert "不在您负责的范围内" in err.value.message
    clerk = users.get_user(db, users.create_user(db, "c1", "gridoffice1", "clerk", by=ADMIN))
    assert masking.reveal(db, "persons", person, "phone", "上门走访", scope=users.scope_of(db, clerk)) == "13812348000"


def test_find_unmasked_catches_clear_numbers_only():
    text = f"姓名 测试甲 {ID} 电话 13812348000 / 掩码 {masking.mask_id(ID)} 138****8000 订单号 123456789012345678"
    assert masking.find_unmasked(text) == [ID, "13812348000"]
    assert masking.find_unmasked(f"{masking.mask_id(ID)} 138****8000") == []


@pytest.mark.parametrize("phone, shown", [
    ("13812348000", "138****8000"),
    ("88001234", "****1234"),  # a local number: four digits stay hidden all the same
    ("8800123", "****123"),
    ("0571-8800123", "0571-****123"),
    ("0571-88001234-802", "0571-****1234"),  # no extension
    ("95588", "****8"),
])
def test_a_phone_always_hides_four_digits(phone, shown):
    assert masking.mask_phone(phone) == shown


def test_birth_date_beside_a_masked_id_is_year_and_month():
    assert masking.mask_birth("1980-05-17") == "1980年5月"
    assert masking.mask_birth(dt.date(2026, 1, 2)) == "2026年1月"
    assert masking.mask_birth("") == masking.mask_birth(None) == ""
    assert masking.mask_field("birth_date", "1980-05-17") == "1980年5月"


def test_numbers_typed_into_free_text_are_masked():
    text = f"本人{ID}，电话138 1234 8000，座机0571-88001234，门牌12号，金额1500元"
    shown = masking.mask_text(text)
    assert shown == (f"本人{masking.mask_id(ID)}，电话138****8000，座机0571-****1234，门牌12号，金额1500元")
    assert not masking.find_unmasked(shown)
    assert masking.mask_record({"id_number": ID, "resident_phone": "13812348000", "birth_date": "1980-05-17",
                                "note": f"核对{ID}", "count": 3}) == {
        "id_number": masking.mask_id(ID), "resident_phone": "138****8000", "birth_date": "1980年5月",
        "note": f"核对{masking.mask_id(ID)}", "count": 3}


@pytest.mark.parametrize("cuts, sep", [((6, 14), " "), ((6, 14), "-"), ((4, 8, 12, 16), " "), ((6, 10, 14), " ")])
def test_an_id_number_typed_in_groups_into_free_text_is_masked(cuts, sep):
    """Phones typed in groups were masked, ID numbers only when typed in one run: a note saying
    "身份证 330122 19431128 7052" printed the whole number on the roster and the dossier."""
    bounds = (0, *cuts, len(ID))
    typed = sep.join(ID[i:j] for i, j in zip(bounds, bounds[1:]))
    shown = masking.mask_text(f"本人身份证 {typed} 已核对")
    assert shown == f"本人身份证 {masking.mask_id(ID)} 已核对"
    # Other numbers in groups stay as written: amounts, dates, a household number with spaces.
    for text in ("金额 1 500 元，2026-10-01 至 2026-10-31", "户号 0120 0101 0100 01", "1 2 3 4 5 6 7 8 9 10 11 12"):
        assert masking.mask_text(text) == text
