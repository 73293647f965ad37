"""The one definition of a row's and a table's hash: what an office sends, the street checks and the
replica compares. A row is hashed as the canonical JSON it is sent as."""

from __future__ import annotations

import hashlib
import json
from json.encoder import c_make_encoder, encode_basestring
from typing import Iterable, Mapping

# json.dumps with these options, made once: dumps would build a new encoder for every row.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def canonical_row(row: Mapping[str, object]) -> bytes:
    """The bytes a row is hashed (and sent) as."""
    return _CANONICAL(row).encode("utf-8")


def _fail(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# The same bytes as canonical_row (json's own C encoder with the same options), made once: the
# writer encodes a million rows, and JSONEncoder.encode builds this encoder anew for each.
_ROW_ENCODER = c_make_encoder(None, _fail, encode_basestring, None, ":", ",", True, False, False) \
    if c_make_encoder else None


def encode_row(row: Mapping[str, object]) -> bytes:
    if _ROW_ENCODER is None:
        return canonical_row(row)
    return "".join(_ROW_ENCODER(row, 0)).encode("utf-8")


def row_hash(row: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_row(row)).hexdigest()


def table_hash(row_hashes: Iterable[str]) -> str:
    """The hashes (hex) must come in the order of their rows' gid."""
    digest = hashlib.sha256()
    for h in row_hashes:
        digest.update(bytes.fromhex(h))
    return digest.hexdigest()


def table_hash_of(rows: Iterable[Mapping[str, object]]) -> str:
    return table_hash(h for _, h in sorted((r["gid"], row_hash(r)) for r in rows))
