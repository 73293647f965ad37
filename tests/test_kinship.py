"""Relations restated toward a new head: what is proposed, and what can never be true."""

import pytest

from tests._domain import TODAY, dump, man, tree, woman
from gridoffice.archive import households, kinship, people
from gridoffice.errors import ValidationError
from gridoffice.archive.kinship import Kin
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")

OLD_HEAD = Kin(1, "王建国", "M", "1950-03-01", "head")
SON = Kin(2, "王小明", "M", "1975-05-01", "son")
DAUGHTER = Kin(3, "王小红", "F", "1978-05-01", "daughter")


@pytest.mark.parametrize("member, expected", [
    (OLD_HEAD, "father"),
    (Kin(4, "李秀英", "F", "1952-01-01", "spouse"), "mother"),
    (DAUGHTER, "sibling"),
    (Kin(5, "陈静", "F", "1977-01-01", "daughter_in_law"), "spouse"),
    (Kin(6, "王乐乐", "F", "2005-01-01", "granddaughter"), "daughter"),
    (Kin(7, "王宝宝", "M", "2008-01-01", "grandson"), "son"),
    (Kin(8, "王老汉", "M", "1925-01-01", "father"), "grandfather"),
])
def test_a_son_who_becomes_head_gets_relations_toward_himself(member, expected):
    assert kinship.propose(SON, member) == expected


def test_proposals_from_other_new_heads():
    wife = Kin(4, "李秀英", "F", "1952-01-01", "spouse")
    assert kinship.propose(wife, OLD_HEAD) == "spouse"
    assert kinship.propose(wife, SON) == "son"
    assert kinship.propose(Kin(9, "王老汉", "M", "1925-01-01", "father"), OLD_HEAD) == "son"
    assert kinship.propose(Kin(9, "王老汉", "M", "1925-01-01", "father"), wife) == "daughter_in_law"
    assert kinship.propose(SON, Kin(10, "某人", None, None, "other")) == "other_relative"


def test_sets_that_cannot_be_true_are_named():
    members = {k.id: k for k in (OLD_HEAD, DAUGHTER, Kin(5, "陈静", "F", "1977-01-01", "daughter_in_law"),
                                 Kin(6, "王乐乐", "F", "2005-01-01", "granddaughter"))}
    assert kinship.problems(SON, {3: "sibling", 5: "spouse", 6: "daughter", 1: "father"}, members) == []
    found = kinship.problems(SON, {3: "spouse", 5: "spouse", 6: "mother", 1: "son"}, members)
    assert "王小红、陈静不能都是户主王小明的配偶" in found
    assert "王乐乐比户主王小明年轻，不能是户主的母亲" in found
    assert "王建国比户主王小明年长，不能是户主的子" in found
    assert kinship.problems(SON, {1: "mother"}, members) == ["王建国是男性，不能是户主的母亲"]


def test_the_split_itself_refuses_an_impossible_set(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"), number="G01-0001", address="宝石路1号")
    son = households.add_member(db, hid, man("王小明", year=1975, serial=31), "son")
    wife = households.add_member(db, hid, woman("陈静", year=1977, serial=42), "daughter_in_law")
    before = dump(db)
    with pytest.raises(ValidationError, match="陈静是女性，不能是户主的子"):
        households.split_household(db, hid, [son, wife], son, relations={wife: "son"}, today=TODAY)
    assert dump(db) == before
    new_id = households.split_household(db, hid, [son, wife], son, relations={wife: "spouse"}, today=TODAY)
    assert people.get_person(db, wife, scope=ADMIN).household_id == new_id
