"""Helpers shared by the domain tests: a small tree, generated persons, a dump of every table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gridoffice.archive import households
from gridoffice.org import regions, staff
from gridoffice.idcard import make_id
from gridoffice.archive.people import PersonInput

TODAY = dt.date(2026, 11, 22)


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every ordinary table: equal before and after means nothing was written."""
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'search_fts%' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {t: sorted(db.execute(f"SELECT * FROM [{t}]").fetchall(), key=repr) for t in tables}


def pid(year: int, month: int, day: int, serial: int, area: str = "330102") -> str:
    """A valid generated ID number; odd serial for men, even for women."""
    return make_id(area, dt.date(year, month, day), serial)


def man(name: str, year: int = 1970, serial: int = 11, **kw) -> PersonInput:
    return PersonInput(name, id_number=pid(year, 3, 4, serial), **kw)


def woman(name: str, year: int = 1972, serial: int = 12, **kw) -> PersonInput:
    return PersonInput(name, id_number=pid(year, 5, 6, serial), **kw)


@dataclass(frozen=True)
class Tree:
    district: int
    street: int
    community: int
    area: int
    grid: int
    grid2: int
    estate: int


def tree(db) -> Tree:
    """区 → 街道 → 社区 → 片区 → two grids; an estate under the first grid."""
    district = regions.create_unit(db, None, "district", "西湖区", "D01")
    street = regions.create_unit(db, district, "street", "北山街道", "S01")
    community = regions.create_unit(db, street, "community", "宝石社区", "C01")
    area = regions.create_unit(db, community, "area", "东片", "A01")
    grid = regions.create_unit(db, area, "grid", "第一网格", "G01")
    grid2 = regions.create_unit(db, area, "grid", "第二网格", "G02")
    estate = regions.create_unit(db, grid, "estate", "宝石小区")
    return Tree(district, street, community, area, grid, grid2, estate)


def contact_office(db, today: dt.date):
    """The tree with a grid worker contacting a class-1 and a class-3 household and a party member a
    class-2 one: (tree, worker, member, (h1, h2, h3))."""
    t = tree(db)
    worker = staff.add_staff(db, "王网格", "grid_worker", org_id=t.grid)
    member = staff.add_staff(db, "李党员", "party_member", org_id=t.grid2)
    h1 = households.create_household(db, org_id=t.estate, head=man("张一", serial=11), contact_class=1)
    h2 = households.create_household(db, org_id=t.grid, head=man("张二", serial=13), contact_class=3)
    h3 = households.create_household(db, org_id=t.grid2, head=man("张三", serial=15), contact_class=2)
    for hid in (h1, h2):
        staff.link_contact(db, worker, hid, since="2026-01-01", today=today)
    staff.link_contact(db, member, h3, since="2026-06-01", today=today)
    return t, worker, member, (h1, h2, h3)
