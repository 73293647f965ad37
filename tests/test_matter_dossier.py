"""One matter, one file: the dossier PDF's text, masks and embedded font, and the dossier command."""

import datetime as dt
import shutil
import subprocess

import pytest

import commands
from gridoffice.matters import rules as M
from gridoffice.idcard import make_id
from gridoffice.access.users import whole_office

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

ID_NUMBER = make_id("330102", dt.date(1956, 3, 8), 24)


@pytest.fixture
def office_file(db, tmp_path):
    db.execute("INSERT INTO settings(key, value) VALUES('office_name', '青山社区居民委员会')")
    db.execute("INSERT INTO org_units(id, level, name, path, grid_id, status, sort) "
               "VALUES(2, 'grid', '第二网格', '/2/', 2, 'active', 0)")
    hh = db.execute("INSERT INTO households(number, org_id, address) VALUES('H0007', 2, '青山路7号')").lastrowid
    person = db.execute("INSERT INTO persons(household_id, name, id_number, phone, relation) "
                        "VALUES(?, '郑桂兰', ?, '13800138000', 'head')", [hh, ID_NUMBER]).lastrowid
    staff = db.execute("INSERT INTO staff(name, kind) VALUES('周海燕', 'grid_worker')").lastrowid
    db.conn.commit()
    mid = M.intake(db, source="visit", category_id=3, grade="difficult", title="申请居家养老上门服务",
                   content="老人独居，希望每周有人上门送餐", person_id=person,
                   received_at="2026-11-10 09:12", now="2026-11-10 09:15")
    M.transition(db, mid, "assign", staff_id=staff, dept="社会事务办", now="2026-11-10 10:00")
    M.promise(db, mid, text="三日内上门评估", date="2026-11-13", now="2026-11-10 10:05")
    M.record_decision(db, mid, "2026-11-10", "纳入居家养老服务补贴对象", by="陈书记", now="2026-11-10 16:00")
    M.transition(db, mid, "start", by="周海燕", now="2026-11-11 09:00")
    M.transition(db, mid, "resolve", note="已安排每周二、五上门", by="周海燕", now="2026-11-12 15:00")
    M.transition(db, mid, "answer", note="上门告知", by="周海燕", now="2026-11-12 16:00")
    M.transition(db, mid, "evaluate", resident_score=90, satisfaction="basic", now="2026-11-15 12:00")
    return tmp_path / "office.db"


def run(*argv):
    # Through commands.run, which checks --db and -o for every command before it starts.
    return commands.run(["dossier", *argv])


def test_dossier_pdf_has_every_step_masked_resident_and_embedded_font(office_file, tmp_path):
    out = tmp_path / "dossier.pdf"
    assert run("matter", "2026-11-0001", "--db", str(office_file), "-o", str(out)) == 0
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("一事一档", "2026-11-0001", "申请居家养老上门服务", "青山社区居民委员会", "郑桂兰", "H0007",
                     "青山路7号", "周海燕 / 社会事务办", "第二网格", "疑难", "三日内上门评估（2026-11-13）",
                     "纳入居家养老服务补贴对象", "陈书记", "基本满意", "居民评分90分", "按期办结", "72小时"):
        assert expected in text, expected
    steps = [line.split()[2] for line in text.splitlines() if line.strip().startswith("2026-11-1") and
             len(line.split()) > 3 and line.split()[1][2] == ":"]
    assert steps == ["受理", "交办", "承诺", "分析会决定", "开始办理", "办结", "答复居民", "评价"]
    assert ID_NUMBER[:3] + "*" * 14 + ID_NUMBER[-1:] in text and ID_NUMBER not in text
    assert "138****8000" in text and "13800138000" not in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all("WenQuanYiMicroHei" in line and " yes yes " in line for line in font_lines)


def test_dossier_command_refuses_unknown_number_and_missing_file(office_file, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert run("matter", "2026-13-0001", "--db", str(office_file), "-o", str(out)) == 1
    assert "找不到编号为“2026-13-0001”的事项" in capsys.readouterr().err
    assert run("matter", "2026-11-0001", "--db", str(tmp_path / "none.db"), "-o", str(out)) == 2
    assert run("matter", "2026-11-0001", "--db", str(office_file), "-o", str(tmp_path / "no" / "x.pdf")) == 2
    assert not out.exists()


def test_meeting_agenda_lists_difficult_and_overdue(office_file, db, tmp_path):
    from exports.meeting_agenda import write_agenda
    from gridoffice.matters import query as Q

    late = M.intake(db, source="phone", category_id=6, grade="urgent", title="自来水水压低", resident_name="吴文华",
                    received_at="2026-11-09 09:00", now="2026-11-09 09:00")
    week = dt.date(2026, 11, 12)
    items = Q.meeting_list(db, week, now="2026-11-12 09:00", scope=ADMIN)
    assert [i.matter.id for i in items] == [1, late]
    out = write_agenda(tmp_path / "agenda.pdf", M.week_start(week), items,
                       [M.timeliness(i.matter, "2026-11-12 09:00") for i in items], office_name="青山社区")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("青山社区每周民情分析会事项清单", "2026-11-09 至 2026-11-15", "共2件（疑难1件，超期1件）",
                     "2026-11-0001", "2026-11-0002", "自来水水压低", "吴文华", "纳入居家养老服务补贴对象", "已超期"):
        assert expected in text, expected


def test_dossier_command_asks_to_upgrade_an_old_file(tmp_path, capsys):
    from gridoffice.store.db import connect
    from gridoffice.store.schema import migrations

    old = tmp_path / "old.db"
    db = connect(old)
    migrations.apply(db, stop_before="m004_matters")
    db.close()
    assert run("matter", "2026-11-0001", "--db", str(old), "-o", str(tmp_path / "x.pdf")) == 2
    assert "请先用本程序打开一次" in capsys.readouterr().err
