"""A query's filter: conditions joined by AND, each with its parameters in the order it names them.

Every list the core reads with optional filters (the archive's tables, the audit journal, staff,
must-visits, needs, matters, board slips) builds its WHERE here, so a condition and its values are
added in one call and never drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable


class Where:
    def __init__(self, *conditions: str, params: Iterable = ()) -> None:
        self.conditions = list(conditions)
        self.params = list(params)

    def add(self, condition: str, *params) -> Where:
        self.conditions.append(condition)
        self.params.extend(params)
        return self

    def extend(self, conditions: Iterable[str], params: Iterable) -> Where:
        """Conditions built elsewhere with their parameters (e.g. ages.birth_conditions)."""
        self.conditions.extend(conditions)
        self.params.extend(params)
        return self

    def equal(self, column: str, value: object) -> Where:
        """`column = value`, or no condition when the filter is left blank (None or empty text)."""
        if value is not None and value != "":
            self.add(f"{column} = ?", value)
        return self

    @property
    def sql(self) -> str:
        """The conditions joined by AND; '1' (every row) when there are none."""
        return " AND ".join(self.conditions) or "1"

    @property
    def clause(self) -> str:
        """' WHERE …', or nothing when there are no conditions."""
        return f" WHERE {self.sql}" if self.conditions else ""
