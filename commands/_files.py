"""The checks every command makes on its file arguments before touching anything."""

from __future__ import annotations

from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"


def problem(db: str, output: str | None = None) -> str | None:
    """A Chinese sentence saying what is wrong with the office file or the output path, or None.

    Looks before connecting: sqlite3 would create an empty file at a mistyped path.
    """
    path = Path(db)
    if not path.is_file():
        return f"找不到数据库文件：{path}"
    with path.open("rb") as f:
        if f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            return f"{path} 不是SQLite数据库文件，请确认选择的是办公室数据库"
    if output is not None and not Path(output).parent.is_dir():
        return f"输出文件夹不存在：{Path(output).parent}"
    return None
