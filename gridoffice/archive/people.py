"""Persons: cleaning and checking what a clerk typed, and the special-group tags.

Placing a person in a household, moving out and death are household operations (households.py):
they must keep one head per household.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields, replace

from sqlite_utils import Database

from gridoffice.archive import office_tags
from gridoffice.audit import records
from gridoffice.search import finder
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.i18n import tr
from gridoffice.idcard import check_consistency, parse_id
from gridoffice.normalize import clean_field, clean_text, normalize_phone, require_name
from gridoffice.access.scope import Scope, readable_household, writable
from gridoffice.archive.tag_entries import tag_code
from gridoffice.vocab import PERSON_STATUS, POLITICAL_STATUS, RELATIONS, RESIDENCE, SEX, code_of
from gridoffice.changes import ARCHIVE, Changes, writes


@dataclass(frozen=True)
class PersonInput:
    """What a form or a roster row gives for one person; validate_person() cleans it."""

    name: str
    id_number: str = ""
    sex: str = ""
    birth_date: str = ""
    relation: str = ""
    ethnicity: str = ""
    political_status: str = ""
    education: str = ""
    occupation: str = ""
    phone: str = ""
    residence: str = ""
    notes: str = ""


_INPUT_FIELDS = tuple(f.name for f in fields(PersonInput))


@dataclass(frozen=True, slots=True)
class Person:
    """A person's row on record, as the archive shows it and a roster import matches rows to it
    (updated_at goes into the audit's old values of an update)."""
    id: int
    household_id: int | None
    name: str
    id_number: str | None
    sex: str | None
    birth_date: str | None
    relation: str | None
    ethnicity: str
    political_status: str
    education: str
    occupation: str
    phone: str
    residence: str
    status: str
    status_date: str | None
    notes: str
    updated_at: str

    @property
    def is_active(self) -> bool:
        return self.status == "active"


PERSON_COLUMNS = ", ".join(f.name for f in fields(Person))


@dataclass(frozen=True)
class Tag:
    id: int
    person_id: int
    tag: str
    since: str | None
    until: str | None
    note: str


def relation_code(value: str, field: str = "relation") -> str:
    """A relation to the head, by code or Chinese label; required."""
    return code_of(RELATIONS, value, field, "与户主关系", required=True)


def validate_person(db: Database, person: PersonInput, *, person_id: int | None = None,
                    today: dt.date | None = None) -> tuple[PersonInput, list[str]]:
    """Clean every field and check it; returns the cleaned input and warnings to show the clerk.

    Raises ValidationError naming the field. With an ID number, sex and birth date are taken
    from it (and what was typed must agree); without one, both must be typed.
    """
    today = today or dt.date.today()
    warnings: list[str] = []
    name = require_name(person.name)
    sex = code_of(SEX, person.sex, "sex", "性别", default="")
    birth = records.parse_day(person.birth_date, "birth_date", "出生日期", today=today) or ""
    id_number = ""
    if clean_text(person.id_number):
        info = parse_id(person.id_number, today=today)
        check_consistency(info, sex=sex or None, field="sex")
        check_consistency(info, birth_date=dt.date.fromisoformat(birth) if birth else None, field="birth_date")
        id_number, sex, birth = info.number, info.sex, info.birth_date.isoformat()
        warnings.extend(info.warnings)
        if info.upgraded_from:
            warnings.append(tr("15位旧身份证号码{old}已升级为18位{new}").format(old=info.upgraded_from, new=info.number))
        clash = db.execute(
            "SELECT p.name, h.number FROM persons p LEFT JOIN households h ON h.id = p.household_id "
            "WHERE p.id_number = ? AND +p.status = 'active' AND p.id IS NOT ? LIMIT 1",
            [id_number, person_id],
        ).fetchone()
        if clash:
            where = tr("户号{number}").format(number=clash[1]) if clash[1] else tr("未入户")
            raise ValidationError("id_number", tr("身份证号码{id}已登记在{name}（{where}）名下，请核对是否重复录入").format(
                id=id_number, name=clash[0], where=where))
    else:
        if not sex:
            raise ValidationError("sex", tr("没有身份证号码时，性别必须填写"))
        if not birth:
            raise ValidationError("birth_date", tr("没有身份证号码时，出生日期必须填写"))
    relation = code_of(RELATIONS, person.relation, "relation", "与户主关系", default="")
    cleaned = PersonInput(
        name=name,
        id_number=id_number,
        sex=sex,
        birth_date=birth,
        relation=relation,
        ethnicity=clean_field(person.ethnicity, "ethnicity"),
        political_status=code_of(POLITICAL_STATUS, person.political_status, "political_status", "政治面貌",
                                 default="masses"),
        education=clean_field(person.education, "education"),
        occupation=clean_field(person.occupation, "occupation"),
        phone=normalize_phone(person.phone),
        residence=code_of(RESIDENCE, person.residence, "residence", "户籍类别", default="registered"),
        notes=clean_field(person.notes, "notes", multiline=True),
    )
    return cleaned, warnings


def columns(cleaned: PersonInput) -> dict:
    """The persons-table values of a cleaned input (empty optional values stored as NULL)."""
    values = asdict(cleaned)
    for key in ("id_number", "sex", "birth_date", "relation"):
        values[key] = values[key] or None
    return values


@writes(ARCHIVE)
def add_person(db: Database, person: PersonInput, *, today: dt.date | None = None) -> int:
    """Register a person who belongs to no household yet (households.add_member places them).

    The completeness check lists such persons until they are placed.
    """
    with db.atomic():
        cleaned, _ = validate_person(db, replace(person, relation=""), today=today)
        person_id = records.insert(db, "persons", {**columns(cleaned), "status": "active"}, "add_person")
        finder.reindex(db, person_ids=[person_id])
    return person_id


def get_person(db: Database, person_id: int, *, scope: Scope) -> Person:
    """One person of a household in the user's scope (a person not yet placed: the whole office's)."""
    person = _person(db, person_id)
    if not scope.whole_office:
        readable_household(db, scope, person.household_id)
    return person


def _person(db: Database, person_id: int) -> Person:
    """The row for the writes below, which check the connection's bound scope themselves."""
    records.require(db, "persons", person_id, "人员")
    return Person(*db.execute(f"SELECT {PERSON_COLUMNS} FROM persons WHERE id = ?", [person_id]).fetchone())


def persons_of(db: Database, household_id: int, *, scope: Scope) -> list[Person]:
    """Everyone ever in the household: active first, the head first, then by age; a household
    outside the user's scope is refused."""
    readable_household(db, scope, household_id)
    rows = db.execute(
        f"SELECT {PERSON_COLUMNS} FROM persons WHERE household_id = ? ORDER BY status != 'active', "
        "relation IS NOT 'head', birth_date IS NULL, birth_date, id",
        [household_id],
    ).fetchall()
    return [Person(*r) for r in rows]


@writes(Changes.PERSONS)
def update_person(db: Database, person_id: int, *, today: dt.date | None = None, **changes) -> list[str]:
    """Change some fields of a person; returns warnings. Changing who is head goes through households."""
    unknown = set(changes) - set(_INPUT_FIELDS)
    if unknown:
        raise ValueError(f"not person fields: {sorted(unknown)}")
    with db.atomic():
        current = _person(db, person_id)
        _writable(db, current)
        if current.status != "active":
            raise RuleViolation(tr("{name}{status}，档案只读，不能修改").format(
                name=current.name, status=tr(PERSON_STATUS[current.status])))
        merged = {k: getattr(current, k) or "" for k in _INPUT_FIELDS}
        derived = []
        if "id_number" in changes:
            # A new number brings its own sex and birth date unless the clerk typed them too.
            derived = [k for k in ("sex", "birth_date") if k not in changes]
            for key in derived:
                merged[key] = ""
        merged.update({k: "" if v is None else v for k, v in changes.items()})
        cleaned, warnings = validate_person(db, PersonInput(**merged), person_id=person_id, today=today)
        for key, label in (("sex", "性别"), ("birth_date", "出生日期")):
            old, new = getattr(current, key), getattr(cleaned, key) or None
            if key in derived and old and old != new:
                shown = (lambda v: tr(SEX[v])) if key == "sex" else (lambda v: v)
                warnings.append(tr("{label}已按身份证号码由“{old}”改为“{new}”").format(
                    label=tr(label), old=shown(old), new=shown(new)))
        new_relation = cleaned.relation or None
        if (current.relation == "head") != (new_relation == "head") and current.household_id is not None:
            raise RuleViolation(tr("户主只能通过“更换户主”变更，请使用该功能"))
        if records.update(db, "persons", person_id, columns(cleaned), "update_person"):
            finder.reindex(db, person_ids=[person_id],
                           household_ids=[current.household_id] if current.household_id else ())
    return warnings


def _writable(db: Database, person: Person, tag: str | None = None) -> None:
    """Refuse a change to a person outside the acting user's scope, or to a tag the role may not see."""
    row = db.execute("SELECT org_id FROM households WHERE id = ?", [person.household_id]).fetchone()
    writable(db, row[0] if row else None, tag=tag, tag_label=office_tags.label(db, tag) if tag else "")


def _tag_code(db: Database, tag: str) -> str:
    """A register's code from its name: built in or the office's own, in use."""
    code = tag_code(tag, "tag", office_tags.labels(db, active=True))
    return code


@writes(Changes.PERSONS | Changes.TAGS)
def add_tag(db: Database, person_id: int, tag: str, *, since: str | None = None, note: str = "",
            today: dt.date | None = None) -> int:
    """Put a person on a special-group register from `since` (default today)."""
    code = _tag_code(db, tag)
    since = records.parse_day(since, "since", "开始日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        person = _person(db, person_id)
        _writable(db, person, code)
        if person.status != "active":
            raise RuleViolation(tr("{name}{status}，不能加入名册").format(
                name=person.name, status=tr(PERSON_STATUS[person.status])))
        if db.execute("SELECT 1 FROM person_tags WHERE person_id = ? AND tag = ? AND until IS NULL",
                      [person_id, code]).fetchone():
            raise RuleViolation(tr("{name}已在“{tag}”名册中").format(name=person.name, tag=office_tags.label(db, code)))
        tag_id = records.insert(db, "person_tags", {"person_id": person_id, "tag": code, "since": since,
                                                    "until": None, "note": clean_field(note, "tag_note", "note")}, "add_tag")
        finder.reindex(db, person_ids=[person_id])
    return tag_id


@writes(Changes.PERSONS | Changes.TAGS)
def end_tag(db: Database, person_id: int, tag: str, *, until: str | None = None,
            today: dt.date | None = None) -> None:
    """Take a person off a register; the entry stays with its end date."""
    code = _tag_code(db, tag)
    until = records.parse_day(until, "until", "结束日期", today=today) or (today or dt.date.today()).isoformat()
    with db.atomic():
        person = _person(db, person_id)
        _writable(db, person, code)
        found = db.execute("SELECT id, since FROM person_tags WHERE person_id = ? AND tag = ? AND until IS NULL",
                           [person_id, code]).fetchone()
        if not found:
            raise RuleViolation(tr("{name}不在“{tag}”名册中").format(name=person.name, tag=office_tags.label(db, code)))
        if found[1] and until < found[1]:
            raise ValidationError("until", tr("结束日期{until}早于开始日期{since}").format(until=until, since=found[1]))
        records.update(db, "person_tags", found[0], {"until": until}, "end_tag")
        finder.reindex(db, person_ids=[person_id])


def visible_tags_of(db: Database, person_ids: list[int], scope: Scope, *,
                    include_ended: bool = False) -> list[Tag]:
    """The tags of some persons of the user's scope that the role may see (sensitive ones only for
    roles that need them), in one query, by person then since; persons outside the scope have none."""
    if not person_ids:
        return []
    where = "" if include_ended else " AND until IS NULL"
    rows = db.execute(
        f"SELECT id, person_id, tag, since, until, coalesce(note, '') FROM person_tags "
        f"WHERE person_id IN ({','.join('?' * len(person_ids))}) AND {scope.tags_sql('tag')}{_of_scope(scope)}{where} "
        "ORDER BY person_id, since, id", list(person_ids)).fetchall()
    return [Tag(*r) for r in rows]


def _of_scope(scope: Scope) -> str:
    """The condition that `person_id` names a person of a household in the scope (none for the whole office)."""
    return "" if scope.whole_office else f" AND person_id IN (SELECT id FROM persons WHERE {scope.households('household_id')})"


def all_visible_tags(db: Database, scope: Scope) -> list[Tag]:
    """Every tag entry of the user's scope that the role may see, ended ones too, by person then since."""
    return [Tag(*r) for r in db.execute(
        f"SELECT id, person_id, tag, since, until, coalesce(note, '') FROM person_tags WHERE {scope.tags_sql('tag')}"
        f"{_of_scope(scope)} ORDER BY person_id, since, id")]


def tags_of(db: Database, person_id: int, *, scope: Scope, include_ended: bool = False) -> list[Tag]:
    """A person's tags that the role may see; a person outside the user's scope is refused."""
    get_person(db, person_id, scope=scope)
    return visible_tags_of(db, [person_id], scope, include_ended=include_ended)
