"""The street's monthly summary, computed on PostgreSQL from the consolidated store: each community's
row equals that office's own monthly summary (whole office), the total their sum, and the workbook
has the office summary's layout with one row per community."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest

from commands._progress import consume
from exports import monthly_summary as summary_export
from gridoffice.reports import monthly
from gridoffice.consolidation import consolidate, store, street_summary
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests import _street

AT = dt.datetime(2026, 11, 30, 17, 0)
ADMIN = whole_office("admin")
MONTHS = ("2026-10", "2026-09")
FIELDS = ("households", "persons", "groups", "visits", "households_visited", "rule_households", "covered",
          "log_entries", "comments", "received", "closed", "closed_on_time", "overdue", "evaluated", "satisfied",
          "by_source")


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    """Three generated offices with a year of activity, one with visit rules of its own, each
    consolidated; the store lives for the module (its tests only read it)."""
    from tests.pg import drop_database, fresh_database

    folder = tmp_path_factory.mktemp("district")
    street = _street.make_street(folder)
    offices = [_street.make_busy_office(folder, street, seed=seed, households=40,
                                        rules={1: 14, 3: 200} if seed == 52 else None) for seed in (51, 52, 53)]
    packages = [_street.write_package(o.path, folder / f"{n}.pkg", at=AT) for n, o in enumerate(offices)]
    name, dsn = fresh_database()
    try:
        with store.connect(dsn) as conn:
            for o in offices:
                store.enroll(conn, uuid=o.card.uuid, division_code=o.card.division_code, name=o.card.name,
                             public_key=o.card.signing_key, by="测试街道")
            outcomes = consume(consolidate.consolidate(conn, packages, [street.key], by="测试街道"), quiet=True)
            assert [o.outcome for o in outcomes] == ["applied"] * 3
            yield conn, offices, folder
    finally:
        drop_database(name)
        shutil.rmtree(folder, ignore_errors=True)


def _own(office, month):
    db = open_db(office.path)
    try:
        return monthly.monthly_summary(db, month, scope=ADMIN)
    finally:
        db.close()


@pytest.mark.parametrize("month", MONTHS)
def test_each_community_equals_its_own_summary_and_the_total_their_sum(district, month):
    conn, offices, _folder = district
    summary = street_summary.monthly_summary(conn, month)
    rows = {r.key: r for r in summary.grids}
    assert len(rows) == 3 and summary.staff == ()
    assert [g.code for g in summary.groups] == [g.code for g in _own(offices[0], month).groups]
    names = [name for _, name in summary.categories]
    for office in offices:
        own = _own(office, month)
        row = rows[office.card.uuid]
        assert row.name == office.card.name
        for field in FIELDS:
            assert getattr(row, field) == getattr(own.total, field), (office.card.name, field)
        by_name = dict(zip(names, row.by_category))
        assert {name: by_name[name] for _, name in own.categories} == dict(
            zip([name for _, name in own.categories], own.total.by_category))
        assert sum(row.by_category) == sum(own.total.by_category)
        for field in ("visits", "log_entries", "received", "closed", "overdue"):
            assert getattr(summary.previous_total, field) == sum(getattr(_own(o, month).previous_total, field)
                                                                 for o in offices)
    for field in FIELDS:
        if field in ("groups", "by_source"):
            assert getattr(summary.total, field) == tuple(map(sum, zip(*(getattr(r, field) for r in summary.grids))))
        else:
            assert getattr(summary.total, field) == sum(getattr(r, field) for r in summary.grids)
    # The month has figures worth comparing: a year of generated activity.
    assert summary.total.visits and summary.total.received and summary.total.rule_households
    assert 0 < summary.total.covered < summary.total.rule_households


def test_the_visit_rules_of_each_office_judge_its_coverage(district):
    conn, offices, _folder = district
    rules = {uuid: r for uuid, r in conn.execute("SELECT uuid::text, visit_rules FROM offices")}
    assert rules[offices[1].card.uuid] == {"1": 14, "2": 60, "3": 200}
    assert rules[offices[0].card.uuid] == {"1": 30, "2": 60, "3": 90}


def test_the_workbook_has_the_office_layout_with_a_row_per_community(district, tmp_path):
    conn, offices, _folder = district
    summary = street_summary.monthly_summary(conn, "2026-10")
    path = consume(summary_export.write_summary(summary, tmp_path / "街道月度汇总.xlsx", maker="测试街道"), quiet=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["人口（按社区）", "走访日志（按社区）", "诉求分类（按社区）", "诉求办理（按社区）"]
    ws = wb["人口（按社区）"]
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    header = next(r for r in values if r and r[0] == "社区")
    assert header[1:3] == ["户数", "人数"]
    first = [r[0] for r in values].index(summary.grids[0].name)
    assert values.index(header) < first
    communities = values[first:first + 3]
    assert [r[0] for r in communities] == [r.name for r in summary.grids]
    assert [r[1] for r in communities] == [r.households for r in summary.grids]
    assert values[first + 3][0] == "合计" and str(values[first + 3][1]).startswith("=SUM(")


def test_a_bad_month_is_refused_in_chinese(district):
    from gridoffice.errors import ValidationError

    conn, _offices, _folder = district
    with pytest.raises(ValidationError, match="月份"):
        street_summary.monthly_summary(conn, "2026-13")


def test_the_street_summary_command_writes_the_workbook_and_refuses_a_bad_month(district, tmp_path, capsys,
                                                                                monkeypatch):
    from commands import run as run_command
    from gridoffice.consolidation import street_users

    conn, offices, _folder = district
    dsn = conn.info.dsn
    if not street_users.has_users(conn):
        street_users.add_user(conn, "jiedao", "street-admin-1", "street_admin", by=None)
    monkeypatch.setenv("GRIDOFFICE_STREET_USER", "jiedao")
    monkeypatch.setenv("GRIDOFFICE_STREET_PASSWORD", "street-admin-1")
    target = tmp_path / "2026-10.xlsx"
    assert run_command(["street", "summary", "--pg", dsn, "--month", "2026-10", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    total = street_summary.monthly_summary(conn, "2026-10").total
    assert "3个社区" in out and f"{total.households}户" in out
    assert openpyxl.load_workbook(target).sheetnames[0] == "人口（按社区）"
    exported = street_users.audit_entries(conn)[0]
    assert (exported.actor, exported.action, exported.detail) == (
        "jiedao", "export", {"what": "monthly_summary", "file": "2026-10.xlsx", "month": "2026-10", "rows": 3})
    assert run_command(["street", "summary", "--pg", dsn, "--month", "十月", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "月份" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()


def test_street_staff_see_no_sensitive_register(district):
    """As the window reads a community (street_view.scope_for): staff as a grid worker, without the
    sensitive registers; the figures of the groups they see are the administrator's."""
    from gridoffice.consolidation import street_view

    conn, _offices, _folder = district
    every = street_summary.monthly_summary(conn, "2026-10", scope=street_view.scope_for("jiedao", admin=True))
    staff = street_summary.monthly_summary(conn, "2026-10", scope=street_view.scope_for("zhiyuan", admin=False))
    assert "disabled" in [g.code for g in every.groups] and "disabled" not in [g.code for g in staff.groups]
    index = {g.code: i for i, g in enumerate(every.groups)}
    for row_all, row_staff in zip(every.grids, staff.grids):
        assert row_staff.groups == tuple(row_all.groups[index[g.code]] for g in staff.groups)


def test_a_category_order_that_is_no_number_does_not_break_the_streets_summary(tmp_path, monkeypatch):
    """An enrolled office's signed package names its categories' order as text (its program altered:
    the office file itself refuses that): the package is kept as sent, and the summary still adds up."""
    from gridoffice.consolidation import package as packages
    from tests.pg import drop_database, fresh_database

    street = _street.make_street(tmp_path)
    office = _street.make_busy_office(tmp_path, street, seed=57, households=20)
    real = packages._lines_sql
    monkeypatch.setattr(packages, "_lines_sql", lambda names, parts: real(
        names, ["'x'" if n == "sort" and "category_gid" not in names else p for n, p in zip(names, parts)]))
    package = _street.write_package(office.path, tmp_path / "1.pkg", at=AT)
    monkeypatch.undo()
    name, dsn = fresh_database()
    try:
        with store.connect(dsn) as conn:
            store.enroll(conn, uuid=office.card.uuid, division_code=office.card.division_code, name=office.card.name,
                         public_key=office.card.signing_key, by="测试街道")
            [outcome] = consume(consolidate.consolidate(conn, [package], [street.key], by="测试街道"), quiet=True)
            assert outcome.outcome == "applied", outcome.message
            summary = street_summary.monthly_summary(conn, "2026-10")
            own = _own(office, "2026-10")
            assert sorted(name for _, name in summary.categories) == sorted(name for _, name in own.categories)
            assert summary.total.received == own.total.received
    finally:
        drop_database(name)
