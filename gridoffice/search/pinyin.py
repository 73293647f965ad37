"""Pinyin of personal names, for search: full spelling and initials, surname readings included.

pypinyin costs ~190 ms to import and ~27 µs per name, so it is imported on first use and
asked once per character; a name is then spelled from the cache in about a microsecond.
pypinyin reads a surname like an ordinary character (曾 ceng, 单 dan), so a name whose first
character is a surname with its own reading gets both spellings: a clerk may type either.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gridoffice.normalize import PLAIN_CHINESE

# Surnames read differently from the character's common reading (pypinyin gives the latter).
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "乐": "yue",
    "秘": "bi",
    "种": "chong",
    "繁": "po",
    "员": "yun",
    "句": "gou",
    "阚": "kan",
    "黑": "he",
    "隗": "wei",
    "藏": "zang",
    "能": "nai",
    "召": "shao",
    "折": "she",
    "宓": "fu",
    "佴": "nai",
    "洗": "xian",
    "蕃": "pi",
    "卜": "bu",
    "薄": "bo",
    "祭": "zhai",
    "泌": "bi",
    "长": "chang",
}
COMPOUND_SURNAMES = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "单于": ("chan", "yu"),
    "长孙": ("zhang", "sun"),
    "澹台": ("tan", "tai"),
}


@lru_cache(maxsize=None)
def char_reading(ch: str) -> str:
    """The common reading of one Chinese character, without tone ('' when pypinyin has none)."""
    from pypinyin import Style, lazy_pinyin

    reading = lazy_pinyin(ch, style=Style.NORMAL, errors=lambda _: [""])[0]
    return reading if reading.isascii() and reading.isalpha() else ""


# Characters that may carry a reading (CJK ideographs) and runs of Latin letters.
_TOKEN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]|[a-z]+")


def syllables(name: str) -> list[str]:
    """The name spelt as syllables; runs of Latin letters (foreign names) kept as they are."""
    out: list[str] = []
    for token in _TOKEN.findall(name.lower()):
        if token.isascii():
            out.append(token)
        else:
            reading = _READINGS.get(token)
            if reading is None:
                reading = _READINGS[token] = char_reading(token)
            if reading:
                out.append(reading)
    return out


# char_reading's answers as a plain dict: a rebuild spells hundreds of thousands of names.
_READINGS: dict[str, str] = {}


def spellings(name: str) -> list[list[str]]:
    """Every syllable list a clerk might type for the name: the common one, then surname readings."""
    base = syllables(name)
    result = [base]
    compound = COMPOUND_SURNAMES.get(name[:2])
    if compound and len(base) >= 2:
        result.append(list(compound) + base[2:])
    surname = SURNAME_READINGS.get(name[:1])
    if surname and base and base[0] != surname:
        result.append([surname] + base[1:])
    # ü is typed as v by most input methods and as u by some; accept both.
    if "v" in "".join(base) or len(result) > 1:
        for spelt in list(result):
            if any("v" in s for s in spelt) and name.isalpha() and not name.isascii():
                result.append([s.replace("v", "u") for s in spelt])
    return result


def keys(name: str) -> tuple[str, ...]:
    """Search keys of a name: each full spelling and each string of initials, without repeats."""
    # Most names are Chinese characters already spelt once, with no surname of its own reading
    # and no ü: spelt here directly (a roster import spells 150,000 names, most of them once).
    if name[:1] not in SURNAME_READINGS and name[:2] not in COMPOUND_SURNAMES and PLAIN_CHINESE.fullmatch(name):
        try:
            base = [_READINGS[ch] for ch in name]
        except KeyError:
            base = None
        if base and all(base):
            full = "".join(base)
            if "v" not in full:
                initials = "".join([s[0] for s in base])
                return (full,) if initials == full else (full, initials)
    return _keys(name)


@lru_cache(maxsize=65536)
def _keys(name: str) -> tuple[str, ...]:
    found: list[str] = []
    for spelt in spellings(name):
        if not spelt:
            continue
        for key in ("".join(spelt), "".join(s[0] for s in spelt)):
            if key not in found:
                found.append(key)
    return tuple(found)
