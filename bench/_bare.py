"""The bare baselines' reader and window, shared by bench_gui.py and bench_frozen.py's frozen baseline
(frozen_bare.py): only SQLCipher, the key file's unwrap and Qt, so a frozen copy of it holds nothing
else of the program."""

from __future__ import annotations

import sys


def bare_connection(db_path: str, name: str, password: str):
    """The data key unwrapped from the key file with the password (the same scrypt a log-in runs),
    then one SQLCipher connection with SQLite's defaults."""
    import sqlcipher3.dbapi2 as sqlite3

    from gridoffice.access import keys

    key = keys.unlock(keys.read(db_path), name, password)
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def bare_window(conn):
    """A QMainWindow with a QTableWidget of the first 200 households, shown and painted."""
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget, QTableWidgetItem

    app = QApplication.instance() or QApplication([sys.argv[0]])
    rows = conn.execute("SELECT number, address, phone, status FROM households ORDER BY id LIMIT 200").fetchall()
    window = QMainWindow()
    table = QTableWidget(len(rows), 4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))
    window.setCentralWidget(table)
    window.resize(1366, 768)
    window.show()
    table.viewport().repaint()
    app.processEvents()
    return window
