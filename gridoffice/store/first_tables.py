"""The tables as the first release made them (the schema's step m001); later changes are steps of
schema.py. A released step is never edited."""

from __future__ import annotations

from sqlite_utils import Database

STAMPS = {"created_at": str, "updated_at": str}


def audit_append_only(db: Database) -> None:
    """Triggers that refuse to change or delete an audit entry."""
    for event, name in (("UPDATE", "audit_no_update"), ("DELETE", "audit_no_delete")):
        db.execute(f"CREATE TRIGGER {name} BEFORE {event} ON audit "
                   "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END")


def create(db: Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key", not_null={"value"}, strict=True)

    db["org_units"].create(
        {
            "id": int,
            "parent_id": int,
            "level": str,
            "code": str,
            "name": str,
            # '/1/5/23/': the ids from the root, so a subtree is one indexed prefix range.
            "path": str,
            # The grid this node lies in (itself for a grid node); NULL above grid level.
            "grid_id": int,
            "sort": int,
            "status": str,
            "retired_at": str,
            **STAMPS,
        },
        pk="id",
        not_null={"level", "name", "path", "status", "sort"},
        defaults={"status": "active", "sort": 0},
        foreign_keys=[("parent_id", "org_units", "id"), ("grid_id", "org_units", "id")],
        strict=True,
    )
    db["org_units"].create_index(["parent_id"])
    db["org_units"].create_index(["path"])
    db["org_units"].create_index(["grid_id"])

    db["households"].create(
        {
            "id": int,
            "number": str,
            "org_id": int,
            "address": str,
            "phone": str,
            "contact_class": int,
            "status": str,
            "status_date": str,
            "representative_id": int,
            "notes": str,
            **STAMPS,
        },
        pk="id",
        not_null={"number", "status", "contact_class"},
        defaults={"status": "active", "contact_class": 3, "address": "", "phone": "", "notes": ""},
        foreign_keys=[("org_id", "org_units", "id")],
        strict=True,
    )
    db["households"].create_index(["number"], unique=True)
    db["households"].create_index(["org_id", "status"])
    db["households"].create_index(["contact_class"])

    db["persons"].create(
        {
            "id": int,
            "household_id": int,
            "name": str,
            "id_number": str,
            "sex": str,
            "birth_date": str,
            "relation": str,
            "ethnicity": str,
            "political_status": str,
            "education": str,
            "occupation": str,
            "phone": str,
            "residence": str,
            "status": str,
            "status_date": str,
            "notes": str,
            **STAMPS,
        },
        pk="id",
        not_null={"name", "status", "residence"},
        defaults={
            "status": "active",
            "residence": "registered",
            "ethnicity": "",
            "education": "",
            "occupation": "",
            "phone": "",
            "notes": "",
            "political_status": "masses",
        },
        foreign_keys=[("household_id", "households", "id")],
        strict=True,
    )
    db["persons"].create_index(["household_id", "relation"])
    db["persons"].create_index(["id_number"])
    db["persons"].create_index(["birth_date"])
    db["persons"].create_index(["name"])
    db["persons"].create_index(["status"])
    db["persons"].create_index(["political_status"])

    db["person_tags"].create(
        {"id": int, "person_id": int, "tag": str, "since": str, "until": str, "note": str},
        pk="id",
        not_null={"person_id", "tag"},
        foreign_keys=[("person_id", "persons", "id")],
        strict=True,
    )
    db["person_tags"].create_index(["tag", "until"])
    db["person_tags"].create_index(["person_id"])

    db["staff"].create(
        {
            "id": int,
            "name": str,
            "phone": str,
            "kind": str,
            "person_id": int,
            "org_id": int,
            "status": str,
            "notes": str,
            **STAMPS,
        },
        pk="id",
        not_null={"name", "kind", "status"},
        defaults={"status": "active", "phone": "", "notes": ""},
        foreign_keys=[("person_id", "persons", "id"), ("org_id", "org_units", "id")],
        strict=True,
    )
    db["staff"].create_index(["org_id"])
    db["staff"].create_index(["kind"])

    db["staff_roles"].create(
        {"id": int, "staff_id": int, "role": str, "org_id": int, "since": str, "until": str},
        pk="id",
        not_null={"staff_id", "role"},
        foreign_keys=[("staff_id", "staff", "id"), ("org_id", "org_units", "id")],
        strict=True,
    )
    db["staff_roles"].create_index(["staff_id"])
    db["staff_roles"].create_index(["org_id", "role"])

    db["teams"].create(
        {"id": int, "grid_id": int, "name": str, "duties": str, "status": str, **STAMPS},
        pk="id",
        not_null={"grid_id", "name", "status"},
        defaults={"status": "active", "duties": ""},
        foreign_keys=[("grid_id", "org_units", "id")],
        strict=True,
    )
    db["teams"].create_index(["grid_id"])

    db["team_members"].create(
        {"id": int, "team_id": int, "staff_id": int, "duty": str, "title": str, "since": str, "until": str},
        pk="id",
        not_null={"team_id", "staff_id"},
        foreign_keys=[("team_id", "teams", "id"), ("staff_id", "staff", "id")],
        strict=True,
    )
    db["team_members"].create_index(["team_id"])
    db["team_members"].create_index(["staff_id"])

    db["contacts"].create(
        {"id": int, "staff_id": int, "household_id": int, "since": str, "until": str},
        pk="id",
        not_null={"staff_id", "household_id"},
        foreign_keys=[("staff_id", "staff", "id"), ("household_id", "households", "id")],
        strict=True,
    )
    db["contacts"].create_index(["staff_id", "until"])
    db["contacts"].create_index(["household_id", "until"])

    db["audit"].create(
        {
            "id": int,
            "at": str,
            "actor": str,
            "action": str,
            "table_name": str,
            "row_id": int,
            "old": str,
            "new": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "actor", "action", "hash"},
        strict=True,
    )
    db["audit"].create_index(["table_name", "row_id"])
    db["audit"].create_index(["at"])
    # The audit trail is append-only: the database itself refuses to rewrite history.
    audit_append_only(db)

    # Search: one contentless document per person/household; search_index.py explains the tokens.
    db.execute(
        "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='', columnsize=0, detail=none, "
        "tokenize='ascii', prefix='2 3 4 5 6')"
    )
