"""The demo-data generator: same seed same rows, valid IDs, sound households, plausible rates."""

import datetime as dt
import re
import sqlcipher3.dbapi2 as sqlite3

import pytest

from commands import run as cli
from gridoffice import vocab
from gridoffice.archive import completeness
from gridoffice.demo import generator
from gridoffice.search import finder
from gridoffice.store.db import get_setting, memory_db, open_db, raw_connect
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.idcard import check_consistency, parse_id
from gridoffice.normalize import normalize_phone
from gridoffice.access.users import whole_office

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 11, 1)
_TABLES = ("org_units", "households", "persons", "person_tags", "staff", "staff_roles", "teams", "team_members",
           "contacts", "settings")


def _build(households, seed, database=None, **kwargs):
    database = database or memory_db()
    job = generator.generate(database, households=households, seed=seed, today=TODAY, **kwargs)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return database, stop.value


def _dump(database):
    # Each office gets its own identity, and the audit head hashes the wall-clock time of its entry;
    # global ids are random like the office's (two offices made from one seed must not share them).
    where = {"settings": " WHERE key NOT IN ('office_uuid', 'audit_head')"}
    dumped = {}
    for t in _TABLES:
        columns = ", ".join(f"[{c[1]}]" for c in database.execute(f"PRAGMA table_info([{t}])") if c[1] != "gid")
        dumped[t] = database.execute(f"SELECT {columns} FROM [{t}]{where.get(t, '')} ORDER BY 1").fetchall()
    return dumped


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A moderate office (2,000 households) for the rates and grid sizes."""
    database = open_db(tmp_path_factory.mktemp("gen") / "office.db")
    database, stats = _build(2000, 11, database)
    yield database, stats
    database.close()


def _one(database, sql, params=()):
    return database.execute(sql, params).fetchone()[0]


def test_same_seed_same_rows_and_another_seed_other_rows():
    first, _ = _build(250, 5)
    second, _ = _build(250, 5)
    third, _ = _build(250, 6)
    assert _dump(first) == _dump(second)
    assert _dump(first)["persons"] != _dump(third)["persons"]


def test_stats_match_the_rows(office):
    database, stats = office
    assert stats.households == 2000 == _one(database, "SELECT count(*) FROM households")
    assert stats.persons == _one(database, "SELECT count(*) FROM persons")
    assert stats.grids == _one(database, "SELECT count(*) FROM org_units WHERE level = 'grid'")
    assert stats.staff == _one(database, "SELECT count(*) FROM staff")
    assert stats.teams == stats.grids == _one(database, "SELECT count(DISTINCT grid_id) FROM teams")
    assert stats.contacts == _one(database, "SELECT count(*) FROM contacts")
    assert 0 <= stats.index_seconds <= stats.seconds


def test_ids_are_valid_unique_and_agree_with_sex_and_birth(small_office):
    rows = small_office.execute("SELECT id_number, sex, birth_date FROM persons").fetchall()
    assert len(rows) > 600
    for number, sex, birth in rows:
        info = parse_id(number, today=TODAY)
        assert info.number == number and info.warnings == ()
        check_consistency(info, sex=sex, birth_date=dt.date.fromisoformat(birth))
    assert len({r[0] for r in rows}) == len(rows)


def test_every_active_household_has_one_active_head_and_leavers_have_nobody_active(small_office):
    heads = small_office.execute(
        "SELECT h.status, (SELECT count(*) FROM persons p WHERE p.household_id = h.id AND p.status = 'active' "
        "AND p.relation = 'head'), (SELECT count(*) FROM persons p WHERE p.household_id = h.id "
        "AND p.status = 'active') FROM households h").fetchall()
    assert {n for status, n, _ in heads if status == "active"} == {1}
    assert {m for status, _, m in heads if status != "active"} <= {0}
    assert _one(small_office, "SELECT count(*) FROM persons WHERE relation = 'head'") == len(heads)


def test_the_completeness_check_finds_nothing(small_office):
    job = completeness.completeness(small_office, today=TODAY, scope=ADMIN)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            assert stop.value == []
            break


def test_party_members_contact_five_to_ten_households_and_class_one_a_principal_cadre(office):
    database, _ = office
    counts = [n for (n,) in database.execute(
        "SELECT count(c.id) FROM staff s LEFT JOIN contacts c ON c.staff_id = s.id AND c.until IS NULL "
        "WHERE s.kind = 'party_member' GROUP BY s.id")]
    assert counts and min(counts) >= 5 and max(counts) <= 10
    linked = _one(database, "SELECT count(*) FROM staff WHERE kind = 'party_member' AND person_id IS NOT NULL")
    assert 0 < linked < len(counts) + 1
    # A linked party member is a resident whose political status says so.
    assert _one(database, "SELECT count(*) FROM staff s JOIN persons p ON p.id = s.person_id "
                          "WHERE s.kind = 'party_member' AND p.political_status != 'party_member'") == 0
    # Every active household has exactly one open contact, of the right kind for its class.
    rows = database.execute(
        "SELECT h.contact_class, count(c.id), group_concat(r.role) FROM households h "
        "LEFT JOIN contacts c ON c.household_id = h.id AND c.until IS NULL "
        "LEFT JOIN staff_roles r ON r.staff_id = c.staff_id AND r.role IN ('principal_cadre', 'committee_member') "
        "WHERE h.status = 'active' GROUP BY h.id").fetchall()
    assert {n for _, n, _ in rows} == {1}
    assert {role for cls, _, role in rows if cls == 1} == {"principal_cadre"}
    assert {role for cls, _, role in rows if cls == 2} == {"committee_member"}


def test_grids_hold_100_to_500_households_and_each_has_a_team(office):
    database, _ = office
    sizes = [n for (n,) in database.execute(
        "SELECT count(h.id) FROM org_units g LEFT JOIN org_units u ON u.grid_id = g.id "
        "LEFT JOIN households h ON h.org_id = u.id WHERE g.level = 'grid' GROUP BY g.id")]
    assert len(sizes) >= 4 and min(sizes) >= 100 and max(sizes) <= 500
    roles = {r for (r,) in database.execute(
        "SELECT DISTINCT r.role FROM staff_roles r JOIN org_units g ON g.id = r.org_id AND g.level = 'grid'")}
    assert {"grid_head", "grid_worker_a", "proxy_agent"} <= roles
    per_grid = database.execute(
        "SELECT count(*), min(n), group_concat(DISTINCT duty) FROM (SELECT t.id, count(m.id) n, m.duty FROM teams t "
        "JOIN team_members m ON m.team_id = t.id GROUP BY t.id)").fetchone()
    assert per_grid[1] >= 5
    duties = {d for (d,) in database.execute("SELECT DISTINCT duty FROM team_members")}
    assert duties <= set(vocab.TEAM_DUTIES) and len(duties) >= 4


def test_the_tree_paths_and_grid_ids_are_consistent(office):
    database, _ = office
    units = {r[0]: r for r in database.execute("SELECT id, parent_id, level, path, grid_id FROM org_units")}
    for uid, parent, level, path, grid_id in units.values():
        expected = (units[parent][3] if parent else "/") + f"{uid}/"
        assert path == expected
        ancestors = [int(x) for x in path.strip("/").split("/")]
        grids = [a for a in ancestors if units[a][2] == "grid"]
        assert grid_id == (grids[0] if grids else None)
        if parent:
            assert vocab.LEVEL_RANK[level] > vocab.LEVEL_RANK[units[parent][2]]
    assert _one(database, "SELECT count(*) FROM households h JOIN org_units u ON u.id = h.org_id "
                          "WHERE u.grid_id IS NULL") == 0
    office_id = int(get_setting(database, "office_org_id"))
    assert units[office_id][2] == "community"
    assert get_setting(database, "office_name").endswith("社区")
    numbers = [n for (n,) in database.execute("SELECT number FROM households")]
    assert len(set(numbers)) == len(numbers) and all(n.isdigit() for n in numbers)


def test_rates_look_like_a_real_population(office):
    database, _ = office
    persons = _one(database, "SELECT count(*) FROM persons")
    households = _one(database, "SELECT count(*) FROM households")

    def share(sql):
        return _one(database, sql) / persons

    def tag(code):
        return share(f"SELECT count(DISTINCT person_id) FROM person_tags WHERE tag = '{code}' AND until IS NULL")

    assert 2.5 <= persons / households <= 3.2
    assert 0.055 <= share("SELECT count(*) FROM persons WHERE political_status = 'party_member'") <= 0.095
    assert 0.04 <= tag("disabled") <= 0.08
    assert 0.015 <= tag("low_income") <= 0.045
    assert 0.05 <= tag("floating") <= 0.15
    assert 0.005 <= share("SELECT count(*) FROM persons WHERE status = 'deceased'") <= 0.02
    assert 0.01 <= share("SELECT count(*) FROM persons WHERE status = 'moved_out'") <= 0.04
    classes = dict(database.execute("SELECT contact_class, count(*) / 1.0 / ? FROM households GROUP BY 1",
                                    [households]).fetchall())
    assert 0.03 <= classes[1] <= 0.08 and 0.10 <= classes[2] <= 0.20
    sizes = {n for (n,) in database.execute(
        "SELECT count(*) FROM persons WHERE status = 'active' GROUP BY household_id")}
    assert sizes == {1, 2, 3, 4, 5, 6}
    surnames = dict(database.execute("SELECT substr(name, 1, 1), count(*) / 1.0 / ? FROM persons GROUP BY 1",
                                     [persons]).fetchall())
    for common in "王李张":
        assert 0.045 <= surnames[common] <= 0.10
    assert "曾" in surnames
    assert set(vocab.TAGS) - {t for (t,) in database.execute("SELECT DISTINCT tag FROM person_tags")} <= {"correction"}


def test_codes_dates_addresses_and_phones_are_well_formed(office):
    database, _ = office
    for column, table in (("relation", vocab.RELATIONS), ("political_status", vocab.POLITICAL_STATUS),
                          ("residence", vocab.RESIDENCE), ("status", vocab.PERSON_STATUS)):
        assert {v for (v,) in database.execute(f"SELECT DISTINCT {column} FROM persons")} <= set(table)
    assert {v for (v,) in database.execute("SELECT DISTINCT kind FROM staff")} <= set(vocab.STAFF_KINDS)
    assert {v for (v,) in database.execute("SELECT DISTINCT role FROM staff_roles")} <= set(vocab.STAFF_ROLES)
    # A status date exactly when the status is not 'active', never in the future, never before birth.
    assert _one(database, "SELECT count(*) FROM persons WHERE (status = 'active') = (status_date IS NOT NULL) "
                          "OR status_date > ? OR status_date < birth_date", [TODAY.isoformat()]) == 0
    assert _one(database, "SELECT count(*) FROM households WHERE (status = 'active') = (status_date IS NOT NULL)") == 0
    assert _one(database, "SELECT count(*) FROM person_tags WHERE since > coalesce(until, ?) OR since > ?",
                [TODAY.isoformat(), TODAY.isoformat()]) == 0
    urban = re.compile(r"^\w{2,4}(小区|花园|新村|家园|公寓|苑)\d+幢\d单元\d{3,4}室$")
    rural = re.compile(r"^\w{2,4}村\d+组\d+号$")
    addresses = [a for (a,) in database.execute("SELECT address FROM households")]
    assert all(urban.match(a) or rural.match(a) for a in addresses)
    assert any(urban.match(a) for a in addresses) and any(rural.match(a) for a in addresses)
    assert len(set(addresses)) == len(addresses)
    phones = [p for (p,) in database.execute(
        "SELECT phone FROM persons WHERE phone != '' UNION ALL SELECT phone FROM households WHERE phone != '' "
        "UNION ALL SELECT phone FROM staff")]
    assert all(normalize_phone(p) == p for p in phones)
    assert any(len(p) == 11 for p in phones) and any("-" in p for p in phones)


def test_generations_are_in_a_believable_age_order(office):
    database, _ = office
    gaps = dict(database.execute(
        "SELECT p.relation, min(julianday(p.birth_date) - julianday(h.birth_date)) / 365.25 FROM persons p "
        "JOIN persons h ON h.household_id = p.household_id AND h.relation = 'head' GROUP BY p.relation").fetchall())
    assert gaps["son"] >= 14 and gaps["daughter"] >= 14
    assert gaps["grandson"] >= 30 and gaps["granddaughter"] >= 30
    olders = dict(database.execute(
        "SELECT p.relation, max(julianday(p.birth_date) - julianday(h.birth_date)) / 365.25 FROM persons p "
        "JOIN persons h ON h.household_id = p.household_id AND h.relation = 'head' "
        "WHERE p.relation IN ('father', 'mother') GROUP BY p.relation").fetchall())
    assert olders["father"] <= -20 and olders["mother"] <= -20
    assert _one(database, "SELECT count(*) FROM persons p JOIN persons h ON h.household_id = p.household_id "
                          "AND h.relation = 'head' WHERE p.relation = 'spouse' AND p.sex = h.sex") == 0


def test_one_audit_entry_and_the_search_index_is_built(small_office):
    entries = small_office.execute("SELECT action, actor, new FROM audit").fetchall()
    assert [(a, who) for a, who, _ in entries] == [("generate", "测试员")]
    assert '"seed": 7' in entries[0][2] and '"households": 300' in entries[0][2]
    name, pid = small_office.execute("SELECT name, id FROM persons WHERE status = 'active' ORDER BY id "
                                     "LIMIT 1 OFFSET 40").fetchone()
    assert pid in {h.id for h in finder.search(small_office, name, scope=ADMIN, kind="person", today=TODAY)}


def test_a_district_above_the_single_office_size(monkeypatch):
    monkeypatch.setattr(generator, "SINGLE_OFFICE_MAX", 500)
    database, stats = _build(1500, 3)
    levels = dict(database.execute("SELECT level, count(*) FROM org_units GROUP BY level").fetchall())
    assert levels["district"] == 1 and levels["street"] >= 2 and levels["community"] >= 2
    office_id = int(get_setting(database, "office_org_id"))
    assert _one(database, "SELECT level FROM org_units WHERE id = ?", [office_id]) == "district"
    assert stats.households == 1500


def test_refuses_an_office_that_already_has_data_and_writes_nothing(small_office):
    before = _dump(small_office)
    with pytest.raises(RuleViolation, match="已有单位或住户数据"):
        _build(50, 1, small_office)
    assert _dump(small_office) == before
    with pytest.raises(ValidationError, match="户数应为1至") as caught:
        _build(0, 1)
    assert caught.value.field == "households"


def test_cancelling_half_way_leaves_the_file_empty(tmp_path):
    database = open_db(tmp_path / "office.db")
    job = generator.generate(database, households=600, seed=1, today=TODAY)
    next(job)
    job.close()
    assert _one(database, "SELECT count(*) FROM households") == 0
    assert _one(database, "SELECT count(*) FROM audit") == 0
    assert _one(database, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons'") >= 5
    database.close()


def test_the_command_line_generates_prints_figures_and_refuses_a_second_time(tmp_path, capsys):
    path = tmp_path / "demo.db"
    args = ["generate", "--db", str(path), "--households", "150", "--seed", "2", "--today", "2026-11-01", "-q"]
    assert cli(args) == 0
    out = capsys.readouterr().out
    assert "住户 150 户" in out and "网格" in out
    database = open_db(path)
    assert _one(database, "SELECT count(*) FROM households") == 150
    database.close()
    assert cli(args) == 2
    assert "已经有单位或住户数据" in capsys.readouterr().err
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("住户名单", encoding="utf-8")
    assert cli(["generate", "--db", str(not_sqlite), "--households", "10", "-q"]) == 2
    assert "是一个文本文件，演示数据只能生成到新的空文件中" in capsys.readouterr().err
    assert not_sqlite.read_text(encoding="utf-8") == "住户名单"
    assert cli(["generate", "--db", str(tmp_path / "x.db"), "--households", "10", "--today", "2026-13-01"]) == 2
    assert "日期" in capsys.readouterr().err
    assert cli(["generate", "--db", str(tmp_path / "zero.db"), "--households", "0", "-q"]) == 2
    assert "户数应为1至" in capsys.readouterr().err
    assert not (tmp_path / "zero.db").exists()


def test_a_generated_file_is_a_sound_sqlite_database(small_office):
    assert _one(small_office, "PRAGMA integrity_check") == "ok"
    assert small_office.execute("PRAGMA foreign_key_check").fetchall() == []
    with pytest.raises(sqlite3.IntegrityError):
        small_office.execute("INSERT INTO households(number, org_id, contact_class, status) "
                             "SELECT number, org_id, 3, 'active' FROM households LIMIT 1")


def test_the_file_is_left_in_wal_mode(small_office_template):
    # A read-only connection does not switch the mode itself (open_db would).
    reader = raw_connect(small_office_template, readonly=True)
    assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader.close()


def test_generates_inside_a_callers_transaction(tmp_path):
    database = open_db(tmp_path / "office.db")
    with database.atomic():
        _, stats = _build(120, 4, database)
    assert _one(database, "SELECT count(*) FROM households") == stats.households == 120
    assert _one(database, "PRAGMA journal_mode") == "wal"
    database.close()
