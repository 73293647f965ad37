import datetime as dt

from gridoffice.ages import age_on, birth_bounds, groups_of


def test_age_turns_on_the_birthday():
    assert age_on(dt.date(1966, 11, 22), dt.date(2026, 11, 21)) == 59
    assert age_on(dt.date(1966, 11, 22), dt.date(2026, 11, 22)) == 60


def test_leap_day_birthday_counts_from_first_march_in_common_years():
    assert age_on(dt.date(2000, 2, 29), dt.date(2060, 2, 28)) == 59
    assert age_on(dt.date(2000, 2, 29), dt.date(2060, 3, 1)) == 60


def test_birth_bounds_select_exactly_the_ages_of_a_group():
    day = dt.date(2026, 11, 22)
    lo, hi = birth_bounds(60, None, day)
    assert lo is None and hi == "1966-11-22"
    lo, hi = birth_bounds(None, 3, day)
    assert hi is None and lo == "2023-11-22"
    births = [dt.date(1900, 1, 1) + dt.timedelta(days=n) for n in range(0, 46000, 7)]
    for min_age, max_age in [(60, None), (None, 3), (14, 18), (80, None)]:
        lo, hi = birth_bounds(min_age, max_age, day)
        by_sql = {b for b in births if (lo is None or b.isoformat() > lo) and (hi is None or b.isoformat() <= hi)}
        by_age = {
            b for b in births
            if (min_age is None or age_on(b, day) >= min_age) and (max_age is None or age_on(b, day) < max_age)
        }
        assert by_sql == by_age


def test_groups_are_derived_on_the_given_day():
    birth = dt.date(2023, 12, 1)
    assert "under_3" in [g.code for g in groups_of(birth, dt.date(2026, 11, 30))]
    assert "under_3" not in [g.code for g in groups_of(birth, dt.date(2026, 12, 1))]
