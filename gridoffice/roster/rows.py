"""The rows of the roster export (花名册): active persons of the user's scope, in the roster's order.

The writer (exports/roster.py) labels, masks and lays out what these rows hold; which persons a
roster lists and in what order is decided here, with the scope's own condition.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from sqlite_utils import Database

from gridoffice.org.regions import get_unit
from gridoffice.access.scope import Scope

# Field -> SQL over persons p, households h and the grid g; coded fields give their codes or ids.
_SQL = {
    "household_number": "h.number", "name": "p.name", "id_number": "p.id_number", "relation": "p.relation",
    "sex": "p.sex", "birth_date": "p.birth_date", "ethnicity": "p.ethnicity", "political_status": "p.political_status",
    "education": "p.education", "occupation": "p.occupation", "phone": "p.phone", "address": "h.address",
    "grid": "g.name", "residence": "p.residence", "notes": "p.notes", "tags": "p.id", "household_phone": "h.phone",
    "contact_class": "h.contact_class", "representative": "h.representative_id = p.id",
    "household_notes": "h.notes", "unit_path": "h.org_id", "unit_levels": "h.org_id", "household_tags": "h.id",
}
BATCH = 5000


def _query(db: Database, scope: Scope, org_id: int | None, columns: Sequence[str]) -> tuple[str, list]:
    where, params = f" AND {scope.units('h.org_id')}", []
    if org_id is not None:
        where, params = where + " AND u.path >= ? AND u.path < ?", list(get_unit(db, org_id).subtree)
    select = ", ".join(f"coalesce({_SQL[c]}, '')" for c in columns)
    return (f"SELECT {select} FROM persons p JOIN households h ON h.id = p.household_id "
            "JOIN org_units u ON u.id = h.org_id LEFT JOIN org_units g ON g.id = coalesce(u.grid_id, u.id) "
            f"WHERE +p.status = 'active' AND h.status = 'active'{where} "
            "ORDER BY h.number, CASE p.relation WHEN 'head' THEN 0 ELSE 1 END, p.id", params)


def roster_rows(db: Database, scope: Scope, org_id: int | None,
                columns: Sequence[str]) -> tuple[int, Iterator[list[tuple]]]:
    """How many persons the roster lists, and their rows (one value per column, '' for none) in
    batches; the rows are read only as the batches are taken."""
    sql, params = _query(db, scope, org_id, columns)
    total = db.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]

    def batches() -> Iterator[list[tuple]]:
        cursor = db.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            yield rows

    return total, batches()
