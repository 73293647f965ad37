"""Search: every kind of query, ranking, filters, reindexing after changes, junk input, the CLI."""

from __future__ import annotations

import datetime as dt
import time

import pytest

import commands
from commands._progress import consume
from gridoffice import idcard, vocab
from gridoffice.search import pinyin, finder
from gridoffice.store.db import connect
from gridoffice.errors import ValidationError
from gridoffice.access.users import whole_office

# The whole office, as an administrator sees it (users.scope_of makes a logged-in user's).
ADMIN = whole_office("测试员")

TODAY = dt.date(2026, 6, 1)


def _id_ending_in_x(area: str, birth: dt.date) -> str:
    return next(n for n in (idcard.make_id(area, birth, s) for s in range(1000)) if n.endswith("X"))


PEOPLE = [
    # id, household, name, birth, serial, phone, relation, status
    (1, 1, "张伟", dt.date(1965, 3, 12), 123, "13912345678", "head", "active"),
    (2, 1, "曾国藩", dt.date(1990, 1, 2), 124, "", "spouse", "active"),
    (3, 2, "王张伟", dt.date(1950, 5, 6), 11, "13800001111", "head", "active"),
    (4, 2, "张伟明", dt.date(2024, 5, 6), 13, "", "son", "active"),
    (5, 3, "单田芳", dt.date(1934, 12, 24), 15, "", "head", "active"),
    (6, 3, "李秀英", dt.date(1940, 7, 1), 16, "", "spouse", "deceased"),
    (7, 4, "欧阳明", dt.date(1988, 8, 8), 17, "15000002222", "head", "moved_out"),
]


@pytest.fixture
def office(db):
    db.execute(
        "INSERT INTO org_units(id, parent_id, level, name, path, grid_id, sort, status) VALUES "
        "(1, NULL, 'community', '幸福社区', '/1/', NULL, 0, 'active'),"
        "(2, 1, 'grid', '一网格', '/1/2/', 2, 0, 'active'),"
        "(3, 1, 'grid', '二网格', '/1/3/', 3, 0, 'active')"
    )
    db.execute(
        "INSERT INTO households(id, number, org_id, address, phone, contact_class, status) VALUES "
        "(1, '0001', 2, '幸福小区3栋2单元501室', '0571-88886666', 1, 'active'),"
        "(2, '0002', 3, '王家村3组12号', '', 3, 'active'),"
        "(3, 'A0003', 3, '幸福小区13栋1单元101室', '', 2, 'active'),"
        "(4, '0004', 2, '阳光花园8幢', '', 3, 'moved_out')"
    )
    for pid, hid, name, birth, serial, phone, relation, status in PEOPLE:
        number = _id_ending_in_x("330102", birth) if pid == 5 else idcard.make_id("330102", birth, serial)
        db.execute(
            "INSERT INTO persons(id, household_id, name, id_number, sex, birth_date, relation, phone, status, residence) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'registered')",
            [pid, hid, name, number, "M", birth.isoformat(), relation, phone, status],
        )
    db.execute("INSERT INTO person_tags(person_id, tag, since) VALUES (5, 'three_nos', '2020-01-01')")
    db.execute("INSERT INTO person_tags(person_id, tag, since, until) VALUES (1, 'disabled', '2020-01-01', '2025-01-01')")
    db.conn.commit()
    consume(finder.rebuild(db, today=TODAY), quiet=True)
    return db


def find(db, query, **filters):
    return [(h.kind, h.title) for h in finder.search(db, query, scope=ADMIN, today=TODAY, **filters)]


def names(db, query, **filters):
    return [h.title for h in finder.search(db, query, scope=ADMIN, today=TODAY, kind="person", **filters)]


def id_of(db, pid):
    return db.execute("SELECT id_number FROM persons WHERE id = ?", [pid]).fetchone()[0]


def test_one_character_finds_every_name_holding_it(office):
    assert set(names(office, "伟")) == {"张伟", "王张伟", "张伟明"}


def test_exact_name_first_then_names_starting_with_it(office):
    assert names(office, "张伟") == ["张伟", "张伟明", "王张伟"]
    # Households are found by their head's name, after the persons of the same rank.
    assert find(office, "张伟")[:2] == [("person", "张伟"), ("household", "张伟户")]
    assert names(office, "张")[-1] == "王张伟"


def test_a_name_starting_with_the_query_outranks_a_match_through_the_household(office):
    # 白亮 lives in household 2, whose head (王张伟) and address (王家村) hold 王; 王建军 does not.
    def add(pid, hid, name, relation, serial):
        office.execute(
            "INSERT INTO persons(id, household_id, name, id_number, sex, birth_date, relation, status, residence) "
            "VALUES (?, ?, ?, ?, 'M', '1980-01-01', ?, 'active', 'registered')",
            [pid, hid, name, idcard.make_id("330102", dt.date(1980, 1, 1), serial), relation])

    with office.atomic():
        add(8, 2, "白亮", "son", 31)
        add(9, 1, "王建军", "son", 33)
        finder.reindex(office, person_ids=[8, 9], today=TODAY)
    for judged in ("changed rows", "rebuilt index"):
        hits = find(office, "王")
        assert ("person", "白亮") not in hits, judged
        assert sorted(hits[:2]) == [("person", "王建军"), ("person", "王张伟")], judged
        assert hits[2:] == [("household", "王张伟户")], judged
        assert names(office, "王建") == ["王建军"], judged
        assert names(office, "王家") == [], judged
        consume(finder.rebuild(office, today=TODAY), quiet=True)


def test_part_of_a_name_in_the_middle(office):
    assert names(office, "阳明") == ["欧阳明"]
    assert names(office, "伟张") == []


def test_full_pinyin_and_its_prefixes(office):
    assert names(office, "zhangwei") == ["张伟", "张伟明"]
    assert names(office, "zhangw") == ["张伟", "张伟明"]
    assert names(office, "zhangweim") == ["张伟明"]
    assert names(office, "ouyang") == ["欧阳明"]
    assert "王张伟" in names(office, "wangzhangwei")


def test_initials(office):
    assert names(office, "zw") == ["张伟", "张伟明"]
    assert names(office, "zwm") == ["张伟明"]
    assert names(office, "oym") == ["欧阳明"]


def test_surnames_found_by_both_readings(office):
    for query in ("zeng", "ceng", "zengguofan", "cengguofan", "zgf", "cgf"):
        assert names(office, query) == ["曾国藩"], query
    for query in ("shantianfang", "dantianfang", "stf"):
        assert names(office, query) == ["单田芳"], query
    assert pinyin.keys("曾国藩")[:2] == ("cengguofan", "cgf")
    assert "piaoyi" in pinyin.keys("朴一") and "zhayi" in pinyin.keys("查一")


def test_id_digits_at_head_middle_and_tail(office):
    number = id_of(office, 1)
    assert number.startswith("330102196503121")
    for query in (number, number[:6], "19650312", "6503", number[-4:], number[-6:], "0312" + number[14:16]):
        assert "张伟" in names(office, query), query
    assert names(office, "19650313") == []
    tail_x = id_of(office, 5)
    assert names(office, tail_x[-4:].lower()) == ["单田芳"]
    assert names(office, tail_x[-4:]) == ["单田芳"]


def test_every_run_of_4_or_more_digits_finds_its_owner(office):
    for pid, text in ((1, id_of(office, 1)), (5, id_of(office, 5)), (1, "13912345678")):
        name = next(p[2] for p in PEOPLE if p[0] == pid)
        for start in range(len(text) - 3):
            for end in range(start + 4, len(text) + 1):
                assert name in names(office, text[start:end]), text[start:end]


def test_phone_digits(office):
    assert names(office, "1391") == ["张伟"]
    assert names(office, "2345") == ["张伟"]
    assert names(office, "5678") == ["张伟"]
    assert names(office, "139-1234-5678") == ["张伟"]
    assert names(office, "1111") == ["王张伟"]
    # A landline is found with or without its area code.
    assert find(office, "88886666", kind="household") == [("household", "张伟户")]
    assert find(office, "0571-8888", kind="household") == [("household", "张伟户")]


def test_address_fragments(office):
    households = lambda q: [t for _, t in find(office, q, kind="household")]  # noqa: E731
    assert set(households("幸福小区")) == {"张伟户", "单田芳户"}
    assert households("3栋") == ["张伟户"]
    assert households("13栋") == ["单田芳户"]
    assert households("单元5") == ["张伟户"]
    assert households("501") == ["张伟户"]
    assert households("王家村3组") == ["王张伟户"]
    assert households("小区8幢") == []


def test_household_number_exact_and_prefix(office):
    assert find(office, "0002", kind="household") == [("household", "王张伟户")]
    assert find(office, "a0003") == [("household", "单田芳户")]
    assert find(office, "A000") == [("household", "单田芳户")]
    hits = finder.search(office, "0001", scope=ADMIN, today=TODAY)
    assert hits[0].kind == "household" and hits[0].subtitle.startswith("户号0001")


def test_filter_by_subtree(office):
    assert set(names(office, "张", org_id=1)) == {"张伟", "王张伟", "张伟明"}
    assert names(office, "张", org_id=2) == ["张伟"]
    assert names(office, "张", org_id=3) == ["张伟明", "王张伟"]
    assert names(office, "张", org_id=999) == []


def test_filter_by_tag_counts_only_tags_still_running(office):
    assert names(office, "单", tag="three_nos") == ["单田芳"]
    assert names(office, "张", tag="three_nos") == []
    # 张伟's tag ended before TODAY.
    assert names(office, "张伟", tag="disabled") == []
    assert find(office, "单", tag="three_nos", kind="household") == []


def test_filter_by_contact_class_age_status_and_kind(office):
    assert names(office, "张", contact_class=1) == ["张伟"]
    assert names(office, "张", contact_class=3) == ["张伟明", "王张伟"]
    assert names(office, "张", contact_class=4) == []
    assert names(office, "张", age_min=60) == ["张伟", "王张伟"]
    assert names(office, "张", age_max=3) == ["张伟明"]
    assert names(office, "张", age_min=18, age_max=60) == []
    assert names(office, "李", status="deceased") == ["李秀英"]
    assert names(office, "李", status="active") == []
    assert find(office, "阳光", status="moved_out") == [("household", "欧阳明户")]
    assert find(office, "张伟", kind="household") == [("household", "张伟户"), ("household", "王张伟户")]
    assert find(office, "张伟", kind="nobody") == []


def test_people_who_left_rank_after_those_still_here(office):
    hits = finder.search(office, "明", scope=ADMIN, kind="person", today=TODAY)
    assert [h.title for h in hits] == ["张伟明", "欧阳明"]
    assert "已迁出" in hits[1].subtitle
    hits = finder.search(office, "秀英", scope=ADMIN, today=TODAY)
    assert "已死亡" in hits[0].subtitle


def test_limit(office):
    assert len(finder.search(office, "张", scope=ADMIN, limit=2, today=TODAY)) == 2
    # Household 2 has a smaller id than its head, person 3: persons still come first.
    assert find(office, "王张伟", limit=1) == [("person", "王张伟")]
    assert finder.search(office, "张", scope=ADMIN, limit=0, today=TODAY) == []


def test_reindex_after_rename_phone_change_and_move(office):
    with office.atomic():
        office.execute("UPDATE persons SET name = '李四', phone = '18612340000' WHERE id = 1")
        finder.reindex(office, person_ids=[1], today=TODAY)
    assert names(office, "张伟") == ["张伟明", "王张伟"]
    assert names(office, "zhangwei") == ["张伟明"]
    assert names(office, "李四") == ["李四"]
    assert names(office, "ls") == ["李四"]
    assert names(office, "1391") == []
    assert names(office, "86123") == ["李四"]
    # The household carries its head's name.
    assert find(office, "李四", kind="household") == [("household", "李四户")]
    assert finder.dirty_count(office) == 2

    with office.atomic():
        office.execute("UPDATE households SET org_id = 3, contact_class = 2, address = '和平路9号' WHERE id = 1")
        finder.reindex(office, household_ids=[1], today=TODAY)
    assert names(office, "曾", org_id=2) == []
    assert names(office, "曾", org_id=3) == ["曾国藩"]
    assert names(office, "曾", contact_class=2) == ["曾国藩"]
    assert find(office, "幸福小区", kind="household") == [("household", "单田芳户")]
    assert find(office, "和平路", kind="household") == [("household", "李四户")]

    with office.atomic():
        office.execute("UPDATE persons SET status = 'deceased' WHERE id = 2")
        finder.reindex(office, person_ids=[2], today=TODAY)
    assert names(office, "曾", status="active") == []
    assert names(office, "曾", status="deceased") == ["曾国藩"]

    consume(finder.rebuild(office, today=TODAY), quiet=True)
    assert finder.dirty_count(office) == 0
    assert names(office, "zhangwei") == ["张伟明"]
    assert names(office, "曾", status="deceased") == ["曾国藩"]


def test_reindex_after_a_unit_moves(office):
    with office.atomic():
        office.execute(
            "INSERT INTO org_units(id, parent_id, level, name, path, sort, status) "
            "VALUES (9, NULL, 'community', '和平社区', '/9/', 0, 'active')"
        )
        office.execute("UPDATE org_units SET parent_id = 9, path = '/9/3/' WHERE id = 3")
        finder.reindex(office, unit_ids=[3], today=TODAY)
    assert names(office, "张", org_id=9) == ["张伟明", "王张伟"]
    assert names(office, "张", org_id=1) == ["张伟"]
    assert finder.dirty_count(office) == 6


def test_many_changed_rows_are_judged_a_batch_at_a_time(office, monkeypatch):
    monkeypatch.setattr(finder, "_JUDGE_BATCH", 2)
    with office.atomic():
        office.execute("UPDATE persons SET name = name || '华'")
        finder.reindex(office, household_ids=[1, 2, 3, 4], today=TODAY)
    assert finder.dirty_count(office) == len(PEOPLE) + 4
    assert names(office, "华") == [p[2] + "华" for p in PEOPLE if p[7] == "active"] + ["李秀英华", "欧阳明华"]
    assert names(office, "张伟", limit=1) == ["张伟华"]
    assert names(office, "zwh") == ["张伟华"]


def test_a_read_only_connection_judges_changed_rows_too(office):
    with office.atomic():
        office.execute("UPDATE persons SET name = '李四' WHERE id = 1")
        finder.reindex(office, person_ids=[1], today=TODAY)
    path = office.execute("PRAGMA database_list").fetchone()[2]
    reader = connect(path, readonly=True)
    try:
        assert [h.title for h in finder.search(reader, "zhangwei", scope=ADMIN, today=TODAY)] == ["张伟明"]
        assert [h.title for h in finder.search(reader, "李四", scope=ADMIN, kind="person", today=TODAY)] == ["李四"]
    finally:
        reader.close()


def test_reindex_of_new_rows_keeps_them_clean(office):
    with office.atomic():
        office.execute(
            "INSERT INTO persons(id, household_id, name, id_number, birth_date, relation, status, residence) "
            "VALUES (8, 2, '赵六', ?, '2001-02-03', 'son', 'active', 'registered')",
            [idcard.make_id("330102", dt.date(2001, 2, 3), 21)],
        )
        finder.reindex(office, person_ids=[8], today=TODAY)
    assert finder.dirty_count(office) == 0
    assert names(office, "zl") == ["赵六"]
    assert names(office, "赵", org_id=3) == ["赵六"]


def test_cancelled_rebuild_keeps_the_old_index(office):
    # A change written without reindexing: only a rebuild brings it in.
    office.execute("UPDATE persons SET name = '钱七' WHERE id = 3")
    office.conn.commit()
    job = finder.rebuild(office, today=TODAY)
    next(job)
    next(job)
    job.close()
    assert names(office, "王张伟") == ["钱七"]
    assert names(office, "钱七") == []
    assert consume(finder.rebuild(office, today=TODAY), quiet=True) == len(PEOPLE) + 4
    assert names(office, "钱七") == ["钱七"]
    assert names(office, "王张伟") == []


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "*", "-", "OR", "NEAR", "AND", "NOT", '张" OR "李', "NEAR(张 伟)", "张*", "^张",
     "'; DROP TABLE persons; --", "{name}: 张", "\ue004张", "\u200b", "（）【】", "x"],
)
def test_junk_and_fts_syntax_are_plain_text(office, query):
    hits = finder.search(office, query, scope=ADMIN, today=TODAY)
    assert all(isinstance(h, finder.Hit) for h in hits)
    assert office.execute("SELECT count(*) FROM persons").fetchone()[0] == len(PEOPLE)
    if query in ("", "   ", '"', "*", "-", "（）【】", "\u200b", "x"):
        assert hits == []
    if query == '张" OR "李':
        assert hits == []


def test_private_tokens_do_not_clash():
    codes = [finder._status_token(s) for s in {*vocab.PERSON_STATUS, *vocab.HOUSEHOLD_STATUS}]
    codes += [finder._tag_token(t) for t in vocab.TAGS]
    assert len(set(codes)) == len(codes)
    fixed = {finder._DIRTY, finder._INACTIVE, finder._NAME, finder._NUMBER, *finder._KIND.values(), *finder._CLASS.values()}
    assert not fixed & set(codes)


def test_schema_matches_the_options_search_uses(db):
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'").fetchone()[0]
    assert finder.FTS_OPTIONS in sql


def test_command_line(office, tmp_path, capsys):
    path = office.execute("PRAGMA database_list").fetchone()[2]
    assert commands.run(["search", "--db", path, "张伟"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t")[:2] == ["人员", "张伟"]
    assert "幸福小区3栋2单元501室" in lines[0]
    assert commands.run(["search", "--db", path, "zw", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert commands.run(["search", "--db", path, "没有这个人"]) == 1
    assert "没有找到" in capsys.readouterr().err
    missing = tmp_path / "nowhere.db"
    assert commands.run(["search", "--db", str(missing), "张"]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err
    assert not missing.exists()
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert commands.run(["search", "--db", str(junk), "张"]) == 2
    assert "是一个文本文件，不是网格通的数据文件" in capsys.readouterr().err


@pytest.mark.parametrize("size", [40_000, 100_000])
def test_a_huge_query_is_refused_at_once_with_a_message(office, capsys, size):
    # A 40 KB paste took 2.8 s and 1.26 GB; 100 KB ended in a raw SQLite error.
    query = ("张伟 0312 " * (size // 8))[:size]
    start = time.perf_counter()
    with pytest.raises(ValidationError) as refused:
        finder.search(office, query, scope=ADMIN, today=TODAY)
    assert time.perf_counter() - start < 0.5
    assert f"{size:,}个字" in refused.value.message and "最多100个字" in refused.value.message
    path = office.execute("PRAGMA database_list").fetchone()[2]
    start = time.perf_counter()
    assert commands.run(["search", "--db", path, query]) == 2
    assert time.perf_counter() - start < 0.5
    out = capsys.readouterr()
    assert "查找内容太长" in out.err and out.out == ""


def test_too_many_terms_are_refused_and_a_few_are_searched(office):
    with pytest.raises(ValidationError) as refused:
        finder.search(office, "张 王 李 赵 刘 陈 杨 黄 周", scope=ADMIN, today=TODAY)
    assert "分成了9段" in refused.value.message
    assert finder.query_problem("张伟 幸福小区 3栋 0312") is None
    assert names(office, "张伟 " * 8) == names(office, "张伟") == ["张伟", "张伟明", "王张伟"]
