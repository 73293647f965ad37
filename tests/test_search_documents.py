"""Search documents of persons are made a batch at a time (each distinct name and place once, the ID
numbers' runs by C iterators): a row's document must not depend on the rows beside it."""

import datetime as dt

from gridoffice.idcard import make_id
from gridoffice.search.index import _Builder

PLAIN = make_id("330102", dt.date(1965, 3, 12), 123)
ENDS_IN_X = next(n for n in (make_id("330102", dt.date(1934, 12, 24), s) for s in range(1000)) if n.endswith("X"))
ROWS = [
    # id, name, ID number, phone, status, birth date, contact class, unit path
    (1, "张伟", PLAIN, "13912345678", "active", "1965-03-12", 1, "/1/2/"),
    (2, "单田芳", ENDS_IN_X, "", "deceased", "1934-12-24", 2, "/1/3/"),
    (3, "O'Neil 王", "33010219650312123", "0571-88886666-12", "active", None, None, None),  # 17 characters
    (4, "", None, None, "moved_out", "", 3, "/1/"),
    (5, "张伟", PLAIN[:6] + "-" + PLAIN[6:], "13912345678", "active", "1965-03-12", 1, "/1/2/"),
]
TAGS = {1: ["disabled"], 3: ["low_income", "elderly_alone"]}


def test_a_batch_gives_each_row_the_document_it_gets_alone():
    together = _Builder().persons(ROWS, TAGS, {2, 3})
    alone = [_Builder().persons([row], TAGS, {2, 3})[0] for row in ROWS]
    assert together == alone
    assert together[0].split()[:3] == ["张", "伟", "张伟"] and "zhangwei" in together[0].split()
    # The same person but for a dash in the number (and a tag): the dash is not part of the runs.
    assert _Builder().persons([ROWS[0]], {}) == _Builder().persons([ROWS[4]], {})
    assert _Builder().persons([], TAGS) == []
    assert together[0] != together[4]


def test_plain_id_numbers_get_the_runs_the_one_by_one_path_gives():
    numbers = (PLAIN, ENDS_IN_X, ENDS_IN_X.lower())
    assert _Builder()._id_texts(numbers) == [_Builder._id_text(n) for n in numbers]
    with_odd = numbers + ("33010219650312123", None)
    assert _Builder()._id_texts(with_odd) == [_Builder._id_text(n) for n in with_odd]
