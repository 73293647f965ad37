"""The package an office sends to its street: exact, signed, encrypted, refused when anything is wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import shutil
import struct

import pytest

from commands._progress import consume
from gridoffice.access import keys
from gridoffice.audit import anchors
from gridoffice.consolidation import enroll, package, sealed, tables
from gridoffice.consolidation.package import read_package, write_package
from gridoffice.store.db import get_setting, open_db
from gridoffice.errors import GridOfficeError, PackageRefused, PermissionDenied
from gridoffice.access.users import whole_office
from tests._offices import small_office

ADMIN = whole_office("admin")
CLERK = whole_office("clerk", "clerk")
AT = dt.datetime(2026, 11, 30, 17, 0)
STREET_PASSWORD = "street-pass-1"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    db = open_db(folder / "office.db")
    small_office(db)
    db.close()
    street = folder / "street"
    enroll.make_street_keys(street, STREET_PASSWORD)
    return folder


@pytest.fixture
def office(template, tmp_path):
    """A fresh copy of the generated office, enrolled with a fresh copy of the street's keys."""
    path = tmp_path / "office.db"
    shutil.copyfile(template / "office.db", path)
    keys.copy(template / "office.db", path)
    shutil.copytree(template / "street", tmp_path / "street")
    db = open_db(path)
    card = enroll.enroll_office(db, tmp_path / "street" / "street.pub", tmp_path / "office.card", by=ADMIN)
    yield db, card, enroll.read_street_key(tmp_path / "street" / "street.key", STREET_PASSWORD)
    db.close()


def make(db, target, **kw):
    return consume(write_package(db, target, by=kw.pop("by", CLERK), at=AT, **kw), quiet=True)


def local_rows(db, table):
    """The table as the office holds it, every reference translated by hand, for comparison."""
    spec = tables.BY_NAME[table]
    cur = db.execute(f"SELECT * FROM [{table}] ORDER BY rowid")
    names = [c[0] for c in cur.description]
    rows = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        out = {}
        for column, value in row.items():
            if column == "id" or column in spec.dropped:
                continue
            if column in spec.refs:
                found = db.execute(f"SELECT gid FROM [{spec.refs[column]}] WHERE id = ?", [value]).fetchone()
                out[spec.gid_column(column)] = found[0] if found else None
            else:
                out[column] = value
        rows.append(out)
    return rows


def test_a_package_holds_every_record_by_gid_and_a_manifest_that_names_the_whole_office(office, tmp_path):
    db, card, street = office
    head = anchors.head(db)
    written = make(db, tmp_path / "1.pkg")
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card})
    m = got.manifest
    assert (m.format, m.sequence, m.previous, m.full) == (package.FORMAT, 1, None, True)
    assert (m.office_uuid, m.office_name, m.division_code) == (card.uuid, card.name, card.division_code)
    assert m.audit_head.entry == head.entry and m.anchor == head.code and m.created_at == "2026-11-30 17:00:00"
    assert got.file_hash == written.file_hash and written.manifest == m
    assert m.office_org_gid == db.execute("SELECT gid FROM org_units WHERE id = ?",
                                          [int(get_setting(db, "office_org_id"))]).fetchone()[0]
    seen = []
    for table, rows in got.tables():
        rows = list(rows)
        seen.append(table)
        if table == tables.AUDIT:
            assert [r["entry"] for r in rows] == list(range(1, head.entry + 1))
            assert all(r["hash"] and "id" not in r for r in rows)
            continue
        expected = local_rows(db, table)
        assert rows == expected, table
        assert m.tables[table] == package.TableState(len(expected), package.table_hash_of(expected))
        assert all("id" not in r and not any(k.endswith("_id") for k in r) for r in rows)
    assert seen == list(tables.NAMES)
    # A person names its household by gid, exactly as the office links them.
    person = got.rows("persons")[0]
    assert person["household_gid"] == db.execute(
        "SELECT h.gid FROM persons p JOIN households h ON h.id = p.household_id WHERE p.gid = ?",
        [person["gid"]]).fetchone()[0]


def test_the_audit_rows_and_the_whole_trail_hash(office, tmp_path):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card.signing_key})
    trail = got.rows("audit")
    assert package.table_hash_of(trail) == got.manifest.tables["audit"].hash
    assert got.manifest.tables["audit"].count == len(trail)
    about = [r for r in trail if r["table_name"] in tables.BY_NAME and r["row_id"]]
    assert about
    for r in about:
        assert r["row_gid"] == db.execute(f"SELECT gid FROM [{r['table_name']}] WHERE id = ?",
                                          [r["row_id"]]).fetchone()[0]
    assert all(r["row_gid"] is None for r in trail if r["table_name"] == "users")


def test_the_next_package_follows_the_previous_one(office, tmp_path):
    db, card, street = office
    first = make(db, tmp_path / "1.pkg")
    second = make(db, tmp_path / "2.pkg")
    m = read_package(tmp_path / "2.pkg", street, {card.uuid: card}).manifest
    assert (m.sequence, m.previous, m.full) == (2, first.file_hash, False)
    assert m.previous_head == first.manifest.audit_head
    trail = read_package(tmp_path / "2.pkg", street, {card.uuid: card}).rows("audit")
    # Only what came after the first package: its own entry (and nothing before it).
    assert [r["action"] for r in trail] == ["package"] and trail[0]["entry"] == first.manifest.audit_head.entry + 1
    assert json.loads(trail[0]["new"])["sequence"] == 1
    # Every record travels every time, so the counts of the whole office are there again.
    assert m.tables["persons"] == first.manifest.tables["persons"]
    assert package.package_state(db) == (2, second.file_hash)
    full = make(db, tmp_path / "3.pkg", full=True)
    assert full.manifest.full and full.manifest.previous_head.entry == 0 and full.manifest.sequence == 3
    assert full.manifest.audit_entries == full.manifest.tables["audit"].count


def test_no_password_hash_key_or_secret_is_in_a_package(office, tmp_path):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    plain = b"".join(_plaintext(tmp_path / "1.pkg", street))
    secrets_ = [r[0] for r in db.execute("SELECT password_hash FROM users")]
    secrets_ += [get_setting(db, enroll.SIGNING_KEY), keys.key_for(db_path(db)).hex()]
    keyfile = keys.read(db_path(db))
    for slot in keyfile.slots.values():
        secrets_ += [slot["key"], slot["mac"], slot["salt"]]
    assert len(secrets_) > 4 and all(secrets_)
    for secret in secrets_:
        assert secret.encode() not in plain
    assert b"password" not in plain and b"package_signing_key" not in plain
    # The file itself shows nothing readable: no ID number, no name.
    raw = (tmp_path / "1.pkg").read_bytes()
    number, name = db.execute("SELECT id_number, name FROM persons WHERE id_number != '' LIMIT 1").fetchone()
    assert number.encode() in plain and name.encode() in plain
    assert number.encode() not in raw and name.encode() not in raw


def db_path(db):
    return db.execute("PRAGMA database_list").fetchone()[2]


def _plaintext(path, street):
    """Every decrypted, decompressed byte of a package (read as read_package does)."""
    got = read_package(path, street, {json.loads(_header(path))["office"]: bytes.fromhex(
        json.loads(_header(path))["signer"])})
    reader = sealed.LineReader(got._source)
    with reader as lines:
        for line in lines:
            yield line + b"\n"


def _header(path):
    raw = path.read_bytes()
    (length,) = struct.unpack(">I", raw[len(package.MAGIC):len(package.MAGIC) + 4])
    return raw[len(package.MAGIC) + 4:len(package.MAGIC) + 4 + length]


# --- refusals ------------------------------------------------------------------------------------

def _refused(path, street, enrolled, reason):
    with pytest.raises(PackageRefused) as caught:
        read_package(path, street, enrolled)
    assert caught.value.reason == reason
    assert path.name in caught.value.message and "请" in caught.value.message
    return caught.value.message


def test_a_file_that_is_not_a_package_is_refused(office, tmp_path):
    db, card, street = office
    enrolled = {card.uuid: card}
    text = tmp_path / "notes.txt"
    text.write_text("本月走访情况", encoding="utf-8")
    _refused(text, street, enrolled, package.NOT_PACKAGE)
    _refused(db_path_obj(db), street, enrolled, package.NOT_PACKAGE)
    make(db, tmp_path / "1.pkg")
    cut = tmp_path / "cut.pkg"
    cut.write_bytes((tmp_path / "1.pkg").read_bytes()[:60])
    _refused(cut, street, enrolled, package.NOT_PACKAGE)
    folder = tmp_path / "folder.pkg"
    folder.mkdir()
    _refused(folder, street, enrolled, package.NOT_PACKAGE)


def db_path_obj(db):
    from pathlib import Path

    return Path(db_path(db))


@pytest.mark.parametrize("where", ["header", "middle", "end", "signature", "cut"])
def test_altered_bytes_are_refused_before_anything_is_decrypted(office, tmp_path, where):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    raw = bytearray((tmp_path / "1.pkg").read_bytes())
    header_end = len(package.MAGIC) + 4 + len(_header(tmp_path / "1.pkg"))
    if where == "header":
        # Another hex digit near the end of the header: it still reads, but it is not the one signed.
        raw[header_end - 3] = ord("0") if raw[header_end - 3] != ord("0") else ord("1")
    elif where == "middle":
        raw[(header_end + len(raw)) // 2] ^= 0x40
    elif where == "end":
        raw[-65] ^= 1
    elif where == "signature":
        raw[-1] ^= 1
    else:
        del raw[-200:-64]
    (tmp_path / "bad.pkg").write_bytes(bytes(raw))
    _refused(tmp_path / "bad.pkg", street, {card.uuid: card}, package.ALTERED)


def test_an_office_not_enrolled_or_a_stranger_signing_is_refused(office, tmp_path):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    _refused(tmp_path / "1.pkg", street, {}, package.UNKNOWN_OFFICE)
    stranger = enroll.OfficeCard(card.uuid, card.division_code, card.name, bytes(range(32)))
    _refused(tmp_path / "1.pkg", street, {card.uuid: stranger}, package.WRONG_SIGNER)


def test_a_package_for_another_street_is_refused(office, tmp_path):
    db, card, _street = office
    make(db, tmp_path / "1.pkg")
    enroll.make_street_keys(tmp_path / "other", STREET_PASSWORD)
    other = enroll.read_street_key(tmp_path / "other" / "street.key", STREET_PASSWORD)
    _refused(tmp_path / "1.pkg", other, {card.uuid: card}, package.OTHER_STREET)


def test_a_package_of_a_newer_format_is_refused(office, tmp_path):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    raw = (tmp_path / "1.pkg").read_bytes()
    header = _header(tmp_path / "1.pkg")
    newer = header.replace(b'"format":2', b'"format":9')
    assert newer != header
    (tmp_path / "new.pkg").write_bytes(raw.replace(header, newer, 1))
    message = _refused(tmp_path / "new.pkg", street, {card.uuid: card}, package.NEWER_FORMAT)
    assert "新版本" in message


@pytest.mark.parametrize("rules", [{1: -5}, {1: 2 ** 40}, {9: 30}, {2: 6}])
def test_visit_rules_no_office_can_set_make_the_manifest_unreadable(office, tmp_path, monkeypatch, rules):
    """Signed by the office itself (its program altered): rules outside a week to a year, or for a
    contact class that does not exist, are refused when the manifest is read, in Chinese."""
    db, card, street = office
    monkeypatch.setattr(package.visits, "visit_rules", lambda _db: rules)
    make(db, tmp_path / "1.pkg")
    monkeypatch.undo()
    message = _refused(tmp_path / "1.pkg", street, {card.uuid: card}, package.CONTENT)
    assert "清单无法读取" in message


def test_content_that_disagrees_with_its_manifest_is_refused_while_reading(office, tmp_path, monkeypatch):
    """Even signed by the office itself: a row the manifest does not count is caught."""
    db, card, street = office
    real = package._state
    monkeypatch.setattr(package, "_state", lambda pairs: package.TableState(len(pairs) + 1, real(pairs).hash))
    make(db, tmp_path / "1.pkg")
    monkeypatch.undo()
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card})
    with pytest.raises(PackageRefused) as caught:
        for _table, rows in got.tables():
            for _row in rows:
                pass
    assert caught.value.reason == package.CONTENT and "条数或校验值" in caught.value.message
    with pytest.raises(PackageRefused) as caught:  # the store's way in, which leaves the hashes to the store
        for _batch in got.batches():
            pass
    assert caught.value.reason == package.CONTENT and "条数或校验值" in caught.value.message


def test_the_stores_way_in_gives_every_line_as_sent_a_few_of_one_table_at_a_time(office, tmp_path, monkeypatch):
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card})
    monkeypatch.setattr(package, "_READ_LINES", 7)
    monkeypatch.setattr(package, "_READ_BYTES", 2000)
    sent: dict[str, list[bytes]] = {}
    order = []
    for table, lines, digests in got.batches():
        assert 1 <= len(lines) <= 7 and digests == [hashlib.sha256(line).digest() for line in lines]
        assert table != tables.AUDIT or len(lines) == 1 or sum(map(len, lines[:-1])) < 2000
        sent.setdefault(table, []).extend(lines)
        order.append(table)
    assert [t for t, _ in itertools.groupby(order)] == [t for t in tables.NAMES if sent.get(t)]  # each whole, in order
    assert order.count(tables.AUDIT) > 1
    for table, rows in got.tables():
        lines = [package.canonical_row(row) for row in rows]
        if table == tables.AUDIT:
            assert len(sent[table]) == len(lines) == got.manifest.audit_entries
        else:
            assert sent.get(table, []) == lines and len(lines) == got.manifest.tables[table].count
    assert max(len(lines) for lines in sent.values()) > 7


# --- writing: who, when, and never half --------------------------------------------------------

def test_only_administrators_and_clerks_package_and_only_an_administrator_enrolls(office, tmp_path):
    db, _card, _street = office
    for role in ("grid_worker", "leader"):
        with pytest.raises(PermissionDenied):
            make(db, tmp_path / "x.pkg", by=whole_office("someone", role))
    with pytest.raises(PermissionDenied):
        enroll.enroll_office(db, tmp_path / "street" / "street.pub", tmp_path / "c.card", by=CLERK)
    make(db, tmp_path / "admin.pkg", by=ADMIN)
    assert not (tmp_path / "x.pkg").exists() and not (tmp_path / "c.card").exists()


def test_an_existing_file_is_never_overwritten(office, tmp_path):
    db, _card, _street = office
    first = make(db, tmp_path / "1.pkg")
    before = (tmp_path / "1.pkg").read_bytes()
    with pytest.raises(GridOfficeError, match="已经存在"):
        make(db, tmp_path / "1.pkg")
    assert (tmp_path / "1.pkg").read_bytes() == before and package.package_state(db) == (1, first.file_hash)


def test_an_office_not_enrolled_cannot_package(template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(template / "office.db", path)
    keys.copy(template / "office.db", path)
    db = open_db(path)
    try:
        with pytest.raises(GridOfficeError, match="还没有登记到街道"):
            make(db, tmp_path / "1.pkg")
    finally:
        db.close()
    assert not (tmp_path / "1.pkg").exists()


def test_a_package_stopped_half_way_leaves_no_file_and_no_trace(office, tmp_path):
    db, _card, _street = office
    before = (package.package_state(db), anchors.head(db))
    job = write_package(db, tmp_path / "1.pkg", by=CLERK, at=AT)
    next(job)
    job.close()
    assert (package.package_state(db), anchors.head(db)) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith((".pkg", ".spool"))] == []
    assert not db.conn.in_transaction


def test_a_package_made_meanwhile_by_another_window_takes_the_number_and_this_one_is_refused(office, tmp_path,
                                                                                                monkeypatch):
    db, _card, _street = office
    real = package._record

    def other_window_first(db_, sequence, *args):
        package.set_setting(db_, package.SEQUENCE, str(sequence))
        db_.conn.commit()
        return real(db_, sequence, *args)

    monkeypatch.setattr(package, "_record", other_window_first)
    with pytest.raises(PackageRefused, match="另一个上报包"):
        make(db, tmp_path / "1.pkg")
    assert not (tmp_path / "1.pkg").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".gridoffice-tmp-")] == []


def test_the_rows_come_first_and_the_manifest_is_sealed_after_them(office, tmp_path):
    """The layout the docstring promises (format 2): each table's line and rows, then the manifest's
    own block, found from the end of the file, with its length before the signature."""
    db, card, street = office
    written = make(db, tmp_path / "1.pkg")
    lines = b"".join(_plaintext(tmp_path / "1.pkg", street)).split(b"\n")
    counts = {name: state.count for name, state in written.manifest.tables.items()}
    assert json.loads(lines[0]) == {"table": "org_units", "rows": counts["org_units"]}
    assert lines[1] == package.canonical_row(json.loads(lines[1]))
    assert not any(b'"sequence"' in line for line in lines)
    raw = (tmp_path / "1.pkg").read_bytes()
    (length,) = struct.unpack(">I", raw[-sealed.SIGNATURE - 4:-sealed.SIGNATURE])
    header = sealed.read_header(io.BytesIO(raw), "1.pkg")
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card})
    body_end, plain = sealed.read_manifest(tmp_path / "1.pkg", header, got._source.key, len(raw))
    assert body_end == len(raw) - sealed.SIGNATURE - 4 - length
    assert plain == package.canonical_row(written.manifest.to_json())
    assert got.manifest == written.manifest


ODD_TEXT = '引号"反斜杠\\ 换行\n制表\t\b\f\r\x01\x1f\x7f\u2028\u2029𠀀é'


def test_each_line_is_exactly_the_canonical_row_whatever_the_text(office, tmp_path):
    """The writer has SQLite make each line (json_object): quotes, backslashes, control characters,
    line separators and characters beyond the basic plane come out byte for byte as canonical_row."""
    db, card, street = office
    with db.atomic():
        db.execute("UPDATE households SET notes = ? WHERE id = (SELECT min(id) FROM households)", [ODD_TEXT])
    make(db, tmp_path / "1.pkg")
    sql, names = package._select(db, tables.BY_NAME["households"])
    expected = [package.canonical_row(dict(zip(names, values))) for values in db.execute(sql)]
    got = read_package(tmp_path / "1.pkg", street, {card.uuid: card})
    lines = [package.canonical_row(row) for row in got.rows("households")]
    assert lines == expected and any(ODD_TEXT.encode() in line or b"\\u0001" in line for line in lines)
    plain = b"".join(_plaintext(tmp_path / "1.pkg", street))
    assert all(line in plain for line in expected)


def test_a_row_holding_a_float_is_encoded_by_python(office):
    """SQLite writes floats its own way (1.0e-05): such a row is made by canonical_row instead."""
    db, _card, _street = office
    db.execute("CREATE TEMP TABLE odd (gid TEXT, amount, note TEXT)")
    db.execute("INSERT INTO odd VALUES ('a', 1e-05, ?), ('b', 3, ?), ('c', 1e16, NULL)", [ODD_TEXT, "x"])
    lines = [line for (line,) in package._rows_as_lines(db, ["gid", "amount", "note"], ["t.gid", "t.amount", "t.note"],
                                                          "FROM temp.odd t")]
    assert lines == [package.canonical_row({"gid": "a", "amount": 1e-05, "note": ODD_TEXT}),
                     package.canonical_row({"gid": "b", "amount": 3, "note": "x"}),
                     package.canonical_row({"gid": "c", "amount": 1e16, "note": None})]
    assert b"1e-05" in lines[0] and b"1e+16" in lines[2]


def test_every_travelling_table_has_a_name_a_clerk_reads():
    """The progress line and the reader's messages name the table in Chinese, whichever it is."""
    assert set(package._LABELS) == set(tables.NAMES)
    assert all("\u4e00" <= label[0] <= "\u9fff" for label in package._LABELS.values())


def test_a_package_of_the_first_format_is_refused_in_chinese(office, tmp_path):
    """Format 1 put the manifest first: its files are refused, saying what to do."""
    db, card, street = office
    make(db, tmp_path / "1.pkg")
    raw = (tmp_path / "1.pkg").read_bytes()
    header = _header(tmp_path / "1.pkg")
    (tmp_path / "old.pkg").write_bytes(raw.replace(header, header.replace(b'"format":2', b'"format":1'), 1))
    message = _refused(tmp_path / "old.pkg", street, {card.uuid: card}, package.OLDER_FORMAT)
    assert "旧版本" in message and "第1版" in message and "升级" in message


# --- the street's keys and the office's card -----------------------------------------------------

def test_street_keys_are_made_once_and_locked_by_their_password(tmp_path):
    private, public = enroll.make_street_keys(tmp_path, STREET_PASSWORD)
    assert (private.stat().st_mode & 0o777) == 0o600
    key = enroll.read_street_key(private, STREET_PASSWORD)
    assert key.public == enroll.read_street_public(public)
    with pytest.raises(GridOfficeError, match="密码不正确"):
        enroll.read_street_key(private, "wrong-password")
    with pytest.raises(GridOfficeError, match="已存在"):
        enroll.make_street_keys(tmp_path, STREET_PASSWORD)
    with pytest.raises(GridOfficeError, match="不是街道公钥文件"):
        enroll.read_street_public(private)
    assert STREET_PASSWORD.encode() not in private.read_bytes()


def test_enrolling_again_keeps_the_signing_key_and_the_card(office, tmp_path):
    db, card, _street = office
    again = enroll.enroll_office(db, tmp_path / "street" / "street.pub", tmp_path / "again.card", by=ADMIN)
    assert again == card == enroll.read_card(tmp_path / "office.card") == enroll.read_card(tmp_path / "again.card")
    assert len(card.uuid) == 36 and card.name
    entries = db.execute("SELECT new FROM audit WHERE action = 'enroll' ORDER BY id").fetchall()
    assert [json.loads(e[0])["new_key"] for e in entries] == [True, False]
    assert get_setting(db, enroll.SIGNING_KEY) not in "".join(e[0] for e in entries)
