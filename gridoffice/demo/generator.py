"""Demo data that looks like a real office: the organisation tree, households, staff, contacts.

One community office for up to SINGLE_OFFICE_MAX households, a district of streets and towns
above that. Everything comes from one random.Random(seed), so the same seed and day give the
same rows. Rows go in through batched executemany in one transaction with the secondary indexes
dropped and rebuilt at the end (bulk loading is several times faster that way); the search
index is rebuilt afterwards by search.rebuild.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass
from typing import Generator

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.demo import tables
from gridoffice.search import finder
from gridoffice.store.db import refresh_statistics, set_setting
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.demo.people import BULK_TABLES, HouseholdMaker, Member, int_between
from gridoffice.i18n import tr

SINGLE_OFFICE_MAX = 60_000
MAX_HOUSEHOLDS = 2_000_000
GRID_MIN, GRID_MAX = 100, 500
_FLUSH_ROWS = 20_000
_TEAM_DUTIES = "入户走访、民情收集、矛盾调解、政策宣传、代办服务"
_AREA_NAMES = ("东片", "西片", "南片", "北片", "中片")


@dataclass(frozen=True)
class GenStats:
    households: int
    persons: int
    grids: int
    staff: int
    teams: int
    contacts: int
    seconds: float  # everything, the search index included
    index_seconds: float  # of which search.rebuild


def generate(db: Database, *, households: int, seed: int,
             today: dt.date | None = None) -> Generator[tuple[int, int, str], None, GenStats]:
    """Build a whole demo office into an empty file; yields progress, returns the counts."""
    if not isinstance(households, int) or households < 1 or households > MAX_HOUSEHOLDS:
        raise ValidationError("households", tr("户数应为1至{max}之间的整数").format(max=MAX_HOUSEHOLDS))
    for table in ("org_units", "households", "persons", "staff"):
        if db.execute(f"SELECT EXISTS(SELECT 1 FROM [{table}])").fetchone()[0]:
            raise RuleViolation(tr("这个数据库已有单位或住户数据；演示数据只能生成到新的空文件中，请换一个文件名"))
    started = time.perf_counter()
    builder = _Builder(random.Random(seed), today or dt.date.today(), households)
    journal = db.execute("PRAGMA journal_mode").fetchone()[0]
    if journal == "wal" and not db.conn.in_transaction:
        # Pages of an empty file need no before-images: with a rollback journal each page is
        # written once, where WAL writes it twice (log, then checkpoint). Refused, and harmless,
        # while another connection has the file open.
        db.execute("PRAGMA journal_mode = DELETE")
    try:
        with db.atomic():
            db.execute("PRAGMA defer_foreign_keys = ON")
            indexes = db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
                f"({', '.join('?' * len(BULK_TABLES))})", BULK_TABLES).fetchall()
            for name, _ in indexes:
                db.execute(f"DROP INDEX [{name}]")
            yield from builder.run(db)
            yield households, households, tr("正在建立索引")
            for _, sql in indexes:
                db.execute(sql)
            set_setting(db, "office_name", builder.office_name)
            set_setting(db, "office_org_id", str(builder.office_id))
            counts = builder.counts()
            trail.record(db, "generate", None, None,
                         new={**counts, "seed": seed, "today": builder.today.isoformat()})
        index_started = time.perf_counter()
        yield from finder.rebuild(db, today=builder.today)
        refresh_statistics(db)
    finally:
        if journal == "wal" and not db.conn.in_transaction:
            db.execute("PRAGMA journal_mode = WAL")
    finished = time.perf_counter()
    return GenStats(**counts, seconds=round(finished - started, 2), index_seconds=round(finished - index_started, 2))


def _split(rng: random.Random, total: int, parts: int, lo: int, hi: int) -> list[int]:
    """`total` in `parts` pieces, each within [lo, hi] when the even split is, jittered by pairs."""
    base, extra = divmod(total, parts)
    sizes = [base + (i < extra) for i in range(parts)]
    spread = max(1, base // 3)
    for i in range(parts - 1):
        delta = int_between(rng, -spread, spread)
        delta = max(delta, lo - sizes[i], sizes[i + 1] - hi)
        delta = min(delta, hi - sizes[i], sizes[i + 1] - lo)
        sizes[i] += delta
        sizes[i + 1] -= delta
    return sizes


def _grid_count(total: int, target: float) -> int:
    count = max(1, round(total / target))
    return min(max(count, math.ceil(total / GRID_MAX)), max(1, total // GRID_MIN))


class _Builder(HouseholdMaker):
    def __init__(self, rng: random.Random, today: dt.date, total: int):
        super().__init__(rng, today)
        self.total = total
        self.place_names: set[str] = set()
        self.grids = 0
        self.done = 0
        self.office_name = ""
        self.office_id = 0

    def counts(self) -> dict[str, int]:
        def made(table: str) -> int:
            return self.next_id[table] - 1
        return {"households": made("households"), "persons": made("persons"), "grids": self.grids,
                "staff": made("staff"), "teams": made("teams"), "contacts": made("contacts")}

    def _place(self, suffix: str) -> str:
        rng = self.rng
        for attempt in range(200):
            name = rng.choice(tables.PLACE_FIRST) + rng.choice(tables.PLACE_SECOND)
            if attempt > 100:
                name += rng.choice(tables.PLACE_FIRST)
            if name + suffix not in self.place_names:
                self.place_names.add(name + suffix)
                return name + suffix
        raise RuntimeError("place names exhausted")

    def _unit(self, parent: tuple[int, str] | None, level: str, name: str, code: str | None, sort: int,
              grid: int | None = None) -> tuple[int, str]:
        """Adds an org node; returns (id, path) so children can extend the path."""
        uid = self._new_id("org_units")
        path = f"{parent[1] if parent else '/'}{uid}/"
        if level == "grid":
            grid = uid
        self.rows["org_units"].append((uid, parent[0] if parent else None, level, code, name, path, grid, sort,
                                       self.stamp, self.stamp))
        return uid, path

    def _staff(self, kind: str, org_id: int, *, person: tuple[int, str, str] | None = None,
               age: int | None = None) -> int:
        """A staff member; `person` (id, name, phone) links a resident who serves."""
        sid = self._new_id("staff")
        if person:
            pid, name, phone = person
        else:
            pid = None
            sex = "M" if self.rng.random() < 0.55 else "F"
            year = self.today.year - (age or int_between(self.rng, 26, 56))
            name = self._name(tables.surname(self.rng), sex, tables.era_of(year))
            phone = ""
        self.rows["staff"].append((sid, name, phone or self._mobile(), kind, pid, org_id, self.stamp, self.stamp))
        return sid

    def _role(self, staff_id: int, role: str, org_id: int) -> None:
        self.rows["staff_roles"].append((self._new_id("staff_roles"), staff_id, role, org_id,
                                         self._day(self._days_ago(60, 2200))))

    def _member(self, team_id: int, staff_id: int, duty: str, title: str) -> None:
        self.rows["team_members"].append((self._new_id("team_members"), team_id, staff_id, duty, title,
                                          self._day(self._days_ago(30, 1500))))

    # ---- the organisation ----------------------------------------------------------------

    def run(self, db: Database) -> Generator[tuple[int, int, str], None, None]:
        rng = self.rng
        if self.total <= SINGLE_OFFICE_MAX:
            street_code = f"{self.county}{int_between(rng, 1, 20):03d}"
            street = self._unit(None, "street", self._place("街道"), street_code, 0)
            name = self._place("社区")
            community_code = f"{street_code}001"
            community = self._unit(street, "community", name, community_code, 0)
            self.office_name, self.office_id = name, community[0]
            rural = round(self.total * 0.3)
            if rural < GRID_MIN:
                rural = GRID_MIN if self.total >= 2 * GRID_MIN else 0
            street_ctx = self._street_staff(street[0])
            yield from self._community(db, community, name, community_code, self.total - rural, rural, street_ctx)
        else:
            name = self._place("区")
            district = self._unit(None, "district", name, self.county, 0)
            self.office_name, self.office_id = name, district[0]
            streets = max(2, round(self.total / rng.uniform(35_000, 50_000)))
            for s, size in enumerate(_split(rng, self.total, streets, 1, self.total), start=1):
                town = rng.random() < 0.35
                code = f"{self.county}{(100 if town else 0) + s:03d}"
                street = self._unit(district, "street", self._place("镇" if town else "街道"), code, s)
                street_ctx = self._street_staff(street[0])
                if town:
                    seat = round(size * 0.3)
                    villages = max(1, round((size - seat) / rng.uniform(1000, 2200)))
                    parts = [("urban", seat)] + [("rural", n) for n in _split(rng, size - seat, villages, 1, size)]
                else:
                    parts = [("urban", n) for n in _split(rng, size, max(1, round(size / rng.uniform(3000, 5500))),
                                                          1, size)]
                for c, (kind, n) in enumerate(parts, start=1):
                    serial = c if kind == "urban" else 200 + c
                    name = self._place("社区" if kind == "urban" else "村")
                    unit = self._unit(street, "community", name, f"{code}{serial:03d}", c)
                    urban, rural = (n, 0) if kind == "urban" else (0, n)
                    yield from self._community(db, unit, name, f"{code}{serial:03d}", urban, rural, street_ctx)
        self.flush(db)

    def _street_staff(self, street_id: int) -> dict:
        """Town cadres and people's deputies, shared by the teams of the street's grids."""
        rng = self.rng
        cadres = [self._staff("town_cadre", street_id) for _ in range(int_between(rng, 4, 8))]
        deputies = [self._staff("deputy", street_id, age=int_between(rng, 40, 62))
                    for _ in range(int_between(rng, 2, 4))]
        return {"cadres": cadres, "deputies": deputies}

    def _community(self, db: Database, community: tuple[int, str], name: str, code: str, urban: int, rural: int,
                   street: dict) -> Generator[tuple[int, int, str], None, None]:
        rng = self.rng
        cid = community[0]
        size = urban + rural
        principals = [self._staff("village_cadre", cid, age=int_between(rng, 35, 58))
                      for _ in range(2 + (size > 3000))]
        committee = [self._staff("village_cadre", cid) for _ in range(min(9, 3 + size // 2000))]
        for sid in principals:
            self._role(sid, "principal_cadre", cid)
        for sid in committee:
            self._role(sid, "committee_member", cid)
        ctx = {"principals": principals, "committee": committee, "street": street}
        # (kind, households, village name for rural addresses)
        areas: list[tuple[str, int, str | None]] = []
        if urban:
            count = max(1, round(urban / rng.uniform(1500, 3000)))
            areas += [("urban", n, None) for n in _split(rng, urban, count, 1, urban)]
        if rural:
            count = max(1, round(rural / rng.uniform(600, 1200)))
            if urban:  # former villages inside a community keep their village names in addresses
                areas += [("rural", n, self._place("村")) for n in _split(rng, rural, count, 1, rural)]
            else:
                areas += [("rural", n, None) for n in _split(rng, rural, count, 1, rural)]
        grid_no = 0
        for a, (kind, n, village) in enumerate(areas, start=1):
            if kind == "rural" and village:
                area_name = village[:-1] + "片"
            elif kind == "rural":
                area_name = _AREA_NAMES[a - 1] if len(areas) <= len(_AREA_NAMES) else f"第{a}片"
            else:
                area_name = f"第{a}片区"
            area_code = f"{code}{a:02d}"
            area = self._unit(community, "area", area_name, area_code, a)
            self._role(committee[(a - 1) % len(committee)], "area_head", area[0])
            area_ctx = {
                "police": self._staff("police", area[0], age=int_between(rng, 28, 52)),
                "doctor": self._staff("doctor", area[0], age=int_between(rng, 30, 58)),
                "teacher": self._staff("teacher", area[0], age=int_between(rng, 28, 55)),
                "technician": self._staff("technician", area[0]) if kind == "rural" else None,
                "village": village or name,
                "estate": None,
                "group": 0,
            }
            target = rng.uniform(250, 420) if kind == "urban" else rng.uniform(120, 220)
            grids = _grid_count(n, target)
            lo, hi = (GRID_MIN, GRID_MAX) if n >= GRID_MIN * grids else (1, n)
            for g, households in enumerate(_split(rng, n, grids, lo, hi), start=1):
                grid_no += 1
                grid_name = f"第{grid_no}网格"
                grid = self._unit(area, "grid", grid_name, f"{area_code}{g:02d}", g)
                self.grids += 1
                self._grid(grid, grid_name, f"{area_code}{g:02d}", kind, households, ctx, area_ctx)
                self.done += households
                if len(self.rows["persons"]) >= _FLUSH_ROWS:
                    self.flush(db)
                yield self.done, self.total, tr("正在生成住户：{area}{grid}").format(area=area_name, grid=grid_name)

    # ---- grids, addresses and households -------------------------------------------------

    def _urban_addresses(self, grid: tuple[int, str], area: dict, buildings: list[int]):
        """Rooms of the area's current estate, building by building; a new grid starts a new building."""
        rng = self.rng
        estate_node = None
        while True:
            estate = area["estate"]
            if estate is None or estate["left"] == 0:
                floors = rng.choice((6, 6, 6, 7, 11, 18, 26))
                estate = area["estate"] = {
                    "name": self._place(tables.ESTATE_SUFFIX(rng)), "left": int_between(rng, 6, 30), "next": 1,
                    "floors": floors, "units": int_between(rng, 2, 4) if floors <= 7 else int_between(rng, 1, 2),
                    "per_floor": 2 if floors <= 7 else int_between(rng, 2, 4),
                }
                estate_node = None
            if estate_node is None:
                estate_node = self._unit(grid, "estate", estate["name"], None, len(buildings), grid=grid[0])
            number = estate["next"]
            estate["next"] += 1
            estate["left"] -= 1
            building = self._unit(estate_node, "building", f"{number}幢", None, number, grid=grid[0])
            buildings.append(building[0])
            occupied = rng.uniform(0.82, 0.97)
            prefix = f"{estate['name']}{number}幢"
            for unit in range(1, estate["units"] + 1):
                for floor in range(1, estate["floors"] + 1):
                    for room in range(1, estate["per_floor"] + 1):
                        if rng.random() < occupied:
                            yield building[0], f"{prefix}{unit}单元{floor}{room:02d}室"

    def _rural_addresses(self, grid: tuple[int, str], area: dict, groups: list[int]):
        """Houses of the village, group (组) by group; a grid is made of whole groups."""
        rng = self.rng
        while True:
            area["group"] += 1
            groups.append(area["group"])
            prefix = f"{area['village']}{area['group']}组"
            house = 0
            for _ in range(int_between(rng, 25, 80)):
                house += 1 if rng.random() < 0.85 else 2
                yield grid[0], f"{prefix}{house}号"

    def _grid(self, grid: tuple[int, str], name: str, code: str, kind: str, count: int, ctx: dict,
              area: dict) -> None:
        rng = self.rng
        rural = kind == "rural"
        flood = rural and rng.random() < 0.25
        places: list[int] = []
        addresses = (self._rural_addresses if rural else self._urban_addresses)(grid, area, places)
        prefix = code[6:]
        made = []
        for serial in range(1, count + 1):
            org_id, address = next(addresses)
            floating = rng.random() < (0.08 if rural else 0.15)
            made.append(self._household(f"{prefix}{serial:04d}", org_id, address, rural, floating, flood))
        addresses.close()
        self._grid_staff(grid, name, rural, made, places, ctx, area)

    # ---- staff, teams and contacts of a grid ------------------------------------------

    def _grid_staff(self, grid: tuple[int, str], name: str, rural: bool, made: list, places: list[int],
                    ctx: dict, area: dict) -> None:
        rng = self.rng
        gid = grid[0]
        residents = [m for _, status, _, _, members in made if status == "active"
                     for m in members if m.status == "active"]
        used: set[int] = set()

        def resident(pool: list[Member]) -> tuple[int, str, str] | None:
            free = [m for m in pool if m.id not in used]
            if not free:
                return None
            m = rng.choice(free)
            used.add(m.id)
            return m.id, m.name, m.phone

        grid_head = self._staff("village_cadre", gid)
        self._role(grid_head, "grid_head", gid)
        worker = self._staff("grid_worker", gid, age=int_between(rng, 24, 50))
        self._role(worker, "grid_worker_a", gid)
        team = self._new_id("teams")
        self.rows["teams"].append((team, gid, f"{name}服务团队", _TEAM_DUTIES, self.stamp, self.stamp))
        street = ctx["street"]
        self._member(team, grid_head, "survey", "团队长")
        self._member(team, worker, "survey", "专职网格员")
        if rng.random() < 0.2:
            worker_b = self._staff("grid_worker", gid)
            self._role(worker_b, "grid_worker_b", gid)
            self._member(team, worker_b, "mediation", "专业网格员")
        self._member(team, rng.choice(street["cadres"]), "publicity", "联系领导")
        self._member(team, area["police"], "mediation", "社区民警")
        self._member(team, area["doctor"], "survey", "家庭医生")
        if rng.random() < 0.5:
            self._member(team, area["teacher"], "publicity", "教师")
        if area["technician"]:
            self._member(team, area["technician"], "prosperity", "农技员")
        if rng.random() < 0.3:
            self._member(team, rng.choice(street["deputies"]), "supervision", "人大代表")
        party = [m for m in residents if m.political == "party_member" and 22 <= m.age <= 75]
        veteran = resident([m for m in residents if m.political == "party_member" and m.age >= 68])
        if veteran:
            veteran = self._staff("veteran_member", gid, person=veteran)
            self._member(team, veteran, "supervision", "老党员")
        # Party members serve through their 5–10 contact households; volunteers and heads come from the rest.
        adults = [m for m in residents if 30 <= m.age <= 68 and m.political not in ("party_member", "probationary")]
        for _ in range(int_between(rng, 1, 2)):
            person = resident(adults) if rng.random() < 0.5 else None
            volunteer = self._staff("volunteer", gid, person=person)
            self._member(team, volunteer, rng.choice(("survey", "mediation", "prosperity")), "志愿者")
        for place in places:
            if rural or rng.random() < 0.4:
                person = resident(adults)
                if person:
                    self._role(self._staff("volunteer", gid, person=person), "group_head" if rural else "building_head",
                               gid if rural else place)
        self._contacts(gid, made, party, resident, ctx, veteran)

    def _contacts(self, gid: int, made: list, party: list[Member], resident, ctx: dict, veteran: int | None) -> None:
        """Class 1 → a principal cadre, class 2 → a committee member, class 3 → 5–10 per party member.

        The team's old party member is a party member too and takes his share of class-3 households.
        """
        rng = self.rng
        rows = self.rows["contacts"]
        ordinary = [hid for hid, status, _, cls, _ in made if status == "active" and cls == 3]
        rng.shuffle(ordinary)
        members: list[int] = []
        if ordinary:
            count = max(1, round(len(ordinary) / rng.uniform(6.0, 9.0)))
            count = max(min(count, len(ordinary) // 5), math.ceil(len(ordinary) / 10), 1)
            if veteran:
                members.append(veteran)
            for _ in range(count - len(members)):
                person = resident(party)
                members.append(self._staff("party_member", gid, person=person, age=int_between(rng, 30, 70)))
            self._role(members[-1], "proxy_agent", gid)
            for i, hid in enumerate(ordinary):
                rows.append((self._new_id("contacts"), members[i % count], hid,
                             self._day(self._days_ago(30, 1500)), None))
        for hid, status, day, cls, _ in made:
            if status == "active" and cls == 3:
                continue
            if cls == 1:
                staff = rng.choice(ctx["principals"])
            elif cls == 2:
                staff = rng.choice(ctx["committee"])
            elif members:
                staff = rng.choice(members)
            else:
                continue
            if status == "active":
                rows.append((self._new_id("contacts"), staff, hid, self._day(self._days_ago(30, 1500)), None))
            else:
                rows.append((self._new_id("contacts"), staff, hid, self._day(day - int_between(rng, 60, 1500)),
                             self._day(day)))
