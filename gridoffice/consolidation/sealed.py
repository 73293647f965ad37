"""The bytes of a package: a header, chunks of compressed and encrypted lines, the sealed
manifest after them, a signature.

package.py's docstring describes the layout; this module writes and reads it. The writer streams:
each row is compressed and encrypted as it is read, and the manifest, which needs every table's
hash, is sealed last in a block of its own that the reader finds from the end of the file. So the
office's tables are read once and nothing waits on disk. The writer keeps about one chunk in memory;
the reader decrypts chunk by chunk and inflates a few megabytes at a time, so neither side holds a
whole office.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gridoffice.errors import PackageRefused
from gridoffice.i18n import tr

# 2: the manifest sealed after the rows (one pass over the office); 1 had it first, after a spool.
FORMAT = 2
MAGIC = b"GridOffice-Package\n"
SIGN_LABEL = b"GridOffice package signature v1\n"
_HKDF_INFO = b"GridOffice package key v1\n"
CHUNK = 1 << 20
MAX_HEADER = 64 * 1024
SIGNATURE = 64
# zlib level 1: a 50,000-household office packs to 73 MB against 70 MB at level 3, in 1.8 s of
# processor time against 2.2 s (bench/bench_package.py).
_LEVEL = 1
# The manifest's block: a nonce number no chunk reaches (4 GiB chunks of 1 MiB), its own associated data.
_MANIFEST_NUMBER = 0xFFFFFFFF
_MANIFEST_AD = b"\x02manifest"
_MAX_MANIFEST = 16 << 20
_INFLATE = 4 << 20
_MAX_LINE = 32 << 20

# PackageRefused.reason
NOT_PACKAGE, NEWER_FORMAT, OLDER_FORMAT, UNKNOWN_OFFICE, WRONG_SIGNER, ALTERED, OTHER_STREET, CONTENT = (
    "not_package", "newer_format", "older_format", "unknown_office", "wrong_signer", "altered", "other_street",
    "content")
REFUSALS = (NOT_PACKAGE, NEWER_FORMAT, OLDER_FORMAT, UNKNOWN_OFFICE, WRONG_SIGNER, ALTERED, OTHER_STREET, CONTENT)


def nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def content_key(secret: bytes, header: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO + header).derive(secret)


def raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Sealer:
    """Compresses, encrypts in chunks, hashes and writes; memory stays at about two chunks.

    Compressing and encrypting run in one worker thread, in the order the data came (zlib, AES-GCM
    and SHA-256 of large blocks let go of the interpreter's lock), while the caller reads and hashes
    the next rows; at most two blocks wait. Use it in a `with`: leaving stops the worker."""

    def __init__(self, out: BinaryIO, header: bytes, key: bytes, prefix: bytes):
        self.out, self.aead, self.prefix = out, AESGCM(key), prefix
        self.zip = zlib.compressobj(_LEVEL)
        self.pending: list[bytes] = []
        self.size = 0
        self.number = 0
        self.signed = hashlib.sha256()
        self.whole = hashlib.sha256()
        self._put(MAGIC + struct.pack(">I", len(header)) + header)
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="package-sealer")
        self._waiting: deque[Future] = deque()

    def __enter__(self) -> "Sealer":
        return self

    def __exit__(self, *exc) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)

    def _put(self, data: bytes) -> None:
        self.out.write(data)
        self.signed.update(data)
        self.whole.update(data)

    def write_lines(self, lines: list[bytes]) -> None:
        if lines:
            self.write(b"\n".join(lines) + b"\n")

    def write(self, data: bytes) -> None:
        while len(self._waiting) >= 2:
            self._waiting.popleft().result()  # a failure in the worker (a full disk) surfaces here
        self._waiting.append(self._worker.submit(self._pack, data))

    def _pack(self, data: bytes) -> None:
        packed = self.zip.compress(data)
        if packed:
            self.pending.append(packed)
            self.size += len(packed)
            if self.size >= CHUNK:
                self._seal(False)

    def _seal(self, last: bool) -> None:
        plain = b"".join(self.pending)
        self.pending, self.size = [], 0
        sealed = self.aead.encrypt(nonce(self.prefix, self.number), plain, b"\x01" if last else b"\x00")
        self.number += 1
        self._put(struct.pack(">I", len(sealed)) + sealed)

    def close(self, manifest: bytes, signer: Ed25519PrivateKey) -> str:
        """Seals the last chunk, then the manifest in its own block followed by that block's length,
        and signs; returns the hash of the whole file."""
        while self._waiting:
            self._waiting.popleft().result()
        tail = self.zip.flush()
        if tail:
            self.pending.append(tail)
        self._seal(True)
        block = self.aead.encrypt(nonce(self.prefix, _MANIFEST_NUMBER), zlib.compress(manifest, _LEVEL), _MANIFEST_AD)
        self._put(block + struct.pack(">I", len(block)))
        signature = signer.sign(SIGN_LABEL + self.signed.digest())
        self.out.write(signature)
        self.whole.update(signature)
        return self.whole.hexdigest()


def refuse(reason: str, message: str) -> PackageRefused:
    return PackageRefused(reason, message)


def not_package(name: str) -> PackageRefused:
    return refuse(NOT_PACKAGE, tr("“{name}”不是网格通的上报包（或文件不完整）。请让社区重新生成上报包（文件 → 生成上报包），"
                                   "再拷贝一次。").format(name=name))


def altered(name: str) -> PackageRefused:
    return refuse(ALTERED, tr("上报包“{name}”的内容与社区的签名不符：文件在拷贝或传送中损坏，或被改动过。"
                               "本包未被使用；请让社区重新拷贝原来的上报包。").format(name=name))


@dataclass(frozen=True)
class Header:
    raw: bytes
    office: str
    signer: bytes
    street: bytes
    ephemeral: bytes
    prefix: bytes
    chunk: int
    body_start: int


def read_header(f: BinaryIO, name: str) -> Header:
    if f.read(len(MAGIC)) != MAGIC:
        raise not_package(name)
    raw_length = f.read(4)
    if len(raw_length) != 4:
        raise not_package(name)
    (length,) = struct.unpack(">I", raw_length)
    raw = f.read(length) if length <= MAX_HEADER else b""
    try:
        fields = json.loads(raw.decode("utf-8"))
        version = int(fields["format"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, AttributeError):
        raise not_package(name) from None
    if version > FORMAT:
        raise refuse(NEWER_FORMAT, tr("上报包“{name}”是新版本网格通生成的（格式第{theirs}版，本程序只认识到第{ours}版）。"
                                       "请先安装新版本的网格通，再导入这个包。").format(name=name, theirs=version, ours=FORMAT))
    if version < FORMAT:
        raise refuse(OLDER_FORMAT, tr("上报包“{name}”是旧版本网格通生成的（格式第{theirs}版），本程序只能导入第{ours}版的上报包。"
                                       "本包未被使用；请让社区升级网格通后重新生成上报包。").format(
            name=name, theirs=version, ours=FORMAT))
    try:
        return Header(raw, str(fields["office"]), bytes.fromhex(fields["signer"]), bytes.fromhex(fields["street"]),
                       bytes.fromhex(fields["ephemeral"]), bytes.fromhex(fields["nonce"]), int(fields["chunk"]),
                       len(MAGIC) + 4 + length)
    except (ValueError, KeyError, TypeError):
        raise not_package(name) from None


def digests(path: Path, end: int) -> tuple[bytes, str]:
    """SHA-256 of the first `end` bytes (what is signed) and of the whole file."""
    signed, whole = hashlib.sha256(), hashlib.sha256()
    with path.open("rb") as f:
        left = end
        while left:
            block = f.read(min(left, 1 << 20))
            if not block:
                break
            left -= len(block)
            signed.update(block)
            whole.update(block)
        rest = f.read()
        whole.update(rest)
    return signed.digest(), whole.hexdigest()


@dataclass(frozen=True)
class Source:
    path: Path
    header: Header
    key: bytes
    size: int
    body_end: int  # where the rows' chunks end and the manifest's block begins


def read_manifest(path: Path, header: Header, key: bytes, size: int) -> tuple[int, bytes]:
    """Where the rows' chunks end, and the manifest's plaintext, found from the end of the file (whose
    signature the caller has checked). Raises ValueError for a manifest that does not inflate."""
    end = size - SIGNATURE
    with path.open("rb") as f:
        f.seek(end - 4)
        (length,) = struct.unpack(">I", f.read(4))
        start = end - 4 - length
        if length > _MAX_MANIFEST or start < header.body_start:
            raise altered(path.name)
        f.seek(start)
        block = f.read(length)
    try:
        packed = AESGCM(key).decrypt(nonce(header.prefix, _MANIFEST_NUMBER), block, _MANIFEST_AD)
    except InvalidTag:
        raise altered(path.name) from None
    unzip = zlib.decompressobj()
    try:
        plain = unzip.decompress(packed, _MAX_MANIFEST)
    except zlib.error as exc:
        raise ValueError(str(exc)) from None
    if unzip.unconsumed_tail or not unzip.eof:
        raise ValueError("manifest")
    return start, plain


class LineReader:
    """The decrypted, decompressed lines of a package, read chunk by chunk; checks on finish() that
    the bytes it read are those whose signature read_package checked."""

    def __init__(self, source: Source):
        self.source = source
        self.aead = AESGCM(source.key)

    def __enter__(self) -> "LineReader":
        self.file = self.source.path.open("rb")
        self.signed = hashlib.sha256()
        self.pieces = self._iterate()
        self.piece: list[bytes] = []
        self.at = 0
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()

    def __iter__(self) -> "LineReader":
        return self

    def __next__(self) -> bytes:
        while self.at == len(self.piece):
            self.piece, self.at = next(self.pieces), 0
        self.at += 1
        return self.piece[self.at - 1]

    def take(self, n: int) -> list[bytes]:
        """Up to n lines at once, all of one inflated piece (a few megabytes, a line at most
        _MAX_LINE): fewer where the piece ends, none after the last line."""
        while self.at == len(self.piece):
            piece = next(self.pieces, None)
            if piece is None:
                return []
            self.piece, self.at = piece, 0
        lines = self.piece[self.at:self.at + n]
        self.at += len(lines)
        return lines

    def _read(self, n: int) -> bytes:
        data = self.file.read(n)
        if len(data) != n:
            raise altered(self.source.path.name)
        self.signed.update(data)
        return data

    def _chunks(self) -> Iterator[bytes]:
        header = self.source.header
        if self._read(header.body_start)[len(MAGIC) + 4:] != header.raw:
            raise altered(self.source.path.name)
        end = self.source.body_end
        number = 0
        while self.file.tell() < end:
            (length,) = struct.unpack(">I", self._read(4))
            if self.file.tell() + length > end or length > 4 * CHUNK:
                raise altered(self.source.path.name)
            sealed = self._read(length)
            last = self.file.tell() == end
            try:
                yield self.aead.decrypt(nonce(header.prefix, number), sealed, b"\x01" if last else b"\x00")
            except InvalidTag:
                raise altered(self.source.path.name) from None
            number += 1
        if number == 0:
            raise altered(self.source.path.name)

    def _iterate(self) -> Iterator[list[bytes]]:
        """The lines, a piece at a time: those each inflation completes."""
        unzip = zlib.decompressobj()
        rest = b""
        for chunk in self._chunks():
            # Inflated a few megabytes at a time, so memory stays bounded however well the data packs.
            data = chunk
            while data:
                rest += unzip.decompress(data, _INFLATE)
                data = unzip.unconsumed_tail
                lines = rest.split(b"\n")
                rest = lines.pop()
                if len(rest) > _MAX_LINE:
                    raise altered(self.source.path.name)
                if lines:
                    yield lines
        rest += unzip.flush()
        if rest:
            yield rest.split(b"\n")

    def finish(self) -> None:
        """Everything was read, and it is what was signed."""
        if self.file.tell() != self.source.body_end:
            raise altered(self.source.path.name)
        self._read(self.source.size - SIGNATURE - self.source.body_end)  # the manifest's block, signed too
        signature = self.file.read(SIGNATURE)
        try:
            Ed25519PublicKey.from_public_bytes(self.source.header.signer).verify(
                signature, SIGN_LABEL + self.signed.digest())
        except InvalidSignature:
            raise altered(self.source.path.name) from None
