"""Timings of the domain core: tree counts, the completeness check rule by rule, and one
household operation of each kind; one line per figure.

    .venv/bin/python bench/bench_domain.py [--office PATH] [--households 50000]

Builds the office with the project's generator when PATH does not exist yet (kept for the next run).
The household operations run inside one outer transaction that is rolled back at the end, so the
file is left as it was (their times therefore exclude the final commit's fsync).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import office_from_arguments, timed  # noqa: E402 (bench/ is the script's folder)


def check_by_rule(db) -> list:
    from gridoffice.access import users
    from gridoffice.archive import completeness

    job = completeness.completeness(db, scope=users.whole_office("bench"))
    started = last = time.perf_counter()
    message = None
    while True:
        try:
            _, _, next_message = next(job)
        except StopIteration as stop:
            problems = stop.value
            break
        now = time.perf_counter()
        if message is not None:
            print(f"  {message}: {(now - last) * 1000:.0f} ms")
        message, last = next_message, now
    print(f"completeness check, whole: {(time.perf_counter() - started) * 1000:.0f} ms, {len(problems)} problems")
    return problems


class _Rollback(Exception):
    """Leaves the benchmark file as it was."""


def operations(db) -> None:
    import datetime as dt

    from gridoffice.access import users
    from gridoffice.archive import households
    from gridoffice.idcard import make_id
    from gridoffice.archive.people import PersonInput

    grid = db.execute("SELECT id FROM org_units WHERE level = 'grid' AND status = 'active' ORDER BY id LIMIT 1").fetchone()[0]
    grid2 = db.execute("SELECT id FROM org_units WHERE level = 'grid' AND status = 'active' ORDER BY id DESC LIMIT 1").fetchone()[0]
    serial = iter(range(1, 999))

    def person(name: str, year: int) -> PersonInput:
        # Area code 990000 is no real place: the generated office never uses it, so no clash.
        return PersonInput(name, id_number=make_id("990000", dt.date(year, 1, 1), next(serial)))

    runs: dict[str, list[float]] = {}

    def run(label, fn):
        start = time.perf_counter()
        result = fn()
        runs.setdefault(label, []).append((time.perf_counter() - start) * 1000)
        return result

    try:
        with db.atomic():
            for i in range(5):
                hid = run("create household", lambda: households.create_household(
                    db, org_id=grid, head=person("测试甲", 1960 + i)))
                spouse = run("add member", lambda: households.add_member(db, hid, person("测试乙", 1962 + i), "spouse"))
                child = run("add member", lambda: households.add_member(db, hid, person("测试丙", 1990 + i), "son"))
                head = households.get_household(db, hid, scope=users.whole_office("bench")).head.id
                run("change head", lambda: households.change_head(db, hid, spouse, "spouse"))
                run("move household", lambda: households.move_household(db, hid, grid2))
                new = run("split household", lambda: households.split_household(db, hid, [child], child))
                run("merge households", lambda: households.merge_households(db, new, hid, {child: "son"}))
                run("record death", lambda: households.record_death(db, head))
                run("move out", lambda: households.move_out(db, hid))
                run("next number", lambda: households.next_number(db, grid))
            raise _Rollback
    except _Rollback:
        pass
    for label, values in runs.items():
        print(f"{label}: median {statistics.median(values):.1f} ms, worst {max(values):.1f} ms")


def main() -> None:
    args = office_from_arguments(argparse.ArgumentParser(), "office-50k.db")

    from gridoffice.access import users
    from gridoffice.audit import trail
    from gridoffice.org import regions
    from gridoffice.store.db import connect

    db = connect(args.office)
    trail.set_actor(db, "bench")
    households = db.execute("SELECT count(*) FROM households").fetchone()[0]
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    print(f"office: {args.office.name}, {households} households, {persons} persons")
    start = time.perf_counter()
    db.execute("SELECT count(*) FROM persons NOT INDEXED WHERE notes = 'x'").fetchone()
    print(f"baseline, one scan of the persons table: {(time.perf_counter() - start) * 1000:.0f} ms")
    timed("tree counts (whole office)", lambda: regions.counts(db, users.whole_office("bench")))
    timed("all units", lambda: regions.all_units(db))
    check_by_rule(db)
    operations(db)
    db.close()


if __name__ == "__main__":
    main()
