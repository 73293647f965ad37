"""Roster import: a messy workbook as offices keep them, checked cell by cell."""

import datetime as dt
import sqlcipher3.dbapi2 as sqlite3

import openpyxl
import pytest

from exports.import_report import write_report
from gridoffice.audit import trail
from gridoffice.changes import ROSTER, Changes, collect
from gridoffice.org import regions
from gridoffice.errors import ValidationError
from gridoffice.idcard import make_id
from gridoffice.roster.importer import import_file
from gridoffice.roster.read import read_sheet
from gridoffice.access.users import whole_office
from commands._progress import consume

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

AREA = "330102"


def pid(year, month, day, serial):
    return make_id(AREA, dt.date(year, month, day), serial)


# Invented people. Serial odd = man, even = woman.
HEAD1, WIFE1, SON1 = pid(1950, 3, 2, 11), pid(1952, 6, 1, 22), pid(1978, 9, 9, 31)
HEAD2, DAUGHTER2 = pid(1960, 5, 8, 13), pid(1985, 3, 2, 24)
HEAD3, WIFE3 = pid(1955, 1, 1, 15), pid(1956, 2, 2, 26)
HEAD4, SON4, BAD4 = pid(1970, 7, 7, 17), pid(1995, 1, 1, 35), pid(1998, 8, 8, 37)
HEAD5, WIFE5 = pid(1966, 6, 6, 19), pid(1968, 8, 8, 28)
HEAD6A, HEAD6B = pid(1940, 4, 4, 41), pid(1942, 2, 2, 43)
WIFE7, SON7 = pid(1961, 1, 1, 44), pid(1990, 1, 1, 45)
HEAD8, GODSON8 = pid(1975, 5, 5, 47), pid(2000, 1, 1, 49)


def wrong_check(number):
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def messy_workbook(path, *, extra_phone="13812345678"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "东风社区居民花名册（2026年）"
    ws.merge_cells("A1:K1")
    # A two-row header: 联系方式 groups phone and address.
    top = ["户号", "姓 名", "身份证号码", "与户主关系", "性别", "出生日期", "联系方式", None, "所属网格", "民族", "备注"]
    for c, v in enumerate(top, start=1):
        ws.cell(3, c, v)
    for c in (1, 2, 3, 4, 5, 6, 9, 10, 11):
        ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    ws.merge_cells("G3:H3")
    ws["G4"], ws["H4"] = "联系电话", "现住址"
    rows = [
        # 户号 merged over its members (only the first cell holds it); serial date; +86 phone.
        ["H001", "王建国", HEAD1, "户主", "男", 18324, "+86 138-0000-1111", "东风路１号", "第一网格", "汉", ""],
        [None, "李\u200b秀英 ", WIFE1, "妻", "女", "1952年6月1日", "", "", "", "汉族", ""],
        [None, "王\u3000小 明", SON1, "长子", "男", "1978.9.9", extra_phone, "", "", "汉族", "在外务工"],
        [],
        ["H002", "张伟", HEAD2, "本人", "男", "1960.5.8", "0571-88886666", "东风路2号", "第二网格", "汉族", ""],
        [None, "张丽", DAUGHTER2, "长女", "女", 19850302, "", "", "", "汉族", ""],
        # ID stored as a number: the head is refused and so the household.
        ["H003", "陈大海", float(HEAD3.replace("X", "0")), "户主", "男", "", "", "东风路3号", "第一网格", "汉族", ""],
        [None, "刘小红", WIFE3, "妻", "女", "", "", "", "", "汉族", ""],
        # A wrong check digit refuses one member; the rest of the household comes in.
        ["H004", "赵刚", HEAD4, "户主", "男", "", "", "东风路4号", "第一网格", "汉族", ""],
        [None, "赵一", SON4, "次子", "男", "", "", "", "", "汉族", ""],
        [None, "赵二", wrong_check(BAD4), "三子", "男", "", "", "", "", "汉族", ""],
        # Sex contradicting the ID.
        ["H005", "孙强", HEAD5, "户主", "男", "", "", "东风路5号", "第一网格", "汉族", ""],
        [None, "周梅", WIFE5, "妻", "男", "", "", "", "", "汉族", ""],
        # Two heads.
        ["H006", "吴一", HEAD6A, "户主", "男", "", "", "东风路6号", "第一网格", "汉族", ""],
        [None, "吴二", HEAD6B, "户主", "男", "", "", "", "", "汉族", ""],
        # No head.
        ["H007", "郑芳", WIFE7, "妻", "女", "", "", "东风路7号", "第一网格", "汉族", ""],
        [None, "郑一", SON7, "子", "男", "", "", "", "", "汉族", ""],
        # Unknown relation; a person repeated from H002 (another household); H001's son again.
        ["H008", "钱进", HEAD8, "户主", "男", "", "", "东风路8号", "第一网格", "汉族", ""],
        [None, "钱宝", GODSON8, "干儿子", "男", "", "", "", "", "汉族", ""],
        [None, "张丽", DAUGHTER2, "女", "女", "", "", "", "", "汉族", ""],
        ["H001", "王小明", SON1, "长子", "男", "", "", "", "", "汉族", ""],
        [],
        ["合计", None, None, None, None, None, None, None, None, None, "20人"],
        ["注：本表由社区居委会填报，身份证号码请核对。"],
        ["制表人：某某", None, "审核：某某"],
    ]
    for r, values in enumerate(rows, start=5):
        for c, v in enumerate(values, start=1):
            if v is not None:
                cell = ws.cell(r, c, v)
                if c == 3 and isinstance(v, str):
                    cell.number_format = "@"
    for start, end in ((5, 7), (9, 10), (11, 12), (13, 15), (16, 17), (18, 19), (20, 21), (22, 24)):
        ws.merge_cells(start_row=start, start_column=1, end_row=end, end_column=1)
        for r in range(start + 1, end + 1):
            assert ws.cell(r, 1).value is None
    wb.save(path)
    return path


@pytest.fixture
def office(db):
    community = regions.create_unit(db, None, "community", "东风社区")
    grids = {name: regions.create_unit(db, community, "grid", name) for name in ("第一网格", "第二网格")}
    return db, grids


def run(db, path, **kw):
    return consume(import_file(db, path, **kw), quiet=True)


def table_dump(db):
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("households", "persons", "org_units", "audit", "settings")}


def person(db, number):
    return db.execute("SELECT name, sex, birth_date, relation, phone, ethnicity, notes, household_id "
                      "FROM persons WHERE id_number = ?", [number]).fetchone()


def test_messy_roster_counts_cells_and_reasons(office, tmp_path):
    db, grids = office
    result = run(db, messy_workbook(tmp_path / "roster.xlsx"))
    assert result.sheet == "花名册"
    assert result.skipped == 5  # two blank rows, the totals row, two note rows
    assert result.duplicates == 1
    assert (result.persons_new, result.households_new) == (10, 5)
    reasons = {r.row: r.reason for r in result.refused}
    assert sorted(reasons) == [11, 12, 15, 17, 18, 19, 20, 21, 24]
    assert "存成了数字" in reasons[11] and "后几位已经丢失" in reasons[11]
    assert "户主（第11行）被拒收" in reasons[12]
    assert "校验位" in reasons[15]
    assert "性别填的是“男”，但身份证号码表明是“女”" in reasons[17]
    assert "2个户主" in reasons[18] and reasons[18] == reasons[19]
    assert "没有户主" in reasons[20] and reasons[20] == reasons[21]
    assert "第10行相同，但在另一户" in reasons[24]
    refused_11 = next(r for r in result.refused if r.row == 11)
    assert refused_11.cells[:4] == ("H003", "陈大海", "3.3010219550101E+17", "户主")
    assert any("干儿子" in n.message and "其他" in n.message for n in result.notices)

    head = person(db, HEAD1)
    assert head[:5] == ("王建国", "M", "1950-03-02", "head", "13800001111")
    assert person(db, WIFE1)[0] == "李秀英"
    assert person(db, SON1)[:4] == ("王小明", "M", "1978-09-09", "son")
    assert person(db, SON1)[6] == "在外务工"
    assert person(db, DAUGHTER2)[3] == "daughter"
    assert person(db, GODSON8)[3] == "other"
    assert person(db, BAD4) is None and person(db, HEAD3) is None and person(db, HEAD6A) is None
    hh = db.execute("SELECT number, org_id, address, phone, representative_id FROM households ORDER BY number").fetchall()
    assert [h[0] for h in hh] == ["H001", "H002", "H004", "H005", "H008"]
    assert hh[0][1:4] == (grids["第一网格"], "东风路1号", "13800001111")
    assert hh[1][1:4] == (grids["第二网格"], "东风路2号", "0571-88886666")
    head_id = db.execute("SELECT id FROM persons WHERE id_number = ?", [HEAD1]).fetchone()[0]
    assert hh[0][4] == head_id
    assert person(db, WIFE1)[7] == person(db, SON1)[7] == person(db, HEAD1)[7]
    from gridoffice.search import finder
    # A bulk load's rows wait for their search documents after the commit, and a search says so.
    assert finder.search(db, "王建国", scope=ADMIN, kind="person") == []
    assert "索引建立中" in finder.pending_notice(db)
    consume(finder.fill(db), quiet=True)
    assert finder.pending(db) == 0 and finder.pending_notice(db) is None
    assert [h.title for h in finder.search(db, "王建国", scope=ADMIN, kind="person")] == ["王建国"]
    summary = db.execute("SELECT new FROM audit WHERE action = 'import'").fetchall()
    assert len(summary) == 1 and '"persons_new": 10' in summary[0][0]


def test_second_import_changes_nothing(office, tmp_path):
    db, _ = office
    path = messy_workbook(tmp_path / "roster.xlsx")
    run(db, path)
    before = table_dump(db)
    again = run(db, path)
    assert (again.persons_new, again.persons_updated, again.households_new) == (0, 0, 0)
    assert again.persons_unchanged == 10
    assert table_dump(db) == before


def test_changed_phone_updates_and_is_audited(office, tmp_path):
    db, _ = office
    run(db, messy_workbook(tmp_path / "a.xlsx"))
    result = run(db, messy_workbook(tmp_path / "b.xlsx", extra_phone="139 0000 2222"))
    assert (result.persons_updated, result.persons_new) == (1, 0)
    son_id = db.execute("SELECT id FROM persons WHERE id_number = ?", [SON1]).fetchone()[0]
    assert person(db, SON1)[4] == "13900002222"
    entry = trail.history(db, "persons", son_id)[0]
    assert entry.action == "import_update"
    assert (entry.old["phone"], entry.new["phone"]) == ("13812345678", "13900002222")
    from gridoffice.search import finder as finder
    # The first import's rows are indexed as they are when the documents are written: with the new phone.
    consume(finder.fill(db), quiet=True)
    assert [h.title for h in finder.search(db, "2222", scope=ADMIN, kind="person")] == ["王小明"]
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 10


def test_dry_run_writes_nothing(office, tmp_path):
    db, _ = office
    before = table_dump(db)
    with collect() as seen:  # nor tells any page that something changed
        result = run(db, messy_workbook(tmp_path / "roster.xlsx"), dry_run=True)
    assert result.dry_run and result.persons_new == 10 and len(result.refused) == 9
    assert table_dump(db) == before and seen.flags == Changes.NONE


def test_an_import_announces_its_changes_when_it_has_run_not_when_it_is_made(office, tmp_path):
    db, _ = office
    path = messy_workbook(tmp_path / "roster.xlsx")
    with collect() as made:
        job = import_file(db, path)
    assert made.flags == Changes.NONE
    with collect() as ran:
        consume(job, quiet=True)
    assert ran.flags == ROSTER


def test_the_import_has_a_large_cache_for_its_transaction_and_gives_it_back(office, tmp_path, monkeypatch):
    from gridoffice.roster import importer, job

    db, _ = office
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    seen = []
    run_job = job.Job.run

    def watched(running, dry_run):
        seen.append(db.execute("PRAGMA cache_size").fetchone()[0])
        return (yield from run_job(running, dry_run))

    monkeypatch.setattr(job.Job, "run", watched)
    assert run(db, messy_workbook(tmp_path / "roster.xlsx")).persons_new == 10
    assert seen == [-1024 * importer.IMPORT_CACHE_MB] and before != seen[0]
    assert db.execute("PRAGMA cache_size").fetchone()[0] == before


def test_cancel_half_way_leaves_database_unchanged(office, tmp_path, monkeypatch):
    db, _ = office
    monkeypatch.setattr("gridoffice.roster.job.PART_ROWS", 2)
    before = table_dump(db)
    job = import_file(db, messy_workbook(tmp_path / "roster.xlsx"))
    for done, total, _ in job:
        if done > total // 2:
            break
    assert db.conn.in_transaction and db.execute("SELECT count(*) FROM persons").fetchone()[0] > 0
    job.close()  # what the GUI's Cancel does
    assert not db.conn.in_transaction
    assert table_dump(db) == before


def test_report_lists_refused_rows_and_is_importable_after_fixing(office, tmp_path):
    db, _ = office
    result = run(db, messy_workbook(tmp_path / "roster.xlsx"))
    report = write_report(tmp_path / "report.xlsx", result)
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == ["拒收", "提示", "汇总"]
    ws = wb["拒收"]
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["户号", "姓名", "身份证号码", "与户主关系"] and headers[-2:] == ["原行号", "拒收原因"]
    rows = {r[-2]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"11", "12", "15", "17", "18", "19", "20", "21", "24"}
    assert rows["15"][:4] == ("H004", "赵二", wrong_check(BAD4), "三子")
    assert "校验位" in rows["15"][-1]
    assert all(isinstance(c.value, str) for c in ws[4] if c.value is not None)
    # The clerk fixes the rows: retypes the number-stored ID, corrects digits, sex and heads.
    fixes = {"11": (2, HEAD3), "15": (2, BAD4)}
    header_col = {h: i for i, h in enumerate(headers)}
    for r in range(3, ws.max_row + 1):
        line = ws.cell(r, len(headers) - 1).value
        if line in fixes:
            ws.cell(r, 3).value = fixes[line][1]
        if line == "17":
            ws.cell(r, header_col["性别"] + 1).value = "女"
        if line == "19":
            ws.cell(r, header_col["与户主关系"] + 1).value = "兄弟"
        if line == "20":
            ws.cell(r, header_col["与户主关系"] + 1).value = "户主"
        if line == "24":
            ws.delete_rows(r)
    wb.save(report)
    again = run(db, report)
    assert again.refused == ()
    # 8 rows fixed; 孙强's household H005 already had its head, so 周梅 joins it.
    assert again.persons_new == 8
    assert person(db, WIFE5)[7] == person(db, HEAD5)[7]
    assert person(db, HEAD6B)[3] == "sibling"
    assert db.execute("SELECT count(*) FROM households").fetchone()[0] == 8


def test_gbk_csv_without_numbers_groups_by_heads(office, tmp_path):
    db, grids = office
    lines = ["姓名,公民身份号码,关系,电话,家庭住址,网格",
             f"马一,{pid(1950, 1, 1, 51)},户主,13800000001,西街1号,第一网格",
             f"马二,{pid(1952, 1, 1, 52)},配偶,,,",
             f"牛一,{pid(1960, 1, 1, 53)},户主,,西街2号,第二网格",
             f"牛二,{pid(1990, 1, 1, 54)},女儿,,,"]
    path = tmp_path / "roster.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    result = run(db, path)
    assert (result.persons_new, result.households_new, result.refused) == (4, 2, ())
    hh = db.execute("SELECT number, org_id, address FROM households ORDER BY id").fetchall()
    assert [h[1:] for h in hh] == [(grids["第一网格"], "西街1号"), (grids["第二网格"], "西街2号")]
    assert hh[0][0] != hh[1][0]
    assert person(db, pid(1952, 1, 1, 52))[7] == person(db, pid(1950, 1, 1, 51))[7]
    # Importing again matches the households through their members' ID numbers.
    assert run(db, path).persons_unchanged == 4
    assert db.execute("SELECT count(*) FROM households").fetchone()[0] == 2


def test_utf8_bom_csv_and_unknown_grid(office, tmp_path):
    db, _ = office
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeff姓名,身份证号,与户主关系,所属网格\n".encode() +
                     f"杨一,{pid(1970, 1, 1, 55)},户主,第九网格\n".encode())
    result = run(db, path)
    assert result.persons_new == 0 and "找不到名为“第九网格”的网格" in result.refused[0].reason
    created = run(db, path, create_grids=True)
    assert created.grids_created == ("第九网格",) and created.persons_new == 1
    assert db.execute("SELECT level FROM org_units WHERE name = '第九网格'").fetchone() == ("grid",)


def test_existing_person_in_database_is_matched(office, tmp_path):
    db, grids = office
    from gridoffice.archive import households
    from gridoffice.archive.people import PersonInput
    households.create_household(db, org_id=grids["第一网格"], number="H001",
                                head=PersonInput(name="王建国", id_number=HEAD1), address="旧地址")
    result = run(db, messy_workbook(tmp_path / "roster.xlsx"))
    assert (result.persons_new, result.persons_updated, result.households_new) == (9, 1, 4)
    assert result.households_updated == 1
    assert db.execute("SELECT count(*) FROM persons WHERE id_number = ?", [HEAD1]).fetchone()[0] == 1
    assert db.execute("SELECT address FROM households WHERE number = 'H001'").fetchone() == ("东风路1号",)


def test_a_file_that_is_not_a_roster_is_refused_with_a_reason(office, tmp_path):
    db, _ = office
    before = table_dump(db)
    wb = openpyxl.Workbook()
    wb.active.append(["日期", "金额"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(ValidationError, match="找不到表头"):
        run(db, tmp_path / "other.xlsx")
    with pytest.raises(ValidationError, match="不支持"):
        run(db, tmp_path / "roster.docx")
    (tmp_path / "roster.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValidationError, match="不支持"):
        read_sheet(tmp_path / "roster.pdf")
    assert table_dump(db) == before


def test_failure_while_writing_rolls_everything_back(office, tmp_path, monkeypatch):
    db, _ = office
    before = table_dump(db)

    def broken(*_a, **_k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr("gridoffice.roster.write.finder.reindex", broken)
    monkeypatch.setattr("gridoffice.roster.write.index.write_documents", broken)
    # A bulk load names its rows for the search index last, in the same transaction.
    monkeypatch.setattr("gridoffice.roster.write.index.defer", broken)
    with pytest.raises(sqlite3.OperationalError):
        run(db, messy_workbook(tmp_path / "roster.xlsx"))
    assert table_dump(db) == before


def test_clerk_mapping_is_remembered_for_the_next_file(office, tmp_path):
    db, _ = office
    from gridoffice.roster.columns import find_header, guess_mapping, remembered

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["人名", "证件", "称谓", "小区网格", "手机"])
    ws.append(["何一", pid(1980, 1, 1, 61), "户主", "第一网格", "13800000009"])
    wb.save(tmp_path / "odd.xlsx")
    raw = read_sheet(tmp_path / "odd.xlsx")
    with pytest.raises(ValidationError, match="找不到表头"):
        find_header(raw.rows)
    labels = raw.rows[0]
    from gridoffice.roster.columns import Header
    header = Header(0, 1, tuple(labels))
    mapping = {0: "name", 1: "id_number", 2: "relation", 3: "grid", 4: "phone"}
    from gridoffice.roster.importer import import_sheet
    result = consume(import_sheet(db, raw, header=header, mapping=mapping), quiet=True)
    assert result.persons_new == 1
    assert remembered(db)["证件"] == "id_number"
    assert guess_mapping(labels, remembered(db)) == mapping
    # Remembered names now also find the header of the next file.
    assert find_header(raw.rows, memory=remembered(db)).data_row == 1


def test_cli_import_dry_run_and_report(office, tmp_path, capsys):
    db, _ = office
    from commands import run as cli

    path = messy_workbook(tmp_path / "roster.xlsx")
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    code = cli(["import", "--db", db_path, str(path), "--dry-run", "-q", "--report", str(tmp_path / "r.xlsx")])
    out = capsys.readouterr().out
    assert code == 1 and "试导入（未写入）" in out and "新登记10人" in out and "拒收9行" in out
    assert "第15行：身份证号码校验位不符" in out
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    assert openpyxl.load_workbook(tmp_path / "r.xlsx")["拒收"].max_row == 11
    assert cli(["import", "--db", db_path, str(tmp_path / "missing.xlsx"), "-q"]) == 2
    assert "找不到文件" in capsys.readouterr().err


KILL_CHILD = r"""
import sys, time
sys.path.insert(0, {root!r})
from gridoffice.access import keys
from gridoffice.roster import importer, job
from gridoffice.store.db import open_db
keys.key_for = lambda path: bytes(range(32))  # the test key of tests/conftest.py
job.PART_ROWS = 2
db = open_db({db!r})
for done, total, message in importer.import_file(db, {path!r}):
    if "已登记" in message:  # persons are being written, the transaction is open
        assert db.execute("SELECT count(*) FROM persons").fetchone()[0] > 0
        print("WRITING", flush=True)
        time.sleep(30)
"""


def test_killed_half_way_leaves_database_unchanged(office, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    db, _ = office
    db_path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    before = table_dump(db)
    path = messy_workbook(tmp_path / "roster.xlsx")
    root = str(Path(__file__).resolve().parent.parent)
    child = subprocess.Popen([sys.executable, "-c", KILL_CHILD.format(root=root, db=db_path, path=str(path))],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "WRITING"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert table_dump(db) == before
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_old_xls_with_merged_number_and_an_id_stored_as_number(office):
    """tests/fixtures/roster-old.xls was written once with xlwt 1.3 (BIFF8), which is not a dependency."""
    from pathlib import Path

    db, grids = office
    result = run(db, Path(__file__).parent / "fixtures" / "roster-old.xls")
    assert (result.persons_new, result.households_new) == (2, 1)
    assert [r.row for r in result.refused] == [6] and "存成了数字" in result.refused[0].reason
    assert db.execute("SELECT number, org_id FROM households").fetchall() == [("X01", grids["第一网格"])]
    assert db.execute("SELECT count(*) FROM persons WHERE household_id IS NOT NULL").fetchone()[0] == 2


def test_moves_and_head_changes_are_left_to_the_household_operations(office, tmp_path):
    db, grids = office
    from gridoffice.archive import households
    from gridoffice.archive.people import PersonInput

    households.create_household(db, org_id=grids["第一网格"], number="H001", head=PersonInput(name="王建国", id_number=HEAD1))
    households.create_household(db, org_id=grids["第一网格"], number="H002", head=PersonInput(name="张伟", id_number=HEAD2))
    before = table_dump(db)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "姓名", "身份证号码", "与户主关系", "所属网格"])
    ws.append(["H002", "张伟", HEAD2, "户主", "第一网格"])
    ws.append(["H002", "王建国", HEAD1, "父亲", ""])
    ws.append(["H001", "李秀英", WIFE1, "户主", "第一网格"])
    wb.save(tmp_path / "moves.xlsx")
    result = run(db, tmp_path / "moves.xlsx")
    reasons = {r.row: r.reason for r in result.refused}
    assert reasons[3] == "此人在系统中属于户号H001，表中写的是户号H002；迁户请在程序中办理"
    assert reasons[4] == "系统中该户的户主是王建国，表中户主是李秀英；更换户主请在程序中办理"
    assert (result.persons_new, result.persons_updated, result.persons_unchanged) == (0, 0, 1)
    after = table_dump(db)
    assert [after[t] == before[t] for t in ("households", "persons", "audit")] == [True, True, True]


def tidy_workbook(path, households=12, phones="1380000"):
    """Households one after another, each with its number on every row; among them a person
    repeated in a later household, a household without a head (5) and two without numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "姓名", "身份证号码", "与户主关系", "联系电话", "住址", "所属网格"])
    for k in range(households):
        number, grid = f"T{k:03d}", ("第一网格", "第二网格", "第三网格")[k % 3]
        ws.append([number, f"户主{'甲乙丙丁戊己庚辛壬癸子丑'[k]}", pid(1950 + k, 1, 2, 101 + 2 * k),
                   "户主" if k != 5 else "次子", f"{phones}{k:04d}", f"和平路{k}号", grid])
        ws.append([number, f"妻子{'甲乙丙丁戊己庚辛壬癸子丑'[k]}", pid(1952 + k, 3, 4, 200 + 2 * k), "妻", "", "", ""])
        if k == 9:  # the wife of household 2 again, in another household: refused
            ws.append([number, "妻子丙", pid(1954, 3, 4, 204), "妻", "", "", ""])
        ws.append([number, f"儿子{'甲乙丙丁戊己庚辛壬癸子丑'[k]}", pid(1975 + k, 5, 6, 301 + 2 * k), "长子", "", "", ""])
    for k, relation in ((20, "户主"), (21, "妻"), (22, "户主"), (23, "长子")):
        ws.append(["", f"无号{'甲乙丙丁'[k - 20]}", pid(1960 + k, 7, 8, 400 + k), relation, "", "新村1号", "第一网格"])
    wb.save(path)
    return path


def test_checking_in_parts_gives_what_one_pass_gives(office, tmp_path, monkeypatch):
    """The worker checks part by part; a part ends only where no household goes on."""
    from gridoffice.roster import job
    from gridoffice.store.db import open_db

    db, _ = office
    other = open_db(tmp_path / "other.db")
    community = regions.create_unit(other, None, "community", "东风社区")
    for name in ("第一网格", "第二网格"):
        regions.create_unit(other, community, "grid", name)
    path = tidy_workbook(tmp_path / "roster.xlsx")
    whole = run(db, path, create_grids=True)
    monkeypatch.setattr(job, "PART_ROWS", 1)
    cut, parts = job.Job._parts, []
    monkeypatch.setattr(job.Job, "_parts", lambda running, kept: parts.extend(cut(running, kept)) or parts)
    in_parts = run(other, path, create_grids=True)
    assert len(parts) >= 12

    def outcome(result):
        return (result.refused, result.notices, result.persons_new, result.households_new, result.duplicates,
                result.grids_created, result.sample)

    def rows(database):
        return [database.execute(f"SELECT {cols} FROM {table} ORDER BY id").fetchall() for table, cols in (
            ("persons", "id, household_id, name, id_number, relation, phone"),
            ("households", "id, number, org_id, address, phone, representative_id"))]

    assert outcome(in_parts) == outcome(whole) and rows(other) == rows(db)
    assert whole.persons_new > 30 and whole.grids_created == ("第三网格",)
    reasons = [r.reason for r in whole.refused]
    assert any(r.startswith("身份证号码与第") for r in reasons) and any(r.startswith("该户没有户主") for r in reasons)
    # A second pass over the same file, now matching what the first wrote, changes nothing either way.
    again = run(other, path, create_grids=True)
    assert again.persons_new == 0 and again.persons_updated == 0 and rows(other) == rows(db)
    other.close()


def test_failure_while_checking_rolls_everything_back(office, tmp_path, monkeypatch):
    import threading

    db, _ = office
    before = table_dump(db)

    from gridoffice.roster.plan import Planner

    plan, calls = Planner.plan, []

    def broken(planner, blocks):
        calls.append(1)
        if len(calls) == 4:  # parts before this one are written by then
            raise RuntimeError("checking failed")
        return plan(planner, blocks)

    monkeypatch.setattr("gridoffice.roster.job.PART_ROWS", 2)
    monkeypatch.setattr(Planner, "plan", broken)
    with pytest.raises(RuntimeError, match="checking failed"):
        run(db, tidy_workbook(tmp_path / "roster.xlsx"))
    assert table_dump(db) == before
    assert not [t for t in threading.enumerate() if t.name == "import-check"]


def test_a_roster_changing_much_of_the_office_leaves_no_dirty_rows(office, tmp_path):
    from gridoffice.search import finder as finder

    db, _ = office
    run(db, tidy_workbook(tmp_path / "first.xlsx"), create_grids=True)
    assert finder.dirty_count(db) == 0
    again = run(db, tidy_workbook(tmp_path / "phones.xlsx", phones="1390000"), create_grids=True)
    assert again.persons_updated == 11 and again.households_updated == 11
    # Every household changed its phone: the index was rebuilt rather than marked dirty row by row.
    assert finder.dirty_count(db) == 0
    hits = finder.search(db, "13900000007", scope=ADMIN)
    assert {h.kind for h in hits} == {"person", "household"} and all("户主辛" in h.title for h in hits)


def test_a_new_member_of_a_household_on_record_is_found_with_its_contact_class(office, tmp_path):
    from gridoffice.search import finder as finder

    db, _ = office
    run(db, tidy_workbook(tmp_path / "first.xlsx"), create_grids=True)
    db.execute("UPDATE households SET contact_class = 1 WHERE number = 'T003'")
    wb = openpyxl.Workbook()
    wb.active.append(["户号", "姓名", "身份证号码", "与户主关系"])
    wb.active.append(["T003", "孙子丁", pid(2005, 6, 7, 501), "孙子"])
    wb.save(tmp_path / "more.xlsx")
    result = run(db, tmp_path / "more.xlsx")
    assert result.persons_new == 1 and result.households_new == 0
    assert [h.title for h in finder.search(db, "孙子丁", scope=ADMIN, contact_class=1, kind="person")][:1] == ["孙子丁"]
    assert finder.search(db, "孙子丁", scope=ADMIN, contact_class=3, kind="person") == []


def test_a_grid_worker_cannot_import_a_roster(office, tmp_path):
    from gridoffice.access import scope, users
    from gridoffice.errors import PermissionDenied

    db, grids = office
    path = tmp_path / "roster.csv"
    path.write_text(f"姓名,身份证号,与户主关系,所属网格\n杨一,{pid(1970, 1, 1, 55)},户主,第二网格\n", encoding="utf-8")
    worker = users.scope_of(db, users.User(0, "网格员", "", "grid_worker", grids["第一网格"], "active"))
    scope.bind(db, worker)  # as users.login does for the grid worker's connection
    with pytest.raises(PermissionDenied) as err:
        run(db, path)
    assert "全部网格" in err.value.message
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    scope.bind(db, users.whole_office("测试员", "clerk"))
    assert run(db, path).persons_new == 1


def test_remembered_headers_stay_short_and_few_whatever_the_files_hold(office, tmp_path):
    """Every header of every imported file went into the office file as it was: a roster with
    hundreds of distinct 5,000-character headers grew the remembered mapping by a megabyte or more on
    every import, and every later import and the wizard parsed all of it."""
    db, _ = office
    from gridoffice.roster.columns import HEADER_LIMIT, MEMORY_SIZE, remembered

    for n in range(5):
        wb = openpyxl.Workbook()
        ws = wb.active
        extra = [f"附加{n}-{k}" + "说" * (5000 if k % 2 else 0) for k in range(190)]
        ws.append(["户号", "姓名", "身份证号码", "与户主关系", "所属网格"] + extra)
        ws.append([f"H{n}", "何一", pid(1980, 1, 1, 61 + 10 * n), "户主", "第一网格"] + [""] * len(extra))
        wb.save(tmp_path / f"wide{n}.xlsx")
        assert run(db, tmp_path / f"wide{n}.xlsx").persons_new == 1
    memory = remembered(db)
    assert len(memory) <= MEMORY_SIZE
    assert max(len(k) for k in memory) <= HEADER_LIMIT
    # The newest file's mapped columns are kept whatever the trimming dropped.
    assert memory["身份证号码"] == "id_number" and memory["所属网格"] == "grid"
    assert "附加4-0" in memory and "附加0-0" not in memory
    stored = db.execute("SELECT length(value) FROM settings WHERE key = 'import.column_map'").fetchone()[0]
    assert stored < 30_000
