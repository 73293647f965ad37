"""Service, contact and proxy cards: who a household calls, read for a whole batch at once.

The records carry staff names, their roles and work phones, the office hotline and what the QR
code holds: text a resident's phone shows (服务热线 …, 户号 …) and the code a scan in the office looks
up (`GO:H:<household number>`, `GO:T:<team id>`, read_code). Residents' own phone
numbers are never read here, so no card can show one. Every read takes the acting user's Scope:
a grid worker selects, sees and prints only the grids and households of their own subtree. Layouts (which sections, texts, colours)
are JSON files shipped in gridoffice/resources/cards (gridoffice.shipped) that an office may edit; `load_layout` checks them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from gridoffice import shipped
from gridoffice.audit import trail
from gridoffice.store.db import get_setting, set_setting
from gridoffice.errors import NotFound, PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field, clean_text, normalize_phone
from gridoffice.org.regions import tree_keys
from gridoffice.access.scope import Scope
from gridoffice.vocab import STAFF_KINDS, STAFF_ROLES, TEAM_DUTIES, label
from gridoffice.changes import Changes, writes

LAYOUT_DIR = shipped.path(shipped.CARDS)
LAYOUTS = {"service": "便民服务联系卡", "contact": "民情联系卡", "proxy": "党员代办卡"}

# Sections a card front can show, in the order a layout lists them.
FIELDS = {
    "household": "户号与户主",
    "address": "住址",
    "grid": "所属网格",
    "contacts": "本户联系人",
    "team": "网格服务团队",
    "proxies": "代办员",
    "hotline": "服务热线",
}
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
_SHORT_NUMBER = re.compile(r"\d{3,6}")
_COLOURS = ("accent", "text", "band_text")
# A printer's feed error is a few millimetres; more is a typo.
MAX_OFFSET_MM = 20.0


@dataclass(frozen=True)
class CardPerson:
    staff_id: int
    name: str
    role: str  # the title, post or duty a resident recognises, in Chinese
    phone: str  # the staff member's work phone (a layout may leave it off)


@dataclass(frozen=True)
class TeamCard:
    team_id: int
    grid_id: int
    grid_name: str
    name: str
    duties: str
    members: tuple[CardPerson, ...]
    proxies: tuple[CardPerson, ...]
    code: str


@dataclass(frozen=True)
class HouseholdCard:
    household_id: int
    number: str
    head_name: str
    address: str
    grid_id: int | None
    grid_name: str
    contacts: tuple[CardPerson, ...]
    team: TeamCard | None
    code: str


@dataclass(frozen=True)
class Colours:
    accent: str
    text: str
    band_text: str


@dataclass(frozen=True)
class Layout:
    key: str
    title: str
    office_name: str  # empty: the office's own name from the settings
    fields: tuple[str, ...]
    back_title: str
    back_text: str
    show_staff_phones: bool
    colours: Colours


@dataclass(frozen=True)
class Office:
    name: str
    hotline: str


def without_contact(db: Database, household_ids: list[int], scope: Scope) -> int:
    """How many of these households of the user's scope have no current contact person on duty (their
    cards say so); households elsewhere are not counted, as household_cards leaves them out."""
    return db.execute(
        f"SELECT count(*) FROM json_each(?) j WHERE {scope.households('j.value')} AND NOT EXISTS "
        "(SELECT 1 FROM contacts c JOIN staff s "
        "ON s.id = c.staff_id AND s.status = 'active' WHERE c.household_id = j.value AND c.until IS NULL)",
        [json.dumps(list(household_ids))]).fetchone()[0]


# The scan code at the end of every payload: a USB scanner types it into the search box, which opens
# the household or the team (read_code). Scanners that cannot type Chinese still type this part.
_CODE = re.compile(r"GO:([HT]):([0-9A-Za-z./-]{1,30})")


def _readable(hotline: str) -> str:
    return tr("服务热线 {phone} ").format(phone=hotline) if hotline else ""


def household_code(number: str, hotline: str = "") -> str:
    """What a household card's QR code holds: text a phone shows (the hotline, the household number)
    and the scan code."""
    return tr("{hotline}户号 {number} GO:H:{number}").format(hotline=_readable(hotline), number=number)


def team_code(team_id: int, name: str = "", hotline: str = "") -> str:
    return tr("服务团队 {name} {hotline}GO:T:{id}").format(name=name, hotline=_readable(hotline), id=team_id)


@dataclass(frozen=True)
class Scanned:
    table: str  # "households" or "teams"
    row_id: int


def read_code(db: Database, text: str, scope: Scope) -> Scanned | None:
    """The household or team a scanned card names, when `text` holds a card's scan code and the
    record is in the user's scope; None when it holds none. A code naming nothing the user may see
    raises NotFound with a sentence saying so."""
    found = _CODE.search(text or "")
    if found is None:
        return None
    kind, key = found.groups()
    if kind == "H":
        row = db.execute("SELECT id, org_id FROM households WHERE number = ?", [key]).fetchone()
        if row and scope.sees(row[1]):
            return Scanned("households", row[0])
        raise NotFound(tr("扫到的联系卡是户号{n}的，在您负责的范围内没有这一户").format(n=key))
    row = db.execute("SELECT id, grid_id FROM teams WHERE id = ? AND status = 'active'",
                     [int(key) if key.isdigit() else -1]).fetchone()
    if row and scope.sees(row[1]):
        return Scanned("teams", row[0])
    raise NotFound(tr("扫到的服务团队卡所指的团队已撤销或不在您负责的范围内"))


# ---- selection -----------------------------------------------------------------------------

@dataclass(frozen=True)
class GridChoice:
    id: int
    name: str
    households: int  # active households


def card_grids(db: Database, scope: Scope) -> list[GridChoice]:
    """The active grids the user may print cards for, with their active households, in tree order."""
    keys = tree_keys(db)
    return [GridChoice(*r) for r in sorted(db.execute(
        "SELECT g.id, g.name, (SELECT count(*) FROM households h JOIN org_units u ON u.id = h.org_id "
        " WHERE u.grid_id = g.id AND h.status = 'active') "
        f"FROM org_units g WHERE g.level = 'grid' AND g.status = 'active' AND {scope.units('g.id')}"),
        key=lambda r: keys[r[0]])]


def grids_named(db: Database, names: list[str], scope: Scope) -> list[int]:
    """The active grids with these names (a name shared by two grids selects both); a grid outside
    the user's scope is refused by name."""
    ids = []
    for name in names:
        found = [r[0] for r in db.execute(
            "SELECT id FROM org_units WHERE level = 'grid' AND status = 'active' AND name = ? ORDER BY sort, id",
            [clean_text(name)])]
        if not found:
            raise ValidationError("grid", tr("没有名为“{name}”的网格，请按组织树里的网格名称填写").format(name=name))
        mine = [i for i in found if scope.sees(i)]
        if not mine:
            raise PermissionDenied(tr("网格“{name}”不在您负责的范围内，不能打印它的联系卡").format(name=name))
        ids += [i for i in mine if i not in ids]
    return ids


def households_numbered(db: Database, numbers: list[str], scope: Scope) -> list[int]:
    ids = []
    for number in numbers:
        row = db.execute("SELECT id, status, org_id FROM households WHERE number = ?", [clean_text(number)]).fetchone()
        if row is None:
            raise ValidationError("household", tr("没有户号为“{n}”的户，请核对户号").format(n=number))
        if not scope.sees(row[2]):
            raise PermissionDenied(tr("户{n}不在您负责的范围内，不能打印它的联系卡").format(n=number))
        if row[1] != "active":
            raise ValidationError("household", tr("户{n}已不在册，不发联系卡").format(n=number))
        if row[0] not in ids:
            ids.append(row[0])
    return ids


def household_number(db: Database, household_id: int, scope: Scope) -> str | None:
    """The number of a household in the scope (a household opened from another page), else None."""
    row = db.execute(f"SELECT number FROM households WHERE id = ? AND {scope.units('org_id')}",
                     [household_id]).fetchone()
    return row[0] if row else None


def households_in_grids(db: Database, grid_ids: list[int], scope: Scope) -> list[int]:
    """The active households of these grids within the scope, by grid then household number (the
    order they are handed out)."""
    return [r[0] for r in db.execute(
        "SELECT h.id FROM households h JOIN org_units u ON u.id = h.org_id "
        f"JOIN json_each(?) g ON g.value = u.grid_id WHERE h.status = 'active' AND {scope.units('h.org_id')} "
        "ORDER BY g.key, h.number",
        [json.dumps(list(grid_ids))])]


# ---- records -------------------------------------------------------------------------------

def _role_text(title: str | None, role: str | None, duty: str | None, kind: str | None) -> str:
    return title or label(STAFF_ROLES, role) or label(TEAM_DUTIES, duty) or label(STAFF_KINDS, kind)


def team_cards(db: Database, grid_ids: list[int], scope: Scope, *, hotline: str | None = None) -> list[TeamCard]:
    """Each grid's active service teams with their current members, in three queries for all grids
    (a fourth for the hotline unless given); grids outside the scope give none."""
    ids = json.dumps([g for g in grid_ids if scope.sees(g)])
    proxies: dict[int, list[CardPerson]] = {}
    for grid, staff_id, name, phone in db.execute(
            "SELECT r.org_id, s.id, s.name, coalesce(s.phone, '') FROM staff_roles r JOIN staff s ON s.id = r.staff_id "
            "WHERE r.role = 'proxy_agent' AND r.until IS NULL AND s.status = 'active' "
            "AND r.org_id IN (SELECT value FROM json_each(?)) ORDER BY r.org_id, r.id", [ids]):
        proxies.setdefault(grid, []).append(CardPerson(staff_id, name, label(STAFF_ROLES, "proxy_agent"), phone))
    members: dict[int, list[CardPerson]] = {}
    for team_id, staff_id, name, phone, duty, title, kind, role in db.execute(
            "SELECT m.team_id, s.id, s.name, coalesce(s.phone, ''), m.duty, m.title, s.kind, "
            "(SELECT r.role FROM staff_roles r WHERE r.staff_id = s.id AND r.until IS NULL AND r.org_id = t.grid_id "
            " ORDER BY r.id LIMIT 1) "
            "FROM teams t JOIN team_members m ON m.team_id = t.id AND m.until IS NULL "
            "JOIN staff s ON s.id = m.staff_id AND s.status = 'active' "
            "WHERE t.status = 'active' AND t.grid_id IN (SELECT value FROM json_each(?)) ORDER BY t.id, m.id", [ids]):
        members.setdefault(team_id, []).append(CardPerson(staff_id, name, _role_text(title, role, duty, kind), phone))
    cards = []
    hotline = _hotline(db) if hotline is None else hotline
    for team_id, grid_id, grid_name, name, duties in db.execute(
            "SELECT t.id, t.grid_id, g.name, t.name, coalesce(t.duties, '') FROM json_each(?) j "
            "JOIN teams t ON t.grid_id = j.value AND t.status = 'active' JOIN org_units g ON g.id = t.grid_id "
            "ORDER BY j.key, t.id", [ids]):
        cards.append(TeamCard(team_id, grid_id, grid_name, name, duties, tuple(members.get(team_id, ())),
                              tuple(proxies.get(grid_id, ())), team_code(team_id, name, hotline)))
    return cards


def household_cards(db: Database, household_ids: list[int], scope: Scope) -> list[HouseholdCard]:
    """One card per household, in the order given: its head, address, grid, contact staff and grid
    team; households outside the scope give none."""
    ids = json.dumps(list(household_ids))
    rows = db.execute(
        "SELECT h.id, h.number, coalesce(h.address, ''), u.grid_id, coalesce(g.name, ''), "
        "(SELECT p.name FROM persons p WHERE p.household_id = h.id AND +p.status = 'active' AND p.relation = 'head' "
        " ORDER BY p.id LIMIT 1) "
        "FROM json_each(?) j JOIN households h ON h.id = j.value JOIN org_units u ON u.id = h.org_id "
        f"LEFT JOIN org_units g ON g.id = u.grid_id WHERE {scope.units('h.org_id')} ORDER BY j.key", [ids]).fetchall()
    contacts: dict[int, list[CardPerson]] = {}
    for household_id, staff_id, name, phone, kind in db.execute(
            "SELECT c.household_id, s.id, s.name, coalesce(s.phone, ''), s.kind FROM contacts c "
            "JOIN staff s ON s.id = c.staff_id AND s.status = 'active' "
            "WHERE c.until IS NULL AND c.household_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY c.household_id, c.since, c.id", [ids]):
        contacts.setdefault(household_id, []).append(CardPerson(staff_id, name, label(STAFF_KINDS, kind), phone))
    grids = sorted({r[3] for r in rows if r[3] is not None})
    teams: dict[int, TeamCard] = {}
    hotline = _hotline(db)
    for team in team_cards(db, grids, scope, hotline=hotline):
        teams.setdefault(team.grid_id, team)  # a grid with two teams: its first one is on the card
    return [HouseholdCard(hid, number, head or "", address, grid_id, grid_name, tuple(contacts.get(hid, ())),
                          teams.get(grid_id), household_code(number, hotline))
            for hid, number, address, grid_id, grid_name, head in rows]


# ---- office settings -----------------------------------------------------------------------

def _hotline(db: Database) -> str:
    return get_setting(db, "cards_hotline", "") or ""


def office_for_cards(db: Database) -> Office:
    return Office(get_setting(db, "office_name", "") or "", _hotline(db))


@writes(Changes.SETTINGS)
def set_hotline(db: Database, phone: str) -> str:
    """The office's service hotline printed on every card; empty removes it. Short service numbers
    (12345, 96345) are hotlines too, so 3–6 digits pass as they are; anything else is a phone."""
    text = clean_text(phone)
    value = text if _SHORT_NUMBER.fullmatch(text) else normalize_phone(text, "hotline") if text else ""
    with db.atomic():
        old = get_setting(db, "cards_hotline", "")
        set_setting(db, "cards_hotline", value)
        trail.record(db, "update", "settings", None, old={"cards_hotline": old}, new={"cards_hotline": value})
    return value


def printer_offset(db: Database) -> tuple[float, float]:
    """The office printer's feed error (x right, y down, mm), added to every card page."""
    raw = get_setting(db, "cards_printer_offset", "")
    if not raw:
        return 0.0, 0.0
    x, y = json.loads(raw)
    return float(x), float(y)


@writes(Changes.SETTINGS)
def set_printer_offset(db: Database, x_mm: object, y_mm: object) -> tuple[float, float]:
    values = []
    for field, name, value in (("offset_x", "左右偏移", x_mm), ("offset_y", "上下偏移", y_mm)):
        try:
            number = round(float(str(value).strip()), 1)
        except ValueError:
            raise ValidationError(field, tr("{name}应填毫米数，例如 1.5 或 -0.5").format(name=tr(name))) from None
        if abs(number) > MAX_OFFSET_MM:
            raise ValidationError(field, tr("{name}{v}毫米太大，打印机偏差应在±{m:g}毫米以内，请重新测量")
                                  .format(name=tr(name), v=number, m=MAX_OFFSET_MM))
        values.append(number)
    with db.atomic():
        old = printer_offset(db)
        set_setting(db, "cards_printer_offset", json.dumps(values))
        trail.record(db, "update", "settings", None, old={"cards_printer_offset": list(old)},
                     new={"cards_printer_offset": values})
    return values[0], values[1]


# ---- layouts -------------------------------------------------------------------------------

def layout_path(key: str) -> Path:
    return LAYOUT_DIR / f"{key}.json"


def load_layout(key_or_path: str | Path) -> Layout:
    """A shipped layout by key ('service', 'contact', 'proxy') or an office's own JSON file."""
    path = layout_path(str(key_or_path)) if str(key_or_path) in LAYOUTS else Path(key_or_path)
    if not path.is_file():
        raise ValidationError("layout", tr("找不到卡片样式“{k}”，可选：{keys}，或一个 .json 样式文件")
                              .format(k=key_or_path, keys="、".join(LAYOUTS)))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("layout", tr("卡片样式文件{f}不是有效的JSON（{e}），请用记事本检查括号和引号")
                              .format(f=path.name, e=exc)) from None
    return parse_layout(data, path.stem, source=path.name)


def parse_layout(data: object, key: str, *, source: str = "") -> Layout:
    """Check every key of a layout; the message names the file and the key to fix."""
    where = source or key

    def bad(field: str, what: str) -> ValidationError:
        return ValidationError(field, tr("卡片样式{f}中的“{k}”{what}").format(f=where, k=field, what=tr(what)))

    if not isinstance(data, dict):
        raise ValidationError("layout", tr("卡片样式{f}应是一个 {{...}} 对象").format(f=where))
    known = {"title", "office_name", "fields", "back_title", "back_text", "show_staff_phones", "colours"}
    for name in data:
        if name not in known:
            raise bad(name, "不是样式能用的项目，可用的有：" + "、".join(sorted(known)))
    for name in ("title", "fields", "back_title", "back_text", "show_staff_phones", "colours"):
        if name not in data:
            raise bad(name, "缺少，请补上")
    texts = {}
    for name in ("title", "office_name", "back_title", "back_text"):
        value = data.get(name, "")
        if not isinstance(value, str):
            raise bad(name, "应是一段文字（用英文双引号括起来）")
        texts[name] = clean_field(value, "card_text", "layout", multiline=name == "back_text")
    if not texts["title"]:
        raise bad("title", "不能为空")
    fields = data["fields"]
    if not isinstance(fields, list) or not fields:
        raise bad("fields", "应是项目列表，例如 [\"household\", \"team\"]")
    for name in fields:
        if name not in FIELDS:
            raise bad("fields", f"含有未知项目“{name}”，可用：" + "、".join(FIELDS))
    if len(set(fields)) != len(fields):
        raise bad("fields", "有重复的项目")
    if not isinstance(data["show_staff_phones"], bool):
        raise bad("show_staff_phones", "应填 true 或 false")
    colours = data["colours"]
    if not isinstance(colours, dict):
        raise bad("colours", "应是颜色对象，例如 {\"accent\": \"#C8102E\"}")
    for name in colours:
        if name not in _COLOURS:
            raise bad(f"colours.{name}", "不是可用的颜色项目，可用：" + "、".join(_COLOURS))
    for name in _COLOURS:
        value = colours.get(name)
        if not isinstance(value, str) or not _HEX.fullmatch(value):
            raise bad(f"colours.{name}", "应是 #RRGGBB 形式的颜色，例如 #C8102E")
    return Layout(key, texts["title"], texts["office_name"], tuple(fields), texts["back_title"], texts["back_text"],
                  data["show_staff_phones"], Colours(**{n: colours[n].upper() for n in _COLOURS}))
