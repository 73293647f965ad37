"""The demo year of matters: plausible, consistent with the rules, and usable by the real state machine."""

import collections
import datetime as dt

import pytest

from gridoffice.audit import trail
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.store.db import memory_db
from gridoffice.demo.matters import generate_matters
from gridoffice.access.users import whole_office

# The whole office, as an administrator reads it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

NOW = dt.datetime(2026, 11, 20, 16, 30)


def build():
    db = memory_db()
    trail.set_actor(db, "测试员")
    db.execute("INSERT INTO org_units(id, level, name, path, status, sort) VALUES(1, 'community', '青山社区', '/1/', "
               "'active', 0)")
    for g in (2, 3):
        db.execute("INSERT INTO org_units(id, parent_id, level, name, path, grid_id, status, sort) "
                   "VALUES(?, 1, 'grid', ?, ?, ?, 'active', 0)", [g, f"第{g - 1}网格", f"/1/{g}/", g])
        for s in range(2):
            db.execute("INSERT INTO staff(name, kind, org_id) VALUES(?, 'grid_worker', ?)", [f"网格员{g}{s}", g])
    for h in range(1, 301):
        db.execute("INSERT INTO households(id, number, org_id) VALUES(?, ?, ?)", [h, f"H{h:04d}", 2 + h % 2])
        db.execute("INSERT INTO persons(household_id, name, relation, phone) VALUES(?, ?, 'head', '13800138000')",
                   [h, f"户主{h}"])
    added = generate_matters(db, seed=7, today=NOW.date(), per_household_rate=2.0, now=NOW)
    return db, added


@pytest.fixture(scope="module")
def demo():
    """Read-only for the tests that share it."""
    return build()


def test_a_year_of_matters(demo):
    db, added = demo
    assert added == 600 == db.execute("SELECT count(*) FROM matters").fetchone()[0]
    first, last = db.execute("SELECT min(received_at), max(received_at) FROM matters").fetchone()
    assert first >= "2025-11-20" and last <= "2026-11-20 16:30:00"
    states = collections.Counter(r[0] for r in db.execute("SELECT state FROM matters"))
    assert states["archived"] > 400 and set(states) <= set(M.STATES)
    grades = collections.Counter(r[0] for r in db.execute("SELECT grade FROM matters"))
    assert grades["on_spot"] > grades["urgent"] > grades["difficult"] > 20
    satisfied = db.execute("SELECT avg(satisfaction != 'unsatisfied') FROM matters WHERE satisfaction IS NOT NULL"
                           ).fetchone()[0]
    assert satisfied > 0.95
    counts = Q.matter_list(db, now=NOW, scope=ADMIN).counts
    assert 0 < counts["overdue"] < 30 and counts["closed"] > 550
    late = sum(M.timeliness(m, NOW).kind == "closed_late"
               for m in Q.matters_by_ids(db, Q.matter_list(db, M.MatterFilter(state="closed"), now=NOW, scope=ADMIN).ids,
                                           scope=ADMIN))
    assert 0 < late < 60


def test_numbers_run_per_month_without_gaps(demo):
    db, _ = demo
    by_month = collections.defaultdict(list)
    for number, received in db.execute("SELECT number, received_at FROM matters ORDER BY id"):
        assert number[:7] == received[:7]
        by_month[number[:7]].append(int(number[8:]))
    assert all(seq == list(range(1, len(seq) + 1)) for seq in by_month.values())


def test_history_matches_each_row(demo):
    db, _ = demo
    for m in Q.matters_by_ids(db, Q.matter_list(db, now=NOW, scope=ADMIN).ids, scope=ADMIN):
        history = Q.events(db, m.id, scope=ADMIN)
        assert history[0].action == "receive" and history[0].at == m.received_at
        # Read by time, the steps come in the order they were planned (written).
        assert [e.id for e in history] == sorted(e.id for e in history)
        states = [e.to_state for e in history]
        assert states[-1] == m.state
        for e in history[1:]:
            assert e.from_state in M.RULES[e.action][0]
        assert m.due_at == M.pending_due(m.state, m.responded_at, m.respond_due, m.resolve_due)


def test_demo_matters_go_on_through_the_state_machine():
    db, _ = build()
    open_ids = Q.matter_list(db, M.MatterFilter(state="open"), now=NOW, scope=ADMIN).ids
    for m in Q.matters_by_ids(db, open_ids, scope=ADMIN):
        if m.state in ("received", "reopened"):
            M.transition(db, m.id, "assign", dept="综治办", now=NOW)
        if m.state != "in_progress":
            M.transition(db, m.id, "start", now=NOW)
        M.transition(db, m.id, "resolve", note="已处理", now=NOW)
    assert Q.matter_list(db, now=NOW, scope=ADMIN).counts["overdue"] == 0
