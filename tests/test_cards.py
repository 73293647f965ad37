"""Contact cards: the records, the layouts, the print sheets (text per card, pages, fonts, masking) and the command."""

import argparse
import json
import re
import shutil
import subprocess

import pytest
import segno

from commands import cards as cards_command
from exports import card_qr
from exports import cards as X
from gridoffice.archive import households
from gridoffice.org import regions, staff
from gridoffice.reports import cards as C
from gridoffice.errors import ValidationError
from gridoffice.access.users import whole_office
from tests._domain import TODAY, dump, man, tree, woman

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

RESIDENT_PHONES = ("13900001111", "13900002222", "13900003333", "13900004444", "13900005555", "057188776655")
LONG_ADDRESS = "宝石小区" + "幸福花园东区" * 8 + "18幢3单元1202室"


@pytest.fixture
def office(db):
    t = tree(db)
    regions.set_office(db, "宝石社区居民委员会", t.community)
    C.set_hotline(db, "0571-87001234")
    s = {}
    for key, name, kind, phone in (("head", "周海燕", "grid_worker", "13811110001"),
                                   ("police", "吴建国", "police", "13811110002"),
                                   ("doctor", "郑丽", "doctor", "13811110003"),
                                   ("party", "王志强", "party_member", "13811110004"),
                                   ("party2", "陈秀英", "party_member", "13811110005"),
                                   ("proxy", "刘德明", "party_member", "13811110006")):
        s[key] = staff.add_staff(db, name, kind, phone=phone, org_id=t.grid)
    staff.add_role(db, s["head"], "grid_head", t.grid, today=TODAY)
    staff.add_role(db, s["proxy"], "proxy_agent", t.grid, today=TODAY)
    team = staff.create_team(db, t.grid, "第一网格服务团队", duties="入户走访、代办服务")
    staff.add_team_member(db, team, s["head"], duty="survey", today=TODAY)
    staff.add_team_member(db, team, s["police"], duty="mediation", title="社区民警", today=TODAY)
    staff.add_team_member(db, team, s["doctor"], duty="survey", title="家庭医生", today=TODAY)
    h = {}
    h["a"] = households.create_household(db, org_id=t.estate, number="G1-0001", address="宝石小区1幢101室",
                                         phone=RESIDENT_PHONES[5],
                                         head=man("李建辉", relation="head", phone=RESIDENT_PHONES[0]), today=TODAY)
    h["b"] = households.create_household(db, org_id=t.estate, number="G1-0002", address=LONG_ADDRESS,
                                         head=woman("欧阳娜仁托娅·额尔德尼其其格", relation="head",
                                                    phone=RESIDENT_PHONES[1]), today=TODAY)
    h["c"] = households.create_household(db, org_id=t.grid, number="G1-0003", address="宝石小区2幢202室",
                                         head=man("孙丹丹", serial=13, relation="head", phone=RESIDENT_PHONES[2]),
                                         today=TODAY)
    h["d"] = households.create_household(db, org_id=t.grid2, number="G2-0001", address="北山路9号",
                                         head=woman("钱秀梅", serial=14, relation="head", phone=RESIDENT_PHONES[3]),
                                         today=TODAY)
    households.add_member(db, h["a"], woman("张美华", serial=16, phone=RESIDENT_PHONES[4]), "spouse",
                          today=TODAY)
    staff.link_contact(db, s["party"], h["a"], today=TODAY)
    staff.link_contact(db, s["party2"], h["a"], today=TODAY)
    staff.link_contact(db, s["party"], h["b"], today=TODAY)
    staff.link_contact(db, s["party2"], h["d"], today=TODAY)
    return {"tree": t, "staff": s, "households": h, "team": team}


def run(*argv):
    parser = argparse.ArgumentParser()
    cards_command.add_arguments(parser)
    return cards_command.run(parser.parse_args(list(argv)))


def pdf_text(path, page=None, box=None) -> str:
    """Text of the file, a page, or a box (x, y, w, h in mm from the page's top-left) of a page."""
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if box is not None:
        x, y, w, h = (round(v * 72 / 25.4) for v in box)
        args += ["-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
    return subprocess.run(args + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def card_box(index: int, back: bool = False) -> tuple[float, float, float, float]:
    x, y, _ = X.slot_origin("a4-10", index, back)
    return x, 297 - y - X.CARD_H, X.CARD_W, X.CARD_H


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- records -------------------------------------------------------------------------------

def test_household_cards_carry_contacts_team_proxies_and_codes(db, office):
    h = office["households"]
    cards = C.household_cards(db, [h["a"], h["d"]], ADMIN)
    a, d = cards
    # The QR code reads on a phone (hotline, household number) and ends with the code a scan looks up.
    assert (a.number, a.head_name, a.grid_name, a.code) == (
        "G1-0001", "李建辉", "第一网格", "服务热线 0571-87001234 户号 G1-0001 GO:H:G1-0001")
    assert [(p.name, p.phone) for p in a.contacts] == [("王志强", "13811110004"), ("陈秀英", "13811110005")]
    assert [(p.name, p.role) for p in a.team.members] == [("周海燕", "网格长"), ("吴建国", "社区民警"),
                                                          ("郑丽", "家庭医生")]
    assert [p.name for p in a.team.proxies] == ["刘德明"]
    assert a.team.code == f"服务团队 {a.team.name} 服务热线 0571-87001234 GO:T:{office['team']}"
    assert d.team is None and [p.name for p in d.contacts] == ["陈秀英"]


def test_cards_read_a_whole_batch_in_the_same_number_of_queries(db, office):
    counted = []
    db.conn.set_trace_callback(counted.append)
    try:
        C.household_cards(db, [office["households"]["a"]], ADMIN)
        one = len(counted)
        counted.clear()
        C.household_cards(db, list(office["households"].values()), ADMIN)
    finally:
        db.conn.set_trace_callback(None)
    assert len(counted) == one <= 6  # households, contacts, the hotline, proxies, team members, teams


def test_selection_by_grid_and_number_with_chinese_messages(db, office):
    t, h = office["tree"], office["households"]
    assert C.households_in_grids(db, C.grids_named(db, ["第一网格"], ADMIN), ADMIN) == [h["a"], h["b"], h["c"]]
    assert C.households_numbered(db, ["G2-0001", "G1-0001", "G2-0001"], ADMIN) == [h["d"], h["a"]]
    with pytest.raises(ValidationError, match="没有名为“第九网格”的网格"):
        C.grids_named(db, ["第九网格"], ADMIN)
    with pytest.raises(ValidationError, match="没有户号为“X-1”的户"):
        C.households_numbered(db, ["X-1"], ADMIN)
    assert [c.grid_name for c in C.team_cards(db, [t.grid, t.grid2], ADMIN)] == ["第一网格"]


def test_printer_offset_and_hotline_are_checked_stored_and_audited(db, office):
    before = dump(db)
    for x, y, message in (("abc", 0, "左右偏移应填毫米数"), (0, "25", "上下偏移25.0毫米太大")):
        with pytest.raises(ValidationError, match=message):
            C.set_printer_offset(db, x, y)
    with pytest.raises(ValidationError, match="电话"):
        C.set_hotline(db, "热线电话")
    assert dump(db) == before
    assert C.set_printer_offset(db, "1.25", -0.5) == (1.2, -0.5)
    assert C.printer_offset(db) == (1.2, -0.5)
    last = db.execute("SELECT action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert last[0] == "update" and json.loads(last[1]) == {"cards_printer_offset": [1.2, -0.5]}


# ---- layouts -------------------------------------------------------------------------------

def test_shipped_layouts_load():
    assert [C.load_layout(k).title for k in C.LAYOUTS] == ["便民服务联系卡", "民情联系卡", "党员代办卡"]


@pytest.mark.parametrize("change, message", [
    ({"colour": "#FF0000"}, "“colour”不是样式能用的项目"),
    ({"fields": ["household", "phone"]}, "“fields”含有未知项目“phone”"),
    ({"colours": {"accent": "red", "text": "#000000", "band_text": "#FFFFFF"}}, "“colours.accent”应是 #RRGGBB"),
    ({"show_staff_phones": "yes"}, "“show_staff_phones”应填 true 或 false"),
    ({"title": ""}, "“title”不能为空"),
    ({"back_text": None}, "“back_text”应是一段文字"),
])
def test_bad_layout_names_the_key(tmp_path, change, message):
    data = json.loads(C.layout_path("service").read_text(encoding="utf-8"))
    data.update(change)
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as err:
        C.load_layout(path)
    assert "mine.json" in err.value.message


def test_layout_missing_key_or_broken_json(tmp_path):
    data = json.loads(C.layout_path("proxy").read_text(encoding="utf-8"))
    del data["back_title"]
    with pytest.raises(ValidationError, match="“back_title”缺少"):
        C.parse_layout(data, "proxy")
    path = tmp_path / "broken.json"
    path.write_text('{"title": "卡"', encoding="utf-8")
    with pytest.raises(ValidationError, match="broken.json不是有效的JSON"):
        C.load_layout(path)
    with pytest.raises(ValidationError, match="找不到卡片样式“nosuch”"):
        C.load_layout("nosuch")


# ---- layout geometry -----------------------------------------------------------------------

def test_long_text_shrinks_and_nothing_leaves_the_card(db, office):
    card = C.household_cards(db, [office["households"]["b"]], ADMIN)[0]
    layout, office_info = C.load_layout("service"), C.office_for_cards(db)
    for ops in (X.front_static(layout, office_info), X.front_variable(card, layout, office_info),
                X.back_ops(layout, office_info)):
        for op in ops:
            if op[0] != "text":
                continue
            _, x, y, text, size, _colour, align = op
            width = X.text_width(text, size)
            left = {"l": x, "r": x - width, "c": x - width / 2}[align]
            assert 0 <= left and left + width <= X.CARD_W and 0 < y < X.CARD_H, text
            assert size >= X.MIN_PT
    texts = [op[3] for op in X.front_variable(card, layout, office_info) if op[0] == "text"]
    address = next(t for t in texts if t.startswith("住址"))
    assert address.endswith("…") and address[:-1] in "住址：" + LONG_ADDRESS


def test_back_page_mirrors_columns_for_a_long_edge_flip():
    for i in range(10):
        fx, fy, _ = X.slot_origin("a4-10", i, False)
        bx, by, _ = X.slot_origin("a4-10", i, True)
        assert by == fy and bx + fx == 2 * X.A4_LEFT + X.CARD_W  # x mirrored about the sheet's centre line
        assert abs((fx + X.CARD_W / 2) + (bx + X.CARD_W / 2) - 210) < 1e-9


def test_qr_symbols_equal_segnos():
    for payload in ("GO:H:01200101010001", "GO:T:7", "GO:H:G1-0001", "GO:H:a-1", "户号",
                    C.household_code("01200101010001", "0571-88888888"), C.household_code("G1-0001"),
                    C.team_code(7, "第一网格服务团队", "12345")):
        expected = [[bool(m) for m in row] for row in segno.make_qr(
            card_qr.segments(payload), error="m", mask=card_qr.MASK, boost_error=False, eci=True).matrix]
        assert card_qr.matrix(payload) == expected, payload


def test_qr_symbols_of_a_print_run_equal_segnos_when_kept_chunks_are_dropped(monkeypatch):
    """A run of neighbouring household numbers reuses the chunks kept from the cards before it;
    with room for two chunks per position they are dropped again and again, and every symbol
    still equals segno's."""
    monkeypatch.setattr(card_qr, "CHUNKS_KEPT", 2)
    card_qr._basis.cache_clear()
    try:
        for i in (1, 2, 3, 9, 10, 11, 99, 100, 2, 1):
            payload = C.household_code(f"0120010101{i:04d}", "0571-88888888")
            expected = [[bool(m) for m in row] for row in segno.make_qr(
                card_qr.segments(payload), error="m", mask=card_qr.MASK, boost_error=False, eci=True).matrix]
            assert card_qr.matrix(payload) == expected, payload
    finally:
        card_qr._basis.cache_clear()


def test_qr_image_samples_are_segnos_modules():
    """The image mask the PDF inlines: rows from the top, each padded to whole bytes, 1 for dark."""
    for payload in ("GO:H:01200101010001", "GO:H:a-1", C.household_code("01200101010001", "0571-88888888")):
        expected = [[bool(m) for m in row] for row in segno.make_qr(
            card_qr.segments(payload), error="m", mask=card_qr.MASK, boost_error=False, eci=True).matrix]
        n, samples = card_qr.image(payload)
        data, per_row = bytes.fromhex(samples), (n + 7) // 8
        assert n == len(expected) and len(data) == n * per_row
        rows = [[bool(data[r * per_row + c // 8] >> (7 - c % 8) & 1) for c in range(n)] for r in range(n)]
        assert rows == expected, payload


# ---- the PDF -------------------------------------------------------------------------------

@needs_poppler
def test_each_card_names_its_people_and_no_resident_phone(db, office, tmp_path):
    out = tmp_path / "cards.pdf"
    path = db.execute("PRAGMA database_list").fetchone()[2]
    assert run("--db", path, "--grid", "第一网格", "--household", "G2-0001", "--duplex", "-o", str(out)) == 0
    assert pages(out) == 2
    expect = {
        0: ("李建辉", "G1-0001", ["王志强 13811110004", "陈秀英 13811110005"]),
        1: ("欧阳娜仁托娅", "G1-0002", ["王志强 13811110004"]),
        2: ("孙丹丹", "G1-0003", []),
        3: ("钱秀梅", "G2-0001", ["陈秀英 13811110005"]),
    }
    team = ["网格长周海燕13811110001", "社区民警吴建国13811110002", "家庭医生郑丽13811110003"]
    for index, (head, number, contacts) in expect.items():
        text = flat(pdf_text(out, 1, card_box(index)))
        assert head in text and number in text and "服务热线：0571-87001234" in text, index
        assert all(flat("联系人：党员" + c) in text for c in contacts), index
        others = {"王志强", "陈秀英"} - {c.split()[0] for c in contacts}
        assert not any(name in text for name in others), index
        assert all(m in text for m in team) == (number != "G2-0001"), index
    back = pdf_text(out, 2, card_box(0, back=True))
    assert "服务范围" in back and "宝石社区居民委员会" in back
    everything = flat(pdf_text(out))
    assert not any(phone in everything for phone in RESIDENT_PHONES)
    entry = db.execute("SELECT actor, action, new FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    assert entry[:2] == ("admin", "export") and json.loads(entry[2])["rows"] == 4  # the logged-in account


@needs_poppler
def test_fonts_embedded_and_page_counts(db, office, tmp_path):
    ids = C.households_in_grids(db, [office["tree"].grid, office["tree"].grid2], ADMIN)
    many = ids * 3  # 12 cards: two A4 sheets
    layout, info = C.load_layout("contact"), C.office_for_cards(db)
    cards = C.household_cards(db, many, ADMIN)
    for sheet, duplex, calibration, expected in (("a4-10", False, False, 2), ("a4-10", True, True, 5),
                                                ("a6", True, False, 24), ("a6", False, True, 13)):
        out = tmp_path / f"{sheet}-{duplex}-{calibration}.pdf"
        job = X.write_cards(out, cards, layout, info, sheet=sheet, duplex=duplex, calibration=calibration)
        progress = list(_drain(job))
        assert progress[-1][:2] == (12, 12)
        assert pages(out) == expected, (sheet, duplex, calibration)
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all("WenQuanYiMicroHei" in r and r.split()[-5:-3] == ["yes", "yes"] for r in rows), fonts
    assert list(tmp_path.glob(".tmp-*")) == []


@needs_poppler
def test_staff_phones_follow_the_layout_and_offset_moves_the_page(db, office, tmp_path):
    data = json.loads(C.layout_path("service").read_text(encoding="utf-8"))
    data["show_staff_phones"] = False
    layout = C.parse_layout(data, "service")
    cards = C.household_cards(db, [office["households"]["a"]], ADMIN)
    info = C.office_for_cards(db)
    plain, shifted = tmp_path / "plain.pdf", tmp_path / "shifted.pdf"
    list(_drain(X.write_cards(plain, cards, layout, info)))
    list(_drain(X.write_cards(shifted, cards, layout, info, offset=(3.0, 2.0))))
    text = flat(pdf_text(plain))
    assert "王志强" in text and "13811110004" not in text and "0571-87001234" in text

    def title_box(path):
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True).stdout
        m = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>便民服务联系卡<', html)
        return float(m.group(1)), float(m.group(2))

    (x0, y0), (x1, y1) = title_box(plain), title_box(shifted)
    assert abs((x1 - x0) - 3 * 72 / 25.4) < 0.2 and abs((y1 - y0) - 2 * 72 / 25.4) < 0.2


def _drain(job):
    while True:
        try:
            yield next(job)
        except StopIteration:
            return


def test_command_refuses_bad_selection_with_chinese_messages(db, office, tmp_path, capsys):
    path = db.execute("PRAGMA database_list").fetchone()[2]
    out = tmp_path / "x.pdf"
    assert run("--db", path, "-o", str(out)) == 2
    assert "请用 --grid" in capsys.readouterr().err
    assert run("--db", path, "--household", "NOPE", "-o", str(out)) == 1
    assert "没有户号为“NOPE”的户" in capsys.readouterr().err
    assert run("--db", path, "--grid", "第一网格", "--layout", "fancy", "-o", str(out)) == 1
    assert "找不到卡片样式“fancy”" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="zbar-tools not installed")
@pytest.mark.parametrize("dpi", [150, 300, 600])
def test_printed_qr_codes_scan_to_the_household_codes(db, office, tmp_path, dpi):
    out = tmp_path / "qr.pdf"
    cards = C.household_cards(db, list(office["households"].values()), ADMIN)
    list(_drain(X.write_cards(out, cards, C.load_layout("service"), C.office_for_cards(db))))
    # The four cards fill the top two rows: render just those, at a cheap printer's resolution up to a good one's.
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-W", str(dpi * 2480 // 300),
                    "-H", str(dpi * 1600 // 300), str(out), str(tmp_path / "page")], check=True)
    found = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")], capture_output=True,
                           text=True).stdout.splitlines()
    # Each reads as its text: the hotline and household number in Chinese, then the scan code.
    assert sorted(found) == sorted(c.code for c in cards)
    assert all(code.startswith("服务热线 0571-87001234 户号 ") for code in found)
