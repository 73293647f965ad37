"""PySide6 6.12.0 on Python 3.11 takes a reference off None on every void call (STACK-FACTS.md).

A GUI makes such calls constantly; this test fails if the installed PySide6 has that bug.
"""

import sys

from PySide6.QtCore import QCoreApplication


def test_void_calls_leave_the_refcount_of_none_alone(qapp):
    before = sys.getrefcount(None)
    for _ in range(20_000):
        QCoreApplication.processEvents()
    after = sys.getrefcount(None)
    # Other threads may hold a few more or fewer references meanwhile; the bug drops 20,000.
    assert after > before - 1000
