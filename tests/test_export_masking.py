"""Masking in every export: each file is scanned whole (every cell of every sheet, every PDF page)
for a full ID number or mobile number. Full numbers leave the office only in a roster the clerk
asked for deliberately, with a reason kept in the audit trail."""

import shutil
import subprocess

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from commands import export as export_cmd
from commands._progress import consume
from exports import archives, assessment, monthly_summary, public_notice, roster
from exports.cards import export_cards
from exports.matter_dossier import write_dossier
from exports.meeting_agenda import write_agenda
from gridoffice import masking
from gridoffice.archive import households
from gridoffice.audit import trail, journal
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import open_db
from gridoffice.errors import ValidationError
from gridoffice.masking import find_unmasked, mask_phone
from gridoffice.access.users import whole_office
from tests._reports import MONTH, TODAY, build_activity_office
from ui.context import AppContext
from ui.dialogs import household as dialogs
from ui.dialogs.household import HouseholdDialog
from ui.pages.reports_page import ReportsPage


# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
NOW = f"{TODAY.isoformat()} 09:00"


@pytest.fixture(scope="module")
def office_path(small_office_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("masking-office") / "office.db"
    build_activity_office(small_office_template, path)
    return path


@pytest.fixture(scope="module")
def office(office_path):
    db = open_db(office_path)
    trail.set_actor(db, "测试员")
    yield db
    db.close()


@pytest.fixture
def fresh_office_path(office_path, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(office_path, path)
    return path


def _cells_text(path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)


def _pdf_text(path) -> str:
    # Raw and layout text: a number split over two layout columns still shows whole in one of them.
    return "\n".join(subprocess.run(["pdftotext", *mode, str(path), "-"], capture_output=True, text=True,
                                    check=True).stdout for mode in ([], ["-layout"]))


def _text(path) -> str:
    return _cells_text(path) if str(path).endswith(".xlsx") else _pdf_text(path)


def _one(office, query, params=()):
    return office.execute(query, params).fetchone()[0]


def _matter_with_resident(office) -> int:
    return _one(office, "SELECT id FROM matters WHERE person_id IS NOT NULL AND resident_phone != '' ORDER BY id")


def _write(office, kind, tmp_path):
    """The file of one export kind, written as the program writes it."""
    community = _one(office, "SELECT id FROM org_units WHERE level = 'community' ORDER BY id")
    if kind == "summary":
        consume(monthly_summary.write(office, tmp_path / "s.xlsx", MONTH, scope=ADMIN), quiet=True)
        return tmp_path / "s.xlsx"
    if kind == "notice":
        consume(public_notice.write(office, tmp_path / "n.xlsx", MONTH, scope=ADMIN), quiet=True)
        return tmp_path / "n.xlsx"
    if kind == "assessment":
        consume(assessment.write(office, tmp_path / "a.xlsx", "2026", scope=ADMIN, today=TODAY), quiet=True)
        return tmp_path / "a.xlsx"
    if kind == "roster":
        consume(roster.write(office, tmp_path / "r.xlsx", scope=ADMIN), quiet=True)
        return tmp_path / "r.xlsx"
    if kind == "village-file":
        consume(archives.write_village(office, tmp_path / "v.pdf", community, scope=ADMIN, today=TODAY), quiet=True)
        return tmp_path / "v.pdf"
    if kind == "member-file":
        sid = _one(office, "SELECT staff_id FROM visits GROUP BY staff_id ORDER BY COUNT(*) DESC, staff_id")
        consume(archives.write_member(office, tmp_path / "m.pdf", sid, scope=ADMIN, year=2026, today=TODAY), quiet=True)
        return tmp_path / "m.pdf"
    if kind == "dossier":
        d = Q.dossier(office, _matter_with_resident(office), scope=ADMIN, now=NOW)
        return write_dossier(tmp_path / "d.pdf", d, office_name="测试社区")
    if kind == "agenda":
        # A difficult matter still open, from a resident with an ID number and a mobile on file.
        pid, name, phone = office.execute("SELECT id, name, phone FROM persons WHERE status = 'active' "
                                          "AND phone LIKE '1%' ORDER BY id").fetchone()
        M.intake(office, source="visit", category_id=3, grade="difficult", title="申请居家养老上门服务",
                 person_id=pid, resident_name=name, resident_phone=phone, received_at="2026-10-27 09:00", now=NOW)
        week = M.week_start(TODAY)
        items = Q.meeting_list(office, week, now=NOW, scope=ADMIN)
        assert items
        return write_agenda(tmp_path / "g.pdf", week, items, [M.timeliness(i.matter, NOW) for i in items],
                            office_name="测试社区")
    grids = [r[0] for r in office.execute("SELECT id FROM org_units WHERE level = 'grid' AND status = 'active'")]
    written = consume(export_cards(office, tmp_path / f"{kind}.pdf", scope=ADMIN, grid_ids=grids, teams=kind == "team-cards"),
                      quiet=True)
    return written.path


KINDS = ["summary", "notice", "assessment", "roster", "village-file", "member-file", "dossier", "agenda",
         "cards", "team-cards"]


def test_the_office_holds_numbers_to_leak(office, tmp_path):
    """The scan below means something: the office's residents have ID numbers and mobiles, and a
    roster with full numbers shows them to find_unmasked."""
    assert _one(office, "SELECT COUNT(*) FROM persons WHERE phone LIKE '1%' AND length(phone) = 11") > 50
    assert _one(office, "SELECT COUNT(*) FROM matters WHERE resident_phone != ''") > 10
    path = tmp_path / "full.xlsx"
    n = consume(roster.write(office, path, scope=ADMIN, full_numbers=True, reason="迁移到新电脑"), quiet=True)
    found = set(find_unmasked(_cells_text(path)))
    ids = {r[0] for r in office.execute("SELECT id_number FROM persons WHERE status = 'active' AND id_number != ''")}
    assert ids and ids <= found and len(found) > n // 2


@pytest.mark.parametrize("kind", KINDS)
def test_no_full_number_in_any_export(office, tmp_path, kind):
    path = _write(office, kind, tmp_path)
    text = _text(path)
    assert len(text) > 200
    found = set(find_unmasked(text))
    if kind in ("cards", "team-cards"):
        # Cards carry the staff's work phones by design, so residents can reach them.
        staff_phones = {r[0] for r in office.execute("SELECT phone FROM staff WHERE coalesce(phone, '') != ''")}
        assert found & staff_phones
        found -= staff_phones
    assert not found, sorted(found)[:5]


def test_masked_roster_shows_the_masked_forms(office, tmp_path):
    path = _write(office, "roster", tmp_path)
    pid, id_number, phone = office.execute(
        "SELECT p.id, p.id_number, p.phone FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE p.status = 'active' AND h.status = 'active' AND p.phone != '' ORDER BY p.id").fetchone()
    text = _cells_text(path)
    assert id_number[:3] + "*" * 14 + id_number[-1:] in text and mask_phone(phone) in text
    entry = journal.query(office, journal.Filter(action="export"), scope=ADMIN)[0]
    assert entry.new["kind"] == "roster" and not entry.new["unmasked"] and "reason" not in entry.new


def test_full_numbers_need_a_reason_and_write_nothing_without(office, tmp_path):
    before = journal.count(office, journal.Filter(action="export"), scope=ADMIN)
    for reason in ("", "  ", "a"):
        with pytest.raises(ValidationError) as e:
            consume(roster.write(office, tmp_path / "x.xlsx", scope=ADMIN, full_numbers=True, reason=reason), quiet=True)
        assert e.value.field == "reason" and "请填写原因" in e.value.message
    assert not (tmp_path / "x.xlsx").exists()
    assert journal.count(office, journal.Filter(action="export"), scope=ADMIN) == before


def test_full_numbers_are_logged_with_the_reason(office, tmp_path):
    path = tmp_path / "full.xlsx"
    consume(roster.write(office, path, scope=ADMIN, columns=["户号", "姓名", "身份证号码"], full_numbers=True,
                         reason=" 报送上级 核对 "), quiet=True)
    entry = journal.query(office, journal.Filter(action="export"), scope=ADMIN)[0]
    assert entry.new["unmasked"] and entry.new["reason"] == "报送上级 核对" and entry.actor == "测试员"
    assert find_unmasked(_cells_text(path))


def test_command_full_numbers_refused_without_reason(fresh_office_path, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    args = dict(kind="roster", db=str(fresh_office_path), month=None, year=None, org=None, staff=None,
                columns=None, user=None, password_file=None, output=str(out), quiet=True, full_numbers=True, reason="")
    assert export_cmd.run(type("Args", (), args)()) == 2
    assert "请填写原因" in capsys.readouterr().err and not out.exists()
    assert export_cmd.run(type("Args", (), {**args, "kind": "summary", "reason": "核对"})()) == 2
    assert "只用于花名册" in capsys.readouterr().err
    assert export_cmd.run(type("Args", (), {**args, "reason": "迁移到新电脑"})()) == 0
    assert find_unmasked(_cells_text(out))
    db = open_db(fresh_office_path)
    entry = journal.query(db, journal.Filter(action="export"), scope=ADMIN)[0]
    db.close()
    assert entry.actor == "admin" and entry.new["reason"] == "迁移到新电脑" and entry.new["unmasked"]


def test_masked_roster_is_refused_by_the_import(office, tmp_path):
    """A masked roster is a document, not a source: every row is refused, nothing is matched."""
    from gridoffice.roster import importer

    path = tmp_path / "r.xlsx"
    consume(roster.write(office, path, scope=ADMIN), quiet=True)
    result = consume(importer.import_file(office, path, dry_run=True), quiet=True)
    assert result.refused and not result.persons_unchanged and not result.persons_updated
    assert all("身份证号码" in r.reason for r in result.refused)


# -- the 报表 page ---------------------------------------------------------------------------------

@pytest.fixture
def page(fresh_office_path, qtbot):
    ctx = AppContext(fresh_office_path)
    widget = ReportsPage(ctx)
    qtbot.addWidget(widget)
    widget.show()
    widget.activated()
    widget.kind.setCurrentIndex(widget.kind.findData("roster"))
    yield widget
    ctx.close()


def _export(page, qtbot, monkeypatch, target):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    page.export()
    qtbot.waitUntil(lambda: page.export_button.isEnabled(), timeout=20000)


def _last_export(page):
    db = open_db(page.ctx.db_path)
    entry = journal.query(db, journal.Filter(action="export"), scope=ADMIN)[0]
    db.close()
    return entry


def test_page_roster_is_masked_unless_asked_with_a_reason(page, qtbot, monkeypatch, tmp_path):
    assert page.full_numbers.isVisible() and page.full_numbers.isEnabled() and not page.reason.isEnabled()
    _export(page, qtbot, monkeypatch, tmp_path / "masked.xlsx")
    assert not find_unmasked(_cells_text(tmp_path / "masked.xlsx"))
    assert not _last_export(page).new["unmasked"]

    page.full_numbers.setChecked(True)
    assert page.reason.isEnabled()
    _export(page, qtbot, monkeypatch, tmp_path / "noreason.xlsx")
    assert "请填写原因" in page.result.text() and not (tmp_path / "noreason.xlsx").exists()

    page.reason.setText("迁移到新电脑")
    _export(page, qtbot, monkeypatch, tmp_path / "full.xlsx")
    assert find_unmasked(_cells_text(tmp_path / "full.xlsx"))
    entry = _last_export(page)
    assert entry.new["unmasked"] and entry.new["reason"] == "迁移到新电脑"


def test_page_full_numbers_only_for_roles_that_may_reveal(fresh_office_path, qtbot, monkeypatch):
    ctx = AppContext(fresh_office_path)
    monkeypatch.setattr(ctx, "can", lambda permission: permission != "reveal")
    widget = ReportsPage(ctx)
    qtbot.addWidget(widget)
    widget.kind.setCurrentIndex(widget.kind.findData("roster"))
    widget.show()
    # Not offered at all: the row is hidden, and the box could not be ticked anyway.
    assert widget.columns.isVisible() and not widget.full_numbers.isVisible()
    widget.full_numbers.setChecked(True)
    assert not widget.full_numbers.isEnabled()
    assert widget.job_factory("roster", fresh_office_path.parent / "r.xlsx") is not None
    ctx.close()


# -- 修改户信息 ------------------------------------------------------------------------------------

@pytest.fixture
def household(fresh_office_path, qtbot):
    ctx = AppContext(fresh_office_path)
    hid = _one(ctx.reader(), "SELECT id FROM households WHERE status = 'active' AND phone LIKE '1%' ORDER BY id")
    yield ctx, households.get_household(ctx.reader(), hid, scope=ADMIN)
    ctx.close()


def test_household_dialog_shows_the_phone_masked_and_keeps_it(household, qtbot):
    ctx, h = household
    dialog = HouseholdDialog(ctx, household=h)
    qtbot.addWidget(dialog)
    assert dialog.phone.text() == mask_phone(h.phone) and dialog.phone.isReadOnly()
    assert not find_unmasked(dialog.phone.text())
    dialog.address.setText(h.address + "（东）")
    assert dialog.validate()
    assert dialog.changes() == {"address": h.address + "（东）"}


def test_household_dialog_reveal_opens_the_clear_number(household, qtbot, monkeypatch):
    ctx, h = household
    asked = []
    monkeypatch.setattr(dialogs, "ask_reveal", lambda *a: asked.append(a[1:5]) or h.phone)
    dialog = HouseholdDialog(ctx, household=h)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.reveal_phone.isVisible()
    qtbot.mouseClick(dialog.reveal_phone, Qt.MouseButton.LeftButton)
    assert asked == [("households", h.id, "phone", mask_phone(h.phone))]
    assert dialog.phone.text() == h.phone and not dialog.phone.isReadOnly() and not dialog.reveal_phone.isVisible()
    assert dialog.changes() == {}
    dialog.phone.setText("13912345678")
    assert dialog.changes() == {"phone": "13912345678"}


def test_household_dialog_refused_reveal_keeps_it_masked(household, qtbot, monkeypatch):
    ctx, h = household
    monkeypatch.setattr(dialogs, "ask_reveal", lambda *a: None)
    dialog = HouseholdDialog(ctx, household=h)
    qtbot.addWidget(dialog)
    dialog.reveal_phone.click()
    assert dialog.phone.text() == mask_phone(h.phone) and dialog.phone.isReadOnly()
    assert dialog.values()["phone"] == h.phone


def test_household_dialog_new_number_without_seeing_the_old(household, qtbot, monkeypatch):
    ctx, h = household
    monkeypatch.setattr(dialogs, "ask_reveal", lambda *a: pytest.fail("no reveal needed to replace"))
    dialog = HouseholdDialog(ctx, household=h)
    qtbot.addWidget(dialog)
    dialog.replace_phone.click()
    assert dialog.phone.text() == "" and not dialog.phone.isReadOnly()
    dialog.phone.setText("12345")
    assert not dialog.validate() and "手机号" in dialog.message.text()
    dialog.phone.setText("139 1234 5678")
    assert dialog.validate() and dialog.changes()["phone"] == "139 1234 5678"


def test_household_dialog_reveal_through_the_logged_flow(household, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.dialogs.reveal import RevealDialog

    ctx, h = household
    dialog = HouseholdDialog(ctx, household=h)
    qtbot.addWidget(dialog)

    def answer():
        reveal = next(w for w in QApplication.topLevelWidgets() if isinstance(w, RevealDialog) and w.isVisible())
        reveal.reason.setCurrentText("电话联系本人")
        reveal.show_button.click()
        qtbot.waitUntil(lambda: reveal.revealed is not None, timeout=5000)
        reveal.reject()

    QTimer.singleShot(0, answer)
    dialog.reveal_phone.click()
    assert dialog.phone.text() == h.phone and not dialog.phone.isReadOnly()
    db = open_db(ctx.db_path)
    entry = journal.query(db, journal.Filter(action="reveal"), scope=ADMIN)[0]
    db.close()
    assert (entry.table_name, entry.row_id, entry.new) == ("households", h.id, {"field": "phone", "reason": "电话联系本人"})


def test_numbers_typed_into_free_text_come_out_masked(fresh_office_path, tmp_path):
    """A clerk who types a resident's ID number or mobile into notes or a matter's text: the roster,
    the dossier and the agenda show them masked by the same rule."""
    db = open_db(fresh_office_path)
    trail.set_actor(db, "测试员")
    pid, id_number, phone = db.execute("SELECT id, id_number, phone FROM persons WHERE status = 'active' "
                                       "AND phone LIKE '1%' AND id_number != '' ORDER BY id").fetchone()
    typed = f"本人身份证{id_number}，手机{phone[:3]} {phone[3:7]} {phone[7:]}"
    db.execute("UPDATE persons SET notes = ?, occupation = ? WHERE id = ?", [typed, f"电话{phone}", pid])
    mid = M.intake(db, source="visit", category_id=3, grade="difficult", title=f"来电{phone}反映", content=typed,
                   person_id=pid, resident_name="测试", resident_phone=phone, received_at="2026-10-27 09:00", now=NOW)
    db.conn.commit()
    consume(roster.write(db, tmp_path / "r.xlsx", scope=ADMIN), quiet=True)
    write_dossier(tmp_path / "d.pdf", Q.dossier(db, mid, scope=ADMIN, now=NOW), office_name="测试社区")
    week = M.week_start(TODAY)
    items = Q.meeting_list(db, week, now=NOW, scope=ADMIN)
    write_agenda(tmp_path / "g.pdf", week, items, [M.timeliness(i.matter, NOW) for i in items], office_name="测试社区")
    db.close()
    for name in ("r.xlsx", "d.pdf", "g.pdf"):
        text = _text(tmp_path / name)
        assert masking.mask_id(id_number) in text or name == "g.pdf"
        assert masking.mask_phone(phone) in text and not find_unmasked(text.replace(" ", "")), name
    # Nor in the document properties, where a PDF keeps its title.
    for name in ("d.pdf", "g.pdf"):
        info = subprocess.run(["pdfinfo", str(tmp_path / name)], capture_output=True, text=True, check=True).stdout
        assert "Title:" in info and not find_unmasked(info)
