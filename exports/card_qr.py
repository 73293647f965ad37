"""QR codes for ten thousand cards in well under a second: segno's symbols, built by superposition.

For a fixed length, version, error level and mask, a QR symbol is an affine function over GF(2)
of the payload's data bits: the mode, count, terminator and padding are constant, Reed-Solomon
parity is linear in the data bits (GF(256) has characteristic 2), and the mask and function
patterns are constant. So segno is asked once for the all-zero payload and once per data bit,
and every other symbol of that length is the zero symbol XOR the symbols of its set bits. The
result is checked against segno once per length, and segno itself is used for payloads outside
the alphanumeric set (a lower-case household number, for instance). A card's payload begins with
text a phone shows (the hotline, 户号 …): that part is the same on every card of an office and is
encoded as a byte segment before the alphanumeric tail, so the symbol stays affine in the tail.

Encoding each payload with segno takes ~0.8 ms (10,000 cards: 8 s, half the budget); this takes
~4 µs: the tail is composed from chunks of six characters, each kept by its text, since the cards
of a print run share most of their household numbers.
"""

from __future__ import annotations

from functools import lru_cache

import segno
from segno import consts

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {ch: i for i, ch in enumerate(ALNUM)}
# M (15 % of the symbol may be lost): L would not make a household card's symbol smaller (its
# payload takes version 3 without a hotline and 4 with one at L and M alike) and a card is carried
# in a pocket for years.
ERROR = "m"
# A fixed mask: choosing the best of eight costs five times the encoding, and every mask scans.
MASK = 2
QUIET = 2  # modules of white border the card leaves around the symbol


def _segno(payload, **kw) -> segno.QRCode:
    # ECI says the text is UTF-8: without it readers guess (zbar took it for Shift JIS).
    return segno.make_qr(payload, error=ERROR, mask=MASK, boost_error=False, eci=True, **kw)


def split(payload: str) -> tuple[str, str]:
    """A card's payload as its readable text (a byte segment, the same on every card of an office)
    and its tail of alphanumeric characters (the household number and the scan code)."""
    at = len(payload.rstrip(ALNUM))
    return payload[:at], payload[at:]


def segments(payload: str):
    """What segno encodes: the text before the alphanumeric tail in byte mode (UTF-8), the tail in
    alphanumeric mode. Fixed segments keep a symbol affine in the tail's bits."""
    prefix, tail = split(payload)
    if not prefix:
        return payload
    if not tail:
        return [(prefix, consts.MODE_BYTE, "utf-8")]
    return [(prefix, consts.MODE_BYTE, "utf-8"), (tail, consts.MODE_ALPHANUMERIC)]


def _stride(size: int) -> int:
    """Bits a row takes in a symbol's integer: the width rounded up to whole bytes."""
    return (size + 7) // 8 * 8


def _as_int(qr: segno.QRCode) -> int:
    """The symbol's modules as one integer laid out as a one-bit image: written big-endian it is
    the rows from the top, each padded to whole bytes, the leftmost module in the highest bit."""
    n = len(qr.matrix)
    stride = _stride(n)
    value = 0
    for r, row in enumerate(qr.matrix):
        value |= int("".join("1" if m else "0" for m in row), 2) << ((n - 1 - r) * stride + stride - n)
    return value


# Each character's alphanumeric value as a byte, for bytes.translate.
_VALUES = bytes(_VALUE.get(chr(i), 0) for i in range(256))
CHUNK = 6  # characters (three pairs) whose symbols are XORed together once and kept by their text
CHUNKS_KEPT = 4096  # per position: the varying chunks of a large print run are mostly seen once


class _Basis:
    """Symbols of one readable prefix and tail length: the zero symbol and one per data bit."""

    def __init__(self, prefix: str, length: int):
        self.prefix = prefix
        zero = "0" * length
        ref = self._make(zero)
        self.version = ref.version
        self.size = len(ref.matrix)
        self.zero = _as_int(ref)
        self.pairs: list[list[int]] = []  # pairs[j][k]: bit k of the value of characters 2j, 2j+1
        for j in range(length // 2):
            self.pairs.append([self._bit(zero, j * 2, divmod(1 << k, 45)) for k in range(11)])
        self.single = [self._bit(zero, length - 1, (1 << k,)) for k in range(6)] if length % 2 else []
        # A card's tail is mostly the same characters as the last card's (the office's and the grid's
        # digits of the household number, " GO:H:"): each chunk of it is composed once and found by its text.
        self._chunks: list[tuple[int, int, dict[str, int]]] = [(at, at + CHUNK, {}) for at in range(0, length, CHUNK)]
        self._pair_parts: list[list[int | None]] = [[None] * 45 * 45 for _ in self.pairs]
        self._single_parts: list[int | None] = [None] * 45

    def _make(self, tail: str, **kw) -> segno.QRCode:
        if self.prefix:
            return _segno([(self.prefix, consts.MODE_BYTE, "utf-8"), (tail, consts.MODE_ALPHANUMERIC)], **kw)
        return _segno(tail, mode="alphanumeric", **kw)

    def _bit(self, zero: str, at: int, values: tuple[int, ...]) -> int:
        chars = "".join(ALNUM[v] for v in values)
        payload = zero[:at] + chars + zero[at + len(chars):]
        return _as_int(self._make(payload, version=self.version)) ^ self.zero

    def _chunk(self, at: int, text: str) -> int:
        """The XOR of the symbols of the set bits of the characters `text` at `at` in the tail."""
        values = text.encode("ascii").translate(_VALUES)
        found = 0
        for i in range(0, len(values) - 1, 2):
            j = (at + i) // 2
            found ^= self._part(self._pair_parts[j], values[i] * 45 + values[i + 1], self.pairs[j])
        if len(values) % 2:
            found ^= self._part(self._single_parts, values[-1], self.single)
        return found

    @staticmethod
    def _part(kept: list, value: int, table: list[int]) -> int:
        """The XOR of the symbols of value's set bits, composed once per value."""
        found = kept[value]
        if found is None:
            found = 0
            for k, symbol in enumerate(table):
                if value >> k & 1:
                    found ^= symbol
            kept[value] = found
        return found

    def symbol(self, payload: str) -> int:
        acc = self.zero
        for at, end, kept in self._chunks:
            text = payload[at:end]
            part = kept.get(text)
            if part is None:
                if len(kept) >= CHUNKS_KEPT:
                    kept.clear()
                part = kept[text] = self._chunk(at, text)
            acc ^= part
        return acc


@lru_cache(maxsize=64)
def _basis(prefix: str, length: int) -> _Basis | None:
    """None when the superposition disagrees with segno (then segno encodes every payload)."""
    basis = _Basis(prefix, length)
    probe = "".join(ALNUM[(7 * i + 3) % len(ALNUM)] for i in range(length))
    if basis.symbol(probe) != _as_int(basis._make(probe, version=basis.version)):
        return None
    return basis


@lru_cache(maxsize=4096)
def _row_runs(bits: int, size: int) -> tuple[tuple[int, int], ...]:
    """The dark runs (start, length) of one row, its leftmost module in the highest bit; rows
    repeat a lot (finder patterns, timing)."""
    runs, c = [], 0
    while c < size:
        if bits >> (size - 1 - c) & 1:
            start = c
            while c < size and bits >> (size - 1 - c) & 1:
                c += 1
            runs.append((start, c - start))
        else:
            c += 1
    return tuple(runs)


def _symbol(payload: str) -> tuple[int, int]:
    """The symbol's modules as one integer (_as_int's layout) and its width in modules."""
    prefix, tail = split(payload)
    basis = _basis(prefix, len(tail)) if tail else None
    if basis is not None:
        return basis.symbol(tail), basis.size
    qr = _segno(segments(payload))
    return _as_int(qr), len(qr.matrix)


def image(payload: str) -> tuple[int, str]:
    """The symbol's width in modules, without the quiet zone, and its modules as the hex samples of
    a one-bit image mask (1: dark), row after row from the top, each row padded to whole bytes."""
    value, size = _symbol(payload)
    return size, value.to_bytes(size * _stride(size) // 8, "big").hex()


def runs(payload: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The symbol's width in modules with the quiet zone, and its dark runs (row, start, length)
    with the quiet zone already added to the coordinates."""
    value, size = _symbol(payload)
    stride, mask = _stride(size), (1 << size) - 1
    out = []
    for r in range(size):
        for start, length in _row_runs(value >> ((size - 1 - r) * stride + stride - size) & mask, size):
            out.append((r + QUIET, start + QUIET, length))
    return size + 2 * QUIET, out


def matrix(payload: str) -> list[list[bool]]:
    """The symbol as rows of dark (True) modules, without the quiet zone (for tests and previews)."""
    n, dark = runs(payload)
    size = n - 2 * QUIET
    rows = [[False] * size for _ in range(size)]
    for r, start, length in dark:
        for c in range(start, start + length):
            rows[r - QUIET][c - QUIET] = True
    return rows
