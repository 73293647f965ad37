"""Python's cyclic garbage collector runs on the GUI thread only.

CPython collects reference cycles on whichever thread passes its allocation threshold: the writer,
a LatestWorker, a job. A closed window, its context, models and workers lie in cycles until then,
and a collection on a worker deleted those Qt objects there, under the GUI thread's event dispatch
(under gdb the UI tests showed AppContext, IdTableModel, LatestWorker and HouseholdOperations
deleted on worker threads this way). So automatic collection is off, and a timer on the GUI thread
collects each generation once its count passes Python's threshold (calibre and pyqtgraph do the same;
CPython's further condition for a full collection, a quarter of the long-lived objects new since the
last one, is not exposed to Python, so a full collection may come sooner than it would have).

The same timer lets go on the GUI thread of what a worker thread hands it (release): what a stopped
worker still holds when its window has closed.
"""

from __future__ import annotations

import gc
from collections import deque

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500
_released: deque = deque()  # appended by any thread, emptied on the GUI thread
_installed = False


class Collector(QObject):
    def __init__(self, parent: QCoreApplication):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    @staticmethod
    def collect_due() -> int:
        """Lets go of what was released, then collects the oldest generation whose count passed
        Python's threshold (the younger ones with it)."""
        while _released:
            _released.popleft()
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > limits[generation]:
                return gc.collect(generation)
        return 0


def install(app: QCoreApplication) -> Collector:
    """Turn automatic collection off and collect on `app`'s thread from now on (once per application)."""
    global _installed
    collector = app.findChild(Collector)
    if collector is None:
        collector = Collector(app)
    gc.disable()
    _installed = True
    return collector


def release(obj: object) -> None:
    """Keeps `obj` until the GUI thread's next collection lets go of it there: a worker thread hands
    over what may hold the last reference to a Qt object. Without a collector (a script), nothing
    is kept."""
    if _installed:
        _released.append(obj)
