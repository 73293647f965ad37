"""The one way a clerk enters a day: a date field with a calendar, never free text."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QWidget

# The core refuses years before this (records.parse_day): the field does not offer them.
EARLIEST = QDate(1890, 1, 1)


def date_edit(parent: QWidget | None = None, day: dt.date | None = None) -> QDateEdit:
    """A day up to today (the past cannot be booked in the future), shown as 2024-03-05 with a
    calendar; typing “12月1日” is impossible, so nothing typed is lost after a confirmation."""
    today = dt.date.today()
    edit = QDateEdit(QDate(day or today), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDateRange(EARLIEST, QDate(today))
    return edit


def day_of(edit: QDateEdit) -> dt.date:
    return edit.date().toPython()
