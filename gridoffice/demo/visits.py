"""A realistic year of visits, daily-log entries, leaders' comments and needs for the demo office and the
benchmarks (never anyone's real data).

Each contact household is visited by its current contact at about the interval of its class (visits.py's
rules), a little early or late; about one in twelve has been let slide and is overdue now. A worker's
visits fall on their round days (Tuesdays and Fridays, "周二走访、周五回访"), so one round covers several
households. Most round days get a log entry; a leader comments on some. A few visits find a need, most
of them solved since.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.demo.tables import Picker
from gridoffice.activity.visits import visit_rules

KINDS = Picker(("routine", "return", "occasion"), (80, 13, 7))
LEARNED = ("家中一切正常，老人身体尚可", "了解了家庭收入和就业情况", "子女在外务工，老人独居，叮嘱注意安全",
           "宣传了反诈知识和医保政策", "询问了种植收成情况", "家里刚添了孙子，送上祝福", "反映村道路灯不亮，已记录",
           "了解了孩子上学情况", "宣传垃圾分类，发放宣传册", "检查了燃气和用电安全", "户主住院刚出院，上门看望",
           "核对了家庭成员信息", "了解低保政策落实情况", "对上次反映的问题进行回访，居民表示满意")
NEEDS = ("希望帮忙申请临时救助", "家门口道路坑洼需修补", "老人需要代办医保报销", "希望安排家庭医生上门",
         "需要办理残疾人证", "想参加就业技能培训", "屋顶漏雨需要维修", "希望帮忙联系收购农产品",
         "孩子入学需要开证明", "申请安装扶手等适老化改造", "邻里排水沟堵塞", "希望代办养老保险续缴")
SOLUTIONS = ("已协调村委会解决", "已代办完毕", "已联系相关部门上门处理", "已按政策办理", "已组织维修完成",
             "已上门讲解政策，居民表示理解")
LOG_LINES = ("今天走访了{n}户联系户，{what}。", "按计划入户走访{n}户，{what}。", "下午走访{n}户，{what}。")
COMMENTS = ("走访扎实，继续保持", "请关注困难户的后续需求", "记录详实，值得推广", "需求要跟踪到底，解决一件注销一件",
            "注意政策宣传到位", "好，及时回访")
LATE_SHARE = 0.08  # households let slide: their last visit is well past the rule
ROUND_SIZE = 10  # households one worker visits on one round day
ROUND_DAYS = 104  # Tuesdays and Fridays in a year


def generate_activity(db: Database, *, seed: int, today: dt.date | None = None) -> dict[str, int]:
    """Add a year of activity up to `today`; bulk inserts in one transaction, one audit entry.
    Returns the counts of what was added."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    start = today - dt.timedelta(days=365)
    rules = visit_rules(db)
    contacts = db.execute(
        "SELECT c.staff_id, c.household_id, c.since, h.contact_class FROM contacts c "
        "JOIN households h ON h.id = c.household_id JOIN staff s ON s.id = c.staff_id "
        "WHERE c.until IS NULL AND h.status = 'active' AND s.status = 'active' ORDER BY c.household_id, c.id"
    ).fetchall()
    leaders = [r[0] for r in db.execute(
        "SELECT name FROM staff WHERE status = 'active' AND kind IN ('town_cadre', 'village_cadre') ORDER BY id")]
    leaders = leaders or ["镇领导"]
    # Visits a year each worker owes; one with more than ROUND_SIZE a round day can keep up with
    # gets bigger rounds (the generator gives a village's principal cadres hundreds of households).
    owed: dict[int, float] = {}
    for staff_id, _hid, _since, cls in contacts:
        owed[staff_id] = owed.get(staff_id, 0.0) + 365 / rules.get(cls, 90)
    size = {sid: max(ROUND_SIZE, math.ceil(n / ROUND_DAYS * 1.3)) for sid, n in owed.items()}
    seen: set[int] = set()
    rounds: dict[tuple[int, str], list[int]] = {}
    for staff_id, hid, since, cls in contacts:
        if hid in seen:  # one contact visits a household; a second contact's visits would double the figures
            continue
        seen.add(hid)
        days = rules.get(cls, 90)
        first = max(start, dt.date.fromisoformat(since) if since else start)
        day = first + dt.timedelta(days=rng.uniform(0, days))
        late = rng.random() < LATE_SHARE
        stop = today - dt.timedelta(days=days * rng.uniform(1.2, 3.0)) if late else today
        while day <= stop:
            visit_day = _round_day(day, first, stop)
            # A full round moves the visit to a later round day.
            for _ in range(8):
                if visit_day is None or visit_day > stop:
                    break
                round_ = rounds.setdefault((staff_id, visit_day.isoformat()), [])
                if len(round_) < size[staff_id]:
                    round_.append(hid)
                    break
                visit_day += dt.timedelta(days=3 if visit_day.weekday() == 1 else 4)
            day += dt.timedelta(days=days * rng.uniform(0.75, 1.05))
    next_visit = (db.execute("SELECT max(id) FROM visits").fetchone()[0] or 0) + 1
    next_entry = (db.execute("SELECT max(id) FROM log_entries").fetchone()[0] or 0) + 1
    visit_rows, covered_rows, need_rows, entry_rows, entry_links, comment_rows = [], [], [], [], [], []
    for (staff_id, day), households in sorted(rounds.items(), key=lambda item: (item[0][1], item[0][0])):
        kind = KINDS(rng)
        learned = "；".join(rng.sample(LEARNED, min(len(LEARNED), rng.randint(1, 2))))
        stamp = f"{day} {rng.randint(17, 20):02d}:{rng.randint(0, 59):02d}:00"
        visit_rows.append((next_visit, staff_id, day, kind, learned, "active", stamp, stamp))
        covered_rows.extend((next_visit, hid, day) for hid in households)
        for hid in households:
            if rng.random() < 0.05:
                need_rows.append(_need(rng, hid, next_visit, staff_id, day, today, stamp))
        if rng.random() < 0.7:
            text = rng.choice(LOG_LINES).format(n=len(households), what=learned)
            entry_rows.append((next_entry, staff_id, day, text, "active", "system", stamp, stamp))
            entry_links.extend((next_entry, hid) for hid in households[:5])
            if rng.random() < 0.15:
                at = dt.date.fromisoformat(day) + dt.timedelta(days=rng.randint(0, 6))
                at = min(at, today)
                clock = f"{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}:00"
                comment_rows.append((next_entry, rng.choice(leaders), f"{at} {clock}", rng.choice(COMMENTS)))
            next_entry += 1
        next_visit += 1
    with db.atomic():
        db.conn.executemany("INSERT INTO visits(id, staff_id, visited_on, kind, learned, status, created_at, "
                            "updated_at) VALUES (?,?,?,?,?,?,?,?)", visit_rows)
        db.conn.executemany("INSERT INTO visit_households(visit_id, household_id, visited_on, voided) VALUES (?,?,?,0)",
                            covered_rows)
        db.conn.executemany("INSERT INTO needs(household_id, visit_id, staff_id, raised_on, content, status, "
                            "solved_on, solution, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", need_rows)
        db.conn.executemany("INSERT INTO log_entries(id, staff_id, entry_date, text, status, written_by, created_at, "
                            "updated_at) VALUES (?,?,?,?,?,?,?,?)", entry_rows)
        db.conn.executemany("INSERT INTO log_households(entry_id, household_id) VALUES (?,?)", entry_links)
        db.conn.executemany("INSERT INTO log_comments(entry_id, author, at, text) VALUES (?,?,?,?)", comment_rows)
        counts = {"visits": len(visit_rows), "household_visits": len(covered_rows), "needs": len(need_rows),
                  "log_entries": len(entry_rows), "comments": len(comment_rows)}
        trail.record(db, "visits.generate", "visits", None, new={**counts, "seed": seed})
    return counts


def _round_day(day: dt.date, first: dt.date, stop: dt.date) -> dt.date | None:
    """The worker's round day nearest to `day`: Tuesday, or Friday for the return round."""
    weekday = day.weekday()
    target = 1 if weekday <= 2 else 4  # Tuesday for Mon–Wed, Friday for Thu–Sun
    moved = day + dt.timedelta(days=target - weekday)
    if moved > stop:
        moved -= dt.timedelta(days=7)
    return moved if moved >= first else None


def _need(rng: random.Random, hid: int, visit_id: int, staff_id: int, day: str, today: dt.date, stamp: str) -> tuple:
    content = rng.choice(NEEDS)
    solved = dt.date.fromisoformat(day) + dt.timedelta(days=rng.randint(2, 60))
    if solved <= today and rng.random() < 0.9:
        return (hid, visit_id, staff_id, day, content, "solved", solved.isoformat(), rng.choice(SOLUTIONS), stamp,
                f"{solved} 17:00:00")
    return (hid, visit_id, staff_id, day, content, "open", None, "", stamp, stamp)
