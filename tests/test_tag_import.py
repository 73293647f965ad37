"""Special-group lists from other departments imported on their own: the same trial run, report and
refusals as the roster."""

import datetime as dt

import openpyxl
import pytest

import commands
from commands._progress import consume
from exports.import_report import write_report
from gridoffice.archive import tag_import
from gridoffice.errors import PermissionDenied, ValidationError
from gridoffice.access.users import whole_office
from gridoffice.access.scope import bind

TODAY = dt.date(2026, 11, 1)


def _people(db, n=4):
    """Active members with no tags at all: what a list adds to them is all there is."""
    return db.execute(
        "SELECT p.id, p.name, p.id_number FROM persons p JOIN households h ON h.id = p.household_id "
        "WHERE p.status = 'active' AND h.status = 'active' AND NOT EXISTS (SELECT 1 FROM person_tags t "
        "WHERE t.person_id = p.id) ORDER BY p.id LIMIT ?", [n]).fetchall()


def _list(path, rows, header=("序号", "姓名", "身份证号码", "类别", "认定日期", "退出日期", "备注")):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某县民政局低保对象名单"])
    ws.append(list(header))
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    ws.append(["合计", f"{len(rows)}人"])
    for row in ws.iter_rows(min_row=3):
        row[2].number_format = "@"
    wb.save(path)
    return path


def _tags(db, person_id):
    return db.execute("SELECT tag, since, until, coalesce(note, '') FROM person_tags WHERE person_id = ? "
                      "ORDER BY since", [person_id]).fetchall()


def test_a_list_adds_entries_ends_them_and_refuses_what_it_cannot_trust(small_office, tmp_path):
    (a, name_a, id_a), (b, name_b, id_b), (c, name_c, id_c), (d, _, id_d) = _people(small_office)
    path = _list(tmp_path / "低保.xlsx", [
        (name_a, id_a, "低保/困难家庭", "2024-03-01", "", "城市低保"),
        (name_b, id_b, "", dt.datetime(2023, 5, 6), dt.datetime(2025, 1, 31), ""),  # the list's own register
        (name_c, id_c, "外星人", "2024-01-01", "", ""),
        ("别人", id_d, "", "2024-01-01", "", ""),
        ("查无此人", "110101199003076552", "", "2024-01-01", "", ""),
        (name_a, id_a, "残疾人", "2024-13-01", "", ""),
        (name_b, id_b, "残疾人", "2024-05-01", "2024-01-01", ""),
        (name_a, id_a, "低保/困难家庭", "2024-03-01", "", "城市低保"),  # the same row twice
    ])
    trial = consume(tag_import.import_file(small_office, path, tag="低保/困难家庭", dry_run=True, today=TODAY),
                    quiet=True)
    assert _tags(small_office, a) == [] and trial.dry_run
    assert (trial.rows, trial.skipped, trial.entries_added, trial.duplicates) == (8, 1, 2, 1)
    reasons = {r.row: r.reason for r in trial.refused}
    assert "人群类别“外星人”不存在" in reasons[5]
    assert "姓名“别人”与系统中" in reasons[6]
    assert "系统中没有身份证号码为110**************2的在册人员" in reasons[7]
    assert "开始日期“2024-13-01”不是有效日期" in reasons[8]
    assert "结束日期2024-01-01早于开始日期2024-05-01" in reasons[9]

    result = consume(tag_import.import_file(small_office, path, tag="低保/困难家庭", today=TODAY), quiet=True)
    assert (result.entries_added, result.persons_updated, len(result.refused)) == (2, 2, 5)
    assert _tags(small_office, a) == [("low_income", "2024-03-01", None, "城市低保")]
    assert _tags(small_office, b) == [("low_income", "2023-05-06", "2025-01-31", "")]
    actions = [r[0] for r in small_office.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 3")]
    assert actions == ["import", "import_tag", "import_tag"]

    # The same list again changes nothing; a later list ends A's entry.
    again = consume(tag_import.import_file(small_office, path, tag="低保/困难家庭", today=TODAY), quiet=True)
    assert (again.entries_added, again.entries_changed, again.persons_unchanged) == (0, 0, 2)
    later = _list(tmp_path / "退出.xlsx", [(name_a, id_a, "低保/困难家庭", "2024-03-01", "2026-06-30", "")])
    ended = consume(tag_import.import_file(small_office, later, today=TODAY), quiet=True)
    assert ended.entries_changed == 1
    assert _tags(small_office, a) == [("low_income", "2024-03-01", "2026-06-30", "城市低保")]

    # The report lists the refused rows under the list's own headers, ready to import again.
    report = write_report(tmp_path / "报告.xlsx", result)
    ws = openpyxl.load_workbook(report).worksheets[0]
    assert [c.value for c in ws[2]][:7] == ["序号", "姓名", "身份证号码", "人群类别", "开始日期", "结束日期", "说明"]
    assert ws.cell(3, 3).data_type == "s" and ws.max_row == 2 + 5
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(report)["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["加入名册的记录"] == 2


def test_a_list_needs_an_id_column_and_a_register(small_office, tmp_path):
    (_, name, id_number), = _people(small_office, 1)
    path = _list(tmp_path / "x.xlsx", [(name, id_number, "", "2024-01-01", "", "")],
                 header=("序号", "姓名", "身份证号码", "备", "开始日期", "结束日期", "说明"))
    with pytest.raises(ValidationError, match="请选定整份名单的类别"):
        consume(tag_import.import_file(small_office, path, dry_run=True, today=TODAY), quiet=True)
    bare = _list(tmp_path / "y.xlsx", [(name, id_number)], header=("序号", "名字", "号码"))
    with pytest.raises(ValidationError, match="找不到“身份证号码”列"):
        consume(tag_import.import_file(small_office, bare, tag="残疾人", today=TODAY), quiet=True)


def test_a_role_without_sensitive_registers_gets_them_refused(small_office, tmp_path):
    (person, name, id_number), = _people(small_office, 1)
    scope = whole_office("测试员")
    bind(small_office, type(scope)(**{**scope.__dict__, "tags": scope.tags - {"disabled"}}))
    path = _list(tmp_path / "残疾.xlsx", [(name, id_number, "残疾人", "2024-01-01", "", "")])
    result = consume(tag_import.import_file(small_office, path, today=TODAY), quiet=True)
    assert "不能导入“残疾人”这类敏感信息" in result.refused[0].reason and _tags(small_office, person) == []


def test_a_grid_worker_may_not_import_a_list(small_office, tmp_path):
    scope = whole_office("测试员")
    grid = small_office.execute("SELECT id, path FROM org_units WHERE level = 'grid'").fetchone()
    bind(small_office, type(scope)(**{**scope.__dict__, "org_ids": frozenset({grid[0]}), "root": grid[0],
                                      "path": grid[1]}))
    (_, name, id_number), = _people(small_office, 1)
    path = _list(tmp_path / "残疾.xlsx", [(name, id_number, "残疾人", "2024-01-01", "", "")])
    with pytest.raises(PermissionDenied):
        consume(tag_import.import_file(small_office, path, today=TODAY), quiet=True)


def test_the_import_command_takes_a_list(small_office, tmp_path, capsys):
    (person, name, id_number), = _people(small_office, 1)
    path = _list(tmp_path / "优抚.xlsx", [(name, id_number, "", "2020-08-01", "", "")],
                 header=("序号", "姓名", "公民身份号码", "备", "纳入时间", "退出时间", "说明"))
    db_path = str(tmp_path / "office.db")
    small_office.close()
    code = commands.run(["import", "--db", db_path, str(path), "--tag", "优抚对象", "-q",
                         "--report", str(tmp_path / "r.xlsx")])
    out = capsys.readouterr().out
    assert code == 0 and "加入名册1条" in out
    from gridoffice.store.db import connect

    db = connect(db_path, readonly=True)
    assert db.execute("SELECT tag, since FROM person_tags WHERE person_id = ?", [person]).fetchall() == [
        ("special_care", "2020-08-01")]
    db.close()
