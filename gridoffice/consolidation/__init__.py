"""Consolidation: what an office sends up to its street (global ids, the package) — no Qt here."""
