import datetime as dt

from gridoffice import audit, demo

from commands import run as cli


def test_a_year_of_activity_lands_in_the_office(small_office):
    job = demo.add_activity(small_office, seed=7, today=dt.date(2026, 11, 1))
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        counts = stop.value
    assert steps[-1][0] == steps[-1][1]
    for table, key in (("matters", "matters"), ("visits", "visits"), ("log_entries", "log_entries")):
        assert counts[key] > 0
        assert small_office.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[key]
    first, last = small_office.execute("SELECT min(visited_on), max(visited_on) FROM visits").fetchone()
    assert "2025-11-01" <= first and last <= "2026-11-01"
    assert [p for _, _, p in audit.verify(small_office) if p] == []


def test_generate_command_adds_the_year_unless_told_not_to(tmp_path, capsys):
    assert cli(["generate", "--db", str(tmp_path / "a.db"), "--households", "120", "--seed", "2",
                "--today", "2026-11-01", "-q"]) == 0
    assert "民情事项" in capsys.readouterr().out
    assert cli(["generate", "--db", str(tmp_path / "b.db"), "--households", "120", "--seed", "2",
                "--today", "2026-11-01", "-q", "--no-activity"]) == 0
    assert "民情事项" not in capsys.readouterr().out
