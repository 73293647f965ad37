"""People and households of the demo data: composition, ID numbers, phones, special groups.

The household templates and rates are rough census shapes (sizes 1–6, couples, children,
elderly parents, grandchildren left with grandparents); generator.py places the households.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlite_utils import Database

from gridoffice.demo import tables
from gridoffice.idcard import check_char

# The tables written in bulk, parents before children.
BULK_TABLES = ("org_units", "households", "persons", "person_tags", "staff", "staff_roles", "teams",
               "team_members", "contacts")


def int_between(rng: random.Random, lo: int, hi: int) -> int:
    """rng.randint without its three layers of calls: this runs millions of times."""
    return lo + int(rng.random() * (hi - lo + 1))


class Member:
    """One person while the household is being put together."""

    __slots__ = ("rel", "sex", "age", "surname", "away", "id", "status", "birth", "political", "name", "phone",
                 "ended")

    def __init__(self, rel: str, sex: str, age: int, surname: str, away: bool = False):
        self.rel, self.sex, self.age, self.surname, self.away = rel, sex, age, surname, away
        self.status = "active"
        self.ended = 0  # the day (ordinal) of moving out or death


_URBAN_TEMPLATES = tables.Picker(
    ("alone_old", "alone", "old_couple", "couple", "kids1", "kids2", "single_parent", "with_parent",
     "with_parents", "three_gen", "skipped", "adult_child", "siblings"),
    (7, 9, 11, 6, 24, 10, 4, 8, 4, 6, 2, 7, 2),
)
_RURAL_TEMPLATES = tables.Picker(
    ("alone_old", "alone", "old_couple", "couple", "kids1", "kids2", "single_parent", "with_parent",
     "with_parents", "three_gen", "skipped", "adult_child", "siblings"),
    (8, 5, 12, 3, 14, 16, 3, 8, 6, 12, 5, 6, 2),
)
_FLOATING_TEMPLATES = tables.Picker(("alone", "couple", "kids1", "kids2"), (40, 22, 28, 10))


class HouseholdMaker:
    """Row buffers, ids and everything about persons; generator._Builder adds the organisation."""

    def __init__(self, rng: random.Random, today: dt.date):
        self.rng, self.today = rng, today
        self.today_ord = today.toordinal()
        self.stamp = f"{today.isoformat()} 08:00:00"
        self.county, self.landline_area, self.landline_digits = rng.choice(tables.HOME_COUNTIES)
        self.next_id = {table: 1 for table in BULK_TABLES}
        self.rows: dict[str, list[tuple]] = {table: [] for table in BULK_TABLES}
        self.sql = {
            "org_units": "INSERT INTO org_units(id, parent_id, level, code, name, path, grid_id, sort, status, "
                         "created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,'active',?,?)",
            "households": "INSERT INTO households(id, number, org_id, address, phone, contact_class, status, "
                          "status_date, representative_id, notes, created_at, updated_at) "
                          "VALUES(?,?,?,?,?,?,?,?,?,'',?,?)",
            "persons": "INSERT INTO persons(id, household_id, name, id_number, sex, birth_date, relation, "
                       "ethnicity, political_status, education, occupation, phone, residence, status, "
                       "status_date, notes, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',?,?)",
            "person_tags": "INSERT INTO person_tags(id, person_id, tag, since, until, note) VALUES(?,?,?,?,?,'')",
            "staff": "INSERT INTO staff(id, name, phone, kind, person_id, org_id, status, notes, created_at, "
                     "updated_at) VALUES(?,?,?,?,?,?,'active','',?,?)",
            "staff_roles": "INSERT INTO staff_roles(id, staff_id, role, org_id, since, until) VALUES(?,?,?,?,?,NULL)",
            "teams": "INSERT INTO teams(id, grid_id, name, duties, status, created_at, updated_at) "
                     "VALUES(?,?,?,?,'active',?,?)",
            "team_members": "INSERT INTO team_members(id, team_id, staff_id, duty, title, since, until) "
                            "VALUES(?,?,?,?,?,?,NULL)",
            "contacts": "INSERT INTO contacts(id, staff_id, household_id, since, until) VALUES(?,?,?,?,?)",
        }
        self.id_bodies: set[int] = set()
        self.dates: dict[int, tuple[str, str, int]] = {}
        self.phones: set[str] = set()

    # ---- low-level helpers -------------------------------------------------------------

    def _new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def flush(self, db: Database) -> None:
        for table in BULK_TABLES:
            rows = self.rows[table]
            if rows:
                db.conn.executemany(self.sql[table], rows)
                rows.clear()

    def _day(self, ordinal: int) -> str:
        return (self.dates.get(ordinal) or self._date(ordinal))[0]

    def _date(self, ordinal: int) -> tuple[str, str, int]:
        """(ISO text, the YYYYMMDD of an ID number, naming era), memoised: a few ten thousand days recur."""
        found = self.dates.get(ordinal)
        if found is None:
            iso = dt.date.fromordinal(ordinal).isoformat()
            found = self.dates[ordinal] = (iso, iso.replace("-", ""), tables.era_of(int(iso[:4])))
        return found

    def _days_ago(self, lo: int, hi: int) -> int:
        return self.today_ord - int_between(self.rng, lo, hi)

    def _mobile(self) -> str:
        rng = self.rng
        while True:
            number = tables.MOBILE_PREFIXES(rng) + f"{int(rng.random() * 100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _landline(self) -> str:
        rng = self.rng
        digits = self.landline_digits
        while True:
            local = f"{int_between(rng, 2, 8)}{int(rng.random() * 10 ** (digits - 1)):0{digits - 1}d}"
            number = f"{self.landline_area}-{local}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _name(self, surname: str, sex: str, era: int) -> str:
        return surname + tables.GIVEN_NAMES[(era, sex)](self.rng)

    # ---- households and persons ----------------------------------------------------------

    def _compose(self, rural: bool, floating: bool) -> tuple[str, list[Member]]:
        rng = self.rng
        pick = tables.surname
        if floating:
            template = _FLOATING_TEMPLATES(rng)
        else:
            template = (_RURAL_TEMPLATES if rural else _URBAN_TEMPLATES)(rng)

        def head(lo: int, hi: int, mode: float, male: float) -> Member:
            return Member("head", "M" if rng.random() < male else "F", round(rng.triangular(lo, hi, mode)), pick(rng))

        def spouse(of: Member) -> Member:
            gap = int_between(rng, -2, 6)  # the husband is usually a few years older
            age = of.age - gap if of.sex == "M" else of.age + gap
            return Member("spouse", "F" if of.sex == "M" else "M", max(20, min(99, age)), pick(rng))

        def children(mother: Member, surname: str, count: int, boy: str = "son", girl: str = "daughter"):
            found = []
            age = mother.age - int_between(rng, 21, 34)
            for _ in range(count):
                if age < 0:
                    break
                sex = "M" if rng.random() < 0.515 else "F"
                found.append(Member(boy if sex == "M" else girl, sex, age, surname))
                age -= int_between(rng, 1, 8)
            return found

        def couple(lo: int, hi: int, mode: float) -> tuple[list[Member], Member, str]:
            first = head(lo, hi, mode, 0.82)
            second = spouse(first)
            mother, father = (second, first) if first.sex == "M" else (first, second)
            return [first, second], mother, father.surname if rng.random() < 0.95 else mother.surname

        if template == "alone_old":
            return template, [head(60, 99, 74, 0.38)]
        if template == "alone":
            return template, [head(19, 45, 27, 0.62) if floating else head(20, 59, 35, 0.6)]
        if template == "old_couple":
            members, _, _ = couple(60, 92, 68)
            return template, members
        if template == "couple":
            members, _, _ = couple(20, 40, 28)
            return template, members
        if template in ("kids1", "kids2", "with_parent", "with_parents"):
            members, mother, surname = couple(24, 52, 36) if floating else couple(25, 56, 38)
            members += children(mother, surname, 2 if template == "kids2" or rng.random() < 0.3 else 1)
            if template in ("with_parent", "with_parents"):
                first = members[0]
                older = first.age + int_between(rng, 24, 34)
                if older <= 99:
                    both = template == "with_parents"
                    if both or rng.random() < 0.35:
                        members.append(Member("father", "M", min(99, older + int_between(rng, 0, 4)), first.surname))
                    if both or len(members) == 3 or rng.random() < 0.65:
                        members.append(Member("mother", "F", older, pick(rng)))
            return template, members[:6]
        if template == "single_parent":
            first = head(26, 55, 40, 0.3)
            surname = first.surname if first.sex == "M" or rng.random() < 0.4 else pick(rng)
            return template, [first] + children(first, surname, rng.choice((1, 1, 2)))
        if template == "three_gen":
            members, grandmother, family = couple(55, 86, 66)
            if rng.random() < 0.25:
                members = members[:1]
            first = members[0]
            away = rural and rng.random() < 0.35
            if rng.random() < 0.8:
                child = Member("son", "M", grandmother.age - int_between(rng, 22, 34), family, away)
                partner = Member("daughter_in_law", "F", child.age - int_between(rng, -2, 5), pick(rng), away)
                mother, surname, boy, girl = partner, family, "grandson", "granddaughter"
            else:
                child = Member("daughter", "F", grandmother.age - int_between(rng, 22, 34), family, away)
                partner = Member("son_in_law", "M", child.age + int_between(rng, -2, 5), pick(rng), away)
                mother, surname, boy, girl = child, partner.surname, "grandson", "granddaughter"
            if child.age < 20:
                return template, members
            members += [child, partner] + children(mother, surname, rng.choice((1, 1, 2)), boy, girl)
            return template, members[:6]
        if template == "skipped":
            first = head(58, 82, 66, 0.7)
            members = [first] + ([spouse(first)] if rng.random() < 0.7 else [])
            for _ in range(rng.choice((1, 1, 2))):
                sex = "M" if rng.random() < 0.515 else "F"
                members.append(Member("grandson" if sex == "M" else "granddaughter", sex, int_between(rng, 2, 15),
                                       first.surname if rng.random() < 0.8 else pick(rng)))
            return template, members
        if template == "adult_child":
            if rng.random() < 0.85:
                members, mother, surname = couple(46, 72, 56)
            else:
                first = head(46, 72, 58, 0.35)
                members, mother, surname = [first], first, first.surname
            kids = children(mother, surname, 1)
            if kids and kids[0].age >= 18:
                members += kids
            return template, members
        first = head(25, 70, 45, 0.55)
        relation = "sibling" if rng.random() < 0.7 else "other_relative"
        other_sex = "M" if rng.random() < 0.5 else "F"
        other_surname = first.surname if relation == "sibling" else pick(rng)
        return template, [first, Member(relation, other_sex, max(18, first.age + int_between(rng, -8, 8)), other_surname)]

    def _household(self, number: str, org_id: int, address: str, rural: bool, floating: bool,
                   flood: bool) -> tuple[int, str, int, int, list[Member]]:
        """Writes one household with its members and tags; returns (id, status, status day, class, members)."""
        rng = self.rng
        hid = self._new_id("households")
        template, members = self._compose(rural, floating)
        today = self.today_ord
        for m in members:
            m.birth = min(today, today - int((m.age + rng.random()) * 365.2425))
        youngest = max(m.birth for m in members)
        status, status_day = "active", 0
        # A household leaves or dissolves only after its youngest member was born.
        if youngest < today - 60:
            if rng.random() < 0.012:
                status = "moved_out"
            elif template == "alone_old" and rng.random() < 0.08:
                status = "dissolved"
        if status != "active":
            status_day = max(self._days_ago(30, 2500), youngest + 30)
            for m in members:
                m.status = "moved_out" if status == "moved_out" else "deceased"
                m.ended = status_day
        else:
            for m in members:
                if m.rel in ("spouse", "father", "mother") and m.age >= 70 and rng.random() < 0.12:
                    m.status = "deceased"
                    m.ended = self._days_ago(10, 1800)
                elif m.rel in ("son", "daughter") and m.age >= 22 and rng.random() < 0.07:
                    m.status = "moved_out"
                    m.ended = max(self._days_ago(10, 2500), m.birth + 6600)
        persons = self.rows["persons"]
        for m in members:
            m.id = self._new_id("persons")
            persons.append(self._person(hid, m, rural, floating))
        current = self._tags(template, members, rural, floating, flood)
        head = members[0]
        difficult = bool(current & {"low_income", "three_nos", "correction"})
        r = rng.random()
        contact_class = 1 if r < (0.55 if difficult else 0.036) else 2 if difficult or r < 0.17 else 3
        if rng.random() < (0.4 if rural else 0.2 + 0.25 * (head.age >= 55)):
            phone = self._landline()
        else:
            phone = head.phone if rng.random() < 0.95 else ""
        representative = head.id
        if head.age >= 75:
            helpers = [m for m in members if m.status == "active" and 25 <= m.age <= 70]
            if helpers and rng.random() < 0.6:
                representative = rng.choice(helpers).id
        self.rows["households"].append((hid, number, org_id, address, phone, contact_class, status,
                                        self._day(status_day) if status_day else None, representative,
                                        self.stamp, self.stamp))
        return hid, status, status_day, contact_class, members

    def _person(self, hid: int, m: Member, rural: bool, floating: bool) -> tuple:
        rng = self.rng
        iso, ymd, era = self.dates.get(m.birth) or self._date(m.birth)
        age = m.age
        if floating:
            area = tables.ELSEWHERE_CODES(rng)
        else:
            area = self.county if rng.random() < 0.9 else rng.choice(tables.PROVINCE_CODES)
        prefix = area + ymd
        odd = m.sex == "M"
        while True:
            # The same as idcard.make_id, without rebuilding the date text for every try.
            body = f"{prefix}{int(rng.random() * 500) * 2 + odd:03d}"
            key = int(body)
            if key not in self.id_bodies:
                self.id_bodies.add(key)
                number = body + check_char(body)
                break
        m.name = name = self._name(m.surname, m.sex, era)
        ethnicity = "朝鲜族" if m.surname == "朴" else tables.ETHNICITIES(rng)
        r = rng.random()
        political = "masses"
        if age >= 18:
            if m.sex == "M":
                share = 0.06 if age <= 30 else 0.125 if age < 60 else 0.18
            else:
                share = 0.06 if age <= 35 else 0.055
            if floating:
                share /= 2
            if r < share:
                political = "party_member"
            elif age <= 35 and r < share + 0.005:
                political = "probationary"
            elif age >= 30 and r < share + 0.002:
                political = "democratic_party"
        if political == "masses" and 14 <= age <= 28 and rng.random() < 0.35:
            political = "league_member"
        m.political = political
        if age < 6:
            education = occupation = ""
        elif age < 18:
            education = "小学" if age < 12 else "初中" if age < 15 else "高中"
            occupation = "学生"
        else:
            education = tables.EDUCATION.get(era, tables.EDUCATION[2000])(rng)
            if age <= 22 and rng.random() < 0.6:
                occupation = "学生"
            elif not floating and age >= (60 if m.sex == "M" else 55) and (not rural or age >= 65):
                occupation = "退休" if not rural else ("农民" if rng.random() < 0.7 else "无业")
            else:
                occupation = (tables.FLOATING_JOBS if floating else tables.RURAL_JOBS if rural else tables.URBAN_JOBS)(rng)
        if age >= 16 and rng.random() < (0.95 if age <= 65 else 0.6 if age <= 80 else 0.25):
            m.phone = self._mobile()
        else:
            m.phone = ""
        if floating:
            residence = "floating"
        elif m.away or (20 <= age <= 45 and rng.random() < 0.1):
            residence = "separated"
        else:
            residence = "registered"
        return (m.id, hid, name, number, m.sex, iso, m.rel, ethnicity, political, education,
                occupation, m.phone, residence, m.status, self._day(m.ended) if m.ended else None,
                self.stamp, self.stamp)

    def _tags(self, template: str, members: list[Member], rural: bool, floating: bool, flood: bool) -> set[str]:
        """Special-group tags; returns the tags still open on someone active (they set the contact class)."""
        rng = self.rng
        today = self.today_ord
        rows = self.rows["person_tags"]
        current: set[str] = set()

        def add(m: Member, tag: str, since: int | None = None, until: int | None = None) -> None:
            if since is None:
                since = max(m.birth, self._days_ago(30, 3650))
            if m.ended:
                until = m.ended if until is None else min(until, m.ended)
            if until is not None and since >= until:
                since = max(m.birth, until - int_between(rng, 30, 900))
                if since >= until:  # born after the entry ended: never on that register
                    return
            rows.append((self._new_id("person_tags"), m.id, tag, self._day(since), self._day(until) if until else None))
            if until is None:
                current.add(tag)

        for m in members:
            age = m.age
            if floating:
                add(m, "floating", max(m.birth, self._days_ago(30, 1500)))
            if rng.random() < (0.015 if age < 18 else 0.04 if age < 45 else 0.075 if age < 60 else 0.13 if age < 80
                               else 0.22):
                add(m, "disabled", m.birth + int(rng.random() * (today - m.birth)))
            if rng.random() < (0.003 if age < 40 else 0.015 if age < 60 else 0.03):
                add(m, "serious_illness")
            if (m.sex == "M" and age >= 45 and rng.random() < 0.015) or (age >= 60 and rng.random() < 0.004):
                add(m, "special_care")
            if 18 <= age <= 60 and rng.random() < (0.0025 if m.sex == "M" else 0.0004):
                until = self._days_ago(1, 600) if rng.random() < 0.3 else None
                add(m, "correction", (until or today) - int_between(rng, 120, 1100), until)
        elderly = [m for m in members if m.age >= 60]
        young = [m for m in members if m.age < 16]
        if template == "alone_old":
            add(members[0], "living_alone")
            if members[0].age >= 70 and rng.random() < 0.05:
                add(members[0], "three_nos")
        elif template == "old_couple" and len(elderly) == len(members):
            left_behind = rural and rng.random() < 0.4
            for m in members:
                add(m, "empty_nest")
                if left_behind:
                    add(m, "left_behind_elderly")
        if rural and (template == "skipped" or any(m.away for m in members)):
            for m in young:
                add(m, "left_behind_child")
            for m in elderly:
                add(m, "left_behind_elderly")
        hardship = 0.022 * (3 if current & {"disabled", "serious_illness"} else 1) * (1.4 if rural else 1)
        if "three_nos" in current or rng.random() < hardship * (0.3 if floating else 1):
            until = self._days_ago(10, 700) if "three_nos" not in current and rng.random() < 0.2 else None
            since = (until or today) - int_between(rng, 90, 2500)
            for m in members:
                add(m, "low_income", max(m.birth, since), until)
        # Typhoon lists: low-lying rural houses, and frail people wherever they live.
        vulnerable = template == "alone_old" or "disabled" in current
        if (flood and rng.random() < 0.35) or (vulnerable and rng.random() < 0.08):
            for m in members:
                add(m, "flood_evacuation")
        return current
