"""The attacker of issue 13, played on a generated office of 300 households.

They hold every default output: the masked roster, the window's person table and registers, the
matter dossiers. They link the rows of one person across all of them (the strongest reader: the
same person is one row in each), know every county code present in the office, and then try each
full ID number consistent with what they see: area code, birth date, sequence digits with the
parity the sex column gives, and the check character. A number with a single candidate is rebuilt.
Phones likewise: the digits hidden in every output where a phone appears must leave 10,000
candidates at least.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from collections import Counter, defaultdict

import openpyxl
import pytest

from commands._progress import consume
from exports import roster
from exports.matter_dossier import write_dossier
from gridoffice.archive import browse, registers
from gridoffice.matters import query as Q
from gridoffice.store.db import open_db
from gridoffice.idcard import CHECK_CHARS
from gridoffice.masking import find_unmasked
from gridoffice.roster.columns import FIELDS
from gridoffice.access.users import whole_office
from tests._reports import TODAY
from ui.models import person_columns

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

NOW = f"{TODAY.isoformat()} 09:00"
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
SEX = {"男": "M", "女": "F"}
# The bound asserted: no number rebuilt, and the reader's best guess is right at most once in this many.
MIN_CANDIDATES = 1000


class Seen:
    """What the attacker knows about one person, merged over every output."""

    def __init__(self):
        self.chars: list[str | None] = [None] * 18
        self.days: set[dt.date] | None = None
        self.sex: str | None = None
        self.phones: list[str] = []

    def id_shown(self, text: str) -> None:
        assert len(text) == 18, text
        for i, ch in enumerate(text):
            if ch != "*":
                assert self.chars[i] in (None, ch)
                self.chars[i] = ch

    def birth_shown(self, days: set[dt.date]) -> None:
        self.days = days if self.days is None else self.days & days


def _days(text: str) -> set[dt.date]:
    """The birth dates consistent with a birth column as shown: a date, a year and month, or a year."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        return {dt.date(int(m[1]), int(m[2]), int(m[3]))}
    if m := re.fullmatch(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*月?", text):
        y, mo = int(m[1]), int(m[2])
        return {dt.date(y, mo, d) for d in range(1, calendar.monthrange(y, mo)[1] + 1)}
    if m := re.fullmatch(r"(\d{4})\s*年?", text):
        start = dt.date(int(m[1]), 1, 1)
        return {start + dt.timedelta(n) for n in range((dt.date(int(m[1]) + 1, 1, 1) - start).days)}
    raise AssertionError(f"birth column not understood: {text!r}")


def _age_days(age: int, today: dt.date) -> set[dt.date]:
    """Birth dates giving this age on `today`."""
    def years_before(n):
        try:
            return today.replace(year=today.year - n)
        except ValueError:  # 29 February
            return today.replace(year=today.year - n, day=28)
    latest, earliest = years_before(age), years_before(age + 1) + dt.timedelta(1)
    return {earliest + dt.timedelta(n) for n in range((latest - earliest).days + 1)}


def _candidates(seen: Seen, areas: list[str]) -> int:
    """How many valid ID numbers fit what was seen (counted, not listed: the check character is
    a weighted sum mod 11, so area, date and sequence contribute independent residues)."""
    shown = seen.chars

    def fits(text, start):
        return all(shown[start + i] in (None, ch) for i, ch in enumerate(text))

    def residue(text, start):
        return sum(int(ch) * WEIGHTS[start + i] for i, ch in enumerate(text)) % 11

    area_res = Counter(residue(a, 0) for a in areas if fits(a, 0))
    days = seen.days if seen.days is not None else {dt.date(1900, 1, 1) + dt.timedelta(n) for n in range(46000)}
    date_res = Counter(residue(f"{d:%Y%m%d}", 6) for d in days if fits(f"{d:%Y%m%d}", 6))
    seq_res = Counter()
    for s in range(1000):
        text = f"{s:03d}"
        if fits(text, 14) and (seen.sex is None or (int(text[2]) % 2 == 1) == (seen.sex == "M")):
            seq_res[residue(text, 14)] += 1
    check = shown[17]
    total = 0
    for ra, na in area_res.items():
        for rd, nd in date_res.items():
            for rs, ns in seq_res.items():
                if check is None or CHECK_CHARS[(ra + rd + rs) % 11] == check:
                    total += na * nd * ns
    return total


@pytest.fixture(scope="module")
def office(activity_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("attack") / "office.db"
    shutil.copyfile(activity_template, path)
    db = open_db(path)
    yield db
    db.close()


def _read_roster(office, folder) -> dict[tuple[str, str], dict[str, str]]:
    path = folder / "roster.xlsx"
    consume(roster.write(office, path, scope=ADMIN), quiet=True)  # the default: no columns chosen, nothing revealed
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    header = [str(c or "") for c in rows[1]]
    return {(r[0], r[1]): dict(zip(header, (str(c or "") for c in r))) for r in rows[2:]}


def _everything_seen(office, folder) -> dict[int, Seen]:
    seen: dict[int, Seen] = defaultdict(Seen)
    key_of = {(number, name): pid for pid, number, name in office.execute(
        "SELECT p.id, h.number, p.name FROM persons p JOIN households h ON h.id = p.household_id")}

    # 1. The masked roster, as written by default.
    for key, row in _read_roster(office, folder).items():
        s = seen[key_of[key]]
        id_text = row[FIELDS["id_number"]]
        if id_text:
            s.id_shown(id_text)
        birth = next((v for h, v in row.items() if h.startswith("出生")), "")
        if birth:
            s.birth_shown(_days(birth))
        if row[FIELDS["sex"]]:
            s.sex = SEX[row[FIELDS["sex"]]]
        if row[FIELDS["phone"]]:
            s.phones.append(row[FIELDS["phone"]])

    # 2. The window's person table, every column as displayed.
    columns = person_columns()
    pids = list(browse.person_ids(office, browse.Filter(), scope=ADMIN))
    for pid, row in browse.person_rows(office, pids, today=TODAY, scope=ADMIN).items():
        shown = {c.key: c.text(row) for c in columns}
        s = seen[pid]
        if shown["id_number"]:
            s.id_shown(shown["id_number"])
        if shown.get("birth_date"):
            s.birth_shown(_days(shown["birth_date"]))
        if shown["age"]:
            s.birth_shown(_age_days(int(shown["age"]), TODAY))
        if shown["phone"]:
            s.phones.append(shown["phone"])

    # 3. The registers (one per age group and tag), as their table shows them.
    for group in registers.groups():
        ids = list(registers.person_ids(office, group.code, scope=ADMIN, today=TODAY))
        for pid, row in registers.rows(office, ids, today=TODAY, scope=ADMIN).items():
            s = seen[pid]
            if row.id_masked:
                s.id_shown(row.id_masked)
            if row.birth_date:
                s.birth_shown(_days(row.birth_date))
            if row.age is not None:
                s.birth_shown(_age_days(row.age, TODAY))
            if row.phone_masked:
                s.phones.append(row.phone_masked)

    # 4. Matter dossiers, read back from the PDF.
    for mid, pid in office.execute("SELECT id, person_id FROM matters WHERE person_id IS NOT NULL ORDER BY id LIMIT 40"):
        path = write_dossier(folder / f"d{mid}.pdf", Q.dossier(office, mid, scope=ADMIN, now=NOW), office_name="测试社区")
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        ids = re.findall(r"(?<![0-9X*])[0-9X*]{18}(?![0-9X*])", text)
        assert len(ids) <= 1
        for id_text in ids:
            seen[pid].id_shown(id_text)
    return seen


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_no_id_number_is_rebuilt_from_the_default_outputs(office, tmp_path):
    truth = {pid: number for pid, number in office.execute(
        "SELECT id, id_number FROM persons WHERE status = 'active' AND length(id_number) = 18")}
    areas = sorted({number[:6] for number in truth.values()})
    seen = _everything_seen(office, tmp_path)
    counts = {}
    for pid, number in truth.items():
        s = seen[pid]
        # The attack is sound: the true number is among those it tries.
        assert all(c in (None, number[i]) for i, c in enumerate(s.chars))
        assert s.days is None or dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])) in s.days
        counts[pid] = _candidates(s, areas)
    assert len(counts) > 500 and len(areas) > 5
    rebuilt = [pid for pid, n in counts.items() if n == 1]
    assert not rebuilt, f"{len(rebuilt)} of {len(counts)} ID numbers rebuilt exactly"
    assert min(counts.values()) >= MIN_CANDIDATES, sorted(counts.values())[:10]


def test_no_phone_is_rebuilt_from_the_default_outputs(office, tmp_path):
    seen = _everything_seen(office, tmp_path)
    phones = {pid: phone for pid, phone in office.execute(
        "SELECT id, phone FROM persons WHERE status = 'active' AND phone != ''")}
    assert len(phones) > 300
    for pid, phone in phones.items():
        digits = re.sub(r"\D", "", phone)
        shown = seen[pid].phones
        assert shown, pid
        # Each output hides at least four digits; as every output masks alike, together they do too.
        visible = set()
        for text in shown:
            assert len(re.sub(r"[^0-9*]", "", text)) == len(digits), (text, phone)
            visible |= {i for i, ch in enumerate(re.sub(r"[^0-9*]", "", text)) if ch != "*"}
        assert len(digits) - len(visible) >= 4, (phone, shown)


def test_the_roster_file_has_no_other_channel(office, tmp_path):
    """Not in hidden parts either: every part of the default roster's file (sheets, shared strings,
    sheet names, defined names, document properties) holds no full number, every ID-shaped text
    shows the rule's four characters at most, and no full birth date appears anywhere."""
    _read_roster(office, tmp_path)
    births = {form for (day,) in office.execute("SELECT birth_date FROM persons WHERE birth_date != ''")
              for form in (day, day.replace("-", ""))}
    with zipfile.ZipFile(tmp_path / "roster.xlsx") as z:
        parts = {name: z.read(name).decode("utf-8") for name in z.namelist()}
    assert any("sheet" in name for name in parts)
    for name, text in parts.items():
        assert not find_unmasked(text), name
        for token in re.findall(r"(?<![0-9X*])[0-9X*]{18}(?![0-9X*])", text):
            assert len(token.replace("*", "")) <= 4, (name, token)
        assert not {d for d in births if d in text}, name
