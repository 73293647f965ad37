"""Python's cyclic garbage collector runs on the GUI thread only.

CPython collects reference cycles on whichever thread passes its allocation threshold: the writer,
a LatestWorker, a job. A closed window, its context, models and workers lie in cycles until then,
and a collection on a worker deleted those Qt objects there, under the GUI thread's event dispatch
(under gdb the UI tests showed AppContext, IdTableModel, LatestWorker and HouseholdOperations
deleted on worker threads this way). So automatic collection is off, and a timer on the GUI thread
collects each generation when Python itself would have (calibre and pyqtgraph do the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500


class Collector(QObject):
    def __init__(self, parent: QCoreApplication):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    @staticmethod
    def collect_due() -> int:
        """The oldest generation whose count passed Python's threshold (the younger ones with it)."""
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if counts[generation] > limits[generation]:
                return gc.collect(generation)
        return 0


def install(app: QCoreApplication) -> Collector:
    """Turn automatic collection off and collect on `app`'s thread from now on (once per application)."""
    collector = app.findChild(Collector)
    if collector is None:
        collector = Collector(app)
    gc.disable()
    return collector
