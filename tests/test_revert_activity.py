"""Visits, logs, needs, matters and staff taken back by their own audit entries: the records and
the rows kept beside them (a visit's households and the last visit, a log's links, a matter's steps
and its text index) are as they were, taking the undo back gives the result again, a record
changed since is refused whole, and an undo never reaches beyond the acting user's scope."""

import datetime as dt

import pytest

from gridoffice.access import users
from gridoffice.activity import logs, visits
from gridoffice.audit import revert
from gridoffice.org import staff
from gridoffice.matters import rules as M
from gridoffice.matters import query as Q
from gridoffice.errors import PermissionDenied, RuleViolation
from gridoffice.access.scope import bind
from tests._domain import TODAY, contact_office

NOW = "2026-11-20 10:00:00"
TABLES = ("visits", "visit_households", "visit_last", "needs", "log_entries", "log_households", "log_matters",
          "log_comments", "matters", "matter_events", "staff", "staff_roles", "teams", "team_members")


def state(db) -> dict:
    """Every activity row without its updated_at stamp (an undo is a new write: it has its own),
    and the matters the text index finds."""
    out = {}
    for table in TABLES:
        cur = db.execute(f"SELECT * FROM [{table}] ORDER BY rowid")
        names = [c[0] for c in cur.description]
        out[table] = [tuple(v for n, v in zip(names, r) if n != "updated_at") for r in cur.fetchall()]
    out["found"] = [r[0] for r in db.execute("SELECT rowid FROM matters_fts WHERE matters_fts MATCH '\"路 灯\"'")]
    return out


@pytest.fixture
def office(db):
    t, worker, member, homes = contact_office(db, TODAY)
    visits.record_visit(db, staff_id=worker, household_ids=[homes[0]], visited_on="2026-10-01", today=TODAY)
    matter = M.intake(db, source="phone", category_id=6, grade="difficult", title="路灯不亮", household_id=homes[1],
                      received_at=NOW, now=NOW)
    need = logs.add_need(db, homes[1], "想申请居家养老服务", staff_id=worker, raised_on="2026-11-01", today=TODAY)
    entry = logs.add_entry(db, worker, "2026-11-02", "走访张一户", household_ids=[homes[0]], today=TODAY)
    return dict(db=db, t=t, worker=worker, member=member, homes=homes, matter=matter, need=need, entry=entry)


def _week(db, o):
    return visits.record_week(db, o["worker"], [visits.VisitInput(o["homes"][0], "2026-11-10", need="修水管"),
                                                visits.VisitInput(o["homes"][1], "2026-11-11")], today=TODAY)


def _steps(*steps):
    def run(db, o):
        for step in steps:
            step(db, o["matter"])
    return run


ASSIGN = lambda db, m: M.transition(db, m, "assign", dept="城建办", now=NOW)  # noqa: E731
START = lambda db, m: M.transition(db, m, "start", now=NOW)  # noqa: E731
RESOLVE = lambda db, m: M.transition(db, m, "resolve", note="已更换灯泡", now=NOW)  # noqa: E731
ANSWER = lambda db, m: M.transition(db, m, "answer", note="电话告知居民", now=NOW)  # noqa: E731
EVALUATE = lambda db, m: M.transition(db, m, "evaluate", resident_score=60, satisfaction="unsatisfied", now=NOW)  # noqa: E731

OPERATIONS = {
    "a visit with a need": lambda db, o: visits.record_visit(
        db, staff_id=o["worker"], household_ids=[o["homes"][0], o["homes"][1]], visited_on="2026-11-15",
        needs=[(o["homes"][0], "门前路灯坏了")], today=TODAY),
    "a paper week": _week,
    "a log entry": lambda db, o: logs.add_entry(db, o["worker"], "2026-11-16", "调解邻里纠纷",
                                                household_ids=[o["homes"][1], o["homes"][0]],
                                                matter_ids=[o["matter"]], today=TODAY),
    "a comment": lambda db, o: logs.add_comment(db, o["entry"], "记录详细", author="李书记"),
    "a need": lambda db, o: logs.add_need(db, o["homes"][0], "申请低保", staff_id=o["worker"], today=TODAY),
    "a need solved": lambda db, o: logs.solve_need(db, o["need"], "已办理", solved_on="2026-11-05", today=TODAY),
    "a need taken in as a matter": lambda db, o: logs.need_to_matter(db, o["need"], category_id=3, grade="urgent",
                                                                     now=NOW),
    "an intake": lambda db, o: M.intake(db, source="visit", category_id=6, grade="urgent", title="小区路灯坏了",
                                        household_id=o["homes"][0], received_at=NOW, now=NOW),
    "assign": _steps(ASSIGN),
    "start": _steps(START),
    "transfer": _steps(lambda db, m: M.transfer(db, m, dept="民政办", reason="属民政职责", now=NOW)),
    "regrade": _steps(lambda db, m: M.regrade(db, m, grade="urgent", reason="居民行动不便", now=NOW)),
    "promise": _steps(lambda db, m: M.promise(db, m, text="三日内修复", date="2026-11-23", now=NOW)),
    "note": _steps(lambda db, m: M.add_note(db, m, "已联系电工", now=NOW)),
    "resolve": _steps(RESOLVE),
    "answer": _steps(ANSWER),
    "reopen": _steps(lambda db, m: M.transition(db, m, "reopen", note="居民反映灯又坏了", now=NOW)),
    "a staff member with roles": lambda db, o: staff.save_staff(db, None, name="郑医生", kind="doctor",
                                                               phone="13812340001", org_id=o["t"].grid,
                                                               roles=["grid_head"], today=TODAY),
    "a staff member edited": lambda db, o: staff.save_staff(db, o["worker"], name="王网格", kind="grid_worker",
                                                           phone="13812340002", org_id=o["t"].grid2,
                                                           roles=["grid_head"], today=TODAY),
    "a team with a member": lambda db, o: staff.add_team_member(
        db, staff.create_team(db, o["t"].grid, "第一网格服务团队"), o["worker"], duty="mediation", today=TODAY),
}


# The steps a matter takes before the one undone.
BEFORE = {"transfer": (ASSIGN,), "resolve": (START,), "answer": (START, RESOLVE),
          "reopen": (START, RESOLVE, ANSWER, EVALUATE)}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_an_activity_undone_and_redone(office, name):
    db = office["db"]
    for step in BEFORE.get(name, ()):
        step(db, office["matter"])
    before = state(db)
    _, run = revert.run_of(db, OPERATIONS[name], office)
    after = state(db)
    assert after != before
    undo = revert.revert(db, run)
    assert state(db) == before
    assert {a for (a,) in db.execute("SELECT action FROM audit WHERE id > ?", [undo.after])} == {"undo"}
    redo = revert.revert(db, undo)
    assert state(db) == after
    revert.revert(db, redo)  # and back once more, from the redo's own entries
    assert state(db) == before


def test_a_visit_undone_gives_the_household_its_earlier_last_visit(office):
    db, h1 = office["db"], office["homes"][0]
    last = lambda: db.execute("SELECT last_visit FROM visit_last WHERE household_id = ?", [h1]).fetchone()  # noqa: E731
    _, run = revert.run_of(db, visits.record_visit, staff_id=office["worker"], household_ids=[h1],
                           visited_on="2026-11-15", today=TODAY)
    assert last() == ("2026-11-15",)
    revert.revert(db, run)
    assert last() == ("2026-10-01",)
    assert visits.schedule(db, [h1], scope=users.whole_office("测试员"), today=TODAY)[h1].last_visit == "2026-10-01"


def test_an_undone_intake_is_gone_from_the_text_search(office):
    db = office["db"]
    whole = users.whole_office("测试员")
    matter, run = revert.run_of(db, M.intake, source="phone", category_id=6, grade="urgent", title="井盖松动",
                                received_at=NOW, now=NOW)
    assert [m for m in Q.matter_list(db, Q.MatterFilter(text="井盖"), scope=whole, now=NOW).ids] == [matter]
    revert.revert(db, run)
    assert Q.matter_list(db, Q.MatterFilter(text="井盖"), scope=whole, now=NOW).ids == []


def test_a_step_is_not_undone_once_a_later_step_follows(office):
    db, matter = office["db"], office["matter"]
    _, assigned = revert.run_of(db, ASSIGN, matter)
    _, noted = revert.run_of(db, M.add_note, matter, "已联系电工", now=NOW)  # changes no column but its step
    before = state(db)
    with pytest.raises(RuleViolation, match="这之后事项又有改动，不能撤销"):
        revert.revert(db, assigned)
    assert state(db) == before
    revert.revert(db, noted)
    revert.revert(db, assigned)
    assert Q.get_matter(db, matter, scope=users.whole_office("测试员")).state == "received"


def test_a_matter_a_later_log_refers_to_is_not_undone(office):
    db = office["db"]
    matter, run = revert.run_of(db, M.intake, source="phone", category_id=6, grade="urgent", title="井盖松动",
                                received_at=NOW, now=NOW)
    logs.add_entry(db, office["worker"], "2026-11-16", "查看井盖", matter_ids=[matter], today=TODAY)
    before = state(db)
    with pytest.raises(RuleViolation, match="已有其他记录用到了它"):
        revert.revert(db, run)
    assert state(db) == before


@pytest.mark.parametrize("action, message", [("evaluate", "居民的评价"), ("archive", "归档后不能撤销")])
def test_a_residents_evaluation_and_the_archiving_are_not_undone(office, action, message):
    db, matter = office["db"], office["matter"]
    for step in (START, RESOLVE, ANSWER):
        step(db, matter)
    if action == "archive":
        EVALUATE(db, matter)
        step = lambda db, m: M.transition(db, m, "archive", note="超出政策范围", now=NOW)  # noqa: E731
    else:
        step = EVALUATE
    _, run = revert.run_of(db, step, matter)
    before = state(db)
    with pytest.raises(RuleViolation, match=message):
        revert.revert(db, run)
    assert state(db) == before


def test_an_undo_stays_within_the_acting_users_scope(office):
    """A clerk's visit to a household of the second grid cannot be taken back by a grid worker of
    the first, nor can a grid worker's own undo reach a household moved out of their grid since."""
    db, t, (h1, _, h3) = office["db"], office["t"], office["homes"]
    _, other_grid = revert.run_of(db, visits.record_visit, staff_id=office["member"], household_ids=[h3],
                                  visited_on="2026-11-15", today=TODAY)
    _, own = revert.run_of(db, logs.add_entry, office["worker"], "2026-11-16", "走访", household_ids=[h1],
                           today=TODAY)
    worker = users.User(0, "网格员", "", "grid_worker", t.grid, "active")
    bind(db, users.scope_of(db, worker))
    before = state(db)
    with pytest.raises(PermissionDenied, match="不在您负责的范围内"):
        revert.revert(db, other_grid)
    assert state(db) == before
    revert.revert(db, own)
    assert logs.entries_of(db, office["worker"], scope=users.scope_of(db, worker), since="2026-11-16") == []


def test_the_weekly_decision_and_a_voided_visit_are_refused_with_what_to_do(office):
    db = office["db"]
    _, decided = revert.run_of(db, M.record_decision, office["matter"], dt.date(2026, 11, 16), "由城建办牵头", now=NOW)
    with pytest.raises(RuleViolation, match="可以重新记录本周的决定"):
        revert.revert(db, decided)
    visit = db.execute("SELECT id FROM visits").fetchone()[0]
    _, voided = revert.run_of(db, visits.void_visit, visit, "录错了户")
    with pytest.raises(RuleViolation, match="作废走访记录不能撤销"):
        revert.revert(db, voided)
