"""A demo street: generated communities enrolled with a street, their packages consolidated into a
store, and what a street meets in a month: a package altered on the way, one sent before the one
it follows, a community that has sent nothing. `bash dev.sh street-demo` builds it and opens the
street's window on it.

    python -m gridoffice.consolidation.street_demo FOLDER DSN
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Generator

from gridoffice.access import session, users
from gridoffice.demo import activity, generator
from gridoffice.demo.activity import DEMO_PASSWORD, DEMO_USERS, add_demo_accounts
from gridoffice.i18n import tr
from gridoffice.consolidation import consolidate, enroll, package, store, street_users

OFFICES = 6
HOUSEHOLDS = 60
STREET_PASSWORD = "street-demo"
# The demo street's accounts for its window: an administrator and a member of staff.
STREET_ACCOUNTS = (("jiedao", "street_admin", "演示街道管理员"), ("zhiyuan", "street_staff", "演示街道工作人员"))
STREET_ACCOUNT_PASSWORD = "street-demo1"
TODAY = dt.date(2026, 11, 20)


def build(folder: Path, dsn: str, *, offices: int = OFFICES,
          households: int = HOUSEHOLDS) -> Generator[tuple[int, int, str], None, list[consolidate.Outcome]]:
    folder.mkdir(parents=True, exist_ok=True)
    private, public = enroll.make_street_keys(folder, STREET_PASSWORD)
    key = enroll.read_street_key(private, STREET_PASSWORD)
    admin = users.whole_office(tr("演示数据"))
    cards, packages = [], []
    steps = offices + 2
    for n in range(offices):
        yield n, steps, tr("正在生成第{n}个社区").format(n=n + 1)
        path = folder / f"office-{n + 1}.db"
        db, _code = session.create_office(path, DEMO_USERS[0][0], DEMO_PASSWORD)
        try:
            for _ in generator.generate(db, households=households, seed=100 + n, today=TODAY):
                pass
            # A year of visits, diaries and matters, so the assessment has something to rank.
            for _ in activity.add_activity(db, seed=100 + n, today=TODAY):
                pass
            add_demo_accounts(db)
            cards.append(enroll.enroll_office(db, public, folder / f"office-{n + 1}.card", by=admin))
            if n == offices - 1:
                continue  # the last community enrolls and sends nothing: overdue
            made = []
            for month in range(2 if n % 2 == 0 else 1):
                at = dt.datetime(2026, 10 + month, 28, 17, 0)
                if month:
                    with db.atomic():
                        db.execute("UPDATE households SET notes = '本月已走访' WHERE id % 7 = 0")
                written = package.write_package(db, folder / f"office-{n + 1}-{month + 1}.pkg", by=admin, at=at)
                for _ in written:
                    pass
                made.append(folder / f"office-{n + 1}-{month + 1}.pkg")
            packages.append(made)
        finally:
            db.close()
    yield offices, steps, tr("正在把上报包导入汇总数据库")
    with store.connect(dsn) as conn:
        if not street_users.has_users(conn):
            admin = None
            for name, role, shown in STREET_ACCOUNTS:
                added = street_users.add_user(conn, name, STREET_ACCOUNT_PASSWORD, role, by=admin, display_name=shown)
                admin = admin or added
        for card in cards:
            store.enroll(conn, uuid=card.uuid, division_code=card.division_code, name=card.name,
                         public_key=card.signing_key, by=tr("演示街道"))
        # The second community's second package arrives before its first; the third's is altered.
        firsts = [made[0] for made in packages]
        altered = folder / "office-3-1-损坏.pkg"
        data = bytearray(firsts[2].read_bytes())
        data[len(data) // 2] ^= 0x5A
        altered.write_bytes(bytes(data))
        early = [made[1] for made in packages if len(made) > 1][:1]
        outcomes = yield from consolidate.consolidate(conn, early, [key], by=tr("演示街道"))
        outcomes += yield from consolidate.consolidate(conn, [altered], [key], by=tr("演示街道"))
        rest = firsts + [made[1] for made in packages if len(made) > 1]
        outcomes += yield from consolidate.consolidate(conn, rest, [key], by=tr("演示街道"))
    yield steps, steps, tr("演示街道已建好")
    return outcomes


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(tr("用法：python -m gridoffice.consolidation.street_demo 文件夹 连接串"), file=sys.stderr)
        return 2
    job = build(Path(argv[0]), argv[1])
    while True:
        try:
            _done, _total, message = next(job)
        except StopIteration as stop:
            outcomes = stop.value
            break
        print(message, file=sys.stderr)
    for outcome in outcomes:
        print(outcome.message)
    print(tr("街道账号：{accounts}，密码都是 {password}").format(
        accounts="、".join(f"{name}（{tr(street_users.ROLES[role])}）" for name, role, _ in STREET_ACCOUNTS),
        password=STREET_ACCOUNT_PASSWORD), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
