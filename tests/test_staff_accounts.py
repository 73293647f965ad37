"""Accounts linked to staff members: one account per staff member, an administrator's task, told
in the trail as a sentence."""

import pytest

from tests._domain import tree
from gridoffice.access import staff_accounts, users
from gridoffice.audit import trail, history
from gridoffice.org import staff
from gridoffice.errors import PermissionDenied, RuleViolation

ADMIN = users.whole_office("测试员")


def test_an_account_is_linked_to_one_staff_member(db):
    t = tree(db)
    admin = users.whole_office("管理员")
    zhang = staff.add_staff(db, "张敏", "village_cadre", org_id=t.grid)
    li = staff.add_staff(db, "李强", "village_cadre", org_id=t.grid)
    a = users.create_user(db, "zhangmin", "gridoffice1", "clerk", by=admin)
    b = users.create_user(db, "liqiang", "gridoffice1", "clerk", by=admin)
    assert staff_accounts.staff_of(db, a) is None
    staff_accounts.link(db, a, zhang, by=admin)
    assert staff_accounts.staff_of(db, a) == zhang and staff_accounts.links(db) == {a: zhang}
    with pytest.raises(RuleViolation, match="张敏已对应账号zhangmin"):
        staff_accounts.link(db, b, zhang, by=admin)
    with pytest.raises(PermissionDenied):
        staff_accounts.link(db, b, li, by=users.whole_office("王五", "clerk"))
    staff_accounts.link(db, b, li, by=admin)
    [entry] = [e for e in trail.history(db, "users", a) if e.action == "link_staff"]
    told = history.tell(db, [entry], scope=ADMIN)[0]
    assert "账号对应工作人员" in told.action and "张敏" in told.text and "staff" not in told.text
    staff_accounts.link(db, a, None, by=admin)
    assert staff_accounts.staff_of(db, a) is None


def test_the_demo_clerk_and_grid_worker_are_staff_with_contact_households(small_office):
    from gridoffice.demo import activity

    activity.add_demo_accounts(small_office)
    linked = dict(small_office.execute(
        "SELECT u.name, (SELECT count(*) FROM contacts c WHERE c.staff_id = u.staff_id AND c.until IS NULL) "
        "FROM users u WHERE u.staff_id IS NOT NULL").fetchall())
    assert set(linked) == {"clerk", "grid"} and min(linked.values()) > 0
