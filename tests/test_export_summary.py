import re

import openpyxl
import pytest

from commands._progress import consume
from exports import monthly_summary, public_notice, workbook
from gridoffice.audit import journal
from gridoffice.masking import find_unmasked
from gridoffice.access.users import whole_office
from tests._reports import MONTH, loop_grid_figures, loop_matters


# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")


@pytest.fixture
def office(activity_office):
    return activity_office


def _table(ws):
    """{row label: {header: value}} below the header rows (header = the last header row)."""
    head = workbook.header_height(ws)
    headers = [ws.cell(head, c).value or ws.cell(head - 1, c).value for c in range(1, ws.max_column + 1)]
    return {row[0]: dict(zip(headers, row)) for row in ws.iter_rows(min_row=head + 1, values_only=True)}


def _sum_formula_total(ws, col_letter, formula):
    m = re.fullmatch(rf"=SUM\({col_letter}(\d+):{col_letter}(\d+)\)", formula)
    assert m, formula
    return sum(ws[f"{col_letter}{r}"].value or 0 for r in range(int(m.group(1)), int(m.group(2)) + 1))


def test_summary_cells_match_loops(office, tmp_path):
    path = tmp_path / "月度汇总.xlsx"
    consume(monthly_summary.write(office, path, MONTH, scope=ADMIN), quiet=True)
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 8
    grid_names = dict(office.execute("SELECT name, id FROM org_units WHERE level = 'grid'"))
    loops = loop_grid_figures(office, "2026-10-01", "2026-11-01", __import__("datetime").date(2026, 10, 31))
    work, handling, people = wb["走访日志（按网格）"], wb["诉求办理（按网格）"], wb["人口（按网格）"]
    checked = 0
    for ws, fields in ((work, {"走访次数": "visits", "走访户数": "households_visited", "应走访户数": "rule_households",
                               "按期走访户数": "covered", "日志条数": "log_entries", "领导点评": "comments"}),
                       (handling, {"受理诉求": "received", "已办结": "closed", "按期办结": "closed_on_time",
                                   "超期未办": "overdue", "评价件数": "evaluated", "满意件数": "satisfied"}),
                       (people, {"户数": "households", "人数": "persons", "残疾人": "disabled",
                                 "60岁以上老人": "age:elderly_60"})):
        table = _table(ws)
        for name, gid in grid_names.items():
            for header, field in fields.items():
                if header in table[name]:
                    assert table[name][header] == loops[gid].get(field, 0), (ws.title, name, header)
                    checked += 1
    assert checked > 20
    # The total row is a live SUM over the grid rows; the rates are formulas over the same row.
    table = _table(handling)
    total = table["合计"]
    assert _sum_formula_total(handling, "B", total["受理诉求"]) == sum(v.get("received", 0) for v in loops.values())
    assert total["办结率"].startswith("=IF(") and "/" in total["办结率"]
    assert re.match(r'=IF\(OR\(B\d+="",B\d+=0,B\d+=""\),"",\(B\d+-B\d+\)/B\d+\)', table["环比"]["受理诉求"])
    prev = loop_matters(office, "grid_id", "2026-09-01", "2026-10-01")
    before = [k for k in table if k and k.startswith("上月")][0]
    assert table[before]["受理诉求"] == sum(c["received"] for c in prev.values())


def test_office_layout(office, tmp_path):
    path = tmp_path / "s.xlsx"
    consume(monthly_summary.write(office, path, MONTH, scope=ADMIN), quiet=True)
    ws = openpyxl.load_workbook(path)["诉求分类（按网格）"]
    assert "2026年10月" in ws["A1"].value and ws["A1"].font.bold
    assert ws.freeze_panes == "B4" and ws.print_title_rows == "$1:$3"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.orientation == "landscape"
    assert "测试员" in ws.oddFooter.left.text and "制表日期" in ws.oddFooter.center.text
    assert ws["C3"].font.bold and ws["C3"].border.left.style == "thin"
    entry = journal.query(office, journal.Filter(action="export"), scope=ADMIN)[0]
    assert entry.new["kind"] == "monthly_summary"


def test_text_width_counts_chinese_double():
    assert workbook.text_width("网格") == 4 and workbook.text_width("ab") == 2 and workbook.text_width(None) == 0


def test_failed_save_leaves_no_file(tmp_path, monkeypatch):
    wb = workbook.new_workbook()
    wb.create_sheet("x")
    target = tmp_path / "out.xlsx"

    def boom(self, filename):
        open(filename, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(type(wb), "save", boom)
    with pytest.raises(OSError):
        workbook.save(wb, target)
    assert list(tmp_path.iterdir()) == []


def test_notice_cells_and_masking(office, tmp_path):
    path = tmp_path / "公示.xlsx"
    consume(public_notice.write(office, path, MONTH, scope=ADMIN), quiet=True)
    wb = openpyxl.load_workbook(path)
    names = {r[0] for r in office.execute("SELECT name FROM persons")} | {
        r[0] for r in office.execute("SELECT resident_name FROM matters WHERE resident_name != ''")}
    staff = {r[0] for r in office.execute("SELECT name FROM staff")}
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if value is None:
                    continue
                text = str(value)
                cells += 1
                assert not find_unmasked(text), text
                # Team members are named (they serve the public); no resident's name appears anywhere.
                parts = set(re.split(r"[、，,\s]", text))
                assert not (parts & (names - staff)), text
    assert cells > 50
    matters = loop_matters(office, "grid_id", "2026-10-01", "2026-11-01")
    listed = [r for r in wb["诉求办理公示"].iter_rows(min_row=3, values_only=True)]
    team_grids = [r[0] for r in office.execute("SELECT grid_id FROM teams WHERE status = 'active'")]
    assert len(listed) == sum(matters[g]["received"] for g in team_grids)
    teams = _table(wb["服务团队公示"])
    assert sum(row["受理诉求"] for row in teams.values()) == len(listed)


def test_a_fall_to_nothing_prints_as_minus_100_percent_not_hashes(office, tmp_path):
    """The month after the activity office's year: most figures fall to nothing. The 环比 row is
    whole percents with a sign, narrow enough for the figure columns once printed."""
    import shutil
    import subprocess

    path = tmp_path / "summary.xlsx"
    consume(monthly_summary.write(office, path, "2026-11", scope=ADMIN), quiet=True)
    ws = openpyxl.load_workbook(path)["诉求分类（按网格）"]
    change = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "环比")
    assert {ws.cell(change, c).number_format for c in range(2, ws.max_column + 1)} == {workbook.CHANGE}
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice prints the workbook as a clerk would")
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "summary.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "-100%" in text and "###" not in text
