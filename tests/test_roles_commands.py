"""Roles in the headless commands (THREATS.md, "a logged-in user of a lower role"): each command
reads and writes with the logged-in user's scope, so a grid worker gets from the command line
exactly what their pages show, and a role is refused in Chinese what it may not do. The office is
made by `generate` (accounts admin, clerk and grid; the grid worker works in the first grid), and
the administrator adds a leader through `users add`."""

import io

import openpyxl
import pytest

import commands
from commands._progress import consume
from gridoffice.access import keys, session
from gridoffice.audit import journal
from gridoffice.access.users import whole_office

AUDITOR = whole_office("测试员")  # a role that reads the audit trail

PASSWORD = "demo1234"
ROLES = ("admin", "leader", "clerk", "grid")
MAY_REVEAL = {"admin", "clerk"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """200 households in two grids with a year of matters, visits and logs, and a leader account."""
    path = tmp_path_factory.mktemp("roles") / "office.db"
    assert commands.run(["generate", "--db", str(path), "--households", "200", "--seed", "3",
                         "--today", "2026-11-01", "-q"]) == 0
    s = session.log_in(path, "admin", PASSWORD)
    db = s.db
    grids = db.execute("SELECT id, name, path FROM org_units WHERE level = 'grid' ORDER BY path").fetchall()
    mine, other = grids[0][:2], grids[1][:2]
    paths = {g: path for g, _, path in grids}

    def one(sql, grid):
        """`sql` with UNDER standing for the condition that household h lies in the grid's subtree."""
        under = "h.org_id IN (SELECT id FROM org_units WHERE substr(path, 1, ?) = ?)"
        return db.execute(sql.replace("UNDER", under), [len(paths[grid]), paths[grid]]).fetchone()

    # A name borne by one person of the other grid only, and an ID number in the worker's own grid.
    other_name = one("SELECT p.name FROM persons p JOIN households h ON h.id = p.household_id "
                     "WHERE UNDER AND p.status = 'active' AND (SELECT count(*) FROM persons q "
                     "WHERE q.name = p.name) = 1 ORDER BY p.id LIMIT 1", other[0])[0]
    own_id = one("SELECT p.id_number FROM persons p JOIN households h ON h.id = p.household_id "
                 "WHERE UNDER AND length(p.id_number) = 18 ORDER BY p.id LIMIT 1", mine[0])[0]
    own_household = one("SELECT h.number FROM households h WHERE UNDER AND h.status = 'active' ORDER BY h.id LIMIT 1",
                        mine[0])[0]
    matter = "SELECT m.number FROM matters m JOIN households h ON h.id = m.household_id WHERE UNDER ORDER BY m.id LIMIT 1"
    other_matter, own_matter = one(matter, other[0])[0], one(matter, mine[0])[0]
    in_grid = {g: one("SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id "
                      "WHERE UNDER AND p.status = 'active'", g)[0] for g, _, _ in grids}
    s.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRIDOFFICE_USER", "admin")
        mp.setenv("GRIDOFFICE_PASSWORD", PASSWORD)
        mp.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        assert commands.run(["users", "add", "--db", str(path), "--name", "leader", "--role", "leader",
                             "--password-stdin"]) == 0
    return dict(path=path, mine=mine, other=other, other_name=other_name, own_id=own_id, own_household=own_household,
                other_matter=other_matter, own_matter=own_matter, in_grid=in_grid)


@pytest.fixture
def office(generated, tmp_path):
    path = tmp_path / "office.db"
    path.write_bytes(generated["path"].read_bytes())
    keys.copy(generated["path"], path)
    return dict(generated, path=path, tmp=tmp_path)


def run_as(role, monkeypatch, capsys, *argv):
    """A command run by `role`, logged in with its password; (exit code, stdout, stderr)."""
    monkeypatch.setenv("GRIDOFFICE_USER", role)
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", PASSWORD)
    capsys.readouterr()
    code = commands.run(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def entries(path, action):
    s = session.log_in(path, "admin", PASSWORD)
    try:
        return journal.query(s.db, journal.Filter(action=action), scope=AUDITOR)
    finally:
        s.close()


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_only_the_users_grids(office, role, monkeypatch, capsys):
    code, out, err = run_as(role, monkeypatch, capsys, "search", "--db", str(office["path"]), office["other_name"])
    if role == "grid":
        assert code == 1 and out == "" and "没有找到" in err
    else:
        assert code == 0 and office["other_name"] in out


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("how", ["full", "prefix", "groups"])
def test_a_number_search_is_refused_or_recorded_by_role(office, role, how, monkeypatch, capsys):
    """Search as an oracle: a guessed ID (whole, its first ten digits, or typed in groups) is
    confirmed only by a role that may reveal numbers, and then with an audit entry."""
    number = office["own_id"]
    query = {"full": number, "prefix": number[:10], "groups": f"{number[:6]} {number[6:14]} {number[14:]}"}[how]
    code, out, err = run_as(role, monkeypatch, capsys, "search", "--db", str(office["path"]), query)
    logged = entries(office["path"], "search_numbers")
    if role in MAY_REVEAL:
        assert code == 0 and out
        assert [(e.actor, e.new["query"]) for e in logged] == [(role, query)]
        assert logged[0].new["matches"] == len(out.splitlines())
    else:
        assert code == 2 and out == "" and "最多输入4位数字" in err and "可以查看完整号码的角色才能查找" in err
        assert logged == []
    # Four digits (a phone's tail) are an ordinary search for every role, and leave no entry.
    code, out, err = run_as(role, monkeypatch, capsys, "search", "--db", str(office["path"]), number[-5:-1])
    assert code in (0, 1) and "最多输入" not in err
    assert len(entries(office["path"], "search_numbers")) == len(logged)


@pytest.mark.parametrize("role", ROLES)
def test_a_household_number_is_searched_as_one_by_every_role(office, role, monkeypatch, capsys):
    """A generated office's household numbers are 14 digits: typed whole or in part they find the
    household by its number only, so they are no number search and leave no entry."""
    number = office["own_household"]
    assert number.isdigit() and len(number) > 4
    for query in (number, number[:8]):
        code, out, err = run_as(role, monkeypatch, capsys, "search", "--db", str(office["path"]), query)
        assert code == 0 and f"户号{number}" in out, err
        assert all("户号" + query in line for line in out.splitlines())
    assert entries(office["path"], "search_numbers") == []


@pytest.mark.parametrize("role", ROLES)
def test_cards_of_another_grid_are_refused_to_a_grid_worker(office, role, monkeypatch, capsys):
    out_pdf = office["tmp"] / "cards.pdf"
    code, _, err = run_as(role, monkeypatch, capsys, "cards", "--db", str(office["path"]), "--grid",
                          office["other"][1], "-o", str(out_pdf))
    if role == "grid":
        assert code == 1 and "不在您负责的范围内" in err and not out_pdf.exists()
        code, _, err = run_as(role, monkeypatch, capsys, "cards", "--db", str(office["path"]), "--grid",
                              office["mine"][1], "-o", str(out_pdf))
    assert code == 0 and out_pdf.exists(), err


@pytest.mark.parametrize("role", ROLES)
def test_the_roster_holds_the_users_grids_and_full_numbers_only_for_roles_that_reveal(office, role, monkeypatch,
                                                                                        capsys):
    out = office["tmp"] / "roster.xlsx"
    code, _, err = run_as(role, monkeypatch, capsys, "export", "roster", "--db", str(office["path"]), "-o", str(out),
                          "-q")
    assert code == 0, err
    rows = sum(1 for _ in openpyxl.load_workbook(out, read_only=True).active.iter_rows(min_row=3))
    counts = office["in_grid"]
    assert rows == (counts[office["mine"][0]] if role == "grid" else sum(counts.values()))
    out.unlink()
    code, _, err = run_as(role, monkeypatch, capsys, "export", "roster", "--db", str(office["path"]), "-o", str(out),
                          "--full-numbers", "--reason", "报送上级核对", "-q")
    if role in MAY_REVEAL:
        assert code == 0 and out.exists()
        assert [e.actor for e in entries(office["path"], "export") if e.new.get("unmasked")] == [role]
    else:
        assert code == 2 and "没有“查看完整的身份证号和电话”的权限" in err and not out.exists()
        assert not [e for e in entries(office["path"], "export") if e.new.get("unmasked")]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["summary", "notice"])
def test_summary_and_notice_name_only_the_users_grids(office, role, kind, monkeypatch, capsys):
    out = office["tmp"] / f"{kind}.xlsx"
    code, _, err = run_as(role, monkeypatch, capsys, "export", kind, "--db", str(office["path"]), "--month",
                          "2026-10", "-o", str(out), "-q")
    assert code == 0, err
    text = " ".join(str(c) for ws in openpyxl.load_workbook(out).worksheets
                    for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert office["mine"][1] in text
    assert (office["other"][1] in text) is (role != "grid")
    if role == "grid":
        code, _, err = run_as(role, monkeypatch, capsys, "export", kind, "--db", str(office["path"]), "--month",
                              "2026-10", "--org", office["other"][1], "-o", str(office["tmp"] / "x.xlsx"), "-q")
        assert code == 2 and "不在您负责的范围内" in err and not (office["tmp"] / "x.xlsx").exists()


@pytest.mark.parametrize("role", ROLES)
def test_a_dossier_of_another_grids_matter_is_refused_to_a_grid_worker(office, role, monkeypatch, capsys):
    out = office["tmp"] / "dossier.pdf"
    code, _, err = run_as(role, monkeypatch, capsys, "dossier", "matter", office["other_matter"], "--db",
                          str(office["path"]), "-o", str(out))
    if role == "grid":
        assert code == 1 and "不在您负责的网格内" in err and not out.exists()
        assert entries(office["path"], "dossier") == []
        code, _, err = run_as(role, monkeypatch, capsys, "dossier", "matter", office["own_matter"], "--db",
                              str(office["path"]), "-o", str(out))
    assert code == 0 and out.exists(), err
    assert [e.actor for e in entries(office["path"], "dossier")] == [role]


@pytest.mark.parametrize("role", ROLES)
def test_only_whole_office_roles_import_a_roster(office, role, monkeypatch, capsys):
    """The log-in binds the user's scope to the command's connection, so the core's write checks
    hold for commands as for the window: a grid worker's import is refused before anything is read."""
    roster = office["tmp"] / "back.xlsx"
    assert run_as("admin", monkeypatch, capsys, "export", "roster", "--db", str(office["path"]), "-o", str(roster),
                  "--full-numbers", "--reason", "迁移到新电脑", "-q")[0] == 0
    before = len(entries(office["path"], "import"))
    code, out, err = run_as(role, monkeypatch, capsys, "import", str(roster), "--db", str(office["path"]), "-q")
    if role == "grid":
        assert code == 2 and "导入花名册会改动全部网格的档案" in err and "数据库未改动" in err
        assert len(entries(office["path"], "import")) == before
    else:
        assert code == 0 and "导入完成" in out, err


@pytest.mark.parametrize("role", ROLES)
def test_users_audit_and_restore_by_role(office, role, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    code, _, err = run_as(role, monkeypatch, capsys, "users", "add", "--db", str(office["path"]), "--name", "new1",
                          "--role", "clerk", "--password-stdin")
    assert (code == 0) is (role == "admin")
    if role != "admin":
        assert "没有“管理用户”的权限" in err
    for what in ("list", "check"):
        code, out, err = run_as(role, monkeypatch, capsys, "audit", what, "--db", str(office["path"]))
        assert (code == 0) is (role in ("admin", "leader")), err
        if code:
            assert "没有“查看操作记录”的权限" in err and out == ""
        elif what == "check":
            assert "操作记录链完好" in out


def test_an_account_added_with_its_real_name_signs_the_workbooks_with_it(office, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, out, err = run_as("admin", monkeypatch, capsys, "users", "add", "--db", str(office["path"]), "--name", "chief",
                            "--role", "leader", "--real-name", "王建国", "--password-stdin")
    assert code == 0, err
    target = office["tmp"] / "汇总.xlsx"
    code, out, err = run_as("chief", monkeypatch, capsys, "export", "summary", "--db", str(office["path"]),
                            "--month", "2026-10", "-o", str(target), "-q")
    assert code == 0, err
    assert openpyxl.load_workbook(target).worksheets[0].oddFooter.left.text == "制表人：王建国"


def _other_grid_staff(office) -> str:
    """A staff member placed in the other grid, by a name nobody in the worker's grid bears."""
    s = session.log_in(office["path"], "admin", PASSWORD)
    try:
        return s.db.execute(
            "SELECT s.name FROM staff s JOIN org_units u ON u.id = s.org_id WHERE u.name = ? AND s.status = 'active' "
            "AND (SELECT count(*) FROM staff t WHERE t.name = s.name) = 1 ORDER BY s.id LIMIT 1",
            [office["other"][1]]).fetchone()[0]
    finally:
        s.close()


@pytest.mark.parametrize("role", ROLES)
def test_check_reports_only_the_users_grids_problems(office, role, monkeypatch, capsys):
    """`check` prints the completeness problems, each naming a household head or a staff member: a
    grid worker's names none of the other grid's rows. A party member without contact households is
    placed in each grid (the generated office is otherwise complete)."""
    from gridoffice.access import users
    from gridoffice.archive import completeness
    from gridoffice.org import staff

    s = session.log_in(office["path"], "admin", PASSWORD)
    try:
        for name, grid in (("核查甲", office["mine"][0]), ("核查乙", office["other"][0])):
            staff.add_staff(s.db, name, "party_member", org_id=grid)
        every = consume(completeness.completeness(s.db, scope=users.scope_of(s.db, s.user)), quiet=True)
        other_units = {r[0] for r in s.db.execute(
            "SELECT id FROM org_units WHERE path LIKE (SELECT path FROM org_units WHERE id = ?) || '%'",
            [office["other"][0]])}
        elsewhere = {p.message for p in completeness.in_scope(s.db, every, other_units)}
    finally:
        s.close()
    assert elsewhere
    code, out, err = run_as(role, monkeypatch, capsys, "check", "--db", str(office["path"]), "--quick")
    assert code == 1, err
    printed = {line.split("：", 1)[1] for line in out.splitlines() if "：" in line}
    assert any("核查甲" in line for line in printed)
    if role == "grid":
        assert not printed & elsewhere and not any("核查乙" in line for line in printed)
    else:
        assert elsewhere <= printed


@pytest.mark.parametrize("role", ROLES)
def test_the_assessment_archives_and_briefing_hold_only_the_users_grids(office, role, monkeypatch, capsys):
    db, tmp, mine = str(office["path"]), office["tmp"], role == "grid"
    out = tmp / "assessment.xlsx"
    code, _, err = run_as(role, monkeypatch, capsys, "export", "assessment", "--db", db, "--year", "2026",
                          "-o", str(out), "-q")
    assert code == 0, err
    text = " ".join(str(c) for ws in openpyxl.load_workbook(out).worksheets
                    for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert office["mine"][1] in text and (office["other"][1] in text) is not mine
    asks = {"village-file": ["--org", office["other"][1]], "member-file": ["--staff", _other_grid_staff(office)],
            "briefing": ["--month", "2026-10", "--org", office["other"][1]],
            "assessment": ["--year", "2026", "--org", office["other"][1]]}
    for kind, extra in asks.items():
        target = tmp / f"{kind}.{'xlsx' if kind == 'assessment' else 'pdf'}"
        target.unlink(missing_ok=True)
        code, _, err = run_as(role, monkeypatch, capsys, "export", kind, "--db", db, *extra, "-o", str(target), "-q")
        if mine:
            assert code != 0 and "不在您负责的范围内" in err and not target.exists(), (kind, err)
        else:
            assert code == 0 and target.stat().st_size > 0, (kind, err)
    own = tmp / "own.pdf"
    code, _, err = run_as(role, monkeypatch, capsys, "export", "village-file", "--db", db, "--org", office["mine"][1],
                          "-o", str(own), "-q")
    assert code == 0 and own.exists(), err


@pytest.mark.parametrize("role", ROLES)
def test_the_assessment_template_is_read_by_all_and_set_by_an_administrator(office, role, monkeypatch, capsys):
    db = str(office["path"])
    code, out, err = run_as(role, monkeypatch, capsys, "assessment", "show", "--db", db)
    assert code == 0 and "走访" in out, err
    code, _, err = run_as(role, monkeypatch, capsys, "assessment", "set", "--db", db, "--item", "走访次数=96:20")
    if role == "admin":
        assert code == 0, err
        assert [l for l in run_as(role, monkeypatch, capsys, "assessment", "show", "--db", db)[1].splitlines()
                if l.strip()][-1].startswith("走访次数")
    else:
        assert code == 1 and "只有系统管理员可以设置考核模板" in err
        assert "团队自评" in run_as("admin", monkeypatch, capsys, "assessment", "show", "--db", db)[1]


@pytest.mark.parametrize("role", ROLES)
def test_backup_by_every_role_and_restore_only_by_an_administrator(office, role, monkeypatch, capsys):
    """A backup is the encrypted file again (any logged-in role may take one, and its entry names
    them); putting a backup in the office's place is an administrator's."""
    db = str(office["path"])
    code, out, err = run_as(role, monkeypatch, capsys, "backup", "--db", db)
    assert code == 0 and "已备份到" in out, err
    assert [e.actor for e in entries(office["path"], "backup")] == [role]
    code, _, err = run_as(role, monkeypatch, capsys, "restore", "--db", db, "latest")
    if role == "admin":
        assert code == 0, err
    else:
        assert code == 2 and "没有“从备份恢复”的权限" in err
        assert [e.actor for e in entries(office["path"], "backup")] == [role]  # the office as it was


@pytest.mark.parametrize("role", ROLES)
def test_users_list_and_reset_password_only_by_an_administrator(office, role, monkeypatch, capsys):
    db = str(office["path"])
    code, out, err = run_as(role, monkeypatch, capsys, "users", "list", "--db", db)
    if role == "admin":
        assert code == 0 and "grid" in out and "leader" in out
    else:
        assert code == 1 and out == "" and "没有“管理用户”的权限" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("takeover123\n"))
    code, _, err = run_as(role, monkeypatch, capsys, "users", "reset-password", "--db", db, "--name", "admin",
                          "--password-stdin")
    if role == "admin":
        assert code == 0
    else:
        assert code == 1 and "没有“管理用户”的权限" in err
        with pytest.raises(Exception):
            session.log_in(office["path"], "admin", "takeover123")


@pytest.mark.parametrize("role", ROLES)
def test_enroll_by_an_administrator_and_packages_by_administrators_and_clerks(office, role, monkeypatch, capsys):
    tmp, db = office["tmp"], str(office["path"])
    (tmp / "pw.txt").write_text("street-pass-1\n", encoding="utf-8")
    assert run_as(role, monkeypatch, capsys, "street-keys", "-o", str(tmp / "street"), "--password-file",
                  str(tmp / "pw.txt"))[0] == 0
    card = tmp / "office.card"
    code, _, err = run_as(role, monkeypatch, capsys, "enroll", "--db", db, "--street", str(tmp / "street" / "street.pub"),
                          "-o", str(card))
    assert (code == 0) is (role == "admin") and card.exists() is (role == "admin"), err
    if role != "admin":
        assert "系统管理员" in err
        assert run_as("admin", monkeypatch, capsys, "enroll", "--db", db, "--street",
                      str(tmp / "street" / "street.pub"), "-o", str(card))[0] == 0
    pkg = tmp / "1.pkg"
    code, out, err = run_as(role, monkeypatch, capsys, "package", "--db", db, "-o", str(pkg), "-q")
    if role in ("admin", "clerk"):
        assert code == 0 and "已生成第1号上报包" in out, err
    else:
        assert code == 2 and "不能生成上报包" in err and not pkg.exists()


def test_generate_never_writes_into_an_office(office, monkeypatch, capsys):
    """`generate` makes a new office (no account exists yet to log in with); an existing office is
    refused without a write."""
    before = office["path"].read_bytes()
    code, _, err = run_as("grid", monkeypatch, capsys, "generate", "--db", str(office["path"]), "--households", "10",
                          "--seed", "1", "-q")
    assert code == 2 and "只能生成到新的空文件中" in err and office["path"].read_bytes() == before



@pytest.mark.parametrize("argv, told", [
    (["export", "roster", "-o", "r.xlsx"], "导出失败：用户名或密码不正确"),
    (["import", "r.xlsx"], "导入失败，数据库未改动：用户名或密码不正确"),
    (["cards", "--calibration", "-o", "c.pdf"], "用户名或密码不正确"),
])
def test_a_refused_log_in_says_what_did_not_happen_and_writes_nothing(office, argv, told, monkeypatch, capsys):
    monkeypatch.setenv("GRIDOFFICE_USER", "clerk")
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", "wrong-password")
    monkeypatch.chdir(office["tmp"])
    before = office["path"].read_bytes()
    code = commands.run([argv[0], "--db", str(office["path"]), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == told
    assert office["path"].read_bytes() == before and not {"r.xlsx", "c.pdf"} & {p.name for p in office["tmp"].iterdir()}

@pytest.mark.parametrize("command", [["assessment", "set", "--item", "走访次数=96:20"], ["assessment", "show"]])
def test_the_assessment_refuses_a_wrong_password_as_every_command_does(office, command, monkeypatch, capsys):
    monkeypatch.setenv("GRIDOFFICE_USER", "admin")
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", "wrong-password")
    before = office["path"].read_bytes()
    code = commands.run([*command[:2], "--db", str(office["path"]), *command[2:]])
    assert code == 2 and capsys.readouterr().err.strip() == "用户名或密码不正确"
    assert office["path"].read_bytes() == before


# Every command and the tests above that try it per role; the street's commands work on the street's
# key and store, where no office account exists (tests/test_consolidate_command.py, test_command_package.py).
COMMAND_TESTS = {
    "assessment": [test_the_assessment_template_is_read_by_all_and_set_by_an_administrator],
    "audit": [test_users_audit_and_restore_by_role],
    "backup": [test_backup_by_every_role_and_restore_only_by_an_administrator],
    "cards": [test_cards_of_another_grid_are_refused_to_a_grid_worker],
    "check": [test_check_reports_only_the_users_grids_problems],
    "dossier": [test_a_dossier_of_another_grids_matter_is_refused_to_a_grid_worker],
    "enroll": [test_enroll_by_an_administrator_and_packages_by_administrators_and_clerks],
    "export": [test_the_roster_holds_the_users_grids_and_full_numbers_only_for_roles_that_reveal,
               test_summary_and_notice_name_only_the_users_grids,
               test_the_assessment_archives_and_briefing_hold_only_the_users_grids],
    "generate": [test_generate_never_writes_into_an_office],
    "import": [test_only_whole_office_roles_import_a_roster],
    "package": [test_enroll_by_an_administrator_and_packages_by_administrators_and_clerks],
    "restore": [test_backup_by_every_role_and_restore_only_by_an_administrator],
    "search": [test_search_finds_only_the_users_grids, test_a_number_search_is_refused_or_recorded_by_role],
    "users": [test_users_audit_and_restore_by_role, test_users_list_and_reset_password_only_by_an_administrator],
    "street": "the street's store", "street-keys": "the street's key pair", "consolidate": "the street's store",
}


def test_every_command_is_tried_by_role():
    assert set(COMMAND_TESTS) == commands.names()
    assert all(isinstance(t, str) or all(callable(f) and f.__name__.startswith("test_") for f in t)
               for t in COMMAND_TESTS.values())
    export_kinds = {"roster", "summary", "notice", "assessment", "village-file", "member-file", "briefing"}
    from commands.export import KINDS

    assert set(KINDS) == export_kinds
