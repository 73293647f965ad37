"""The bare baseline of bench/bench_frozen.py, frozen the same way as the program: the bare window of
bench/_bare.py (the same log-in's key unwrap, 200 households of the same encrypted office in a
QTableWidget in a QMainWindow, shown and painted), then grabbed and saved as a PNG like the program's
`--screenshot`. It imports nothing else of the program, so its frozen folder is a bare PySide6 one.

    frozen_bare OFFICE.db OUT.png        (logs in as GRIDOFFICE_USER with GRIDOFFICE_PASSWORD)
"""

from __future__ import annotations

import os
import sys

from _bare import bare_connection, bare_window


def main() -> int:
    db_path, out = sys.argv[1], sys.argv[2]
    window = bare_window(bare_connection(db_path, os.environ["GRIDOFFICE_USER"], os.environ["GRIDOFFICE_PASSWORD"]))
    ok = window.grab().save(out)
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
