"""Household operations. Each keeps exactly one active head per active household.

"Active head" = a person with status 'active' and relation 'head'. People who moved out or died
keep their household and relation, so a household's history stays readable; their status
and status_date say what happened.
Every operation is one transaction: checks first, then writes (each audited), then the search
index; any refusal raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlite_utils import Database

from gridoffice.archive import kinship
from gridoffice.audit import records
from gridoffice.search import finder
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.masking import mask_birth
from gridoffice.normalize import check_length, clean_field, clean_text, normalize_phone
from gridoffice.archive.people import Person, PersonInput, columns, persons_of, relation_code, validate_person
from gridoffice.access.scope import Scope, writable
from gridoffice.vocab import CONTACT_CLASS_SHORT, CONTACT_CLASSES, HOUSEHOLD_STATUS, PERSON_STATUS
from gridoffice.changes import ARCHIVE, Changes, writes


@dataclass(frozen=True)
class Household:
    id: int
    number: str
    org_id: int | None
    address: str
    phone: str
    contact_class: int
    status: str
    status_date: str | None
    representative_id: int | None
    notes: str
    members: tuple[Person, ...]  # everyone ever in it: active first, head first

    @property
    def active_members(self) -> tuple[Person, ...]:
        return tuple(p for p in self.members if p.status == "active")

    @property
    def head(self) -> Person | None:
        return next((p for p in self.active_members if p.relation == "head"), None)


_HOUSEHOLD_COLUMNS = [f.name for f in fields(Household) if f.name != "members"]


def get_household(db: Database, household_id: int, *, scope: Scope) -> Household:
    """One household with everyone ever in it; one outside the user's scope is refused."""
    found = records.require(db, "households", household_id, "户")
    scope.require_org(found["org_id"])
    return Household(*[found[c] for c in _HOUSEHOLD_COLUMNS], members=tuple(persons_of(db, household_id, scope=scope)))


def find_by_number(db: Database, number: str, *, scope: Scope) -> Household | None:
    """The household numbered exactly `number`, whatever its status; None when there is none, and a
    refusal when it lies outside the user's scope."""
    row = db.execute("SELECT id FROM households WHERE number = ?", [number]).fetchone()
    return get_household(db, row[0], scope=scope) if row else None


# ---- checks shared by the operations ---------------------------------------------------------

def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _day(day: object | None, today: dt.date | None) -> str:
    return records.parse_day(day, "day", "日期", today=_today(today)) or _today(today).isoformat()


def _not_before_birth(db: Database, person_ids, day: str, *, death: bool) -> None:
    """Nobody moves out or dies before they were born (the birth told as year and month, masked)."""
    ids = list(person_ids)
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    for name, birth in db.execute(f"SELECT name, birth_date FROM persons WHERE id IN ({marks}) "
                                  "AND birth_date > ? ORDER BY birth_date DESC", [*ids, day]):
        what = tr("死亡日期") if death else tr("迁出日期")
        raise ValidationError("day", tr("{what}{day}早于{name}的出生（{birth}），请核对").format(
            what=what, day=day, name=name, birth=mask_birth(birth)))


def leave_day_problem(db: Database, person_ids, day: object, *, death: bool = False,
                      today: dt.date | None = None) -> str | None:
    """Why `day` cannot be the day these persons move out or die (not a date, later than today,
    before one was born), in the words the operation itself would refuse it with; None if it can.
    The dialogs ask before their irreversible confirmation."""
    try:
        _not_before_birth(db, person_ids, _day(day, today), death=death)
    except ValidationError as exc:
        return exc.message
    return None


def _active_household(db: Database, household_id: int) -> dict:
    return records.require_writable(db, "households", household_id, "户", unit="org_id", status="active",
                                    refusal=tr("户{number}{status}，不能再办理户内变动"), labels=HOUSEHOLD_STATUS)


def _active_unit(db: Database, org_id: int | None) -> dict:
    if org_id is None:
        raise ValidationError("org_id", tr("请选择该户所属的网格或单元"))
    return records.require_writable(db, "org_units", org_id, "组织单元", unit="id", status="active",
                                    refusal=tr("“{name}”已撤销，不能把户放到这里"))


def _member(db: Database, household: dict, person_id: int) -> dict:
    person = records.require(db, "persons", person_id, "人员")
    if person["household_id"] != household["id"] or person["status"] != "active":
        raise RuleViolation(tr("{name}不是户{number}的在册成员").format(name=person["name"], number=household["number"]))
    return person


# In member look-ups '+status' keeps the planner on the household index: without ANALYZE
# statistics it would otherwise walk the status index, i.e. every active person.
def _active_ids(db: Database, household_id: int) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT id FROM persons WHERE household_id = ? AND +status = 'active' ORDER BY id", [household_id])]


def _heads(db: Database, household_id: int) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT id FROM persons WHERE household_id = ? AND +status = 'active' AND relation = 'head' ORDER BY id",
        [household_id])]


def _non_head_relation(value: str, field: str, who: str) -> str:
    code = relation_code(value, field)
    if code == "head":
        raise RuleViolation(tr("{who}不能再作为户主：一户只能有一位户主").format(who=who))
    return code


def _relations(db: Database, household: dict, relations: dict | None, member_ids) -> dict[int, str]:
    """Check a {person_id: relation} map; every person must be one of `member_ids`."""
    checked = {}
    for person_id, value in (relations or {}).items():
        person = _member(db, household, person_id)
        if person_id not in member_ids:
            raise RuleViolation(tr("{name}不在本次办理的成员之中").format(name=person["name"]))
        checked[person_id] = _non_head_relation(value, "relations", person["name"])
    return checked


def contact_class_code(value: object) -> int:
    text = clean_text(value)
    for code, short in CONTACT_CLASS_SHORT.items():
        if text in (str(code), short, tr(short), CONTACT_CLASSES[code]):
            return code
    raise ValidationError("contact_class", tr("联系类别只能是1、2或3（一类、二类、三类），现在是“{v}”").format(v=text))


def number_taken(db: Database, number: str, exclude: int | None = None) -> bool:
    """Whether another household than `exclude` already carries `number`."""
    return db.execute("SELECT 1 FROM households WHERE number = ? AND id IS NOT ?", [number, exclude]).fetchone() is not None


def _check_number(db: Database, number: str, exclude: int | None = None) -> str:
    number = clean_text(number)
    if not number:
        raise ValidationError("number", tr("户号不能为空"))
    check_length(number, "household_number", "number")
    if number_taken(db, number, exclude):
        raise ValidationError("number", tr("户号“{number}”已被其他户使用，请换一个").format(number=number))
    return number


# ---- writes ---------------------------------------------------------------------------------

def _set_person(db: Database, person_id: int, changes: dict, action: str) -> None:
    records.update(db, "persons", person_id, changes, action)


def _end_contacts(db: Database, household_id: int, day: str) -> None:
    for contact_id, since in db.execute(
        "SELECT id, since FROM contacts WHERE household_id = ? AND until IS NULL", [household_id]
    ).fetchall():
        records.update(db, "contacts", contact_id, {"until": max(day, since or day)}, "end_contact")


def _settle_representative(db: Database, household_id: int) -> None:
    """The representative must be an active member; otherwise the head takes the part."""
    household = records.row(db, "households", household_id)
    if household["status"] != "active":
        return
    rep = household["representative_id"]
    if rep is not None and rep in _active_ids(db, household_id):
        return
    heads = _heads(db, household_id)
    records.update(db, "households", household_id, {"representative_id": heads[0] if heads else None},
                   "set_representative", old=household)


def _place(db: Database, person: PersonInput | int, household_id: int, relation: str, action: str,
           today: dt.date | None) -> int:
    """Insert a new person into the household, or bring in one registered outside any household."""
    if isinstance(person, PersonInput):
        cleaned, _ = validate_person(db, person, today=today)
        return records.insert(db, "persons", {**columns(cleaned), "relation": relation,
                                              "household_id": household_id, "status": "active"}, action)
    found = records.require(db, "persons", person, "人员")
    if found["status"] != "active":
        raise RuleViolation(tr("{name}{status}，不能入户").format(
            name=found["name"], status=tr(PERSON_STATUS[found["status"]])))
    if found["household_id"] is not None:
        number = db.execute("SELECT number FROM households WHERE id = ?", [found["household_id"]]).fetchone()[0]
        raise RuleViolation(tr("{name}已在户{number}中，请用“迁出成员”并选择转入户").format(name=found["name"], number=number))
    _set_person(db, person, {"household_id": household_id, "relation": relation}, action)
    return person


# ---- operations -----------------------------------------------------------------------------

def next_number(db: Database, org_id: int | None) -> str:
    """A free household number: the code of the unit (or its nearest coded ancestor), a dash and
    the next serial, e.g. 'G03-0042'; plain serials when no unit on the way has a code."""
    prefix = ""
    if org_id is not None:
        path = records.require(db, "org_units", org_id, "组织单元")["path"]
        ids = [int(i) for i in path.strip("/").split("/")]
        codes = dict(db.execute(
            f"SELECT id, code FROM org_units WHERE id IN ({','.join('?' * len(ids))}) AND coalesce(code, '') != ''", ids))
        prefix = next((f"{clean_text(codes[i])}-" for i in reversed(ids) if i in codes), prefix)
    start = len(prefix) + 1
    top = db.execute(
        "SELECT max(CAST(substr(number, ?) AS INTEGER)) FROM households "
        "WHERE number >= ? AND number < ? AND length(number) > ? AND substr(number, ?) NOT GLOB '*[^0-9]*'",
        [start, prefix, prefix + "\uffff", len(prefix), start],
    ).fetchone()[0]
    serial = (top or 0) + 1
    while True:
        number = f"{prefix}{serial:04d}"
        if not db.execute("SELECT 1 FROM households WHERE number = ?", [number]).fetchone():
            return number
        serial += 1


@writes(ARCHIVE)
def create_household(db: Database, *, org_id: int | None, head: PersonInput | int, number: str | None = None,
                     address: str = "", phone: str = "", contact_class: int | str = 3, notes: str = "",
                     today: dt.date | None = None) -> int:
    """A new household with its head (a new person, or one registered outside any household)."""
    contact_class = contact_class_code(contact_class)
    address = clean_field(address, "address")
    notes = clean_field(notes, "notes", multiline=True)
    phone = normalize_phone(phone)
    with db.atomic():
        _active_unit(db, org_id)
        number = _check_number(db, number) if clean_text(number) else next_number(db, org_id)
        household_id = records.insert(db, "households", {
            "number": number, "org_id": org_id, "address": address, "phone": phone,
            "contact_class": contact_class, "status": "active", "notes": notes,
        }, "create_household")
        head_id = _place(db, head, household_id, "head", "create_household", today)
        records.update(db, "households", household_id, {"representative_id": head_id}, "set_representative")
        finder.reindex(db, person_ids=[head_id], household_ids=[household_id])
    return household_id


@writes(Changes.HOUSEHOLDS)
def update_household(db: Database, household_id: int, *, number: str | None = None, address: str | None = None,
                     phone: str | None = None, contact_class: int | str | None = None, notes: str | None = None,
                     representative_id: int | None = None) -> None:
    """Edit the household's own fields; only the ones given change."""
    changes = {}
    if address is not None:
        changes["address"] = clean_field(address, "address")
    if phone is not None:
        changes["phone"] = normalize_phone(phone)
    if contact_class is not None:
        changes["contact_class"] = contact_class_code(contact_class)
    if notes is not None:
        changes["notes"] = clean_field(notes, "notes", multiline=True)
    with db.atomic():
        household = _active_household(db, household_id)
        if number is not None:
            changes["number"] = _check_number(db, number, exclude=household_id)
        if representative_id is not None:
            _member(db, household, representative_id)
            changes["representative_id"] = representative_id
        if records.update(db, "households", household_id, changes, "update_household", old=household):
            finder.reindex(db, household_ids=[household_id])


@writes(ARCHIVE)
def add_member(db: Database, household_id: int, person: PersonInput | int, relation: str,
               *, today: dt.date | None = None) -> int:
    """A new member (a new person, or one registered outside any household); returns the person id."""
    with db.atomic():
        _active_household(db, household_id)
        name = person.name if isinstance(person, PersonInput) else records.require(db, "persons", person, "人员")["name"]
        relation = _non_head_relation(relation, "relation", name)
        person_id = _place(db, person, household_id, relation, "add_member", today)
        finder.reindex(db, person_ids=[person_id], household_ids=[household_id])
    return person_id


def _hand_over_head(db: Database, household: dict, leaving: dict, new_head_id: int | None, action: str) -> int | None:
    """When the head leaves, another active member must take over; returns the new head's id."""
    if leaving["relation"] != "head":
        if new_head_id is not None:
            raise RuleViolation(tr("{name}不是户主，无需指定新户主").format(name=leaving["name"]))
        return None
    if new_head_id is None:
        raise RuleViolation(tr("{name}是户{number}的户主，请先指定新户主").format(
            name=leaving["name"], number=household["number"]))
    if new_head_id == leaving["id"]:
        raise RuleViolation(tr("新户主不能是正在离开的{name}本人").format(name=leaving["name"]))
    _member(db, household, new_head_id)
    _set_person(db, new_head_id, {"relation": "head"}, action)
    return new_head_id


@writes(ARCHIVE)
def remove_member(db: Database, household_id: int, person_id: int, *, to_household_id: int | None = None,
                  relation: str | None = None, new_head_id: int | None = None, relations: dict | None = None,
                  day: object | None = None, today: dt.date | None = None) -> None:
    """A member leaves: moved out (status and date), or transferred to another household with `relation`.

    A head leaving needs `new_head_id`; `relations` may relabel the remaining members toward the new head.
    """
    day = _day(day, today)
    with db.atomic():
        household = _active_household(db, household_id)
        person = _member(db, household, person_id)
        others = [i for i in _active_ids(db, household_id) if i != person_id]
        if not others:
            raise RuleViolation(tr("{name}是户{number}唯一的在册成员，请使用“整户迁出”").format(
                name=person["name"], number=household["number"]))
        target = None
        if to_household_id is not None:
            if to_household_id == household_id:
                raise RuleViolation(tr("转入户不能是原户"))
            target = _active_household(db, to_household_id)
            if relation is None or not clean_text(relation):
                raise ValidationError("relation", tr("请填写{name}与转入户户主的关系").format(name=person["name"]))
            relation = _non_head_relation(relation, "relation", person["name"])
        relabel = _relations(db, household, relations, set(others) - {new_head_id})
        _hand_over_head(db, household, person, new_head_id, "remove_member")
        for other_id, other_relation in relabel.items():
            _set_person(db, other_id, {"relation": other_relation}, "remove_member")
        if target is not None:
            _set_person(db, person_id, {"household_id": to_household_id, "relation": relation}, "transfer_member")
        else:
            _not_before_birth(db, [person_id], day, death=False)
            _set_person(db, person_id, {"status": "moved_out", "status_date": day}, "remove_member")
        _settle_representative(db, household_id)
        touched = [household_id] + ([to_household_id] if target else [])
        finder.reindex(db, person_ids=[person_id, *relabel, *([new_head_id] if new_head_id else [])],
                       household_ids=touched)


@writes(ARCHIVE)
def change_head(db: Database, household_id: int, new_head_id: int, old_head_relation: str,
                *, relations: dict | None = None) -> None:
    """Make another member the head; the old head (or heads, in broken data) gets `old_head_relation`."""
    with db.atomic():
        household = _active_household(db, household_id)
        new_head = _member(db, household, new_head_id)
        heads = _heads(db, household_id)
        if heads == [new_head_id]:
            raise RuleViolation(tr("{name}已经是户主").format(name=new_head["name"]))
        old_heads = [h for h in heads if h != new_head_id]
        relation = _non_head_relation(old_head_relation, "old_head_relation", tr("原户主"))
        relabel = _relations(db, household, relations, set(_active_ids(db, household_id)) - {new_head_id, *old_heads})
        for old in old_heads:
            _set_person(db, old, {"relation": relation}, "change_head")
        _set_person(db, new_head_id, {"relation": "head"}, "change_head")
        for other_id, other_relation in relabel.items():
            _set_person(db, other_id, {"relation": other_relation}, "change_head")
        finder.reindex(db, person_ids=[new_head_id, *old_heads, *relabel], household_ids=[household_id])


@writes(Changes.HOUSEHOLDS)
def move_household(db: Database, household_id: int, org_id: int) -> None:
    """Put the household under another grid or unit."""
    with db.atomic():
        household = _active_household(db, household_id)
        _active_unit(db, org_id)
        if records.update(db, "households", household_id, {"org_id": org_id}, "move_household", old=household):
            finder.reindex(db, household_ids=[household_id])


@writes(ARCHIVE)
def split_household(db: Database, household_id: int, member_ids, new_head_id: int, *,
                    relations: dict | None = None, remaining_head_id: int | None = None,
                    number: str | None = None, org_id: int | None = None, address: str | None = None,
                    phone: str | None = None, contact_class: int | str | None = None,
                    today: dt.date | None = None) -> int:
    """Members `member_ids` form a new household headed by `new_head_id`; returns its id.

    `relations` gives each moving member's relation to the new head (required) and may relabel
    members who stay. If the old head moves, `remaining_head_id` names the one who heads the rest.
    Unset household fields are copied from the original.
    """
    member_ids = list(dict.fromkeys(member_ids))
    with db.atomic():
        household = _active_household(db, household_id)
        moving = [_member(db, household, pid) for pid in member_ids]
        if not moving:
            raise ValidationError("member_ids", tr("请选择要分出的成员"))
        staying = [i for i in _active_ids(db, household_id) if i not in member_ids]
        if not staying:
            raise RuleViolation(tr("不能把户{number}的全部成员都分出去，原户至少要留一人").format(number=household["number"]))
        if new_head_id not in member_ids:
            raise RuleViolation(tr("新户的户主必须是分出的成员之一"))
        relations = dict(relations or {})
        for person in moving:
            if person["id"] != new_head_id and person["id"] not in relations:
                raise ValidationError("relations", tr("请填写{name}与新户主的关系").format(name=person["name"]))
        relabel = _relations(db, household, relations,
                             (set(member_ids) - {new_head_id}) | (set(staying) - {remaining_head_id}))
        kin = {p["id"]: kinship.kin_of(p) for p in moving}
        impossible = kinship.problems(kin[new_head_id], {i: r for i, r in relabel.items() if i in kin}, kin)
        if impossible:
            raise ValidationError("relations", "；".join(impossible))
        old_head = next((p for p in moving if p["relation"] == "head"), None)
        if old_head is None and remaining_head_id is not None:
            raise RuleViolation(tr("原户主没有分出，原户无需指定新户主"))
        if old_head is not None:
            if remaining_head_id is None:
                raise RuleViolation(tr("原户主{name}随新户分出，请指定原户的新户主").format(name=old_head["name"]))
            if remaining_head_id not in staying:
                raise RuleViolation(tr("原户的新户主必须是留在原户的成员"))
        target_org = household["org_id"] if org_id is None else org_id
        _active_unit(db, target_org)
        new_number = _check_number(db, number) if clean_text(number) else next_number(db, target_org)
        new_id = records.insert(db, "households", {
            "number": new_number, "org_id": target_org,
            "address": household["address"] if address is None else clean_field(address, "address"),
            "phone": household["phone"] if phone is None else normalize_phone(phone),
            "contact_class": household["contact_class"] if contact_class is None else contact_class_code(contact_class),
            "status": "active", "notes": "",
        }, "split_household")
        for person in moving:
            relation = "head" if person["id"] == new_head_id else relabel[person["id"]]
            _set_person(db, person["id"], {"household_id": new_id, "relation": relation}, "split_household")
        if old_head is not None:
            _set_person(db, remaining_head_id, {"relation": "head"}, "split_household")
        for person_id in staying:
            if person_id in relabel:
                _set_person(db, person_id, {"relation": relabel[person_id]}, "split_household")
        records.update(db, "households", new_id, {"representative_id": new_head_id}, "set_representative")
        _settle_representative(db, household_id)
        finder.reindex(db, person_ids=[*member_ids, *staying], household_ids=[household_id, new_id])
    return new_id


@writes(ARCHIVE | Changes.CONTACTS)
def merge_households(db: Database, source_id: int, target_id: int, relations: dict, *,
                     day: object | None = None, today: dt.date | None = None) -> None:
    """All active members of `source_id` join `target_id` with the given relations; the source is dissolved."""
    day = _day(day, today)
    with db.atomic():
        if source_id == target_id:
            raise RuleViolation(tr("不能把一户合并到它自己"))
        source = _active_household(db, source_id)
        _active_household(db, target_id)
        movers = _active_ids(db, source_id)
        relations = dict(relations or {})
        for person_id in movers:
            if person_id not in relations:
                name = records.row(db, "persons", person_id)["name"]
                raise ValidationError("relations", tr("请填写{name}与合并后户主的关系").format(name=name))
        checked = _relations(db, source, relations, set(movers))
        for person_id in movers:
            _set_person(db, person_id, {"household_id": target_id, "relation": checked[person_id]}, "merge_households")
        records.update(db, "households", source_id, {"status": "dissolved", "status_date": day},
                       "merge_households", old=source)
        _end_contacts(db, source_id, day)
        finder.reindex(db, person_ids=movers, household_ids=[source_id, target_id])


@writes(ARCHIVE | Changes.CONTACTS)
def move_out(db: Database, household_id: int, *, day: object | None = None, today: dt.date | None = None) -> None:
    """The whole household moves away: it and its active members are marked moved out."""
    day = _day(day, today)
    with db.atomic():
        household = _active_household(db, household_id)
        members = _active_ids(db, household_id)
        _not_before_birth(db, members, day, death=False)
        for person_id in members:
            _set_person(db, person_id, {"status": "moved_out", "status_date": day}, "move_out")
        records.update(db, "households", household_id, {"status": "moved_out", "status_date": day},
                       "move_out", old=household)
        _end_contacts(db, household_id, day)
        finder.reindex(db, person_ids=members, household_ids=[household_id])


@writes(ARCHIVE | Changes.CONTACTS)
def record_death(db: Database, person_id: int, *, day: object | None = None, new_head_id: int | None = None,
                 relations: dict | None = None, today: dt.date | None = None) -> None:
    """Mark a person deceased. A head's death needs `new_head_id` unless nobody else is left,
    in which case the household is dissolved."""
    day = _day(day, today)
    with db.atomic():
        person = records.require(db, "persons", person_id, "人员")
        if person["status"] != "active":
            raise RuleViolation(tr("{name}{status}，不能登记死亡").format(
                name=person["name"], status=tr(PERSON_STATUS[person["status"]])))
        _not_before_birth(db, [person_id], day, death=True)
        household_id = person["household_id"]
        household = records.row(db, "households", household_id) if household_id else None
        writable(db, household["org_id"] if household else None)
        touched_people = [person_id]
        if household is not None and household["status"] == "active":
            others = [i for i in _active_ids(db, household_id) if i != person_id]
            if others:
                relabel = _relations(db, household, relations, set(others) - {new_head_id})
                if _hand_over_head(db, household, person, new_head_id, "record_death"):
                    touched_people.append(new_head_id)
                for other_id, other_relation in relabel.items():
                    _set_person(db, other_id, {"relation": other_relation}, "record_death")
                touched_people.extend(relabel)
            elif new_head_id is not None:
                raise RuleViolation(tr("户{number}已没有其他在册成员，无法指定新户主").format(number=household["number"]))
        _set_person(db, person_id, {"status": "deceased", "status_date": day}, "record_death")
        if household is not None and household["status"] == "active":
            if not _active_ids(db, household_id):
                records.update(db, "households", household_id, {"status": "dissolved", "status_date": day},
                               "record_death", old=household)
                _end_contacts(db, household_id, day)
            else:
                _settle_representative(db, household_id)
        finder.reindex(db, person_ids=touched_people, household_ids=[household_id] if household_id else ())
