"""The full roster carries the whole archive a roster can hold, and the import reads it back:
exported and imported into an empty office it gives the same archive; imported again into the
office it came from it changes nothing. Grids are found by their path, so two grids of one name
under different units stay apart."""

import datetime as dt

import openpyxl

from commands._progress import consume
from exports import roster
from gridoffice.archive import households, office_tags, people
from gridoffice.audit import trail
from gridoffice.org import regions
from gridoffice.roster import importer
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")
REASON = "迁移到新电脑"
TODAY = dt.date(2026, 11, 1)


def archive(db) -> dict:
    """Everything of the office's households and members in register, keyed as a roster keys
    it (household number, ID number, unit path below the office's unit): ids differ between
    offices, what they hold must not."""
    paths = regions.unit_paths(db)
    ids = dict(db.execute("SELECT id, id_number FROM persons"))
    homes = {}
    for household_id, number, org_id, address, phone, contact_class, rep, notes in db.execute(
            "SELECT id, number, org_id, address, phone, contact_class, representative_id, notes FROM households "
            "WHERE status = 'active'"):
        hardship = sorted(db.execute("SELECT tag, since, until, coalesce(note, '') FROM household_tags "
                                     "WHERE household_id = ?", [household_id]).fetchall())
        homes[number] = (paths.get(org_id), address, phone, contact_class, ids.get(rep), notes, tuple(hardship))
    members = {}
    for row in db.execute(
            "SELECT p.id_number, h.number, p.name, p.sex, p.birth_date, p.relation, p.ethnicity, p.political_status, "
            "p.education, p.occupation, p.phone, p.residence, p.notes, p.id FROM persons p "
            "JOIN households h ON h.id = p.household_id WHERE p.status = 'active' AND h.status = 'active'"):
        tags = sorted(db.execute("SELECT tag, since, until, coalesce(note, '') FROM person_tags WHERE person_id = ?",
                                 [row[-1]]).fetchall())
        members[row[0]] = (*row[1:-1], tuple(tags))
    return {"households": homes, "persons": members}


def _export(db, path):
    return consume(roster.write(db, path, scope=ADMIN, full_numbers=True, reason=REASON), quiet=True)


def _duplicate_grid_name(db):
    """A second unit holding a grid of the same name as one that has households, with some of them."""
    grid_id, grid_name, area_id = db.execute(
        "SELECT g.id, g.name, g.parent_id FROM org_units g WHERE g.level = 'grid' ORDER BY g.id").fetchone()
    parent = db.execute("SELECT parent_id FROM org_units WHERE id = ?", [area_id]).fetchone()[0]
    other_area = regions.create_unit(db, parent, "area", "新建片区")
    twin = regions.create_unit(db, other_area, "grid", grid_name)
    estate = regions.create_unit(db, twin, "estate", "同名网格小区")
    moved = [h for (h,) in db.execute("SELECT id FROM households WHERE org_id IN (SELECT id FROM org_units "
                                      "WHERE grid_id = ?) AND status = 'active' ORDER BY id LIMIT 5", [grid_id])]
    for n, household_id in enumerate(moved):
        households.move_household(db, household_id, twin if n % 2 else estate)
    return grid_name, moved


def _enrich(db):
    """What the generator leaves out: a tag's note, a representative who is not the head."""
    person_id = db.execute("SELECT person_id FROM person_tags WHERE until IS NULL ORDER BY id").fetchone()[0]
    tag = db.execute("SELECT tag FROM person_tags WHERE person_id = ? AND until IS NULL", [person_id]).fetchone()[0]
    db.execute("UPDATE person_tags SET note = '民政复核（2025年）；备注' WHERE person_id = ? AND tag = ?", [person_id, tag])
    household_id, member = db.execute(
        "SELECT h.id, p.id FROM households h JOIN persons p ON p.household_id = h.id AND p.relation != 'head' "
        "AND p.status = 'active' WHERE h.status = 'active' AND h.representative_id != p.id ORDER BY h.id").fetchone()
    households.update_household(db, household_id, representative_id=member, notes="户内有=SUM(A1)这样的文字\n第二行")
    office_tags.add_household_tag(db, household_id, "低保户", since="2024-03-01", note="城市低保", today=TODAY)
    office_tags.add_household_tag(db, household_id, "困难户", since="2021-01-01", today=TODAY)
    office_tags.end_household_tag(db, household_id, "困难户", until="2023-12-31", today=TODAY)
    return household_id, member


def test_the_full_roster_into_an_empty_office_gives_the_same_archive(small_office, tmp_path):
    grid_name, moved = _duplicate_grid_name(small_office)
    _enrich(small_office)
    before = archive(small_office)
    path = tmp_path / "花名册.xlsx"
    n = _export(small_office, path)
    assert n == len(before["persons"]) > 500
    fresh = open_db(tmp_path / "new.db")
    trail.set_actor(fresh, "测试员")
    result = consume(importer.import_file(fresh, path, create_grids=True), quiet=True)
    assert not result.refused and result.persons_new == n
    assert archive(fresh) == before
    # The two grids of one name are two units in the new office, under their own parents.
    twins = fresh.execute("SELECT parent_id FROM org_units WHERE name = ? AND level = 'grid'", [grid_name]).fetchall()
    assert len(twins) == 2 and twins[0] != twins[1]
    # The units were made with their levels.
    levels = {r[0] for r in fresh.execute("SELECT level FROM org_units")}
    assert levels == {"area", "grid", "estate", "building"}
    fresh.close()


def test_the_full_roster_imported_again_changes_nothing(small_office, tmp_path):
    _duplicate_grid_name(small_office)
    _enrich(small_office)
    before = archive(small_office)
    last_audit = small_office.execute("SELECT max(id) FROM audit").fetchone()[0]
    path = tmp_path / "花名册.xlsx"
    n = _export(small_office, path)
    result = consume(importer.import_file(small_office, path), quiet=True)
    assert (result.persons_unchanged, result.persons_updated, result.persons_new) == (n, 0, 0)
    assert (result.households_updated, result.households_new, result.refused) == (0, 0, ())
    assert archive(small_office) == before
    # Only the export's own entry: the import changed nothing, so it recorded nothing.
    actions = [a for (a,) in small_office.execute("SELECT action FROM audit WHERE id > ?", [last_audit])]
    assert actions == ["export"]


def test_the_roster_cells_say_it_in_words(small_office, tmp_path):
    household_id, member = _enrich(small_office)
    path = tmp_path / "花名册.xlsx"
    _export(small_office, path)
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    head = list(rows[0])
    for label in ("人群类别", "户联系电话", "联系类别", "户代表", "户备注", "所属单元", "单元层级", "户困难登记"):
        assert label in head
    number, id_number = small_office.execute(
        "SELECT h.number, p.id_number FROM households h JOIN persons p ON p.id = ? WHERE h.id = ?",
        [member, household_id]).fetchone()
    mine = [dict(zip(head, r)) for r in rows[1:] if r[head.index("户号")] == number]
    assert [r["户代表"] for r in mine if r["身份证号码"] == id_number] == ["是"]
    assert all(r["户代表"] in ("", None) for r in mine if r["身份证号码"] != id_number)
    assert mine[0]["户备注"] == "户内有=SUM(A1)这样的文字\n第二行"
    assert mine[0]["联系类别"] in ("一类", "二类", "三类")
    assert mine[0]["户困难登记"] == "困难户 2021-01-01至2023-12-31\n低保户 2024-03-01起（城市低保）"
    # The formula-like note is a text cell, never a formula.
    col = head.index("户备注") + 1
    row_no = next(i for i, r in enumerate(rows, start=2) if r[head.index("户号")] == number)
    assert ws.cell(row_no, col).data_type == "s"
    assert {r["单元层级"] for r in mine} <= {"片区/网格/小区/楼栋", "片区/网格"}
    tagged = [r["人群类别"] for r in (dict(zip(head, r)) for r in rows[1:]) if r["人群类别"]]
    assert any("起" in t for t in tagged) and any("至" in t for t in tagged)
    assert any("（民政复核（2025年）；备注）" in t for t in tagged)


def test_the_masked_roster_shows_register_days_as_months(small_office, tmp_path):
    path = tmp_path / "花名册.xlsx"
    consume(roster.write(small_office, path, scope=ADMIN), quiet=True)
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    col = list(rows[0]).index("人群类别")
    cells = [r[col] for r in rows[1:] if r[col]]
    assert cells and all("年" in c and "月" in c for c in cells)
    assert not any(ch.isdigit() and "-" in c for c in cells for ch in c[-3:])


def test_a_grid_worker_role_without_sensitive_tags_exports_none_and_reimport_keeps_them(small_office, tmp_path):
    scope = whole_office("测试员")
    limited = type(scope)(**{**scope.__dict__, "tags": frozenset(scope.tags) - {"low_income", "disabled"}})
    path = tmp_path / "花名册.xlsx"
    consume(roster.write(small_office, path, scope=limited, full_numbers=True, reason=REASON), quiet=True)
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    col = list(rows[0]).index("人群类别")
    assert not any("低保" in (r[col] or "") or "残疾" in (r[col] or "") for r in rows[1:])
    before = archive(small_office)
    result = consume(importer.import_file(small_office, path), quiet=True)
    assert result.persons_updated == 0 and archive(small_office) == before


def test_tag_cells_are_checked_and_refused_rows_say_why(small_office, tmp_path):
    path = tmp_path / "花名册.xlsx"
    _export(small_office, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[2]]
    col = head.index("人群类别") + 1
    ws.cell(3, col).value = "外星人 2020-01-01起"
    ws.cell(4, col).value = "残疾人 2020-05-01至2019-01-01"
    ws.cell(5, col).value = "残疾人 2020-05-01起\n残疾人 2021-01-01起"
    wb.save(path)
    before = archive(small_office)
    result = consume(importer.import_file(small_office, path), quiet=True)
    reasons = {r.row: r.reason for r in result.refused}
    assert "人群类别“外星人”不存在" in reasons[3]
    assert "早于开始日期" in reasons[4]
    assert "两条未结束" in reasons[5]
    assert archive(small_office) == before


def test_a_new_register_entry_and_an_end_are_imported_and_audited(small_office, tmp_path):
    person_id, id_number, household = small_office.execute(
        "SELECT p.id, p.id_number, h.number FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE p.status = 'active' AND h.status = 'active' AND NOT EXISTS (SELECT 1 FROM person_tags t "
        "WHERE t.person_id = p.id) ORDER BY p.id").fetchone()
    people.add_tag(small_office, person_id, "残疾人", since="2020-03-01", today=TODAY)
    path = tmp_path / "花名册.xlsx"
    _export(small_office, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[2]]
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, head.index("身份证号码") + 1).value == id_number)
    ws.cell(row, head.index("人群类别") + 1).value = "残疾人 2020-03-01至2024-06-30\n优抚对象 2021-01-01起"
    wb.save(path)
    result = consume(importer.import_file(small_office, path), quiet=True)
    assert result.persons_updated == 1 and not result.refused
    tags = small_office.execute("SELECT tag, since, until FROM person_tags WHERE person_id = ? ORDER BY tag",
                                [person_id]).fetchall()
    assert tags == [("disabled", "2020-03-01", "2024-06-30"), ("special_care", "2021-01-01", None)]
    actions = [a for (a,) in small_office.execute("SELECT action FROM audit WHERE table_name = 'person_tags' "
                                                  "ORDER BY id DESC LIMIT 2")]
    assert actions == ["import_tag", "import_tag"]


def test_a_households_hardship_in_the_roster_is_imported_onto_its_household(small_office, tmp_path):
    path = tmp_path / "花名册.xlsx"
    _export(small_office, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = [c.value for c in ws[2]]
    number = ws.cell(3, head.index("户号") + 1).value
    rows = [r for r in range(3, ws.max_row + 1) if ws.cell(r, head.index("户号") + 1).value == number]
    for r in rows:  # the head's row is read first, the others repeat it
        ws.cell(r, head.index("户困难登记") + 1).value = "低保户 2025-04-01起"
    wb.save(path)
    result = consume(importer.import_file(small_office, path, today=TODAY), quiet=True)
    assert (result.households_updated, result.persons_updated, result.refused) == (1, 0, ())
    household_id = small_office.execute("SELECT id FROM households WHERE number = ?", [number]).fetchone()[0]
    assert [(t.tag, t.since) for t in office_tags.household_tags_of(small_office, household_id, scope=ADMIN)] == [
        ("low_income_household", "2025-04-01")]
    again = consume(importer.import_file(small_office, path, today=TODAY), quiet=True)
    assert again.households_updated == 0
