"""Crafted and broken spreadsheets: each is refused with a Chinese message, quickly, with nothing
written; the reader runs in a child process whose crash or exhaustion the program survives."""

from __future__ import annotations

import multiprocessing
import sys
import time

import pytest

import commands
from tests import crafted
from gridoffice.org import regions
from gridoffice.roster import child
from gridoffice.store.db import open_db
from gridoffice.errors import ValidationError
from gridoffice.roster.limits import MAX_CELL_CHARS
from gridoffice.roster.read import read_sheet, read_sheet_job, sheet_names
from test_import import messy_workbook

# file -> what the message must say (each names the trouble and what to do)
EXPECTED = {
    "far-cell.xlsx": ("1,048,576行×16,384列", "删除这些行列"),
    "far-cell-undeclared.xlsx": ("意外退出", "本程序未受影响"),
    "zip-bomb.xlsx": ("解压后却有2,572 MB", "异常构造"),
    "zip-bomb-lying.xlsx": ("无法读取", "另存为.xlsx"),
    "long-cell.csv": ("第3行H列", "1,000,000个字", f"最多{MAX_CELL_CHARS:,}个字"),
    "long-cell.xlsx": ("第3行H列", "至少32,767个字", f"最多{MAX_CELL_CHARS:,}个字"),
    "not-a-zip.xlsx": ("不是Excel表格", "另存为.xlsx"),
    "zip-not-xlsx.xlsx": ("是一个压缩包", "没有Excel工作表"),
    "truncated.xlsx": ("不完整或已损坏", "重新获取"),
    "text.xls": ("内容却是文本", "另存为"),
}


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    db = open_db(path)
    community = regions.create_unit(db, None, "community", "东风社区")
    regions.create_unit(db, community, "grid", "第1网格")
    db.close()
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_crafted_file_is_refused_quickly_and_nothing_is_written(office, tmp_path, capsys, name):
    hostile = crafted.MAKERS[name](tmp_path / name)
    start = time.perf_counter()
    assert commands.run(["import", "--db", str(office), str(hostile)]) == 2
    assert time.perf_counter() - start < 20  # seconds, on a loaded 2-core machine; ~0.5 s when idle
    err = capsys.readouterr().err
    assert "导入失败，数据库未改动" in err
    for words in EXPECTED[name]:
        assert words in err
    assert "Traceback" not in err and "Error" not in err
    db = open_db(office)
    assert db.execute("SELECT count(*) FROM persons").fetchone()[0] == 0
    db.close()
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is how the child's memory is bounded")
def test_the_reader_aborting_leaves_this_process_alive(tmp_path):
    # In-process calamine asks for 512 GB here and aborts the whole program (exit 134).
    hostile = crafted.far_cell_undeclared(tmp_path / "far.xlsx")
    with pytest.raises(ValidationError, match="意外退出"):
        read_sheet(hostile)
    assert read_sheet(messy_workbook(tmp_path / "good.xlsx")).name == "花名册"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is how the child's memory is bounded")
def test_the_child_runs_under_a_memory_limit(tmp_path):
    good = messy_workbook(tmp_path / "good.xlsx")
    assert child.run(child.read(good, None, want_sheet=True))
    # 16 MB cannot even hold the reader's own code: the limit is really applied to the child.
    with pytest.raises(ValidationError, match="内存|意外退出|无法读取"):
        child.run(child.read(good, None, want_sheet=True, memory=16 * 2**20))


def test_a_read_past_its_time_is_stopped_and_the_child_ended(tmp_path):
    good = messy_workbook(tmp_path / "good.xlsx")
    with pytest.raises(ValidationError, match="超过了"):
        child.run(child.read(good, None, want_sheet=True, seconds=0))
    assert multiprocessing.active_children() == []


def test_cancelling_a_read_ends_the_child(tmp_path):
    job = read_sheet_job(messy_workbook(tmp_path / "good.xlsx"))
    next(job)
    job.close()
    assert multiprocessing.active_children() == []


def test_the_child_gives_the_cells_calamine_gives(tmp_path):
    from python_calamine import CalamineWorkbook

    good = messy_workbook(tmp_path / "good.xlsx")
    raw = read_sheet(good)
    with CalamineWorkbook.from_path(str(good)) as book:
        sheet = book.get_sheet_by_name("花名册")
        expected = [tuple(r) for r in sheet.to_python(skip_empty_area=False)]
        merged = tuple((t, l, b, r) for (t, l), (b, r) in sheet.merged_cell_ranges)
    assert list(raw.rows) == expected
    assert [type(c) for r in raw.rows for c in r] == [type(c) for r in expected for c in r]
    assert raw.merged == merged and raw.merged
    assert sheet_names(good) == ["花名册"]


def test_a_csv_beyond_the_row_or_column_limits_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("gridoffice.roster.limits.MAX_ROWS", 50)
    rows = tmp_path / "rows.csv"
    rows.write_text("\n".join(f"H{i},张{i}" for i in range(60)), encoding="utf-8")
    with pytest.raises(ValidationError, match="在第51行停止读取"):
        read_sheet(rows)
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["x"] * 201) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="超过了一次导入的上限"):
        read_sheet(wide)


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("gridoffice.roster.limits.MAX_FILE_BYTES", 1000)
    big = messy_workbook(tmp_path / "big.xlsx")
    with pytest.raises(ValidationError, match="超过了1 KB的上限"):
        sheet_names(big)
