"""Relations within a household when its head changes: what each member becomes to the new head,
and which sets of relations cannot be true.

A household book records each member's relation to the head. When someone else becomes head (a
split, a change of head, a head who moved out or died) every relation has to be restated toward
the new head: the old head's daughter-in-law is the new head's wife when he is her husband's
household's son. `propose` gives the likely answer for the dialog to pre-set; `problems` refuses
what cannot be (two spouses, a mother who is a man, a son older than his parent) before anything
irreversible is confirmed, and the split itself refuses it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridoffice.i18n import tr
from gridoffice.vocab import RELATIONS

# Relations that name the member's sex, and those that put them a generation above or below the head.
MALE = {"son", "son_in_law", "grandson", "father", "grandfather"}
FEMALE = {"daughter", "daughter_in_law", "granddaughter", "mother", "grandmother"}
YOUNGER = {"son", "daughter", "son_in_law", "daughter_in_law", "grandson", "granddaughter"}
# A child or grandchild is always younger than the head, a parent or grandparent older (an in-law
# may be either, however rarely).
DESCENDANTS = {"son", "daughter", "grandson", "granddaughter"}
OLDER = {"father", "mother", "grandfather", "grandmother"}
# How many of each one head can have.
AT_MOST = {"spouse": 1, "father": 1, "mother": 1, "grandfather": 2, "grandmother": 2}


@dataclass(frozen=True)
class Kin:
    """A member as the rule needs them: their relation to the old head, sex and birth date."""
    id: int
    name: str
    sex: str | None
    birth_date: str | None
    relation: str | None


def _by_sex(sex: str | None, male: str, female: str, unknown: str = "other_relative") -> str:
    return male if sex == "M" else female if sex == "F" else unknown


def propose(new_head: Kin, member: Kin) -> str:
    """The member's likely relation to the new head, from both their relations to the old head."""
    via, rel, sex = new_head.relation, member.relation, member.sex
    if via in ("son", "daughter"):  # the new head is the old head's child
        if rel == "head":
            return _by_sex(sex, "father", "mother")
        if rel == "spouse":
            return _by_sex(sex, "father", "mother")
        if rel in ("son", "daughter"):
            return "sibling"
        if (via, rel) in (("son", "daughter_in_law"), ("daughter", "son_in_law")):
            return "spouse"
        if rel in ("grandson", "granddaughter"):
            return _by_sex(sex, "son", "daughter")
        if rel in ("father", "mother"):
            return _by_sex(sex, "grandfather", "grandmother")
        return "other_relative"
    if via == "spouse":  # the old head's husband or wife: the children stay children
        if rel == "head":
            return "spouse"
        if rel in YOUNGER:
            return rel
        return "other_relative"
    if via in ("father", "mother"):  # the old head's parent
        if rel == "head":
            return _by_sex(sex, "son", "daughter")
        if rel == "spouse":
            return _by_sex(sex, "son_in_law", "daughter_in_law")
        if rel in ("son", "daughter"):
            return _by_sex(sex, "grandson", "granddaughter")
        if rel in ("father", "mother"):
            return "spouse"
        return "other_relative"
    if via == "sibling":
        if rel == "head":
            return "sibling"
        if rel in ("father", "mother"):
            return rel
        return "other_relative"
    if via in ("daughter_in_law", "son_in_law"):  # a child's spouse heads: the grandchildren are theirs
        if rel in ("grandson", "granddaughter"):
            return _by_sex(sex, "son", "daughter")
        if (via, rel) in (("daughter_in_law", "son"), ("son_in_law", "daughter")):
            return "spouse"
        return "other_relative"
    return "other_relative"


def kin_of(person) -> Kin:
    """A Kin from anything with id, name, sex, birth_date and relation (a Person, a row)."""
    get = person.__getitem__ if isinstance(person, dict) else lambda key: getattr(person, key)
    return Kin(get("id"), get("name"), get("sex"), get("birth_date"), get("relation"))


def problems(head: Kin, relations: dict[int, str], members: dict[int, Kin]) -> list[str]:
    """Why these relations toward `head` cannot all be true; empty when they can. `relations` maps
    member ids to relation codes, `members` gives each member's sex and birth date."""
    found: list[str] = []
    for code, limit in AT_MOST.items():
        holders = [members[i].name for i, r in relations.items() if r == code]
        if len(holders) > limit:
            found.append(tr("{names}不能都是户主{head}的{rel}").format(
                names="、".join(holders), head=head.name, rel=tr(RELATIONS[code])))
    for member_id, code in relations.items():
        kin = members[member_id]
        label = tr(RELATIONS.get(code, code))
        if (code in MALE and kin.sex == "F") or (code in FEMALE and kin.sex == "M"):
            found.append(tr("{name}是{sex}性，不能是户主的{rel}").format(
                name=kin.name, sex=tr("女") if kin.sex == "F" else tr("男"), rel=label))
        elif code == "spouse" and kin.sex and head.sex and kin.sex == head.sex:
            found.append(tr("{name}与户主{head}同为{sex}性，不能是配偶").format(
                name=kin.name, head=head.name, sex=tr("女") if kin.sex == "F" else tr("男")))
        if kin.birth_date and head.birth_date:
            if code in DESCENDANTS and kin.birth_date < head.birth_date:
                found.append(tr("{name}比户主{head}年长，不能是户主的{rel}").format(
                    name=kin.name, head=head.name, rel=label))
            elif code in OLDER and kin.birth_date > head.birth_date:
                found.append(tr("{name}比户主{head}年轻，不能是户主的{rel}").format(
                    name=kin.name, head=head.name, rel=label))
    return found
