"""Faults a clerk meets, for every command: a folder or a text file given as --db, a database another
program is writing, an output path that is a folder, a read-only folder, a full disk. Each ends in
a Chinese message that says what to do, no traceback, and nothing half written."""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import commands
from gridoffice.store import db as database
from gridoffice.access import keys
from test_import import messy_workbook

TODAY = "2026-11-15"
DB, OUT, OUTDIR, ROSTER, LIST, BACKUP, GRID, ORG, MATTER = (
    "{db}", "{out}", "{outdir}", "{roster}", "{list}", "{backup}", "{grid}", "{org}", "{matter}")

# Each command once, with the file it writes (if any) in the folder a fault is put on.
COMMANDS = {
    "search": ["search", "--db", DB, "张"],
    "check": ["check", "--db", DB, "-q"],
    "audit-check": ["audit", "check", "--db", DB],
    "audit-list": ["audit", "list", "--db", DB],
    "users-list": ["users", "list", "--db", DB],
    "generate": ["generate", "--db", DB, "--households", "5", "--today", TODAY, "-q"],
    "restore": ["restore", "--db", DB, BACKUP],
    "backup": ["backup", "--db", DB, "--to", OUTDIR],
    "import": ["import", "--db", DB, ROSTER, "--report", OUT + ".xlsx", "-q"],
    "import-list": ["import", "--list", "--db", DB, LIST, "--tag", "残疾人", "--report", OUT + ".xlsx", "-q"],
    "export-summary": ["export", "summary", "--db", DB, "--month", "2026-10", "-o", OUT + ".xlsx", "-q"],
    "export-roster": ["export", "roster", "--db", DB, "-o", OUT + ".xlsx", "-q"],
    "export-village-file": ["export", "village-file", "--db", DB, "--org", ORG, "-o", OUT + ".pdf", "-q"],
    "cards": ["cards", "--db", DB, "--grid", GRID, "-o", OUT + ".pdf"],
    "dossier": ["dossier", "matter", MATTER, "--db", DB, "-o", OUT + ".pdf"],
}
WRITERS = [name for name, argv in COMMANDS.items() if OUTDIR in argv or any(OUT in a for a in argv)]
# Words a message may hold besides Chinese: names of formats and of the command's own options.
ALLOWED = {"SQLite", "Excel", "CSV", "PDF", "UTF", "xlsx", "xls", "pdf", "db", "to", "office", "csv"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    path = folder / "office.db"
    assert commands.run(["generate", "--db", str(path), "--households", "30", "--seed", "3", "--today", TODAY,
                         "-q"]) == 0
    db = database.connect(path, readonly=True)
    grid = db.execute("SELECT name FROM org_units WHERE level = 'grid' ORDER BY id LIMIT 1").fetchone()[0]
    org = db.execute("SELECT name FROM org_units WHERE level = 'community' ORDER BY id LIMIT 1").fetchone()[0]
    matter = db.execute("SELECT number FROM matters ORDER BY id LIMIT 1").fetchone()[0]
    people = db.execute("SELECT name, id_number FROM persons WHERE status = 'active' ORDER BY id LIMIT 2").fetchall()
    db.close()
    return path, grid, org, matter, people


@pytest.fixture
def setup(generated, tmp_path):
    source, grid, org, matter, people = generated
    work = tmp_path / "work"
    work.mkdir()
    path = work / "office.db"
    backup = work / "good-backup.db"
    for target in (path, backup):  # an office and its key file are copied together
        shutil.copy(source, target)
        shutil.copy(keys.path_for(source), keys.path_for(target))
    roster = messy_workbook(work / "roster.xlsx")
    # A 残疾 list from another department: one person on record, one the office does not know.
    listed = special_list(work / "残疾人名单.xlsx", [*people, ("查无此人", "110101199003076552")])
    (tmp_path / "out").mkdir()
    return {"db": path, "grid": grid, "org": org, "matter": matter, "backup": backup, "roster": roster,
            "list": listed, "outdir": tmp_path / "out", "out": tmp_path / "out" / "结果"}


def special_list(path: Path, people, header=("序号", "姓名", "身份证号码", "认定日期")) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某县残联残疾人名单"])
    ws.append(list(header))
    for n, (name, number) in enumerate(people, start=1):
        ws.append([n, name, number, "2024-03-01"][:len(header)])
    wb.save(path)
    return path


def _argv(name: str, values: dict) -> list[str]:
    return [a.format(**{k: str(v) for k, v in values.items()}) for a in COMMANDS[name]]


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.is_dir() else set()


def _assert_told(err: str, values: dict) -> None:
    assert err.strip(), "no message at all"
    assert "Traceback" not in err
    assert re.search("[\u4e00-\u9fff]", err)
    assert "请" in err, f"the message does not say what to do: {err}"
    text = err
    shown = {str(v) for v in values.values()} | {Path(str(v)).name for v in values.values()}
    for v in sorted(shown, key=len, reverse=True):
        text = text.replace(v, "")
    text = re.sub(r"--[a-z-]+", "", text)
    english = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED
    assert not english, f"English in the message: {english} in {err}"


def _run(name, values, capsys):
    code = commands.run(_argv(name, values))
    return code, capsys.readouterr().err


# --- faults of the office file ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_db_naming_a_folder(setup, capsys, name):
    folder = setup["db"].parent / "办公室文件夹"
    folder.mkdir()
    values = {**setup, "db": folder}
    code, err = _run(name, values, capsys)
    assert code != 0
    assert "是一个文件夹" in err
    _assert_told(err, values)
    assert _listing(folder) == set()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_db_naming_a_text_file(setup, capsys, name):
    text = setup["db"].parent / "说明.txt"
    text.write_text("这是一份说明，不是数据库。\n" * 40, encoding="utf-8")
    before = _digest(text)
    values = {**setup, "db": text}
    code, err = _run(name, values, capsys)
    assert code != 0
    assert "是一个文本文件" in err and "损坏" not in err
    _assert_told(err, values)
    assert _digest(text) == before
    assert _listing(setup["outdir"]) == set()


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - {"restore"}))
def test_a_database_another_program_is_writing(setup, capsys, monkeypatch, name):
    monkeypatch.setattr(database, "BUSY_SECONDS", 0.3)
    holder = database.raw_connect(setup["db"])  # the office is encrypted: the holder knows its key
    holder.isolation_level = None
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")  # what a long write by the window or another command holds
    before = _digest(setup["db"])
    try:
        code, err = _run(name, setup, capsys)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code != 0
    assert "占用" in err
    _assert_told(err, setup)
    assert _digest(setup["db"]) == before
    assert _listing(setup["outdir"]) == set()


# --- faults of the file a command writes -----------------------------------------------------

@pytest.mark.parametrize("name", WRITERS)
def test_an_output_path_that_is_a_folder(setup, capsys, name):
    values = dict(setup)
    if name == "backup":  # --to names a folder: here it is given a file instead
        values["outdir"] = setup["outdir"] / "备份.txt"
        values["outdir"].write_text("x")
    else:
        # The output path itself is a folder.
        target = Path(_argv(name, values)[_argv(name, values).index("-o" if "-o" in COMMANDS[name] else "--report")
                                          + 1])
        target.mkdir()
    before = _digest(setup["db"]), _listing(setup["outdir"])
    code, err = _run(name, values, capsys)
    assert code != 0
    assert "是一个文件夹" in err or "是一个文件，不是文件夹" in err
    _assert_told(err, values)
    assert (_digest(setup["db"]), _listing(setup["outdir"])) == before


def _mount(point: Path, options: str) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    point.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_folder(setup):
    point = setup["outdir"]
    if not _mount(point, "size=1m,ro"):
        pytest.skip("mounting a read-only tmpfs is not permitted here")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=True)


@pytest.fixture
def full_disk(setup):
    point = setup["outdir"]
    if not _mount(point, "size=2m"):
        pytest.skip("mounting a small tmpfs is not permitted here")
    try:
        fd = os.open(point / ".filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass  # full
        finally:
            os.close(fd)
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=True)


@pytest.mark.parametrize("name", WRITERS)
def test_a_read_only_folder(setup, read_only_folder, capsys, name):
    before = _digest(setup["db"])
    code, err = _run(name, setup, capsys)
    assert code != 0
    assert "只读" in err
    _assert_told(err, setup)
    assert _digest(setup["db"]) == before
    assert _listing(read_only_folder) == set()


@pytest.mark.parametrize("name", WRITERS)
def test_a_full_disk_while_writing(setup, full_disk, capsys, name):
    audit_before = _audit_count(setup["db"])
    code, err = _run(name, setup, capsys)
    assert code != 0
    assert "磁盘空间已满" in err
    _assert_told(err, setup)
    assert _listing(full_disk) == {".filler"}, "a half-written file was left behind"
    if not name.startswith("import"):  # an export that did not happen is not logged as one
        assert _audit_count(setup["db"]) == audit_before


def _audit_count(path: Path) -> int:
    db = database.connect(path, readonly=True)
    try:
        # The command's log-in is recorded before it writes; what a failed write must not leave is its own entry.
        return db.execute("SELECT count(*) FROM audit WHERE action != 'login'").fetchone()[0]
    finally:
        db.close()


# --- a special-group list the command refuses whole ------------------------------------------

@pytest.mark.parametrize("case, told", [
    ("no ID column", "找不到“身份证号码”列"),
    ("a register that does not exist", "人群类别“外星人”不存在"),
    ("no register at all", "请选定整份名单的类别"),
])
def test_a_list_the_import_refuses_whole(setup, capsys, case, told):
    values = dict(setup)
    argv = _argv("import-list", values)
    if case == "no ID column":
        values["list"] = special_list(setup["db"].parent / "名单.xlsx", [("张三", "王五")], header=("序号", "姓名", "备注"))
        argv = _argv("import-list", values)
    elif case == "a register that does not exist":
        argv[argv.index("残疾人")] = "外星人"
    else:
        argv.remove("--tag")
        argv.remove("残疾人")
    before = _audit_count(setup["db"]), _tag_rows(setup["db"])
    code = commands.run(argv)
    err = capsys.readouterr().err
    assert code == 2 and told in err and "数据库未改动" in err
    _assert_told(err, values)
    assert (_audit_count(setup["db"]), _tag_rows(setup["db"])) == before
    assert _listing(setup["outdir"]) == set()


def test_a_grid_worker_is_refused_a_list(setup, capsys, monkeypatch):
    """A list changes the archive of every grid: the generated office's grid worker ("grid") is
    refused it in Chinese, and nothing but the log-in is written."""
    from gridoffice.demo.activity import DEMO_PASSWORD

    monkeypatch.setenv("GRIDOFFICE_USER", "grid")
    monkeypatch.setenv("GRIDOFFICE_PASSWORD", DEMO_PASSWORD)
    before = _audit_count(setup["db"]), _tag_rows(setup["db"])
    code = commands.run(_argv("import-list", setup))
    err = capsys.readouterr().err
    assert code == 2 and "请由负责全部网格的工作人员导入" in err
    _assert_told(err, setup)
    assert (_audit_count(setup["db"]), _tag_rows(setup["db"])) == before
    assert _listing(setup["outdir"]) == set()


def _tag_rows(path: Path) -> list[tuple]:
    db = database.connect(path, readonly=True)
    try:
        return db.execute("SELECT * FROM person_tags ORDER BY id").fetchall()
    finally:
        db.close()


# --- two imports at once ---------------------------------------------------------------------

def test_two_imports_at_once(setup, tmp_path):
    root = Path(__file__).resolve().parent.parent
    argv = [sys.executable, str(root / "main.py"), "import", "--db", str(setup["db"]), str(setup["roster"]), "-q",
            "--create-grids"]
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root)
            for _ in range(2)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    for code, out, err in results:
        assert "Traceback" not in err
        assert code in (0, 1, 2), err
        if code == 2:
            # The lock's holder is named by computer and user, whatever script they are written in.
            _assert_told(err, {**setup, "host": socket.gethostname(), "user": getpass.getuser()})
    db = database.connect(setup["db"], readonly=True)
    try:
        # All or nothing each: every imported person once, never a half import.
        assert db.execute("SELECT count(*) FROM persons WHERE name = '王建国'").fetchone()[0] == 1
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
