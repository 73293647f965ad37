"""A realistic year of matters for the demo office and the benchmarks (never anyone's real data).

Each matter is planned as the list of steps it would take (intake, assignment, handling, answer,
evaluation, perhaps a reopening, archiving), cut off at `now`; the row's fields follow from the
steps taken. Deadlines come from matters.py, so the demo obeys the same rules as a clerk's entries.
Mostly on time and satisfied, as the sources report (completion above 99 %, satisfaction ~97 %),
with a few late, a few unresolvable and a few forgotten ones that are overdue.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.demo.tables import Picker
from gridoffice.matters.due import deadlines, fmt_ts, standard_promise
from gridoffice.matters.rules import TimeLimit, pending_due, search_chars, time_limits

SOURCES = Picker(("visit", "phone", "walk_in", "sms", "board", "meeting"), (35, 25, 20, 5, 8, 7))
GRADES = Picker(("on_spot", "urgent", "difficult"), (55, 35, 10))
SATISFACTION = Picker(("satisfied", "basic", "unsatisfied"), (92, 6, 2))
DEPARTMENTS = ("城建办", "民政办", "综治办", "农业服务中心", "社会事务办", "派出所", "卫生院", "供电所", "自来水公司")

# Per category (in the order m004 ships them): its weight and what residents typically ask.
TOPICS = {
    "经济发展": (6, ["咨询小微企业扶持政策", "申请创业担保贷款", "农家乐经营许可咨询", "反映集体经济分红问题"]),
    "环境保护": (12, ["河道有漂浮垃圾", "垃圾清运不及时", "工地夜间施工噪音", "养殖场异味扰民", "餐馆油烟扰民"]),
    "困难救助": (9, ["申请临时救助", "咨询低保申请条件", "残疾人补贴未到账", "大病医疗救助申请", "孤寡老人需要照料"]),
    "农业生产建设": (7, ["农田灌溉渠堵塞", "申请农机购置补贴", "机耕路损坏", "病虫害防治求助", "渔船维修补助咨询"]),
    "邻里纠纷": (10, ["邻居装修噪音", "宅基地边界纠纷", "楼上漏水到楼下", "宠物狗扰民", "公共楼道堆放杂物"]),
    "基础设施": (14, ["路灯不亮", "道路坑洼", "下水道堵塞", "自来水水压低", "停车位不足", "楼道照明损坏"]),
    "社会治安": (5, ["小区电动车被盗", "可疑人员出入", "反映电信诈骗线索", "夜间聚集喧哗"]),
    "医疗卫生": (6, ["家庭医生签约咨询", "老人慢病配药不便", "疫苗接种预约", "医保报销流程咨询"]),
    "文化教育": (4, ["子女入学咨询", "文化礼堂活动场地", "老年大学报名", "农家书屋开放时间"]),
    "劳动就业": (5, ["拖欠工资求助", "就业培训报名", "失业登记咨询", "灵活就业社保咨询"]),
    "社会保障": (8, ["养老保险缴费咨询", "高龄津贴申领", "医保参保登记", "退役军人优待证办理"]),
    "土地与住房": (4, ["危房改造申请", "宅基地审批进度", "公租房申请", "房屋漏雨求助"]),
    "政策咨询": (6, ["居住证办理", "户口迁移咨询", "生育登记咨询", "出具证明材料"]),
    "其他": (4, ["建议增设健身器材", "快递柜设置建议", "反映公交班次少", "建议开展防诈骗宣传"]),
}
OUTCOMES = ("已协调相关部门处理完毕", "已上门核实并解决", "已按政策办理", "已组织维修完成", "已调解，双方达成一致",
            "已解答政策并协助提交材料", "已清理完毕")
UNRESOLVABLE = ("超出政策范围，已向居民解释政策依据", "需县级立项，已说明并纳入明年计划", "涉及司法程序，已引导走法律途径")
ANSWERS = ("电话答复", "上门答复", "当面答复", "短信告知办理结果")
REOPEN_REASONS = ("居民反映问题仍未解决", "居民对处理结果不认可", "问题复发")
PROMISES = ("{d}前办结并答复", "{d}前上门回复进展", "{d}前协调部门现场处理")


def generate_matters(db: Database, *, seed: int, today: dt.date | None = None,
                     per_household_rate: float = 0.3, now: dt.datetime | None = None) -> int:
    """Add a year of matters (about `per_household_rate` per active household) up to `now`;
    bulk inserts in one transaction; returns how many were added."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    now = now or dt.datetime.combine(today, dt.time(16, 30))
    households = db.execute(
        "SELECT h.id, coalesce(u.grid_id, u.id), p.id, p.name, coalesce(nullif(p.phone, ''), h.phone) "
        "FROM households h LEFT JOIN org_units u ON u.id = h.org_id "
        "LEFT JOIN persons p ON p.household_id = h.id AND p.relation = 'head' AND p.status = 'active' "
        "WHERE h.status = 'active'").fetchall()
    grids = [r[0] for r in db.execute("SELECT id FROM org_units WHERE level = 'grid' AND status = 'active'")]
    if not households and not grids:
        return 0
    staff = db.execute("SELECT id, name, org_id FROM staff WHERE status = 'active'").fetchall()
    by_org: dict[int, list[tuple[int, str]]] = {}
    for sid, name, org in staff:
        by_org.setdefault(org, []).append((sid, name))
    categories = db.execute("SELECT id, name FROM matter_categories WHERE status = 'active' ORDER BY sort").fetchall()
    topics = [TOPICS.get(name, (3, [f"{name}相关诉求"])) for _, name in categories]
    pick_category = Picker(range(len(categories)), [t[0] for t in topics])
    limits = {(t.grade, t.category_id): t for t in time_limits(db)}
    total = max(1, round(len(households or grids) * per_household_rate))
    start = now - dt.timedelta(days=365)
    span = int((now - start).total_seconds())
    planned = []
    for _ in range(total):
        # Office hours mostly: a random day, then a working-hours time with some evenings.
        day = start + dt.timedelta(seconds=rng.randrange(span))
        minute = rng.randrange(8 * 60, 18 * 60) if rng.random() < 0.9 else rng.randrange(18 * 60, 22 * 60)
        received = dt.datetime.combine(day.date(), dt.time()) + dt.timedelta(minutes=minute, seconds=rng.randrange(60))
        if received > now:
            received = now - dt.timedelta(minutes=rng.randrange(1, 600))
        planned.append(received)
    planned.sort()
    next_id = (db.execute("SELECT max(id) FROM matters").fetchone()[0] or 0) + 1
    next_event = (db.execute("SELECT max(id) FROM matter_events").fetchone()[0] or 0) + 1
    seq: dict[str, int] = {}
    matter_rows, event_rows, search_rows = [], [], []
    stamp = fmt_ts(now)
    for received in planned:
        c = pick_category(rng)
        category_id, title = categories[c][0], rng.choice(topics[c][1])
        grade = GRADES(rng)
        limit = limits.get((grade, category_id)) or limits[(grade, 0)]
        if households and rng.random() < 0.85:
            hh_id, grid_id, person_id, name, phone = rng.choice(households)
        else:
            hh_id, person_id, name, phone = None, None, "", ""
            grid_id = rng.choice(grids) if grids else None
        people = by_org.get(grid_id) or staff or [(None, "值班干部")]
        taker = rng.choice(people)
        handler = rng.choice(people) if grade != "on_spot" else taker
        dept = rng.choice(DEPARTMENTS) if grade == "difficult" or (grade == "urgent" and rng.random() < 0.3) else ""
        prefix = received.strftime("%Y-%m-")
        if prefix not in seq:
            seq[prefix] = db.execute("SELECT coalesce(max(CAST(substr(number, 9) AS INTEGER)), 0) FROM matters "
                                     "WHERE number >= ? AND number < ?", [prefix, prefix[:-1] + "."]).fetchone()[0]
        seq[prefix] += 1
        steps = _plan(rng, received, grade, limit, taker[1], handler, dept, now)
        row = _replay(steps, received, limit)
        matter_rows.append((
            next_id, f"{prefix}{seq[prefix]:04d}", fmt_ts(received), SOURCES(rng), category_id, grade, row["state"],
            title, "", person_id, hh_id, grid_id, name or "", phone or "", taker[0], taker[1],
            handler[0] if row["responded_at"] else None,
            dept if row["responded_at"] else "", row["respond_due"], row["resolve_due"], row["due_at"],
            row["responded_at"], row["closed_at"], row["outcome"], row["answered_at"], row["promise"],
            row["promise_date"], row["satisfaction"], row["self_score"], row["peer_score"], row["evaluated_at"],
            row["archived_at"], row["reopen_count"], row["resident_score"], stamp, stamp,
        ))
        search_rows.append((next_id, search_chars(title, name or "")))
        for at, actor, action, from_state, to_state, note, data in steps:
            event_rows.append((next_event, next_id, fmt_ts(at), actor, action, from_state, to_state, note,
                               json.dumps(data, ensure_ascii=False) if data else None))
            next_event += 1
        next_id += 1
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO matters(id, number, received_at, source, category_id, grade, state, title, content, "
            "person_id, household_id, grid_id, resident_name, resident_phone, taker_staff_id, taker_name, "
            "assignee_staff_id, assignee_dept, respond_due, resolve_due, due_at, responded_at, closed_at, outcome, "
            "answered_at, promise, promise_date, satisfaction, self_score, peer_score, evaluated_at, archived_at, "
            "reopen_count, resident_score, created_at, updated_at) VALUES (" + ",".join("?" * 36) + ")", matter_rows)
        db.conn.executemany("INSERT INTO matters_fts(rowid, chars) VALUES (?, ?)", search_rows)
        db.conn.executemany(
            "INSERT INTO matter_events(id, matter_id, at, actor, action, from_state, to_state, note, data) "
            "VALUES (?,?,?,?,?,?,?,?,?)", event_rows)
        trail.record(db, "matters.generate", "matters", None,
                     new={"matters": len(matter_rows), "events": len(event_rows), "seed": seed})
    return len(matter_rows)


def _hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(hours=rng.uniform(low, high))


def _plan(rng: random.Random, received: dt.datetime, grade: str, limit: TimeLimit, taker: str,
          assignee: tuple[int | None, str], dept: str, now: dt.datetime) -> list[tuple]:
    """The steps this matter takes, up to `now`."""
    handler = assignee[1]
    routed = {k: v for k, v in (("assignee_staff_id", assignee[0]), ("assignee_dept", dept)) if v}
    steps = [(received, taker, "receive", None, "received", "", {})]
    state = "received"

    def step(at, actor, action, to_state, note="", data=None):
        nonlocal state
        if at > now:
            return False
        steps.append((at, actor, action, state, to_state or state, note, data or {}))
        state = to_state or state
        return True

    # A few recent ones are forgotten after intake: they stay open and run past their limits
    # (older ones were caught by the monthly filing long ago).
    forgotten = rng.random() < 0.03 and now - received < dt.timedelta(days=30)
    late = rng.random() < 0.03
    if grade == "on_spot":
        t = received + dt.timedelta(minutes=rng.randrange(1, 20))
        ok = step(t, taker, "start", "in_progress")
        t += dt.timedelta(minutes=rng.randrange(5, 90)) if not late else _hours(rng, limit.resolve_hours, 60)
    else:
        t = received + (dt.timedelta(minutes=rng.randrange(5, 100)) if not late else _hours(rng, 2.2, 6))
        ok = step(t, taker, "assign", "assigned", data=routed)
        if ok and grade == "difficult" and rng.random() < 0.6:
            promise_day = (received + dt.timedelta(hours=limit.resolve_hours)).date().isoformat()
            ok = step(t + dt.timedelta(minutes=10), handler, "promise", None,
                      rng.choice(PROMISES).format(d=promise_day), {"date": promise_day})
        t += _hours(rng, 0.2, 3)
        ok = ok and not forgotten and step(t, handler, "start", "in_progress")
        span = limit.resolve_hours
        t = received + (_hours(rng, span * 0.05, span * 0.9) if not late else _hours(rng, span * 1.05, span * 2))
        # Never before the step already taken: the history must read in order.
        t = max(t, steps[-1][0] + dt.timedelta(minutes=rng.randrange(10, 120)))
    for round_no in range(2):
        if not ok or forgotten:
            break
        if rng.random() < 0.03:
            ok = step(t, handler, "cannot_resolve", "unresolvable", rng.choice(UNRESOLVABLE))
        else:
            ok = step(t, handler, "resolve", "resolved", rng.choice(OUTCOMES))
        t += _hours(rng, 0.1, 4)
        ok = ok and step(t, handler, "answer", "answered", rng.choice(ANSWERS))
        t += _hours(rng, 1, 72)
        satisfaction = SATISFACTION(rng) if round_no == 0 else rng.choice(("satisfied", "basic"))
        resident = {"satisfied": (90, 100), "basic": (70, 89), "unsatisfied": (30, 69)}[satisfaction]
        scores = {"satisfaction": satisfaction, "resident_score": rng.randint(*resident)}
        ok = ok and step(t, taker, "evaluate", "evaluated", "", scores)
        if not ok or satisfaction != "unsatisfied" or rng.random() < 0.4:
            break
        t += _hours(rng, 2, 48)
        ok = step(t, taker, "reopen", "reopened", rng.choice(REOPEN_REASONS), {"satisfaction": satisfaction})
        t += _hours(rng, 0.5, 4)
        ok = ok and step(t, handler, "start", "in_progress")
        t += _hours(rng, 2, 20)
    # Evaluated matters are filed with the month's archive.
    if ok and state == "evaluated":
        filed = dt.datetime.combine((t.replace(day=1) + dt.timedelta(days=32)).replace(day=1), dt.time(9))
        step(filed + dt.timedelta(minutes=rng.randrange(0, 480)), taker, "archive", "archived")
    return steps


def _replay(steps: list[tuple], received: dt.datetime, limit: TimeLimit) -> dict:
    """The row's fields after these steps, with the same deadline rules as matters.transition()."""
    respond_due, resolve_due = deadlines(limit, received)
    promise, promise_date = standard_promise(limit.grade, resolve_due)
    row = dict(state="received", responded_at=None, closed_at=None, outcome="", answered_at=None, promise=promise,
               promise_date=promise_date, satisfaction=None, self_score=None, peer_score=None, resident_score=None,
               evaluated_at=None, archived_at=None, reopen_count=0)
    for at, _actor, action, _from, to_state, note, data in steps[1:]:
        stamp = fmt_ts(at)
        row["state"] = to_state
        if row["responded_at"] is None:
            row["responded_at"] = stamp
        if action in ("resolve", "cannot_resolve"):
            row.update(closed_at=stamp, outcome=note)
        elif action == "answer":
            row["answered_at"] = stamp
        elif action == "evaluate":
            row.update(evaluated_at=stamp, **data)
        elif action == "promise":
            row.update(promise=note, promise_date=data["date"])
        elif action == "archive":
            row["archived_at"] = stamp
        elif action == "reopen":
            row.update(closed_at=None, answered_at=None, evaluated_at=None, satisfaction=None, self_score=None,
                       peer_score=None, resident_score=None, reopen_count=row["reopen_count"] + 1)
            resolve_due = deadlines(limit, at)[1]
    row.update(respond_due=respond_due, resolve_due=resolve_due,
               due_at=pending_due(row["state"], row["responded_at"], respond_due, resolve_due))
    return row


# What a team's monthly self-assessment says (seed 004: the good practice, the problem, the change).
REVIEW_NOTES = ("入户走访及时，台账齐全；夜间诉求响应偏慢；安排成员轮流夜间值班",
                "矛盾纠纷调解有成效；个别承诺逾期答复；逾期事项每周分析会逐件跟踪",
                "政策宣传覆盖到户；老年人办事代办不够；增设代办员上门服务",
                "困难家庭帮扶到位；民情日记记录简单；统一日记格式并每月抽查")
PEER_NOTES = ("", "", "走访记录规范", "答复居民及时", "可加强夜间值守")


def generate_team_reviews(db: Database, *, seed: int, today: dt.date) -> int:
    """Each active team's collective review for each full month of the year before `today`: its
    self-assessment and one or two other teams' scores. Bulk inserts in one transaction."""
    rng = random.Random(seed)
    teams = [r[0] for r in db.execute("SELECT id FROM teams WHERE status = 'active' ORDER BY id")]
    months, first = [], dt.date(today.year - 1, today.month, 1)
    for k in range(12):
        months.append(f"{first.year + (first.month - 1 + k) // 12}-{(first.month - 1 + k) % 12 + 1:02d}")
    stamp, actor, rows = fmt_ts(dt.datetime.combine(today, dt.time(9))), trail.actor(db), []
    for month in months:
        for team in teams:
            rows.append((team, month, team, rng.randint(78, 98), rng.choice(REVIEW_NOTES), stamp, actor))
            for peer in rng.sample([t for t in teams if t != team], min(len(teams) - 1, rng.randint(1, 2))):
                rows.append((team, month, peer, rng.randint(75, 96), rng.choice(PEER_NOTES), stamp, actor))
    with db.atomic():
        db.conn.executemany("INSERT INTO team_reviews(team_id, month, reviewer_team_id, score, note, recorded_at, "
                            "recorded_by) VALUES (?,?,?,?,?,?,?)", rows)
        trail.record(db, "team_reviews.generate", "team_reviews", None, new={"team_reviews": len(rows), "seed": seed})
    return len(rows)
