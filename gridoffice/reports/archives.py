"""What the two archives hold, read in a few grouped queries: one village/community, one file
(一村一档) and one party member, one file (一党员一档). Phones and ID numbers come masked; the
PDF writers in exports/archives.py only lay these out. Both take the acting user's Scope: a unit
or staff member outside it is refused, and a member's file holds only the scope's households,
visits, log entries and matters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice import vocab
from gridoffice.archive import registers
from gridoffice.reports import monthly
from gridoffice.errors import NotFound, PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.masking import mask_phone
from gridoffice.matters.rules import SATISFACTION, STATES
from gridoffice.org.regions import get_unit, office, tree_keys
from gridoffice.access.scope import Scope, readable_staff
from gridoffice.reports.assessment import assessment, total_score

_HEAD = ("(SELECT p.name FROM persons p WHERE p.household_id = h.id AND p.relation = 'head' "
         "AND p.status = 'active' LIMIT 1)")


@dataclass(frozen=True)
class VillageFile:
    office: str
    name: str
    level: str
    path_names: str  # 某街道 / 某社区
    households: int
    persons: int
    groups: tuple[tuple[str, int], ...]  # (label, persons) of the non-empty special groups
    grids: tuple[tuple[str, int, int, str], ...]  # name, households, persons, teams
    teams: tuple[tuple[str, str, str], ...]  # team, grid, members with duties
    household_rows: tuple[tuple[str, str, str, str, int, str], ...]  # number, head, address, class, persons, contacts


def village_file(db: Database, org_id: int, *, scope: Scope, today: dt.date | None = None) -> VillageFile:
    unit = get_unit(db, org_id)
    scope.require_org(org_id)
    today = today or dt.date.today()
    lo, hi = unit.subtree
    ancestors = [get_unit(db, a).name for a in unit.ancestor_ids] + [unit.name]
    counts = registers.counts(db, scope=scope, org_id=org_id, today=today)
    groups = tuple((g.label, counts[g.code]) for g in monthly.visible_groups(db, scope)[0] if counts.get(g.code))
    grid_rows = db.execute(
        "SELECT g.id, g.name, COUNT(DISTINCT h.id), COUNT(p.id) FROM org_units g "
        "LEFT JOIN org_units u ON coalesce(u.grid_id, u.id) = g.id "
        "LEFT JOIN households h ON h.org_id = u.id AND h.status = 'active' "
        "LEFT JOIN persons p ON p.household_id = h.id AND +p.status = 'active' "
        "WHERE g.level = 'grid' AND g.status = 'active' AND g.path >= ? AND g.path < ? GROUP BY g.id",
        [lo, hi]).fetchall()
    keys = tree_keys(db)
    grid_rows.sort(key=lambda r: keys[r[0]])
    team_rows = db.execute(
        "SELECT t.id, t.name, g.name FROM teams t JOIN org_units g ON g.id = t.grid_id WHERE t.status = 'active' "
        "AND g.path >= ? AND g.path < ?", [lo, hi]).fetchall()
    grid_of = dict(db.execute("SELECT id, grid_id FROM teams").fetchall())
    team_rows.sort(key=lambda r: (keys.get(grid_of.get(r[0]), []), r[0]))
    members: dict[int, list[str]] = {}
    for team_id, name, duty in db.execute(
            "SELECT m.team_id, s.name, m.duty FROM team_members m JOIN staff s ON s.id = m.staff_id "
            "WHERE m.until IS NULL OR m.until = '' ORDER BY m.team_id, m.id"):
        members.setdefault(team_id, []).append(f"{name}（{tr(vocab.TEAM_DUTIES.get(duty, duty))}）" if duty else name)
    team_names: dict[str, list[str]] = {}
    for _, name, grid in team_rows:
        team_names.setdefault(grid, []).append(name)
    contacts: dict[int, list[str]] = {}
    for hid, name in db.execute(
            "SELECT c.household_id, s.name FROM contacts c JOIN staff s ON s.id = c.staff_id "
            "JOIN households h ON h.id = c.household_id JOIN org_units u ON u.id = h.org_id "
            "WHERE c.until IS NULL AND u.path >= ? AND u.path < ?", [lo, hi]):
        contacts.setdefault(hid, []).append(name)
    households = db.execute(
        f"SELECT h.id, h.number, coalesce({_HEAD}, ''), coalesce(h.address, ''), h.contact_class, "
        "(SELECT COUNT(*) FROM persons p WHERE p.household_id = h.id AND p.status = 'active') "
        "FROM households h JOIN org_units u ON u.id = h.org_id WHERE h.status = 'active' AND u.path >= ? "
        "AND u.path < ? ORDER BY h.number", [lo, hi]).fetchall()
    return VillageFile(
        office(db).name, unit.name, tr(vocab.ORG_LEVELS.get(unit.level, unit.level)), " / ".join(ancestors),
        len(households), sum(r[5] for r in households), groups,
        tuple((name, hh, persons, "、".join(team_names.get(name, []))) for _, name, hh, persons in grid_rows),
        tuple((name, grid, "、".join(members.get(tid, []))) for tid, name, grid in team_rows),
        tuple((number, head, address, tr(vocab.CONTACT_CLASS_SHORT.get(cls, "")), n, "、".join(contacts.get(hid, [])))
              for hid, number, head, address, cls, n in households))


@dataclass(frozen=True)
class MemberFile:
    office: str
    name: str
    kind: str
    unit: str
    phone: str  # masked
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    contacts: tuple[tuple[str, str, str, str, str], ...]  # number, head, address, class, last visit
    visits: tuple[tuple[str, str, str, str], ...]  # day, kind, households, learned
    logs: tuple[tuple[str, str, str], ...]  # day, text, leaders' comments
    matters: tuple[tuple[str, str, str, str, str], ...]  # number, received, title, state, satisfaction
    evaluations: tuple[tuple[str, str], ...]  # (what, figure) over the year


def find_staff(db: Database, name: str, *, scope: Scope) -> int:
    """The active staff member of that name; one the user may not read is refused."""
    rows = db.execute("SELECT id FROM staff WHERE name = ? AND status = 'active'", [name.strip()]).fetchall()
    if not rows:
        raise ValidationError("staff", tr("找不到名为“{n}”的在岗人员").format(n=name))
    if len(rows) > 1:
        raise ValidationError("staff", tr("名为“{n}”的人员不止一位，请在程序中按所属单位选择").format(n=name))
    readable_staff(db, scope, rows[0][0])
    return rows[0][0]


def member_file(db: Database, staff_id: int, *, scope: Scope, year: int | None = None,
                today: dt.date | None = None) -> MemberFile:
    row = db.execute("SELECT name, kind, org_id, phone FROM staff WHERE id = ?", [staff_id]).fetchone()
    if row is None:
        raise NotFound(tr("人员{id}不存在").format(id=staff_id))
    if not scope.whole_office and staff_id not in {sid for sid, _ in monthly.staff_in_scope(db, scope)}:
        raise PermissionDenied(tr("“{name}”不在您负责的范围内，不能导出其档案").format(name=row[0]))
    name, kind, org_id, phone = row
    today = today or dt.date.today()
    year = year or today.year
    unit = get_unit(db, org_id).name if org_id else ""
    roles = tuple(f"{tr(vocab.STAFF_ROLES.get(r, r))}（{u or ''}）" for r, u in db.execute(
        "SELECT r.role, u.name FROM staff_roles r LEFT JOIN org_units u ON u.id = r.org_id "
        "WHERE r.staff_id = ? AND (r.until IS NULL OR r.until = '')", [staff_id]))
    teams = tuple(f"{t}（{tr(vocab.TEAM_DUTIES.get(d, d)) if d else tr('成员')}）" for t, d in db.execute(
        "SELECT t.name, m.duty FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.staff_id = ? "
        "AND (m.until IS NULL OR m.until = '')", [staff_id]))
    contacts = tuple(tuple(r) for r in db.execute(
        f"SELECT h.number, coalesce({_HEAD}, ''), coalesce(h.address, ''), h.contact_class, "
        "coalesce((SELECT max(vh.visited_on) FROM visit_households vh WHERE vh.household_id = h.id "
        "AND vh.voided = 0), '') FROM contacts c JOIN households h ON h.id = c.household_id "
        f"WHERE c.staff_id = ? AND c.until IS NULL AND h.status = 'active' AND {scope.units('h.org_id')} "
        "ORDER BY h.number", [staff_id]))
    contacts = tuple((n, head, a, tr(vocab.CONTACT_CLASS_SHORT.get(c, "")), last) for n, head, a, c, last in contacts)
    kinds = {"routine": "日常走访", "return": "回访", "occasion": "节点走访"}
    visits = tuple((day, tr(kinds.get(k, k)), hh or "", learned or "") for day, k, hh, learned in db.execute(
        "SELECT v.visited_on, v.kind, group_concat(h.number, '、'), v.learned FROM visits v "
        f"{'LEFT ' if scope.whole_office else ''}JOIN visit_households vh ON vh.visit_id = v.id AND vh.voided = 0 "
        f"AND {scope.households('vh.household_id')} "
        "LEFT JOIN households h ON h.id = vh.household_id WHERE v.staff_id = ? AND v.status = 'active' "
        "GROUP BY v.id ORDER BY v.visited_on DESC, v.id DESC", [staff_id]))
    comments: dict[int, list[str]] = {}
    for entry_id, author, text in db.execute(
            "SELECT k.entry_id, k.author, k.text FROM log_comments k JOIN log_entries e ON e.id = k.entry_id "
            "WHERE e.staff_id = ? ORDER BY k.at", [staff_id]):
        comments.setdefault(entry_id, []).append(f"{author}：{text}")
    # Within a scope, an entry linked to a household outside it is left out (unlinked ones stay).
    outside = "" if scope.whole_office else (
        " AND NOT EXISTS (SELECT 1 FROM log_households x WHERE x.entry_id = e.id "
        f"AND NOT {scope.households('x.household_id')})")
    logs = tuple((day, text, "；".join(comments.get(eid, []))) for eid, day, text in db.execute(
        f"SELECT e.id, e.entry_date, e.text FROM log_entries e WHERE e.staff_id = ? AND e.status = 'active'{outside} "
        "ORDER BY e.entry_date DESC, e.id DESC", [staff_id]))
    matters = tuple((n, r[:10], t or "", tr(STATES.get(s, s)), tr(SATISFACTION.get(sat, "")) if sat else "")
                    for n, r, t, s, sat in db.execute(
        "SELECT m.number, m.received_at, m.title, m.state, m.satisfaction FROM matters m "
        f"WHERE m.assignee_staff_id = ? AND {scope.matters()} ORDER BY m.received_at DESC", [staff_id]))
    a = assessment(db, str(year), scope=scope, today=today)
    mine = next((s for s in a.staff if s.key == staff_id), None)
    evaluations: list[tuple[str, str]] = []
    if mine is not None:
        for ind in a.indicators:
            v = mine.value(ind.code)
            evaluations.append((ind.label, "—" if v is None else (f"{v:.1%}" if ind.rate else str(v))))
        evaluations.append((tr("{y}年考核得分（满分{full:g}）").format(y=year, full=sum(i.weight for i in a.indicators)),
                            f"{total_score(mine, a.indicators):.2f}"))
    return MemberFile(office(db).name, name, tr(vocab.STAFF_KINDS.get(kind, kind)), unit, mask_phone(phone), roles,
                      teams, contacts, visits, logs, matters, tuple(evaluations))

