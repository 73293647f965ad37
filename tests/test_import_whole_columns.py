"""A roster's columns are checked a whole column at a time (C iterators find the plain cells, only
the others are looked at one by one): each cell must come out as the one-cell rules make it,
whatever else its column holds."""

import datetime as dt

import pytest

from gridoffice.errors import ValidationError
from gridoffice.idcard import make_id, parse_id, parse_ids
from gridoffice.normalize import require_name, require_names
from gridoffice.org import regions
from gridoffice.roster import job
from gridoffice.roster.columns import parse_date
from gridoffice.store.db import open_db
from tests.test_import import messy_workbook, run

TODAY = dt.date(2026, 6, 1)
PLAIN = make_id("330102", dt.date(1980, 1, 2), 11)
ODD_IDS = [
    "330102198001020011",  # wrong check digit
    "12345", "", "  ", "33010219800102001x", "３３０１０２１９８００１０２００１１", "330102 19800102 0011",
    make_id("990102", dt.date(1980, 1, 2), 12),  # an unknown province: a warning, not a refusal
    make_id("330102", dt.date(2027, 1, 1), 13),  # born after today
    make_id("330102", dt.date(1880, 2, 28), 15),  # born before 1890
    make_id("330102", dt.date(1980, 2, 28), 17).replace("0228", "0230"),  # no such day
    "330102800102001",  # the old 15 digits, upgraded
    "3.30102198001E+17", "330102********0011", "33010219800102001",
]


def one_by_one(rule, values, **kw):
    out = []
    for value in values:
        try:
            out.append(rule(value, **kw))
        except ValidationError as exc:
            out.append(("refused", exc.message))
    return out


def as_compared(results):
    return [("refused", r.message) if isinstance(r, ValidationError) else r for r in results]


@pytest.mark.parametrize("column", [
    [PLAIN] * 3,
    [PLAIN, *ODD_IDS, PLAIN],
    [*ODD_IDS, 3.30102198001e17, None, PLAIN],  # a number in the column: no C-iterator path
])
def test_a_column_of_id_numbers_gives_what_each_number_gives(column):
    assert as_compared(parse_ids(column, today=TODAY)) == one_by_one(parse_id, column, today=TODAY)


def test_an_id_column_reports_every_odd_number_in_its_place():
    results = parse_ids([PLAIN, *ODD_IDS, PLAIN], today=TODAY)
    assert results[0].number == results[-1].number == PLAIN and results[0].sex == "M"
    assert results[1].message.startswith("身份证号码校验位不符")
    assert results[8].warnings and results[8].number == ODD_IDS[7]
    assert results[12].upgraded_from == "330102800102001"


@pytest.mark.parametrize("column", [
    ["王建国", "李秀英"],
    ["王建国", "买买提·艾力", "王 小明", "", "张3", "王" * 51, "李\u200b秀英", "阿依古丽"],
    ["王建国", None, 12, "张伟"],
])
def test_a_column_of_names_gives_what_each_name_gives(column):
    assert as_compared(require_names(column)) == one_by_one(require_name, column)


@pytest.mark.parametrize("text", ["1950年3月2日", "1950-3-2", "19500302", "１９５０年３月２日", " 1950年 3月2日 ",
                                  "1950年2月30日", "1950年3月"])
def test_a_date_written_plainly_reads_as_the_cleaned_text_does(text):
    try:
        expected = parse_date(" " + text + "\u200b")  # the same date, needing a clean
    except ValidationError as exc:
        with pytest.raises(ValidationError, match=exc.message.split("“")[0]):
            parse_date(text)
        return
    assert parse_date(text) == expected


def test_a_messy_roster_gives_the_same_reasons_and_notices_checked_one_household_at_a_time(db, tmp_path,
                                                                                          monkeypatch):
    """Each household alone in its part: the columns hold no other rows, so a cell that passes the
    column checks in company must pass them alone, and the other way round."""
    other = open_db(tmp_path / "other.db")
    for office in (db, other):
        community = regions.create_unit(office, None, "community", "东风社区")
        for name in ("第一网格", "第二网格"):
            regions.create_unit(office, community, "grid", name)
    path = messy_workbook(tmp_path / "roster.xlsx", extra_phone="0571 8888 6666 转 12")
    together = run(db, path)
    monkeypatch.setattr(job, "PART_ROWS", 1)
    alone = run(other, path)

    def outcome(result):
        return (result.refused, result.notices, result.persons_new, result.households_new, result.duplicates,
                result.sample)

    assert outcome(alone) == outcome(together)
    rows = "SELECT name, id_number, sex, birth_date, relation, phone, ethnicity, notes FROM persons ORDER BY id"
    assert other.execute(rows).fetchall() == db.execute(rows).fetchall()
    assert len(together.refused) == 9 and any("干儿子" in n.message for n in together.notices)
    assert ("王小明", "M", "1978-09-09", "son", "0571-88886666-12") in [
        (r[0], r[2], r[3], r[4], r[5]) for r in db.execute(rows).fetchall()]
    other.close()


def test_a_phone_in_full_width_digits_is_stored_as_plain_digits(db, tmp_path):
    """A cell that looks like a mobile number only to a Unicode-wide pattern is cleaned, not kept as typed."""
    community = regions.create_unit(db, None, "community", "东风社区")
    for name in ("第一网格", "第二网格"):
        regions.create_unit(db, community, "grid", name)
    run(db, messy_workbook(tmp_path / "roster.xlsx", extra_phone="13８００１３８０００"))
    phones = {row[0] for row in db.execute("SELECT phone FROM persons")}
    assert "13800138000" in phones and not any(p and not p.isascii() for p in phones)
