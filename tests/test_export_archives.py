import shutil
import subprocess

import openpyxl
import pytest

from commands import export as export_cmd
from commands._progress import consume
from exports import archives
from gridoffice.audit import trail, journal
from gridoffice.reports import archives as stats_archives
from gridoffice.store.db import open_db
from gridoffice.masking import find_unmasked
from gridoffice.access.users import whole_office
from tests._reports import TODAY


# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office_path(activity_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(activity_template, path)
    return path


@pytest.fixture
def office(office_path):
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    yield db
    db.close()


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_village_file_lists_every_household(office, tmp_path):
    cid, name = office.execute("SELECT id, name FROM org_units WHERE level = 'community'").fetchone()
    path = tmp_path / "v.pdf"
    consume(archives.write_village(office, path, cid, scope=ADMIN), quiet=True)
    text = _pdf_text(path).replace(" ", "")
    numbers = [r[0] for r in office.execute("SELECT number FROM households WHERE status = 'active'")]
    assert "一村一档" in text and name in text and "目录" in text
    assert all(n in text for n in numbers)
    for grid in (r[0] for r in office.execute("SELECT name FROM org_units WHERE level = 'grid'")):
        assert grid in text
    assert not find_unmasked(text)
    assert journal.query(office, journal.Filter(action="export"), scope=ADMIN)[0].new["kind"] == "village_file"


def test_member_file_holds_visits_logs_and_evaluation(office, tmp_path):
    sid = office.execute("SELECT staff_id FROM visits GROUP BY staff_id ORDER BY COUNT(*) DESC, staff_id").fetchone()[0]
    m = stats_archives.member_file(office, sid, scope=ADMIN, year=2026, today=TODAY)
    visits = office.execute("SELECT COUNT(*) FROM visits WHERE staff_id = ? AND status = 'active'", [sid]).fetchone()[0]
    logs = office.execute("SELECT COUNT(*) FROM log_entries WHERE staff_id = ? AND status = 'active'", [sid]).fetchone()[0]
    contacts = office.execute("SELECT COUNT(*) FROM contacts c JOIN households h ON h.id = c.household_id "
                              "WHERE c.staff_id = ? AND c.until IS NULL AND h.status = 'active'", [sid]).fetchone()[0]
    assert (len(m.visits), len(m.logs), len(m.contacts)) == (visits, logs, contacts)
    assert m.evaluations and m.evaluations[-1][0].startswith("2026年考核得分")
    path = tmp_path / "m.pdf"
    consume(archives.write_member(office, path, sid, scope=ADMIN, year=2026, today=TODAY), quiet=True)
    text = _pdf_text(path).replace(" ", "")
    assert "一党员一档" in text and m.name in text and f"走访记录（{visits}次）" in text
    assert not find_unmasked(text)


def test_find_staff_refuses_unknown_names(office):
    with pytest.raises(Exception) as e:
        stats_archives.find_staff(office, "无此人", scope=ADMIN)
    assert e.value.field == "staff" and "无此人" in str(e.value)


def _args(**kw):
    base = dict(kind="summary", db=None, month="2026-10", year="2026", org=None, staff=None, columns=None,
                full_numbers=False, reason="",
                user=None, password_file=None, output=None, quiet=True)
    base.update(kw)
    return type("Args", (), base)()


@pytest.mark.parametrize("kind,suffix", [("summary", "xlsx"), ("notice", "xlsx"), ("assessment", "xlsx"),
                                         ("roster", "xlsx")])
def test_command_writes_each_workbook(office_path, tmp_path, kind, suffix):
    out = tmp_path / f"out.{suffix}"
    assert export_cmd.run(_args(kind=kind, db=str(office_path), output=str(out))) == 0
    assert openpyxl.load_workbook(out).sheetnames


def test_command_refuses_bad_input_and_writes_nothing(office_path, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert export_cmd.run(_args(kind="summary", db=str(office_path), month="2026-13", output=str(out))) == 2
    assert export_cmd.run(_args(kind="village-file", db=str(office_path), output=str(out))) == 2
    assert export_cmd.run(_args(kind="roster", db=str(office_path), org="没有这个村", output=str(out))) == 2
    err = capsys.readouterr().err
    assert "月份“2026-13”无效" in err and "--org" in err and "没有这个村" in err
    assert not out.exists()
