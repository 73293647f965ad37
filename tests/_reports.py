"""Shared by the report tests: an office with a year of matters and activity, and the figures
recomputed by plain Python loops over the rows (the other way to the SQL in gridoffice.reports.monthly)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter, defaultdict

from gridoffice import ages
from gridoffice.activity import visits
from gridoffice.audit import trail
from gridoffice.demo import matters, visits as visits_demo
from gridoffice.store.db import open_db

TODAY = dt.date(2026, 11, 1)
MONTH = "2026-10"


def build_activity_office(template, target) -> None:
    shutil.copyfile(template, target)
    db = open_db(target)
    trail.set_actor(db, "测试员")
    matters.generate_matters(db, seed=1, today=TODAY)
    visits_demo.generate_activity(db, seed=1, today=TODAY)
    db.close()


def _units(db) -> dict[int, tuple]:
    return {r[0]: r[1:] for r in db.execute("SELECT id, grid_id, level, status FROM org_units")}


def grid_of_org(db) -> dict[int, int]:
    return {uid: (grid or uid) for uid, (grid, _, _) in _units(db).items()}


def loop_grid_figures(db, start: str, end: str, last_day: dt.date) -> dict[int, dict]:
    """Per grid, by loops: households, persons, age-group and tag counts, visits, visited households,
    rule coverage, log entries, comments, and the matters of the month."""
    grid = grid_of_org(db)
    out: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    hh_grid = {}
    for hid, org, status in db.execute("SELECT id, org_id, status FROM households"):
        if status == "active":
            hh_grid[hid] = grid[org]
            out[grid[org]]["households"] += 1
    open_tags = defaultdict(set)
    for pid, tag, until in db.execute("SELECT person_id, tag, until FROM person_tags"):
        if not until or until > last_day.isoformat():
            open_tags[pid].add(tag)
    for pid, hid, birth, status in db.execute("SELECT id, household_id, birth_date, status FROM persons"):
        if status != "active" or hid not in hh_grid:
            continue
        g = out[hh_grid[hid]]
        g["persons"] += 1
        if birth:
            for group in ages.groups_of(dt.date.fromisoformat(birth), last_day):
                g["age:" + group.code] += 1
        for tag in open_tags[pid]:
            g[tag] += 1
    vstatus = dict(db.execute("SELECT id, status FROM visits"))
    seen_visits, seen_hh = defaultdict(set), defaultdict(set)
    all_hh = grid_of_household_all(db)
    for vid, hid, day, voided in db.execute("SELECT visit_id, household_id, visited_on, voided FROM visit_households"):
        if not voided and vstatus[vid] == "active" and start <= day < end:
            seen_visits[all_hh[hid]].add(vid)
            seen_hh[all_hh[hid]].add(hid)
    for g in seen_visits:
        out[g]["visits"] = len(seen_visits[g])
        out[g]["households_visited"] = len(seen_hh[g])
    for hid, days_overdue in loop_days_overdue(db, last_day).items():
        g = out[hh_grid[hid]]
        g["rule_households"] += 1
        g["covered"] += days_overdue <= 0
    entries = {r[0]: r for r in db.execute("SELECT id, status, entry_date FROM log_entries")}
    comments = Counter(r[0] for r in db.execute("SELECT entry_id FROM log_comments"))
    entry_grids = defaultdict(set)
    for eid, hid in db.execute("SELECT entry_id, household_id FROM log_households"):
        _, status, day = entries[eid]
        if status == "active" and start <= day < end:
            entry_grids[eid].add(all_hh[hid])
    for eid, gs in entry_grids.items():
        for g in gs:
            out[g]["log_entries"] += 1
            out[g]["comments"] += comments[eid]
    for key, values in loop_matters(db, "grid_id", start, end).items():
        out[key].update(values)
    return out


def loop_days_overdue(db, day: dt.date) -> dict[int, int]:
    """Active household -> days past its due date on `day`, from the visits made up to that day."""
    rules = visits.visit_rules(db)
    last: dict[int, str] = {}
    for hid, visited, voided in db.execute("SELECT household_id, visited_on, voided FROM visit_households"):
        if not voided and visited <= day.isoformat():
            last[hid] = max(last.get(hid, visited), visited)
    since: dict[int, str] = {}
    for hid, start, until in db.execute("SELECT household_id, since, until FROM contacts"):
        if until is None:
            since[hid] = min(since.get(hid, start), start)
    out = {}
    for hid, cls, created in db.execute("SELECT id, contact_class, created_at FROM households WHERE status = 'active'"):
        base = last.get(hid) or since.get(hid) or (created or "")[:10] or day.isoformat()
        out[hid] = (day - dt.date.fromisoformat(base)).days - rules[cls if cls in (1, 2) else 3]
    return out


def grid_of_household_all(db) -> dict[int, int]:
    grid = grid_of_org(db)
    return {hid: grid[org] for hid, org in db.execute("SELECT id, org_id FROM households")}


def loop_matters(db, key: str, start: str, end: str) -> dict[int, Counter]:
    """received, closed, closed_on_time, overdue, evaluated, satisfied, cat:<id>, src:<code> per key."""
    out: dict[int, Counter] = defaultdict(Counter)
    cut = end + " 00:00:00"
    for m in db.query(f"SELECT {key} AS k, * FROM matters"):
        if not (start <= m["received_at"][:10] < end):
            continue
        c = out[m["k"]]
        c["received"] += 1
        c["cat:%s" % m["category_id"]] += 1
        c["src:%s" % m["source"]] += 1
        closed = bool(m["closed_at"]) and m["closed_at"] < cut
        c["closed"] += closed
        c["closed_on_time"] += closed and m["closed_at"] <= m["resolve_due"]
        responded = m["responded_at"] and m["responded_at"] < cut
        due = m["resolve_due"] if responded else m["respond_due"]
        c["overdue"] += (not closed) and due < cut
        c["evaluated"] += m["satisfaction"] in ("satisfied", "basic", "unsatisfied")
        c["satisfied"] += m["satisfaction"] in ("satisfied", "basic")
    return out
