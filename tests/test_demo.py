import datetime as dt

import pytest

from gridoffice import idcard
from gridoffice.audit import trail
from gridoffice.demo import activity, generator

from commands import run as cli


def test_a_year_of_activity_lands_in_the_office(small_office):
    job = activity.add_activity(small_office, seed=7, today=dt.date(2026, 11, 1))
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        counts = stop.value
    assert steps[-1][0] == steps[-1][1]
    for table, key in (("matters", "matters"), ("visits", "visits"), ("log_entries", "log_entries"),
                       ("team_reviews", "team_reviews")):
        assert counts[key] > 0
        assert small_office.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[key]
    first, last = small_office.execute("SELECT min(visited_on), max(visited_on) FROM visits").fetchone()
    assert "2025-11-01" <= first and last <= "2026-11-01"
    assert small_office.execute("SELECT min(month), max(month) FROM team_reviews").fetchone() == ("2025-11", "2026-10")
    assert [p for _, _, p in trail.verify(small_office) if p] == []


def test_generate_command_adds_the_year_unless_told_not_to(tmp_path, capsys):
    assert cli(["generate", "--db", str(tmp_path / "a.db"), "--households", "120", "--seed", "2",
                "--today", "2026-11-01", "-q"]) == 0
    assert "民情事项" in capsys.readouterr().out
    assert cli(["generate", "--db", str(tmp_path / "b.db"), "--households", "120", "--seed", "2",
                "--today", "2026-11-01", "-q", "--no-activity"]) == 0
    assert "民情事项" not in capsys.readouterr().out


@pytest.mark.parametrize("today", [dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date(2026, 12, 31)],
                         ids=["new-year", "leap-day", "new-years-eve"])
def test_the_demo_year_looks_right_on_any_day(db, today):
    """The demo's year of activity ends on the day it is made: at a year's turn and on a leap day too."""
    for _ in generator.generate(db, households=120, seed=5, today=today):
        pass
    job = activity.add_activity(db, seed=5, today=today)
    for _ in job:
        pass

    def span(sql):
        return db.execute(sql).fetchone()

    year_ago = (today - dt.timedelta(days=366)).isoformat()
    end = today.isoformat()
    for sql in ("SELECT min(visited_on), max(visited_on) FROM visits",
                "SELECT min(entry_date), max(entry_date) FROM log_entries",
                "SELECT min(raised_on), max(raised_on) FROM needs",
                "SELECT min(solved_on), max(solved_on) FROM needs",
                "SELECT min(substr(received_at, 1, 10)), max(substr(received_at, 1, 10)) FROM matters",
                "SELECT min(substr(closed_at, 1, 10)), max(substr(closed_at, 1, 10)) FROM matters"):
        first, last = span(sql)
        assert year_ago <= first and last <= end, (sql, first, last)
    assert span("SELECT count(*) FROM matters WHERE closed_at < received_at")[0] == 0
    assert span("SELECT count(*) FROM needs WHERE solved_on < raised_on")[0] == 0
    # Every resident was born by the day, and every ID number holds a real birth date.
    assert span("SELECT max(birth_date) FROM persons")[0] <= end
    numbers = [r[0] for r in db.execute("SELECT id_number FROM persons WHERE id_number IS NOT NULL")]
    assert numbers and all(idcard.parse_id(n, today=today).birth_date <= today for n in numbers)
    # The month the reports offer first (the one before the day) has work to show.
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    for table, column in (("visits", "visited_on"), ("log_entries", "entry_date"), ("matters", "received_at")):
        assert span(f"SELECT count(*) FROM {table} WHERE substr({column}, 1, 7) = '{month}'")[0] > 0, table
    assert [p for _, _, p in trail.verify(db) if p] == []
