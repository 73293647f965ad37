"""Enrollment, once per office: the street's key pair, the office's signing key and its card.

The street makes an X25519 key pair (`make_street_keys`): the public key file goes to each of its
offices, the private key file stays at the street, locked by a password (wrapped like a key slot:
scrypt and a MAC, `keys.wrap`). Enrolling an office (`enroll_office`, administrators only) stores
the street's public key in the office file and makes the office's Ed25519 signing key there (inside
the encrypted file, in settings, which never travel), then writes the office's card: its uuid,
division code, name and signing public key, which the street registers. The signing key is made
once and kept: enrolling again (a new street key) writes the same card.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlite_utils import Database

from gridoffice.access import keys
from gridoffice.audit import trail
from gridoffice.store import officefile, tempfiles
from gridoffice.store.db import get_setting, set_setting
from gridoffice.errors import GridOfficeError, PermissionDenied, ValidationError
from gridoffice.i18n import tr
from gridoffice.access.scope import Scope

FORMAT = 1
STREET_PUBLIC, STREET_PRIVATE, CARD = "gridoffice-street-public-key", "gridoffice-street-private-key", "gridoffice-office-card"
# Settings of an enrolled office.
STREET_KEY, SIGNING_KEY = "street_public_key", "package_signing_key"
PUBLIC_SUFFIX, PRIVATE_SUFFIX, CARD_SUFFIX = ".pub", ".key", ".card"


def _raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def fingerprint(public: bytes) -> str:
    """A public key as a clerk compares it by phone: 16 hex digits in groups of four."""
    import hashlib

    digits = hashlib.sha256(public).hexdigest()[:16].upper()
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class StreetKey:
    private: X25519PrivateKey

    @property
    def public(self) -> bytes:
        return _raw_public(self.private.public_key())


@dataclass(frozen=True)
class OfficeCard:
    uuid: str
    division_code: str
    name: str
    signing_key: bytes  # Ed25519 public key, 32 raw bytes

    def to_json(self) -> dict:
        return {"format": FORMAT, "kind": CARD, "uuid": self.uuid, "division_code": self.division_code,
                "name": self.name, "signing_key": self.signing_key.hex()}


@dataclass(frozen=True)
class OfficeKeys:
    signing: Ed25519PrivateKey
    street: bytes  # the street's X25519 public key


def _dump(content: dict) -> bytes:
    return (json.dumps(content, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _load(path: str | Path, kind: str, what: str) -> dict:
    path = Path(path)
    try:
        content = json.loads(path.read_bytes().decode("utf-8"))
    except IsADirectoryError:
        content = None
    except FileNotFoundError:
        raise GridOfficeError(tr("找不到{what}“{name}”，请检查路径。").format(what=tr(what), name=path.name)) from None
    except (ValueError, UnicodeDecodeError):
        content = None
    if not isinstance(content, dict) or content.get("kind") != kind:
        raise GridOfficeError(tr("“{name}”不是{what}。请选择正确的文件。").format(name=path.name, what=tr(what)))
    if int(content.get("format", 0)) > FORMAT:
        raise GridOfficeError(tr("{what}“{name}”是新版本网格通生成的，请先安装新版本。").format(what=tr(what), name=path.name))
    return content


def _key_bytes(value: object, path: str | Path, what: str) -> bytes:
    try:
        raw = bytes.fromhex(str(value))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise GridOfficeError(tr("{what}“{name}”已损坏，请重新拷贝。").format(what=tr(what), name=Path(path).name))
    return raw


# --- the street ---------------------------------------------------------------------------------

def make_street_keys(folder: str | Path, password: str, *, name: str = "street") -> tuple[Path, Path]:
    """The street's key pair in `folder`: NAME.key (private, locked by `password`) and NAME.pub.
    An existing key is never overwritten: the offices enrolled with it would be cut off."""
    folder = Path(folder)
    if len(password) < 8:
        raise ValidationError("password", tr("私钥密码至少要8个字符"))
    private_path, public_path = folder / f"{name}{PRIVATE_SUFFIX}", folder / f"{name}{PUBLIC_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise GridOfficeError(tr("“{path}”已存在。街道的密钥只生成一次，已登记的社区都用它；"
                                     "如确要换新密钥，请先把旧文件移走，并让各社区重新登记。").format(path=path))
    folder.mkdir(parents=True, exist_ok=True)
    private = X25519PrivateKey.generate()
    public = _raw_public(private.public_key())
    keys.write_atomic(private_path, _dump({"format": FORMAT, "kind": STREET_PRIVATE, "public": public.hex(),
                                           "slot": keys.wrap(_raw_private(private), password)}))
    keys.write_atomic(public_path, _dump({"format": FORMAT, "kind": STREET_PUBLIC, "key": public.hex()}))
    return private_path, public_path


def read_street_public(path: str | Path) -> bytes:
    return _key_bytes(_load(path, STREET_PUBLIC, "街道公钥文件").get("key"), path, "街道公钥文件")


def read_street_key(path: str | Path, password: str) -> StreetKey:
    content = _load(path, STREET_PRIVATE, "街道私钥文件")
    raw = keys.unwrap(content.get("slot") or {}, password)
    if raw is None:
        raise GridOfficeError(tr("街道私钥的密码不正确，请重新输入。"))
    key = StreetKey(X25519PrivateKey.from_private_bytes(raw))
    if key.public != _key_bytes(content.get("public"), path, "街道私钥文件"):
        raise GridOfficeError(tr("街道私钥文件“{name}”已损坏，请用备份的私钥文件。").format(name=Path(path).name))
    return key


def read_card(path: str | Path) -> OfficeCard:
    content = _load(path, CARD, "社区单位卡")
    card = OfficeCard(str(content.get("uuid", "")), str(content.get("division_code", "")),
                      str(content.get("name", "")), _key_bytes(content.get("signing_key"), path, "社区单位卡"))
    if len(card.uuid) != 36:
        raise GridOfficeError(tr("社区单位卡“{name}”已损坏，请重新拷贝。").format(name=Path(path).name))
    return card


# --- the office ---------------------------------------------------------------------------------

def require_enroller(by: Scope) -> None:
    if by.role != "admin":
        raise PermissionDenied(tr("“{role}”角色不能登记到街道；请由系统管理员登记").format(role=by.role_label))


def card_of(db: Database) -> OfficeCard | None:
    """The card of an enrolled office, or None."""
    signing = get_setting(db, SIGNING_KEY)
    if not signing or not get_setting(db, STREET_KEY):
        return None
    identity = officefile.identity_of(db.conn)
    public = _raw_public(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(signing)).public_key())
    return OfficeCard(identity.uuid, identity.division_code, identity.name, public)


def enroll_office(db: Database, street_public: str | Path, card_path: str | Path, *, by: Scope) -> OfficeCard:
    """Store the street's public key, make the signing key (once), and write the office's card."""
    require_enroller(by)
    street = read_street_public(street_public)
    X25519PublicKey.from_public_bytes(street)
    card_path = Path(card_path)
    officefile.check_output(card_path)
    identity = officefile.identity_of(db.conn)
    if not identity.name:
        raise ValidationError("office", tr("请先在“组织与网格”中设置本单位（名称和区划代码），再登记到街道。"))
    signing = get_setting(db, SIGNING_KEY)
    made = not signing
    key = Ed25519PrivateKey.generate() if made else Ed25519PrivateKey.from_private_bytes(bytes.fromhex(signing))
    card = OfficeCard(identity.uuid, identity.division_code, identity.name, _raw_public(key.public_key()))

    def record() -> None:
        with db.atomic():
            if made:
                set_setting(db, SIGNING_KEY, _raw_private(key).hex())
            set_setting(db, STREET_KEY, street.hex())
            trail.record(db, "enroll", None, None, new={"street": fingerprint(street), "office": fingerprint(
                card.signing_key), "new_key": made, "card": card_path.name})

    with tempfiles.beside(card_path, CARD_SUFFIX) as tmp:
        tmp.write_bytes(_dump(card.to_json()))
        tempfiles.commit(tmp, card_path, record)
    return card


def office_keys(db: Database) -> OfficeKeys:
    """The keys a package is made with; refused for an office not enrolled yet."""
    signing, street = get_setting(db, SIGNING_KEY), get_setting(db, STREET_KEY)
    if not signing or not street:
        raise GridOfficeError(tr("本单位还没有登记到街道，不能生成上报包。请系统管理员先用街道发来的公钥文件登记"
                                 "（文件 → 登记到街道…，或命令 enroll），并把生成的单位卡交给街道。"))
    return OfficeKeys(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(signing)), bytes.fromhex(street))
