import openpyxl
import pytest

from commands._progress import consume
from exports import roster
from gridoffice.audit import trail, journal
from gridoffice.roster import importer
from gridoffice.store.db import open_db
from gridoffice.errors import ValidationError
from gridoffice.access.users import whole_office


# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


def _cells(path):
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_roster_reads_back_unchanged(small_office, tmp_path):
    path = tmp_path / "花名册.xlsx"
    n = consume(roster.write(small_office, path, scope=ADMIN, full_numbers=True, reason="迁移到新电脑"), quiet=True)
    persons = small_office.execute("SELECT COUNT(*) FROM persons p JOIN households h ON h.id = p.household_id "
                                   "WHERE p.status = 'active' AND h.status = 'active'").fetchone()[0]
    assert n == persons
    result = consume(importer.import_file(small_office, path, dry_run=True), quiet=True)
    assert (result.rows, result.persons_unchanged, result.persons_updated, result.persons_new) == (n, n, 0, 0)
    assert not result.refused and result.households_new == 0
    # The household's own phone travels in its own column: the head's phone no longer overwrites it.
    assert result.households_updated == 0
    entry = journal.query(small_office, journal.Filter(action="export"), scope=ADMIN)[0]
    assert entry.new["kind"] == "roster" and entry.new["rows"] == n and entry.new["unmasked"]


def test_round_trip_into_a_new_office_gives_the_same_cells(small_office, tmp_path):
    first = tmp_path / "a.xlsx"
    consume(roster.write(small_office, first, scope=ADMIN, full_numbers=True, reason="迁移到新电脑"), quiet=True)
    fresh = open_db(tmp_path / "new.db")
    trail.set_actor(fresh, "测试员")
    result = consume(importer.import_file(fresh, first, create_grids=True), quiet=True)
    assert not result.refused
    second = tmp_path / "b.xlsx"
    consume(roster.write(fresh, second, scope=ADMIN, full_numbers=True, reason="迁移到新电脑"), quiet=True)
    a, b = _cells(first), _cells(second)
    assert a == b and len(a) > 500
    ids = [row[2] for row in a[1:] if row[2]]
    assert ids and all(isinstance(v, str) for v in ids)
    ws = openpyxl.load_workbook(first).worksheets[0]
    assert ws.cell(3, 3).data_type == "s"


def test_picked_columns_and_subtree(small_office, tmp_path):
    grid_id, grid = small_office.execute("SELECT id, name FROM org_units WHERE level = 'grid' ORDER BY id").fetchone()
    path = tmp_path / "g.xlsx"
    n = consume(roster.write(small_office, path, scope=ADMIN, org_id=grid_id, columns=["户号", "name", "sex", "所属网格"]), quiet=True)
    rows = _cells(path)
    assert rows[0] == ["户号", "姓名", "性别", "所属网格"]
    assert len(rows) - 1 == n and {r[3] for r in rows[1:]} == {grid} and {r[2] for r in rows[1:]} <= {"男", "女"}
    assert not journal.query(small_office, journal.Filter(action="export"), scope=ADMIN)[0].new["unmasked"]


@pytest.mark.parametrize("columns,words", [(["姓名", "年龄"], "年龄"), (["姓名", "性别"], "户号")])
def test_bad_columns(db, tmp_path, columns, words):
    with pytest.raises(ValidationError) as e:
        consume(roster.write(db, tmp_path / "x.xlsx", scope=ADMIN, columns=columns), quiet=True)
    assert e.value.field == "columns" and words in str(e.value)
    assert not list(tmp_path.glob("*.xlsx"))
