"""Offices, a street and packages for the consolidation tests: generated, never real people."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from commands._progress import consume
from gridoffice.access import keys, users
from gridoffice.demo import generator
from gridoffice.consolidation import enroll, package
from gridoffice.consolidation.tables import AUDIT, TABLES
from gridoffice.store.db import open_db

TODAY = dt.date(2026, 11, 1)
STREET_PASSWORD = "street-pass-1"
ADMIN = users.whole_office("admin")


@dataclass(frozen=True)
class Street:
    key: enroll.StreetKey
    key_path: Path
    public_path: Path


def make_street(folder: Path) -> Street:
    private, public = enroll.make_street_keys(folder, STREET_PASSWORD)
    return Street(enroll.read_street_key(private, STREET_PASSWORD), private, public)


@dataclass(frozen=True)
class Office:
    path: Path
    card: enroll.OfficeCard
    card_path: Path


def make_office(folder: Path, street: Street, seed: int, households: int = 6) -> Office:
    """A generated office, enrolled with the street (its card written beside it)."""
    path = folder / f"office-{seed}.db"
    db = open_db(path)
    try:
        consume(generator.generate(db, households=households, seed=seed, today=TODAY), quiet=True)
        card_path = folder / f"office-{seed}.card"
        card = enroll.enroll_office(db, street.public_path, card_path, by=ADMIN)
    finally:
        db.close()
    return Office(path, card, card_path)


def make_busy_office(folder: Path, street: Street, seed: int, households: int, rules=None) -> Office:
    """A generated office with a year of activity up to TODAY, and visit rules of its own if given
    ({contact class: days})."""
    from gridoffice.activity import visits
    from gridoffice.demo import activity

    office = make_office(folder, street, seed=seed, households=households)
    db = open_db(office.path)
    try:
        consume(activity.add_activity(db, seed=seed, today=TODAY), quiet=True)
        for contact_class, days in (rules or {}).items():
            visits.set_visit_rule(db, contact_class, days)
    finally:
        db.close()
    return office


def write_package(office: Path, target: Path, *, at: dt.datetime, full: bool = False) -> Path:
    db = open_db(office)
    try:
        consume(package.write_package(db, target, by=ADMIN, at=at, full=full), quiet=True)
    finally:
        db.close()
    return target


def change(office: Path, sql: str, params=()) -> None:
    """A change made straight in the office file, as a clerk's edit or an insider would leave it."""
    db = open_db(office)
    try:
        with db.atomic():
            db.execute(sql, list(params))
    finally:
        db.close()


def copy_office(office: Path, target: Path) -> Path:
    """The office file with its key file, as a backup holds it."""
    shutil.copyfile(office, target)
    shutil.copyfile(keys.path_for(office), keys.path_for(target))
    return target


def file_rows(office: Path, package_path: Path, street: Street) -> dict[str, dict[str, str]]:
    """Each travelling table of the office file as gid -> row hash, read straight from the file in
    the form the package defines (package._select), and its audit trail up to the head that the
    office's last package (`package_path`) names: writing a package adds an entry after it."""
    card = enroll.read_card(office.with_suffix(".card"))
    head = package.read_package(package_path, street.key, {card.uuid: card.signing_key}).manifest.audit_head
    db = open_db(office)
    try:
        found: dict[str, dict[str, str]] = {}
        for table in TABLES:
            sql, names = package._select(db, table)
            found[table.name] = {}
            for values in db.execute(sql):
                row = dict(zip(names, values))
                found[table.name][row["gid"]] = package.row_hash(row)
        found[AUDIT] = {}
        for values in db.execute(package._audit_select()):
            row = dict(zip(package._AUDIT_NAMES, values))
            if row["entry"] <= head.entry:
                found[AUDIT][row["gid"]] = package.row_hash(row)
        return found
    finally:
        db.close()


def store_rows(conn, office_uuid: str) -> dict[str, dict[str, str]]:
    """The same, read from the store: each row's hash recomputed from the data PostgreSQL holds."""
    found: dict[str, dict[str, str]] = {t.name: {} for t in TABLES}
    found[AUDIT] = {}
    for table, gid, data in conn.execute("SELECT tbl, gid::text, data FROM records WHERE office = %s", [office_uuid]):
        found[table][gid] = package.row_hash(data)
    for gid, data in conn.execute("SELECT gid::text, data FROM audit_entries WHERE office = %s", [office_uuid]):
        found[AUDIT][gid] = package.row_hash(data)
    return found


def dump(conn) -> dict[str, list[tuple]]:
    """Every table of the store but the ledger (which records each offer), rows in key order."""
    tables = [r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname NOT IN ('ledger', 'store_migrations') "
        "ORDER BY c.relname")]
    out = {}
    for table in tables:
        out[table] = [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")]
    return out


def ledger(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute(
        "SELECT file_name, office_name, sequence, outcome, reason FROM ledger ORDER BY id")]
