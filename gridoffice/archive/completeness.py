"""The completeness check, "格不漏户、户不漏人": what a clerk must fix in the archive.

Each rule is one set-based query (no query per row), so the whole check takes seconds at
500,000 households. Every problem names the record (name and household number) and points
to its row so the GUI can open it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import types
from dataclasses import dataclass
from typing import Generator, NamedTuple

from sqlite_utils import Database

from gridoffice.i18n import tr
from gridoffice.access.scope import Scope
from gridoffice.vocab import SEX
from gridoffice.changes import Changes, writes

# Problem kinds in the order they are reported, with the heading a list shows for each.
KINDS = {
    "outside_grid": "不在网格内的户",
    "outside_household": "不属于任何在册户的人员",
    "no_head": "没有户主的户",
    "many_heads": "有多位户主的户",
    "duplicate_id": "重复的身份证号码",
    "id_mismatch": "性别或出生日期与身份证号码不符",
    "party_member_contacts": "联系户数不在5至10户的党员",
    "class1_contact": "联系人中没有村主要干部的一类户",
    "class2_contact": "联系人中没有村两委班子成员的二类户",
    "class3_contact": "联系人中没有党员的三类户",
}

CONTACTS_MIN, CONTACTS_MAX = 5, 10
# Who counts as a party member: a staff member of that kind or an old party member, or one linked to a
# resident whose political status says party member (full or probationary) — so cadres count too.
PARTY_MEMBER = ("({s}.kind IN ('party_member', 'veteran_member') OR EXISTS (SELECT 1 FROM persons pm "
                "WHERE pm.id = {s}.person_id AND pm.political_status IN ('party_member', 'probationary')))")


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    table: str
    row_id: int


_HEAD = ("(SELECT p.name FROM persons p WHERE p.household_id = h.id AND +p.status = 'active' "
         "AND p.relation = 'head' ORDER BY p.id LIMIT 1)")
# The index holding each household's unit, status and contact class (schema.DASHBOARD_INDEXES).
_BY_UNIT = "idx_households_org_status_class_created"
# A link counts on `today` when it has begun and not yet ended.
_OPEN = "({t}.since IS NULL OR {t}.since <= :today) AND ({t}.until IS NULL OR {t}.until > :today)"


def _who(head: str | None) -> str:
    return tr("户主{name}").format(name=head) if head else tr("无户主")


def _outside_grid(db: Database, today: str) -> list[Problem]:
    # Every household from the narrow index by unit and status (schema.DASHBOARD_INDEXES), not from the
    # rows in number order: a row is read only for a household found.
    rows = db.execute(
        f"SELECT h.id, h.number, {_HEAD}, u.name, u.status FROM households h INDEXED BY {_BY_UNIT} "
        "LEFT JOIN org_units u ON u.id = h.org_id WHERE h.status = 'active' "
        "AND (h.org_id IS NULL OR u.grid_id IS NULL OR u.status != 'active') ORDER BY h.number").fetchall()
    problems = []
    for hid, number, head, unit, unit_status in rows:
        if unit is None:
            text = tr("户{number}（{who}）没有所属网格，请把它划入网格")
        elif unit_status != "active":
            text = tr("户{number}（{who}）所在的“{unit}”已撤销，请把它移到在用的网格")
        else:
            text = tr("户{number}（{who}）不在任何网格内（所在单元：{unit}），请把它划入网格")
        problems.append(Problem("outside_grid", text.format(number=number, who=_who(head), unit=unit),
                                "households", hid))
    return problems


def _outside_household(db: Database, today: str) -> list[Problem]:
    # Two index walks instead of a scan of every person: those without a household, and the
    # members of households that are no longer active (CROSS JOIN keeps households outermost).
    rows = db.execute(
        "SELECT p.id, p.name, NULL FROM persons p WHERE p.household_id IS NULL AND +p.status = 'active' "
        f"UNION ALL SELECT p.id, p.name, h.number FROM households h INDEXED BY {_BY_UNIT} CROSS JOIN persons p "
        "ON p.household_id = h.id AND +p.status = 'active' WHERE h.status != 'active' ORDER BY 2, 1").fetchall()
    return [Problem("outside_household", (
        tr("{name}仍在册，但所在的户{number}已不在册，请把此人迁入在册户或登记迁出").format(name=name, number=number)
        if number else tr("{name}不属于任何户，请把此人编入一户").format(name=name)),
        "persons", pid) for pid, name, number in rows]


def _heads(db: Database, today: str) -> list[Problem]:
    # Both counts from the index of persons by household, relation and status alone (no person's or
    # household's row is read for the 500,000 households that are fine); the household number and the
    # heads' names only for the households found.
    found = {hid: (heads, members) for hid, heads, members in db.execute(
        "SELECT id, heads, members FROM (SELECT h.id, "
        "(SELECT count(*) FROM persons p WHERE p.household_id = h.id AND p.relation = 'head' "
        "AND p.status = 'active') AS heads, "
        "(SELECT count(*) FROM persons m WHERE m.household_id = h.id AND m.status = 'active') AS members "
        f"FROM households h INDEXED BY {_BY_UNIT} WHERE h.status = 'active') WHERE heads != 1")}
    rows = []
    ids = list(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows += [(hid, number, found[hid][0], names, found[hid][1]) for hid, number, names in db.execute(
            "SELECT h.id, h.number, (SELECT group_concat(p.name, '、') FROM persons p WHERE p.household_id = h.id "
            "AND p.relation = 'head' AND p.status = 'active') FROM households h "
            f"WHERE h.id IN ({','.join('?' * len(chunk))})", chunk)]
    rows.sort(key=lambda r: r[1])
    problems = []
    for hid, number, heads, names, members in rows:
        if heads == 0 and members == 0:
            problems.append(Problem("no_head", tr("户{number}没有在册成员，请核实后登记整户迁出或补录成员").format(
                number=number), "households", hid))
        elif heads == 0:
            problems.append(Problem("no_head", tr("户{number}没有户主，请在{n}名成员中指定一位户主").format(
                number=number, n=members), "households", hid))
        else:
            problems.append(Problem("many_heads", tr("户{number}有{n}位户主（{names}），请只保留一位").format(
                number=number, n=heads, names=names), "households", hid))
    return problems


def _duplicates(db: Database, today: str) -> list[Problem]:
    # Candidates from the id_number index alone (no table reads), then only their rows are read.
    rows = db.execute(
        "SELECT p.id, p.name, p.id_number, h.number FROM persons p LEFT JOIN households h ON h.id = p.household_id "
        # '+' keeps the planner off the status index, which would read every active person.
        "WHERE +p.status = 'active' AND p.id_number IN (SELECT id_number FROM persons WHERE id_number > '' "
        "GROUP BY id_number HAVING count(*) > 1) ORDER BY p.id_number, p.id").fetchall()
    groups: dict[str, list[tuple]] = {}
    for row in rows:
        groups.setdefault(row[2], []).append(row)
    problems = []
    for number, people in groups.items():
        if len(people) < 2:
            continue
        who = "、".join(tr("{name}（户号{household}）").format(name=name, household=household or tr("未入户"))
                       for _, name, _, household in people)
        problems.append(Problem("duplicate_id", tr("身份证号码{id}被{n}人共用：{who}，请核对后更正").format(
            id=number, n=len(people), who=who), "persons", people[0][0]))
    return problems


def _id_mismatch(db: Database, today: str) -> list[Problem]:
    # The cheapest expressions found for a scan of every person: GLOB for the sex digit's parity,
    # one replace() for the birth date; the scan reads the index holding the ID number, sex, birth date
    # and status (schema.DASHBOARD_INDEXES), and a row only for a person who does not match.
    rows = db.execute(
        "SELECT p.id, p.name, h.number, p.sex, p.birth_date, "
        "CASE WHEN p.id_number GLOB '????????????????[13579]?' THEN 'M' ELSE 'F' END, "
        "substr(p.id_number, 7, 4) || '-' || substr(p.id_number, 11, 2) || '-' || substr(p.id_number, 13, 2) "
        "FROM persons p INDEXED BY idx_persons_id_number_sex_birth LEFT JOIN households h ON h.id = p.household_id "
        "WHERE p.status = 'active' AND length(p.id_number) = 18 "
        "AND (p.sex IS NULL OR (p.sex IS 'M') != (p.id_number GLOB '????????????????[13579]?') "
        "OR replace(p.birth_date, '-', '') IS NOT substr(p.id_number, 7, 8)) ORDER BY h.number, p.id").fetchall()
    problems = []
    for pid, name, number, sex, birth, id_sex, id_birth in rows:
        where = tr("户号{number}").format(number=number) if number else tr("未入户")
        parts = []
        if sex != id_sex:
            parts.append(tr("性别登记为“{typed}”，身份证号码表明是“{inside}”").format(
                typed=tr(SEX[sex]) if sex in SEX else tr("未填"), inside=tr(SEX[id_sex])))
        if birth != id_birth:
            parts.append(tr("出生日期登记为{typed}，身份证号码中是{inside}").format(
                typed=birth or tr("未填"), inside=id_birth))
        problems.append(Problem("id_mismatch", tr("{name}（{where}）：{what}，请核对").format(
            name=name, where=where, what="；".join(parts)), "persons", pid))
    return problems


def _party_members(db: Database, today: str) -> list[Problem]:
    rows = db.execute(
        "SELECT s.id, s.name, count(DISTINCT h.id) AS n FROM staff s "
        f"LEFT JOIN contacts c ON c.staff_id = s.id AND {_OPEN.format(t='c')} "
        "LEFT JOIN households h ON h.id = c.household_id AND h.status = 'active' "
        f"WHERE {PARTY_MEMBER.format(s='s')} AND s.status = 'active' GROUP BY s.id HAVING n < :lo OR n > :hi "
        "ORDER BY s.name, s.id", {"today": today, "lo": CONTACTS_MIN, "hi": CONTACTS_MAX}).fetchall()
    return [Problem("party_member_contacts", (
        tr("党员{name}联系{n}户，少于{lo}户，请再安排联系户").format(name=name, n=n, lo=CONTACTS_MIN) if n < CONTACTS_MIN
        else tr("党员{name}联系{n}户，超过{hi}户，请调整给其他党员").format(name=name, n=n, hi=CONTACTS_MAX)),
        "staff", sid) for sid, name, n in rows]


def _uncovered(db: Database, today: str, cls: int, who_counts: str) -> list[tuple]:
    """Active households of class `cls` without an open contact whose staff meets `who_counts` (on s, r)."""
    return db.execute(
        f"SELECT h.id, h.number, {_HEAD} FROM households h INDEXED BY {_BY_UNIT} "
        "WHERE h.status = 'active' AND h.contact_class = :cls "
        "AND NOT EXISTS (SELECT 1 FROM contacts c JOIN staff s ON s.id = c.staff_id AND s.status = 'active' "
        f"WHERE c.household_id = h.id AND {_OPEN.format(t='c')} AND {who_counts}) ORDER BY h.number",
        {"today": today, "cls": cls}).fetchall()


def _holds(roles: str) -> str:
    return (f"EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role IN ({roles}) "
            f"AND {_OPEN.format(t='r')})")


# Seed 000 (Yaolin): class 1 "由村主要干部重点联系", class 2 "由村两委班子成员重点关注" (a principal
# cadre sits on both committees too), class 3 "由普通党员进行联系".
def _class1(db: Database, today: str) -> list[Problem]:
    return [Problem("class1_contact", tr("一类户{number}（{who}）没有村主要干部联系，请安排一位村主要干部").format(
        number=number, who=_who(head)), "households", hid)
        for hid, number, head in _uncovered(db, today, 1, _holds("'principal_cadre'"))]


def _class2(db: Database, today: str) -> list[Problem]:
    return [Problem("class2_contact", tr("二类户{number}（{who}）没有村两委班子成员关注，请安排一位村两委班子成员联系").format(
        number=number, who=_who(head)), "households", hid)
        for hid, number, head in _uncovered(db, today, 2, _holds("'principal_cadre', 'committee_member'"))]


def _class3(db: Database, today: str) -> list[Problem]:
    return [Problem("class3_contact", tr("三类户{number}（{who}）没有党员联系，请安排一位党员联系").format(
        number=number, who=_who(head)), "households", hid)
        for hid, number, head in _uncovered(db, today, 3, PARTY_MEMBER.format(s="s"))]


# (what the progress line says, the rule)
_RULES = (
    ("户是否都在网格内", _outside_grid),
    ("人是否都在户内", _outside_household),
    ("每户是否只有一位户主", _heads),
    ("身份证号码是否重复", _duplicates),
    ("性别、出生日期与身份证号码是否一致", _id_mismatch),
    ("党员联系户数", _party_members),
    ("一类户的联系干部", _class1),
    ("二类户的联系干部", _class2),
    ("三类户的联系党员", _class3),
)


def completeness(db: Database, today: dt.date | None = None, *,
                 scope: Scope) -> Generator[tuple[int, int, str], None, list[Problem]]:
    """Run every rule; yields (done, total, message) and returns the problems in KINDS order, those
    of the user's scope only (in_scope).

    `today` decides which contact links and roles count (begun and not yet ended).
    """
    problems = yield from _every_rule(db, (today or dt.date.today()).isoformat())
    return in_scope(db, problems, scope.org_ids)


def _every_rule(db: Database, day: str) -> Generator[tuple[int, int, str], None, list[Problem]]:
    """The whole office's problems on `day`, in KINDS order."""
    problems: list[Problem] = []
    for done, (what, rule) in enumerate(_RULES):
        yield done, len(_RULES), tr("正在检查：{what}").format(what=tr(what))
        problems.extend(rule(db, day))
    yield len(_RULES), len(_RULES), tr("检查完毕")
    order = list(KINDS)
    return sorted(problems, key=lambda p: order.index(p.kind))


def in_scope(db: Database, problems: list[Problem], org_ids: frozenset[int] | set[int] | None) -> list[Problem]:
    """The problems of rows in the units `org_ids` (None: all): a household, a person's household or a
    staff member's unit there. A person in no household belongs to no unit and counts for the whole
    office only. The rules run over the whole office (a duplicate ID may pair two grids); only what
    they found is looked up, a few hundred ids per query."""
    if org_ids is None:
        return problems
    units = ",".join(str(int(i)) for i in sorted(org_ids)) or "NULL"
    keep: set[tuple[str, int]] = set()
    for table, sql in (("households", f"SELECT id FROM households WHERE org_id IN ({units})"),
                       ("persons", "SELECT id FROM persons WHERE household_id IN "
                                   f"(SELECT id FROM households WHERE org_id IN ({units}))"),
                       ("staff", f"SELECT id FROM staff WHERE org_id IN ({units})")):
        ids = [p.row_id for p in problems if p.table == table]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            keep.update((table, r[0]) for r in db.execute(f"{sql} AND id IN ({','.join('?' * len(chunk))})", chunk))
    return [p for p in problems if (p.table, p.row_id) in keep]


# -- the whole office's result kept in the file ------------------------------------------------------
# The check reads every household and person (seconds on a district); 首页 shows its counts each time
# it opens. So the last whole-office result is kept in the office file (encrypted like the rest), as
# the kind, table and row id of each problem, and used again while it still holds: every change of a
# record writes an audit entry naming its table, so the last entry on a table the rules read, or on
# none (an import, a restore), names the state of what they read; a migration or a newer program's
# rules change the key too; and a result found on one day holds until the next day a contact link or
# a role begins or ends.
KEPT_SETTING = "completeness_kept"
# The tables the rules read: an entry on another (a matter, a visit, a log, a user) leaves the kept
# result as it is.
READ = ("households", "persons", "org_units", "staff", "staff_roles", "contacts")
# Actions that change no record: a log-in, an export, a print, a number revealed or searched, a package.
LOOKS = ("login", "login_failed", "export", "print", "reveal", "search_numbers", "package")


class Found(NamedTuple):
    kind: str
    table: str
    row_id: int


@dataclass(frozen=True)
class Kept:
    """What the whole office's check found on `day`, with the state of the file it was found in."""

    key: str  # state_key() when it ran
    day: str
    until: str | None  # the first later day a link or role begins or ends (None: none recorded)
    found: tuple[Found, ...]  # in KINDS order
    fresh: bool = True  # found now, not read back from the file: keep() it

    def holds(self, key: str | None, day: str) -> bool:
        return key == self.key and self.day <= day and (self.until is None or day < self.until)


def state_key(db: Database) -> str | None:
    """The audit trail's last entry that may have changed what the rules read (its number and hash),
    the migrations run and the rules' fingerprint; None for a file without such an entry (a street's
    replica has no trail), whose result is never kept."""
    # From the newest entry back by rowid to the first such: the entries since the archive last
    # changed (a day's visits, matters and log-ins, as a rule).
    last = db.execute(
        f"SELECT id, hash FROM audit WHERE (table_name IS NULL OR table_name IN ({','.join('?' * len(READ))})) "
        f"AND action NOT IN ({','.join('?' * len(LOOKS))}) ORDER BY id DESC LIMIT 1", [*READ, *LOOKS]).fetchone()
    if last is None:
        return None
    migrations = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    return f"{last[0]} {last[1]} {migrations} {_rules_fingerprint()}"


def found(db: Database, today: dt.date) -> Kept:
    """The whole office's problems on `today`: the result kept in the file while it holds, else every
    rule run (fresh, for keep())."""
    day = today.isoformat()
    key = state_key(db)
    kept = _read_kept(db) if key is not None else None
    if kept is not None and kept.holds(key, day):
        return kept
    job = _every_rule(db, day)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            problems = stop.value
            break
    until = db.execute(
        "SELECT min(d) FROM (SELECT min(since) AS d FROM contacts WHERE since > :day "
        "UNION ALL SELECT min(until) FROM contacts WHERE until > :day "
        "UNION ALL SELECT min(since) FROM staff_roles WHERE since > :day "
        "UNION ALL SELECT min(until) FROM staff_roles WHERE until > :day)", {"day": day}).fetchone()[0]
    return Kept(key or "", day, until, tuple(Found(p.kind, p.table, p.row_id) for p in problems))


@writes(Changes.NONE)
def keep(db: Database, kept: Kept) -> None:
    """Keep a fresh result in the file, unless the file changed since it was found (a write connection)."""
    if not kept.fresh or not kept.key or state_key(db) != kept.key:
        return
    value = json.dumps({"key": kept.key, "day": kept.day, "until": kept.until,
                        "found": [list(f) for f in kept.found]}, separators=(",", ":"))
    if db.execute("SELECT 1 FROM settings WHERE key = ? AND value = ?", [KEPT_SETTING, value]).fetchone():
        return
    with db.atomic():
        db.execute("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [KEPT_SETTING, value])


def _read_kept(db: Database) -> Kept | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [KEPT_SETTING]).fetchone()
    if row is None:
        return None
    data = json.loads(row[0])
    return Kept(data["key"], data["day"], data["until"], tuple(Found(*f) for f in data["found"]), fresh=False)


@functools.cache
def _rules_fingerprint() -> str:
    """A digest of this module's code and texts: a program whose rules differ never uses a kept result."""
    digest = hashlib.sha256()
    for name, value in sorted(globals().items()):
        if isinstance(value, types.FunctionType) and value.__module__ == __name__:
            digest.update(name.encode() + _code_bytes(value.__code__))
        elif isinstance(value, (str, int, dict)) and not name.startswith("__"):
            digest.update(name.encode() + repr(value).encode())
    return digest.hexdigest()[:16]


def _code_bytes(code: types.CodeType) -> bytes:
    # Not marshal: its output depends on reference counts. The instructions, the names and the
    # constants (the SQL) say what a rule does.
    parts = [code.co_code, repr(code.co_names).encode()]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            parts.append(_code_bytes(const))
        elif isinstance(const, frozenset):
            parts.append(repr(sorted(map(repr, const))).encode())
        else:
            parts.append(repr(const).encode())
    return b"\0".join(parts)
