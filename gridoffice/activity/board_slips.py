"""民情留言板 and 民情抄送单: two registers that bring residents' needs in.

Seed 000 (桐庐县): “建立了以‘设置民情留言板、推行民情抄送单、记录民情日记、落实民情联系工作考核’为主抓手的
民情联系工作制”. A message left on the board (by a resident, named or not) and a carbon-copy slip (a cadre
copies what a household raised to the department concerned) are each numbered in their register; each
is answered, or taken in as a matter (its source 留言板 or 抄送单) or as a need of its household, and
keeps the link, so the register shows what became of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.activity import logs
from gridoffice.audit import trail, records
from gridoffice.matters import rules
from gridoffice.store.db import now as db_now
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import clean_field
from gridoffice.access.scope import Scope, writable
from gridoffice.store.where import Where
from gridoffice.changes import Changes, writes

KINDS = {"board": "民情留言板", "slip": "民情抄送单"}
PREFIX = {"board": "留言", "slip": "抄送"}
STATUS = {"open": "待处理", "answered": "已答复", "matter": "已转为事项", "need": "已转为需求"}


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    number: str
    received_on: str
    sender: str  # the resident who left the message, or the cadre who wrote the slip
    addressee: str  # a slip's department or person it is copied to
    household_id: int | None
    household_number: str
    grid: str
    content: str
    status: str
    reply: str
    replied_on: str | None
    matter_id: int | None
    matter_number: str
    matter_state: str
    need_id: int | None


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError("kind", tr("请选择民情留言板或民情抄送单"))
    return kind


@writes(Changes.NEEDS)
def add(db: Database, kind: str, *, received_on: object, content: str, sender: str = "", addressee: str = "",
        household_number: str = "", grid_id: int | None = None, today: dt.date | None = None) -> int:
    """Register a message or a slip; returns its id. A slip names who wrote it and to whom it is copied."""
    _kind(kind)
    day = records.parse_day(received_on, "received_on", "日期", today=today, required=True)
    content = clean_field(content, "matter_content", "content", multiline=True)
    if not content:
        raise ValidationError("content", tr("请填写{what}的内容").format(what=tr("留言") if kind == "board" else tr("抄送单")))
    sender = clean_field(sender, "resident_name", "sender")
    addressee = clean_field(addressee, "dept", "addressee")
    if kind == "slip" and not sender:
        raise ValidationError("sender", tr("请填写抄送人（写抄送单的干部）"))
    if kind == "slip" and not addressee:
        raise ValidationError("addressee", tr("请填写抄送给哪个部门或人员"))
    with db.atomic():
        household_id, org_id = None, grid_id
        number_text = str(household_number or "").strip()
        if number_text:
            row = db.execute("SELECT id, org_id FROM households WHERE number = ?", [number_text]).fetchone()
            if row is None:
                raise ValidationError("household", tr("找不到户号为“{n}”的户，请核对或留空").format(n=number_text))
            household_id, org_id = row
            grid_id = db.execute("SELECT coalesce(grid_id, id) FROM org_units WHERE id = ?", [org_id]).fetchone()[0] \
                if org_id is not None else grid_id
        elif grid_id is not None:
            records.require(db, "org_units", grid_id, "网格")
        writable(db, org_id)
        year = day[:4]
        prefix = f"{PREFIX[kind]}{year}-"
        last = db.execute("SELECT max(CAST(substr(number, ?) AS INTEGER)) FROM board_slips WHERE kind = ? "
                          "AND number LIKE ?", [len(prefix) + 1, kind, prefix + "%"]).fetchone()[0] or 0
        return records.insert(db, "board_slips", {
            "kind": kind, "number": f"{prefix}{last + 1:04d}", "received_on": day, "sender": sender,
            "addressee": addressee, "household_id": household_id, "grid_id": grid_id, "content": content,
            "status": "open", "recorded_at": db_now(), "recorded_by": trail.actor(db)}, "add_board_slip")


def _open(db: Database, item_id: int) -> dict:
    return records.require_writable(db, "board_slips", item_id, "留言或抄送单", unit="grid_id", status="open",
                                    refusal=tr("{number}已处理（{status}），不能重复处理"), labels=STATUS)


@writes(Changes.NEEDS)
def answer(db: Database, item_id: int, reply: str, *, today: dt.date | None = None) -> None:
    """Answered without a matter (a question explained, a suggestion noted): the reply is kept."""
    reply = clean_field(reply, "matter_note", "reply", multiline=True)
    if not reply:
        raise ValidationError("reply", tr("请填写答复的内容"))
    with db.atomic():
        row = _open(db, item_id)
        records.update(db, "board_slips", item_id, {"status": "answered", "reply": reply,
                                                     "replied_on": (today or dt.date.today()).isoformat()},
                       "answer_board_slip", old=row)


@writes(Changes.NEEDS | Changes.MATTERS)
def to_matter(db: Database, item_id: int, *, category_id: int, grade: str, title: str,
              now: dt.datetime | str | None = None) -> int:
    """Take the entry in as a matter (渠道 留言板 or 抄送单), linked both ways; returns the matter id."""
    with db.atomic():
        row = _open(db, item_id)
        matter_id = rules.intake(
            db, source=row["kind"], category_id=category_id, grade=grade,
            title=clean_field(title, "matter_title", "title") or row["content"][:100], content=row["content"],
            household_id=row["household_id"], grid_id=row["grid_id"],
            resident_name=row["sender"] if row["kind"] == "board" else "", now=now)
        records.update(db, "board_slips", item_id, {"status": "matter", "matter_id": matter_id},
                       "board_slip_to_matter", old=row)
        return matter_id


@writes(Changes.NEEDS)
def to_need(db: Database, item_id: int, *, staff_id: int | None = None, today: dt.date | None = None) -> int:
    """Take the entry in as a need of its household (居民需求日志, closed when solved); returns the need id."""
    with db.atomic():
        row = _open(db, item_id)
        if row["household_id"] is None:
            raise ValidationError("household", tr("转为需求要先知道是哪一户：这条没有登记户号，请转为事项"))
        need_id = logs.add_need(db, row["household_id"], row["content"][:200], staff_id=staff_id,
                                raised_on=row["received_on"], today=today)
        records.update(db, "board_slips", item_id, {"status": "need", "need_id": need_id},
                       "board_slip_to_need", old=row)
        return need_id


def items(db: Database, kind: str, *, scope: Scope, status: str | None = None, limit: int = 1000) -> list[Item]:
    """One register, open entries first and newest first; those of the user's scope (by the entry's
    grid or household; an entry without either is the whole office's)."""
    where = Where().equal("b.kind", _kind(kind)).equal("b.status", status)
    if not scope.whole_office:
        where.add(f"({scope.units('b.grid_id')} OR {scope.units('h.org_id')})")
    rows = db.execute(
        "SELECT b.id, b.kind, b.number, b.received_on, b.sender, b.addressee, b.household_id, coalesce(h.number, ''), "
        "coalesce(g.name, ''), b.content, b.status, b.reply, b.replied_on, b.matter_id, coalesce(m.number, ''), "
        "coalesce(m.state, ''), b.need_id FROM board_slips b LEFT JOIN households h ON h.id = b.household_id "
        "LEFT JOIN org_units g ON g.id = b.grid_id LEFT JOIN matters m ON m.id = b.matter_id "
        f"WHERE {where.sql} ORDER BY b.status != 'open', b.received_on DESC, b.id DESC LIMIT ?",
        [*where.params, limit]).fetchall()
    return [Item(*r) for r in rows]
