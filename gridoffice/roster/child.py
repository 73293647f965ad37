"""Workbooks are read by calamine in a child process, so a native crash cannot take the program down.

calamine is Rust: an allocation it cannot make aborts the whole process (exit 134), and a
crafted file can ask for any amount. The child runs with a memory limit (RLIMIT_AS on Linux and
macOS; Windows has no such limit short of a job object, so there the checks in roster_limits
stand alone) and a processor-time limit, and the parent gives up after READ_SECONDS. The child
checks the sheet's real extent and every cell's length before handing anything over.

Rows travel back as one string of all text cells joined by NUL (split again in C at ~0.1 s for
150,000 rows) plus the few cells that are not text (dates, numbers) with their positions: pickling
the rows themselves cost ~1 s, most of it for the dates.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import time
from array import array
from itertools import chain, compress, count, repeat
from operator import is_not
from pathlib import Path
from typing import Generator

from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.roster.limits import MAX_CELL_CHARS, cell_problem, extent_problem

READ_SECONDS = 45
MEMORY_BYTES = 1024 * 2**20
CPU_SECONDS = 60
_SEP = "\x00"


# --- the child ---------------------------------------------------------------------------------

def _limit_self(memory: int, cpu: int) -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


def _sheet_names(book) -> list[str]:
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    return [
        m.name for m in book.sheets_metadata
        if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible
    ] or list(book.sheet_names)


def _pack(book, name: str) -> tuple:
    ws = book.get_sheet_by_name(name)
    end = ws.end
    height, width = (end[0] + 1, end[1] + 1) if end else (0, 0)
    if problem := extent_problem(height, width, tr("工作表“{sheet}”").format(sheet=name)):
        return ("refused", problem)
    rows = ws.to_python(skip_empty_area=False)
    merged = tuple((t, l, b, r) for (t, l), (b, r) in (ws.merged_cell_ranges or ()))
    del ws
    width = max(map(len, rows), default=0)
    flat = list(chain.from_iterable(row if len(row) == width else [*row, *[""] * (width - len(row))]
                                    for row in rows))
    del rows
    # Positions of the cells that are not text, found by C iterators (a Python loop costs 0.15 s).
    others = array("l", compress(count(), map(is_not, map(type, flat), repeat(str))))
    values = [flat[i] for i in others]
    for i in others:
        flat[i] = ""
    if flat and max(map(len, flat)) > MAX_CELL_CHARS:
        at = next(i for i, cell in enumerate(flat) if len(cell) > MAX_CELL_CHARS)
        return ("refused", cell_problem(len(flat[at]), *divmod(at, width)))
    text = _SEP.join(flat)
    if text.count(_SEP) != max(len(flat) - 1, 0):
        return ("sheet", name, width, len(flat), None, flat, merged)  # a cell holds NUL: send as is
    return ("sheet", name, width, len(flat), text, (others, values), merged)


def _serve(conn, path: str, sheet: str | None, want_sheet: bool, memory: int, cpu: int) -> None:
    """The child's work: names of the sheets, or one sheet's cells; never a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # calamine's own panic text is English and meant for developers
    gc.disable()  # every cell becomes an object that stays alive until the rows are packed
    try:
        _limit_self(memory, cpu)
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(path) as book:
            names = _sheet_names(book)
            if not want_sheet:
                reply = ("names", names)
            else:
                name = sheet or names[0]
                if name not in book.sheet_names:
                    reply = ("refused", tr("文件中没有名为“{s}”的工作表；现有：{all}").format(
                        s=name, all="、".join(names)))
                else:
                    reply = _pack(book, name)
    except MemoryError:
        reply = ("memory",)
    except Exception:  # calamine's errors: damaged, encrypted or unsupported content
        reply = ("unreadable",)
    try:
        conn.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
    except MemoryError:
        conn.send_bytes(pickle.dumps(("memory",)))
    conn.close()


# --- the parent --------------------------------------------------------------------------------

def unpack(reply: tuple) -> tuple[str, tuple, tuple]:
    _, name, width, count, text, cells, merged = reply
    if text is not None:
        others, values = cells
        cells = text.split(_SEP) if count else []
        for i, value in zip(others, values):
            cells[i] = value
    rows = tuple(zip(*[iter(cells)] * width)) if width else ()
    return name, rows, merged


def _failed(path: Path, why: str) -> ValidationError:
    messages = {
        "memory": "读取文件“{name}”需要的内存超过了上限，已停止读取。文件可能是异常构造的，或含有大量多余的行列和格式；"
                  "请在Excel中删除多余的行列后另存，或向发来文件的单位要一份正常的表格。",
        "time": "读取文件“{name}”超过了{seconds}秒，已停止读取。文件可能是异常构造的，或含有大量多余的内容；"
                "请在Excel中删除多余的行列后另存，或按村或网格分成几个文件再导入。",
        "crash": "读取文件“{name}”时读取程序意外退出（文件可能是异常构造的或已损坏），本程序未受影响。"
                 "请在Excel中打开它另存一份，或向发来文件的单位要一份正常的表格。",
        "unreadable": "无法读取文件“{name}”：文件可能已损坏、加了密码，或不是Excel表格。"
                      "请在Excel中打开确认，另存为.xlsx后再导入。",
    }
    return ValidationError("file", tr(messages[why]).format(name=path.name, seconds=READ_SECONDS))


def read(path: Path, sheet: str | None, *, want_sheet: bool,
         seconds: float = READ_SECONDS, memory: int = MEMORY_BYTES) -> Generator[tuple[int, int, str], None, object]:
    """A job: sheet names (want_sheet False) or one sheet's cells for unpack(), read by a child.

    Yields while waiting, so a caller can cancel (closing the job ends the child). Raises
    ValidationError with a Chinese message when the file is refused or the child fails.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_serve, args=(send, str(path), sheet, want_sheet, memory, CPU_SECONDS),
                            daemon=True, name="roster-reader")
    child.start()
    send.close()
    message = tr("正在读取“{name}”……").format(name=path.name)
    deadline = time.monotonic() + seconds
    data = None
    try:
        # Said at once, before any wait: the reader is running, and can be cancelled from here on.
        yield 0, 0, message
        while data is None:
            if time.monotonic() > deadline:
                raise _failed(path, "time")
            if receive.poll(0.05):
                try:
                    data = receive.recv_bytes()
                except EOFError:  # the child died before answering
                    break
                continue
            if child.exitcode is not None and not receive.poll(0):
                break
            yield 0, 0, message
    finally:
        if child.exitcode is None:
            child.kill()
        child.join()
        receive.close()
    if data is None:
        raise _failed(path, "crash")
    reply = pickle.loads(data)
    if reply[0] == "names":
        return reply[1]
    if reply[0] == "refused":
        raise ValidationError("file", reply[1])
    if reply[0] in ("memory", "unreadable"):
        raise _failed(path, reply[0])
    return reply


def run(job: Generator) -> object:
    """Drive a job to its end where no one shows progress."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
