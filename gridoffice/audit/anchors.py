"""Anchor codes: the audit chain's head, short enough for a clerk to read off paper and type.

A code names the last entry and the first 60 bits of its hash: `1234-7KQF-M2XD-9W3B-Y` is entry
1234, twelve Crockford base32 characters of its SHA-256, and a check character (Luhn mod 32 over
the entry number and the hash characters), so a miscopied character is caught before the chain is
blamed. Printed on the monthly summary and the public notice and written into every backup's
manifest, a code is a copy of the head kept outside the file: whoever rewrites the trail with
recomputed hashes, or cuts its tail, cannot make `audit check --anchor CODE` pass again without
finding a hash that matches 60 given bits (about 10^18 tries).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit.trail import GENESIS
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HASH_CHARS = 12
HASH_BITS = 5 * HASH_CHARS
# Crockford's reading of characters a clerk may type for the ones the alphabet leaves out.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


@dataclass(frozen=True)
class Anchor:
    entry: int  # 0 for a trail without entries
    prefix: int  # the first HASH_BITS bits of the entry's hash

    @property
    def code(self) -> str:
        chars = "".join(ALPHABET[(self.prefix >> (5 * (HASH_CHARS - 1 - i))) & 31] for i in range(HASH_CHARS))
        check = _check_char(f"{self.entry}{chars}")
        return f"{self.entry}-{chars[0:4]}-{chars[4:8]}-{chars[8:12]}-{check}"

    def matches(self, digest: str) -> bool:
        return prefix_of(digest) == self.prefix


def prefix_of(digest: str) -> int:
    """The first HASH_BITS bits of a hex SHA-256."""
    return int(digest[:16], 16) >> (64 - HASH_BITS)


def _check_char(payload: str) -> str:
    """Luhn mod 32: every single wrong character and most swapped neighbours change it."""
    total, factor = 0, 2
    for ch in reversed(payload):
        addend = factor * ALPHABET.index(ch)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return ALPHABET[-total % 32]


def of(entry: int, digest: str) -> Anchor:
    return Anchor(entry, prefix_of(digest))


def head(db: Database) -> Anchor:
    """The anchor of the trail's last committed entry (entry 0 when there is none)."""
    row = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return of(row[0], row[1]) if row else of(0, GENESIS)


def parse(text: str) -> Anchor:
    """An anchor from what a clerk typed: any case, with or without dashes or spaces; O, I and L read as 0, 1, 1."""
    raw = unicodedata.normalize("NFKC", text or "").upper()
    compact = "".join(ch for ch in raw if ch not in " -—–_.·").translate(_LOOKALIKES)
    body, check = compact[:-1], compact[-1:]
    entry_text, chars = body[:-HASH_CHARS], body[-HASH_CHARS:]
    if (not entry_text.isdigit() or len(chars) != HASH_CHARS or any(ch not in ALPHABET for ch in compact)
            or not entry_text.isascii()):
        raise ValidationError("anchor", tr("锚定码“{code}”的格式不对：应是记录编号加 13 个字母或数字，"
                                           "如 1234-7KQF-M2XD-9W3B-Y。请对照纸上的锚定码重新输入。").format(code=text))
    if _check_char(entry_text + chars) != check:
        raise ValidationError("anchor", tr("锚定码“{code}”的校验位不对，可能抄错或输错了某一位。"
                                           "请对照纸上的锚定码重新输入。").format(code=text))
    prefix = 0
    for ch in chars:
        prefix = prefix * 32 + ALPHABET.index(ch)
    return Anchor(int(entry_text), prefix)
