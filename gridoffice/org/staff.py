"""Staff, their roles, the service team of each grid, and who contacts which household.

Roles, team memberships and contact links end with a date (`until`); none is deleted,
so a party member's dossier still shows the households contacted last year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import records
from gridoffice.errors import NotFound, RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field, clean_text, normalize_phone, require_name
from gridoffice.access.scope import Scope, acting, readable_household, readable_staff, writable, writable_household, writable_staff
from gridoffice.store.where import Where
from gridoffice.vocab import POLITICAL_STATUS, STAFF_KINDS, STAFF_ROLES, TEAM_DUTIES, code_of, label
from gridoffice.changes import Changes, writes

STAFF_STATUS = {"active": "在岗", "left": "已离岗"}


@dataclass(frozen=True)
class Staff:
    id: int
    name: str
    phone: str
    kind: str
    person_id: int | None
    org_id: int | None
    status: str
    notes: str


@dataclass(frozen=True)
class Role:
    id: int
    staff_id: int
    role: str
    org_id: int | None
    since: str | None
    until: str | None


@dataclass(frozen=True)
class Team:
    id: int
    grid_id: int
    name: str
    duties: str
    status: str


@dataclass(frozen=True)
class TeamMember:
    id: int
    team_id: int
    staff_id: int
    staff_name: str
    phone: str
    duty: str | None
    title: str | None
    since: str | None
    until: str | None


@dataclass(frozen=True)
class Contact:
    """A staff member ↔ household link, with the names a list or a card shows."""

    id: int
    staff_id: int
    staff_name: str
    household_id: int
    household_number: str
    head_name: str | None
    since: str | None
    until: str | None


def _today(today: dt.date | None) -> str:
    return (today or dt.date.today()).isoformat()


def _unit(db: Database, org_id: int | None, *, grid: bool = False) -> None:
    if org_id is None:
        if grid:
            raise ValidationError("grid_id", tr("请选择网格"))
        return
    unit = records.require(db, "org_units", org_id, "组织单元")
    if unit["status"] != "active":
        raise RuleViolation(tr("“{name}”已撤销").format(name=unit["name"]))
    if grid and unit["level"] != "grid":
        raise ValidationError("grid_id", tr("服务团队只能建在网格上，“{name}”不是网格").format(name=unit["name"]))


def _active_staff(db: Database, staff_id: int) -> dict:
    found = records.require(db, "staff", staff_id, "工作人员")
    if found["status"] != "active":
        raise RuleViolation(tr("{name}已离岗").format(name=found["name"]))
    return found


def _since(value: object | None, field: str, label: str, today: dt.date | None) -> str:
    return records.parse_day(value, field, label, today=today) or _today(today)


# ---- staff ---------------------------------------------------------------------------------

def get_staff(db: Database, staff_id: int, *, scope: Scope) -> Staff:
    """One staff member the user may read (Scope.colleagues); another is refused."""
    found = records.require(db, "staff", staff_id, "工作人员")
    readable_staff(db, scope, staff_id)
    return Staff(found["id"], found["name"], found["phone"] or "", found["kind"], found["person_id"],
                 found["org_id"], found["status"], found["notes"] or "")


def staff_list(db: Database, *, scope: Scope, org_id: int | None = None, kind: str | None = None,
               include_left: bool = False) -> list[Staff]:
    """The staff the user may read (Scope.colleagues), by name."""
    where = Where(scope.colleagues("id")).equal("org_id", org_id).equal("kind", kind)
    if not include_left:
        where.add("status = 'active'")
    sql = ("SELECT id, name, coalesce(phone, ''), kind, person_id, org_id, status, coalesce(notes, '') FROM staff"
           f"{where.clause} ORDER BY name, id")
    return [Staff(*r) for r in db.execute(sql, where.params)]


@writes(Changes.STAFF)
def add_staff(db: Database, name: str, kind: str, *, phone: str = "", org_id: int | None = None,
              person_id: int | None = None, notes: str = "") -> int:
    values = {
        "name": require_name(name),
        "kind": code_of(STAFF_KINDS, kind, "kind", "人员类别", required=True),
        "phone": normalize_phone(phone),
        "notes": clean_field(notes, "notes", multiline=True),
        "status": "active",
    }
    with db.atomic():
        _unit(db, org_id)
        writable(db, org_id)  # a user bound to some grids adds staff there only
        if person_id is not None:
            records.require(db, "persons", person_id, "人员")
        staff_id = records.insert(db, "staff", {**values, "org_id": org_id, "person_id": person_id}, "add_staff")
    return staff_id


@writes(Changes.STAFF | Changes.TEAMS | Changes.CONTACTS)
def update_staff(db: Database, staff_id: int, *, today: dt.date | None = None, **changes) -> None:
    """Change name, phone, kind, org_id, person_id, notes or status ('left' ends roles, teams, contacts)."""
    allowed = {"name", "phone", "kind", "org_id", "person_id", "notes", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not staff fields: {sorted(unknown)}")
    values = {}
    if "name" in changes:
        values["name"] = require_name(changes["name"])
    if "phone" in changes:
        values["phone"] = normalize_phone(changes["phone"])
    if "kind" in changes:
        values["kind"] = code_of(STAFF_KINDS, changes["kind"], "kind", "人员类别", required=True)
    if "notes" in changes:
        values["notes"] = clean_field(changes["notes"], "notes", multiline=True)
    if "status" in changes:
        values["status"] = code_of(STAFF_STATUS, changes["status"], "status", "在岗状态", required=True)
    day = _today(today)
    with db.atomic():
        current = records.require(db, "staff", staff_id, "工作人员")
        writable_staff(db, staff_id)
        if "org_id" in changes:
            _unit(db, changes["org_id"])
            writable(db, changes["org_id"])
            values["org_id"] = changes["org_id"]
        if "person_id" in changes:
            if changes["person_id"] is not None:
                records.require(db, "persons", changes["person_id"], "人员")
            values["person_id"] = changes["person_id"]
        records.update(db, "staff", staff_id, values, "update_staff", old=current)
        if values.get("status") == "left" and current["status"] != "left":
            for table, action in (("staff_roles", "end_role"), ("team_members", "end_team_member"),
                                  ("contacts", "end_contact")):
                for row_id, since in db.execute(
                    f"SELECT id, since FROM {table} WHERE staff_id = ? AND until IS NULL", [staff_id]
                ).fetchall():
                    records.update(db, table, row_id, {"until": max(day, since or day)}, action)


@writes(Changes.STAFF)
def save_staff(db: Database, staff_id: int | None, *, name: str, kind: str, phone: str = "", notes: str = "",
               org_id: int | None = None, roles: object = (), resident: str | None = None,
               today: dt.date | None = None) -> int:
    """Add (staff_id None) or update a staff member; their open roles become exactly `roles`, held at org_id.

    A member moved to another unit ends the roles held at the old one (a 网格长 of one grid is
    not the 网格长 of the next) and takes the given roles at the new one. `resident` links the member
    to the resident they are (“户号 姓名”; empty unlinks; None leaves the link): a cadre whose
    political status is 中共党员 then counts as a party member (checks.PARTY_MEMBER). One transaction.
    """
    wanted = {code_of(STAFF_ROLES, role, "role", "职务", required=True) for role in roles}
    with db.atomic():
        link = {} if resident is None else {"person_id": find_resident(db, resident, name)}
        if staff_id is None:
            staff_id = add_staff(db, name, kind, phone=phone, org_id=org_id, notes=notes, **link)
            old_org = org_id
        else:
            old_org = records.require(db, "staff", staff_id, "工作人员")["org_id"]
            update_staff(db, staff_id, name=name, kind=kind, phone=phone, notes=notes, today=today,
                         **({"org_id": org_id} if org_id != old_org else {}), **link)
        current = [r for r in _roles(db, staff_id) if r.org_id == old_org]
        kept = {r.role for r in current if r.role in wanted} if org_id == old_org else set()
        for role in current:
            if role.role not in kept:
                end_role(db, role.id, today=today)
        for code in sorted(wanted - kept):
            add_role(db, staff_id, code, org_id, today=today)
    return staff_id


def find_resident(db: Database, text: str, staff_name: str) -> int | None:
    """The active resident named by “户号 姓名” (how a clerk names a person without their ID number),
    who must be the staff member themselves; None for an empty text."""
    words = clean_text(text).split(" ")
    if words == [""]:
        return None
    if len(words) != 2:
        raise ValidationError("resident", tr("请写成“户号 姓名”，例如“01200101010001 张三”；不关联请留空"))
    number, name = words
    if name != require_name(staff_name):
        raise ValidationError("resident", tr("“{name}”不是这位工作人员（{staff}）本人：本人户籍填本人的户号和姓名").format(
            name=name, staff=require_name(staff_name)))
    scope = acting(db)  # a user's save names only residents of their scope, as a read would
    rows = db.execute("SELECT p.id FROM persons p JOIN households h ON h.id = p.household_id WHERE h.number = ? "
                      f"AND p.name = ? AND p.status = 'active' AND {scope.units('h.org_id') if scope else '1'}",
                      [number, name]).fetchall()
    if len(rows) != 1:
        raise ValidationError("resident", tr("户号{number}中没有在册的“{name}”，请核对").format(number=number, name=name)
                              if not rows else tr("户号{number}中有两位“{name}”，请在户籍档案中核对").format(
                                  number=number, name=name))
    return rows[0][0]


def resident_of(db: Database, staff_id: int, *, scope: Scope) -> tuple[str, str] | None:
    """The resident a staff member the user may read is linked to, as (“户号 姓名”, political status label)."""
    readable_staff(db, scope, staff_id)
    row = db.execute("SELECT h.number, p.name, p.political_status FROM staff s JOIN persons p ON p.id = s.person_id "
                     "LEFT JOIN households h ON h.id = p.household_id WHERE s.id = ?", [staff_id]).fetchone()
    if row is None:
        return None
    return f"{row[0] or ''} {row[1]}".strip(), label(POLITICAL_STATUS, row[2]) if row[2] else ""


# ---- roles ---------------------------------------------------------------------------------

@writes(Changes.STAFF)
def add_role(db: Database, staff_id: int, role: str, org_id: int | None = None, *, since: object | None = None,
             today: dt.date | None = None) -> int:
    code = code_of(STAFF_ROLES, role, "role", "职务", required=True)
    since = _since(since, "since", "任职日期", today)
    with db.atomic():
        person = _active_staff(db, staff_id)
        _unit(db, org_id)
        writable_staff(db, staff_id)
        writable(db, org_id)
        if db.execute("SELECT 1 FROM staff_roles WHERE staff_id = ? AND role = ? AND org_id IS ? AND until IS NULL",
                      [staff_id, code, org_id]).fetchone():
            raise RuleViolation(tr("{name}已担任“{role}”").format(name=person["name"], role=tr(STAFF_ROLES[code])))
        return records.insert(db, "staff_roles", {"staff_id": staff_id, "role": code, "org_id": org_id,
                                                  "since": since, "until": None}, "add_role")


def _end(db: Database, table: str, row_id: int, until: object | None, action: str, what: str,
         today: dt.date | None) -> dict:
    until = _since(until, "until", "结束日期", today)
    found = records.require(db, table, row_id, what)
    if found["until"] is not None:
        raise RuleViolation(tr("该{what}已于{until}结束").format(what=tr(what), until=found["until"]))
    if found["since"] and until < found["since"]:
        raise ValidationError("until", tr("结束日期{until}早于开始日期{since}").format(until=until, since=found["since"]))
    records.update(db, table, row_id, {"until": until}, action, old=found)
    return found


@writes(Changes.STAFF)
def end_role(db: Database, role_id: int, *, until: object | None = None, today: dt.date | None = None) -> None:
    with db.atomic():
        role = db.execute("SELECT staff_id, org_id FROM staff_roles WHERE id = ?", [role_id]).fetchone()
        if role is not None:
            writable_staff(db, role[0])
            writable(db, role[1])
        _end(db, "staff_roles", role_id, until, "end_role", "职务", today)


def roles_of(db: Database, staff_id: int, *, scope: Scope, include_ended: bool = False) -> list[Role]:
    """The roles of a staff member the user may read, oldest first."""
    readable_staff(db, scope, staff_id)
    return _roles(db, staff_id, include_ended=include_ended)


def _roles(db: Database, staff_id: int, *, include_ended: bool = False) -> list[Role]:
    where = "" if include_ended else " AND until IS NULL"
    return [Role(*r) for r in db.execute(
        f"SELECT id, staff_id, role, org_id, since, until FROM staff_roles WHERE staff_id = ?{where} ORDER BY since, id",
        [staff_id])]


# ---- teams ---------------------------------------------------------------------------------

@writes(Changes.TEAMS)
def create_team(db: Database, grid_id: int, name: str, *, duties: str = "") -> int:
    """A service team on a grid; `duties` is the free text of what it serves."""
    name = clean_field(name, "team_name", "name")
    if not name:
        raise ValidationError("name", tr("团队名称不能为空"))
    duties = clean_field(duties, "duties", multiline=True)
    with db.atomic():
        _unit(db, grid_id, grid=True)
        writable(db, grid_id)
        return records.insert(db, "teams", {"grid_id": grid_id, "name": name, "status": "active",
                                            "duties": duties}, "create_team")


def get_team(db: Database, team_id: int, *, scope: Scope) -> Team:
    """One service team of a grid in the user's scope; another is refused."""
    row = db.execute("SELECT id, grid_id, name, coalesce(duties, ''), status FROM teams WHERE id = ?",
                     [team_id]).fetchone()
    if row is None:
        raise NotFound(tr("找不到编号为{id}的{what}").format(id=team_id, what=tr("服务团队")))
    scope.require_org(row[1])
    return Team(*row)


def teams_of(db: Database, grid_id: int, *, scope: Scope) -> list[Team]:
    """The active teams of a grid in the user's scope; another grid is refused."""
    scope.require_org(grid_id)
    return [Team(*r) for r in db.execute(
        "SELECT id, grid_id, name, coalesce(duties, ''), status FROM teams WHERE grid_id = ? AND status = 'active' "
        "ORDER BY id", [grid_id])]


@writes(Changes.TEAMS)
def add_team_member(db: Database, team_id: int, staff_id: int, *, duty: str = "", title: str = "",
                    since: object | None = None, today: dt.date | None = None) -> int:
    """`duty` is one of the five roles (TEAM_DUTIES); `title` is free text such as 团长."""
    duty = code_of(TEAM_DUTIES, duty, "duty", "团队分工")
    title = clean_field(title, "member_title", "title")
    since = _since(since, "since", "加入日期", today)
    with db.atomic():
        team = records.require(db, "teams", team_id, "服务团队")
        if team["status"] != "active":
            raise RuleViolation(tr("服务团队“{name}”已撤销").format(name=team["name"]))
        writable(db, team["grid_id"])
        person = _active_staff(db, staff_id)
        if db.execute("SELECT 1 FROM team_members WHERE team_id = ? AND staff_id = ? AND until IS NULL",
                      [team_id, staff_id]).fetchone():
            raise RuleViolation(tr("{name}已是“{team}”的成员").format(name=person["name"], team=team["name"]))
        return records.insert(db, "team_members", {"team_id": team_id, "staff_id": staff_id, "duty": duty,
                                                   "title": title or None, "since": since,
                                                   "until": None}, "add_team_member")


@writes(Changes.TEAMS)
def end_team_member(db: Database, member_id: int, *, until: object | None = None,
                    today: dt.date | None = None) -> None:
    with db.atomic():
        team = db.execute("SELECT t.grid_id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.id = ?",
                          [member_id]).fetchone()
        if team is not None:
            writable(db, team[0])
        _end(db, "team_members", member_id, until, "end_team_member", "团队成员", today)


def team_members(db: Database, team_id: int, *, scope: Scope, include_ended: bool = False) -> list[TeamMember]:
    """The members of a team of the user's scope, with their phones; another team is refused."""
    get_team(db, team_id, scope=scope)
    where = "" if include_ended else " AND m.until IS NULL"
    return [TeamMember(*r) for r in db.execute(
        "SELECT m.id, m.team_id, m.staff_id, s.name, coalesce(s.phone, ''), m.duty, m.title, m.since, m.until "
        f"FROM team_members m JOIN staff s ON s.id = m.staff_id WHERE m.team_id = ?{where} ORDER BY m.id",
        [team_id])]


# ---- contacts ------------------------------------------------------------------------------

_CONTACT_SQL = (
    "SELECT c.id, c.staff_id, s.name, c.household_id, h.number, "
    "(SELECT p.name FROM persons p WHERE p.household_id = h.id AND +p.status = 'active' AND p.relation = 'head' "
    "ORDER BY p.id LIMIT 1), c.since, c.until "
    "FROM contacts c JOIN staff s ON s.id = c.staff_id JOIN households h ON h.id = c.household_id "
)


@writes(Changes.CONTACTS)
def link_contact(db: Database, staff_id: int, household_id: int, *, since: object | None = None,
                 today: dt.date | None = None) -> int:
    """Make a staff member the contact of a household (the 5–10 rule is reported by checks)."""
    since = _since(since, "since", "联系开始日期", today)
    with db.atomic():
        person = _active_staff(db, staff_id)
        household = records.require(db, "households", household_id, "户")
        if household["status"] != "active":
            raise RuleViolation(tr("户{number}已不在册，不能建立联系").format(number=household["number"]))
        writable(db, household["org_id"])
        if db.execute("SELECT 1 FROM contacts WHERE staff_id = ? AND household_id = ? AND until IS NULL",
                      [staff_id, household_id]).fetchone():
            raise RuleViolation(tr("{name}已经联系户{number}").format(name=person["name"], number=household["number"]))
        contact_id = records.insert(db, "contacts", {"staff_id": staff_id, "household_id": household_id,
                                                     "since": since, "until": None}, "link_contact")
    return contact_id


@writes(Changes.CONTACTS)
def unlink_contact(db: Database, staff_id: int, household_id: int, *, until: object | None = None,
                   today: dt.date | None = None) -> None:
    """End the link; it stays in the history with its end date."""
    with db.atomic():
        writable_household(db, household_id)
        found = db.execute("SELECT id FROM contacts WHERE staff_id = ? AND household_id = ? AND until IS NULL",
                           [staff_id, household_id]).fetchone()
        if not found:
            name = records.require(db, "staff", staff_id, "工作人员")["name"]
            number = records.require(db, "households", household_id, "户")["number"]
            raise RuleViolation(tr("{name}目前没有联系户{number}").format(name=name, number=number))
        _end(db, "contacts", found[0], until, "end_contact", "联系关系", today)


def contacts_of(db: Database, staff_id: int, *, scope: Scope, include_ended: bool = False) -> list[Contact]:
    """The households of the user's scope a staff member the user may read contacts, by number."""
    readable_staff(db, scope, staff_id)
    where = "" if include_ended else " AND c.until IS NULL"
    return [Contact(*r) for r in db.execute(
        _CONTACT_SQL + f"WHERE c.staff_id = ? AND {scope.units('h.org_id')}{where} ORDER BY h.number", [staff_id])]


def contact_staff_of(db: Database, household_id: int, *, scope: Scope, include_ended: bool = False) -> list[Contact]:
    """Who contacts a household of the user's scope; another household is refused."""
    readable_household(db, scope, household_id)
    where = "" if include_ended else " AND c.until IS NULL"
    return [Contact(*r) for r in db.execute(
        _CONTACT_SQL + f"WHERE c.household_id = ?{where} ORDER BY c.since, c.id", [household_id])]


@writes(Changes.CONTACTS)
def set_contacts(db: Database, staff_id: int, *, add: object = (), remove: object = (),
                 today: dt.date | None = None) -> None:
    """Link the households in `add` and end the links to those in `remove`, all or nothing."""
    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    both = set(add) & set(remove)
    if both:
        raise ValidationError("households", tr("同一户不能既新增联系又解除联系，请只选其一（{n}户）").format(n=len(both)))
    with db.atomic():
        for household_id in remove:
            unlink_contact(db, staff_id, household_id, today=today)
        for household_id in add:
            link_contact(db, staff_id, household_id, today=today)


def handler_choices(db: Database, *, scope: Scope) -> list[tuple[int, str]]:
    """Active staff as the 承办人 picker lists them: the kinds in their order (cadres and grid workers
    first, volunteers last), by name within a kind, each with its kind and unit, so a clerk finds the
    handler among hundreds by typing part of a name; only those the user may read (Scope.colleagues)."""
    rank = {code: i for i, code in enumerate(STAFF_KINDS)}
    rows = db.execute("SELECT s.id, s.name, s.kind, coalesce(u.name, '') FROM staff s "
                      f"LEFT JOIN org_units u ON u.id = s.org_id WHERE s.status = 'active' AND {scope.colleagues('s.id')}"
                      ).fetchall()
    rows.sort(key=lambda r: (rank.get(r[2], len(rank)), r[1], r[0]))
    return [(i, "{name}（{kind}{unit}）".format(name=name, kind=tr(STAFF_KINDS.get(kind, kind)),
                                              unit=f"·{unit}" if unit else "")) for i, name, kind, unit in rows]
