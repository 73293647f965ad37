"""Consolidation: what an office sends up to its street (global ids, the package) — no Qt here."""

from sqlite_utils import Database

from gridoffice.store.db import get_setting

# The office's own bookkeeping of its packages (settings; they never travel).
SEQUENCE, LAST_HASH, LAST_HEAD = "package_sequence", "package_last_hash", "package_last_audit_head"

# Who makes a package (administrators and clerks): here, so the window can offer the menu item without
# importing the package's cryptography at start.
PACKAGE_ROLES = ("admin", "clerk")


def last_sent_entry(db: Database) -> int:
    """The number of the newest audit entry a package has carried to the street (0 before the first)."""
    text = get_setting(db, LAST_HEAD)
    return int(text.split(" ", 1)[0]) if text else 0
