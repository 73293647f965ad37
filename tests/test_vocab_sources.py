"""The words a clerk sees for the rules are the sources' own words (seeds 000 and 001)."""

from gridoffice import vocab


def test_the_five_roles_are_zhoushans_words():
    # 001: "充分发挥团队成员的社情民意调研员、矛盾纠纷化解员、政策法规宣传员、民主制度监督员、富民强市服务员等“五个员”的作用"
    assert list(vocab.TEAM_DUTIES.values()) == [
        "社情民意调研员", "矛盾纠纷化解员", "政策法规宣传员", "民主制度监督员", "富民强市服务员"]


def test_the_contact_classes_say_who_contacts_them_as_yaolin_does():
    # 000: "……由村主要干部重点联系；……由村两委班子成员重点关注；其他群众作为三类对象，由普通党员进行联系"
    assert vocab.CONTACT_CLASSES == {
        1: "一类户（困难和问题多的群体，由村主要干部重点联系）",
        2: "二类户（低收入户、发展大户、活跃群体，由村两委班子成员重点关注）",
        3: "三类户（其他群众，由普通党员联系）",
    }
    assert vocab.STAFF_ROLES["committee_member"] == "村两委班子成员"
    assert "一般农户" not in "".join(vocab.CONTACT_CLASSES.values())
