"""Consolidation: what an office sends up to its street (global ids, the package) — no Qt here."""

# Who makes a package (administrators and clerks): here, so the window can offer the menu item without
# importing the package's cryptography at start.
PACKAGE_ROLES = ("admin", "clerk")
