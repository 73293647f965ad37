"""Import a 150,000-person roster (.xlsx) into an empty office, end to end, against a bare baseline.

Each import runs in a process of its own, in pairs alternating with the baseline's process:
the program's import (the sheet checked, read by calamine in a child process, checked, written,
committed: the office is in use from here) and the bare baseline (calamine's rows into lists in
this process, then one executemany into a table of 13 text columns in the same kind of encrypted
office file, committed). Both get a new encrypted office made the same way before the clock
starts. Printed: the medians of wall and processor time and of peak memory of each, and their
ratios (targets: time <= 2.5x, peak memory <= 1.5x; end to end <= 15 s); then the search index
of the new rows, which the program fills after the commit (search_index.fill), by itself and
added to the import.

    .venv/bin/python bench/bench_import.py [--persons 150000] [--roster PATH] [--runs 3]

The roster is generated once (openpyxl write-only, ~30 s) and kept under /tmp/gridoffice-bench;
every office is made in a temporary folder there and removed with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from _common import scratch  # noqa: E402 (bench/ is the script's folder)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The program's modules are imported where they are used, as main.py does: the roster's reader is a
# spawned process that runs this file again as its main module (0.24 s of imports otherwise).

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
AREAS = ("330102", "330106", "330108", "330110", "330122")
GRIDS = 40
HEADERS = ("户号", "姓名", "性别", "身份证号码", "与户主关系", "出生日期", "民族", "政治面貌", "文化程度",
           "联系电话", "现住址", "所属网格", "备注")


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _household(rng: random.Random) -> list[tuple]:
    """(name, sex, birth, relation) of an invented household, head first."""
    surname = rng.choice(SURNAMES)
    head_birth = dt.date(rng.randint(1935, 1995), rng.randint(1, 12), rng.randint(1, 28))
    head_sex = rng.choice("MMMF")
    people = [(_name(rng, surname), head_sex, head_birth, "户主")]
    size = rng.choices((1, 2, 3, 4, 5), weights=(10, 25, 30, 25, 10))[0]
    if size >= 2:
        spouse_birth = head_birth + dt.timedelta(days=rng.randint(-1500, 1500))
        people.append((_name(rng), "F" if head_sex == "M" else "M", spouse_birth, "妻" if head_sex == "M" else "夫"))
    for k in range(size - 2):
        birth = head_birth + dt.timedelta(days=rng.randint(20 * 365, 35 * 365))
        birth = min(birth, dt.date(2025, 12, 31))
        sex = rng.choice("MF")
        rel = ("长子", "次子", "三子")[k] if sex == "M" else ("长女", "次女", "三女")[k]
        people.append((_name(rng, surname), sex, birth, rel))
    return people


def write_roster(path: Path, persons: int, seed: int = 7) -> None:
    from openpyxl import Workbook

    from gridoffice.idcard import make_id

    rng = random.Random(seed)
    used: set[str] = set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["某某社区居民花名册"])
    ws.append([])
    ws.append(list(HEADERS))
    written, number = 0, 0
    while written < persons:
        number += 1
        grid = f"第{rng.randint(1, GRIDS)}网格"
        address = f"和平路{number}号"
        for i, (name, sex, birth, rel) in enumerate(_household(rng)):
            area = rng.choice(AREAS)
            serial = rng.randrange(1 if sex == "M" else 0, 1000, 2)
            while (pid := make_id(area, birth, serial)) in used:
                serial = (serial + 2) % 1000
            used.add(pid)
            phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.7 else ""
            ws.append([f"H{number:06d}" if i == 0 else None, name, "男" if sex == "M" else "女", pid, rel,
                       birth.strftime("%Y年%-m月%-d日") if rng.random() < 0.5 else birth,
                       "汉族", rng.choice(("群众", "群众", "群众", "中共党员", "共青团员")),
                       rng.choice(("小学", "初中", "高中", "大专", "本科")), phone, address if i == 0 else None,
                       grid if i == 0 else None, None])
            written += 1
            if written >= persons:
                break
    ws.append(["合计", f"{written}人"])
    wb.save(path)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _new_import_office(folder: Path):
    from _common import new_office  # bench/ is the script's folder
    from gridoffice.audit import trail
    from gridoffice.org import regions

    db = new_office(folder / "office.db")
    trail.set_actor(db, "bench")
    community = regions.create_unit(db, None, "community", "某某社区")
    for g in range(1, GRIDS + 1):
        regions.create_unit(db, community, "grid", f"第{g}网格")
    return db


def child_program(roster: Path, folder: Path) -> dict:
    """The program's import; its phases on lines of their own, the totals returned."""
    from gridoffice.roster.importer import import_sheet
    from gridoffice.roster.read import read_sheet
    from gridoffice.search import index

    db = _new_import_office(folder)
    t0 = _clock()
    before = _children_cpu()
    raw = read_sheet(roster)
    child_cpu = _children_cpu() - before
    t1 = _clock()
    job = import_sheet(db, raw, file_name=roster.name)
    t_finish = None
    try:
        while True:
            _done, _total, message = next(job)
            if t_finish is None and message.startswith("正在整理"):
                t_finish = _clock()
    except StopIteration as stop:
        result = stop.value
    t2 = _clock()
    peak_usable = _peak_mb(resource.RUSAGE_SELF)
    count = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    assert count == result.persons_new, (count, result.persons_new)
    # Committed and in use; the new rows' search documents are written after (search_index.fill).
    for _ in index.fill(db):
        pass
    t3 = _clock()
    assert index.pending(db) == 0
    db.close()

    def span(a, b):
        return f"{b[0] - a[0]:.2f} s (CPU {b[1] - a[1]:.2f} s)"

    # CPU time above wall time is the second core at work (checking beside writing).
    print(f"  program: read {span(t0, t1)} + the reader's CPU {child_cpu:.2f} s; check and write {span(t1, t_finish)}; "
          f"indexes, statistics and commit {span(t_finish, t2)}; then the search index {span(t2, t3)}; "
          f"{result.persons_new} persons, {result.households_new} households", flush=True)
    return {"wall": t2[0] - t0[0], "cpu": t2[1] - t0[1] + child_cpu, "peak": peak_usable,
            "index_wall": t3[0] - t2[0], "index_cpu": t3[1] - t2[1], "index_peak": _peak_mb(resource.RUSAGE_SELF),
            "reader_peak": _peak_mb(resource.RUSAGE_CHILDREN)}


def child_bare(roster: Path, folder: Path) -> dict:
    """The baseline: calamine to lists, one executemany into an encrypted office file of the same kind."""
    from python_calamine import CalamineWorkbook

    from gridoffice.roster.read import no_collection

    db = _new_import_office(folder)
    db.execute(f"CREATE TABLE bare ({', '.join(f'c{i} TEXT' for i in range(len(HEADERS)))})")
    t0 = _clock()
    with CalamineWorkbook.from_path(str(roster)) as book, no_collection():
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        width = len(HEADERS)
        values = [[None if v == "" else str(v) for v in (row + [""] * width)[:width]] for row in rows[3:-1]]
    with db.conn:
        db.conn.executemany(f"INSERT INTO bare VALUES ({', '.join('?' * width)})", values)
    t1 = _clock()
    assert db.execute("SELECT count(*) FROM bare").fetchone()[0] == len(rows) - 4
    db.close()
    return {"wall": t1[0] - t0[0], "cpu": t1[1] - t0[1], "peak": _peak_mb(resource.RUSAGE_SELF), "reader_peak": 0.0,
            "index_wall": 0.0, "index_cpu": 0.0, "index_peak": 0.0}


def _run_child(kind: str, roster: Path, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--roster", str(roster), "--folder", str(folder)],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = out.splitlines()
    for line in lines:
        if not line.startswith("RESULT "):
            print(line, flush=True)
    return json.loads(next(line for line in lines if line.startswith("RESULT "))[7:])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=150_000)
    parser.add_argument("--roster", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="pairs of imports")
    parser.add_argument("--child", choices=("program", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = (child_program if args.child == "program" else child_bare)(args.roster, args.folder)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    folder = Path("/tmp/gridoffice-bench")
    folder.mkdir(exist_ok=True)
    roster = args.roster or folder / f"roster-{args.persons}.xlsx"
    if not roster.exists():
        t = time.perf_counter()
        write_roster(roster, args.persons)
        print(f"generate roster {args.persons} persons: {time.perf_counter() - t:.1f} s (not part of the import)")
    runs: dict[str, list[dict]] = {"program": [], "bare": []}
    for _ in range(args.runs):  # pairs alternating: a change of load hits both sides alike
        for kind in runs:
            with scratch("bench-import") as tmp:
                runs[kind].append(_run_child(kind, roster, Path(tmp)))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    for kind, label in (("program", "import end to end"), ("bare", "bare calamine + one executemany (baseline)")):
        print(f"{label}: {med(kind, 'wall'):.2f} s wall, {med(kind, 'cpu'):.2f} s processor, peak memory "
              f"{med(kind, 'peak'):.0f} MiB" + (f" (the reader's process {med(kind, 'reader_peak'):.0f} MiB)"
                                                if kind == "program" else ""))
    print(f"import / baseline: wall {med('program', 'wall') / med('bare', 'wall'):.2f}x, processor "
          f"{med('program', 'cpu') / med('bare', 'cpu'):.2f}x (target <= 2.5x), peak memory "
          f"{med('program', 'peak') / med('bare', 'peak'):.2f}x (target <= 1.5x); medians of {args.runs} pairs")
    # The office is in use from the commit on; the search index of the new rows is filled after it.
    whole = {k: statistics.median(r[k] + r[f"index_{k}"] for r in runs["program"]) for k in ("wall", "cpu")}
    print(f"then the search index of the new rows: {med('program', 'index_wall'):.2f} s wall, "
          f"{med('program', 'index_cpu'):.2f} s processor, peak memory {med('program', 'index_peak'):.0f} MiB; "
          f"import and index / baseline: wall {whole['wall'] / med('bare', 'wall'):.2f}x, processor "
          f"{whole['cpu'] / med('bare', 'cpu'):.2f}x, peak memory {med('program', 'index_peak') / med('bare', 'peak'):.2f}x; "
          f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
