"""The filter builder every list query uses: conditions and parameters stay in step."""

from gridoffice.store.where import Where


def test_a_blank_filter_adds_no_condition_but_zero_is_a_value():
    where = Where("h.status = 'active'").equal("h.grade", None).equal("h.name", "").equal("h.class", 0)
    assert where.sql == "h.status = 'active' AND h.class = ?"
    assert where.params == [0]


def test_conditions_keep_their_parameters_in_order():
    where = Where("m.state IN (?,?)", params=("a", "b"))
    where.add("m.number >= ? AND m.number < ?", "2026", "2026\uffff").extend(["p.birth_date > ?"], ["1990-01-01"])
    assert where.clause == " WHERE m.state IN (?,?) AND m.number >= ? AND m.number < ? AND p.birth_date > ?"
    assert where.params == ["a", "b", "2026", "2026\uffff", "1990-01-01"]


def test_no_condition_means_every_row():
    assert Where().clause == ""
    assert Where().sql == "1"
