"""A new office file (gridoffice/store/new_office.py): every refusal is a Chinese sentence saying what to
fix, and a refused office leaves no file behind."""

import pytest

from gridoffice.access import keys, session
from gridoffice.errors import GridOfficeError, ValidationError
from gridoffice.org import regions
from gridoffice.store import new_office, officefile

PASSWORD = "gridoffice1"
PLACE = new_office.Place("东湖社区居民委员会", "东湖社区", street="凯旋街道", district="江干区",
                         division_code="330104002001")


def _is_chinese_sentence(message: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in message) and "Error" not in message


def _nothing_beside(folder) -> bool:
    return not any(folder.iterdir())


def test_a_new_office_has_its_administrator_its_name_its_place_and_its_division_code(tmp_path):
    path = tmp_path / "东湖社区.db"
    founded = new_office.create(path, " admin ", PASSWORD, PLACE, display_name="系统管理员")
    db = founded.db
    try:
        assert founded.admin.name == "admin" and founded.admin.role == "admin"
        assert founded.recovery_code and founded.recovery_code not in keys.path_for(path).read_text(encoding="utf-8")
        office = regions.office(db)
        assert office.name == "东湖社区居民委员会"
        community = regions.get_unit(db, office.org_id)
        assert (community.level, community.name, community.code) == ("community", "东湖社区", "330104002001")
        street = regions.get_unit(db, community.parent_id)
        assert (street.level, street.name) == ("street", "凯旋街道")
        assert regions.get_unit(db, street.parent_id).name == "江干区"
    finally:
        db.close()
    identity = officefile.read_identity(path)
    assert identity.name == "东湖社区居民委员会" and identity.division_code == "330104002001"
    keys.forget_all()
    s = session.log_in(path, "admin", PASSWORD)
    assert s.user.role == "admin"
    s.close()


def test_full_width_digits_and_spaces_in_the_code_are_what_a_clerk_typed(tmp_path):
    place = new_office.check_place(new_office.Place("村委会", "丁桥村", division_code="３３０１ ０４００ ２００１"))
    assert place.division_code == "330104002001"
    assert new_office.check_place(new_office.Place("村委会", "丁桥村")).division_code == ""


@pytest.mark.parametrize("code, words", [
    ("33010400200", "12位数字"),        # a digit short
    ("3301040020011", "12位数字"),      # a digit too many
    ("33010400200A", "12位数字"),       # a letter
    ("330104-02001", "12位数字"),
    ("990104002001", "省级行政区划代码"),  # no province 99
])
def test_a_bad_division_code_is_refused_before_any_file_is_made(tmp_path, code, words):
    place = new_office.Place("东湖社区居民委员会", "东湖社区", division_code=code)
    with pytest.raises(ValidationError) as caught:
        new_office.create(tmp_path / "o.db", "admin", PASSWORD, place)
    assert caught.value.field == "division_code" and words in str(caught.value)
    assert _is_chinese_sentence(str(caught.value)) and _nothing_beside(tmp_path)


@pytest.mark.parametrize("place, field, words", [
    (new_office.Place("", "东湖社区"), "name", "请填写单位名称"),
    (new_office.Place("\u200b \u3000", "东湖社区"), "name", "请填写单位名称"),  # only invisible and blank
    (new_office.Place("东湖社区居民委员会", "  "), "community", "请填写村或社区的名称"),
    (new_office.Place("社" * 61, "东湖社区"), "name", "单位名称过长"),
    (new_office.Place("东湖社区居民委员会", "东湖社区", street="街" * 61), "street", "过长"),
])
def test_an_empty_or_overlong_name_is_refused_naming_the_field(tmp_path, place, field, words):
    with pytest.raises(ValidationError) as caught:
        new_office.create(tmp_path / "o.db", "admin", PASSWORD, place)
    assert caught.value.field == field and words in str(caught.value)
    assert _is_chinese_sentence(str(caught.value)) and _nothing_beside(tmp_path)


@pytest.mark.parametrize("admin, password, words", [
    ("", PASSWORD, "用户名不能为空"),
    ("admin", "short1", "密码"),
])
def test_a_bad_first_account_is_refused_before_any_file_is_made(tmp_path, admin, password, words):
    with pytest.raises(ValidationError) as caught:
        new_office.create(tmp_path / "o.db", admin, password, PLACE)
    assert words in str(caught.value) and _is_chinese_sentence(str(caught.value)) and _nothing_beside(tmp_path)


def test_an_existing_file_is_never_written_over(tmp_path):
    path = tmp_path / "office.db"
    path.write_bytes(b"a spreadsheet the clerk keeps here")
    with pytest.raises(GridOfficeError) as caught:
        new_office.create(path, "admin", PASSWORD, PLACE)
    assert "已存在" in str(caught.value) and _is_chinese_sentence(str(caught.value))
    assert path.read_bytes() == b"a spreadsheet the clerk keeps here" and not keys.path_for(path).exists()
    # Nor an office whose key file alone survived (the data file moved away): its slots would be overwritten.
    lonely = tmp_path / "moved.db"
    keys.path_for(lonely).write_text("{}", encoding="utf-8")
    with pytest.raises(GridOfficeError, match="已存在"):
        new_office.create(lonely, "admin", PASSWORD, PLACE)
    assert keys.path_for(lonely).read_text(encoding="utf-8") == "{}" and not lonely.exists()


def test_a_folder_that_cannot_take_a_file_is_refused_in_chinese(tmp_path):
    blocker = tmp_path / "备份.xlsx"  # a file where the folder should be: no one, root included, can write there
    blocker.write_bytes(b"x")
    with pytest.raises(GridOfficeError) as caught:
        new_office.create(blocker / "office.db", "admin", PASSWORD, PLACE)
    message = str(caught.value)
    assert "不能写入" in message and str(blocker) in message and _is_chinese_sentence(message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["备份.xlsx"]


def test_a_step_failing_after_the_file_was_made_leaves_nothing_behind(tmp_path, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ValidationError("name", "名称不能为空")

    monkeypatch.setattr(regions, "set_office", refuse)
    with pytest.raises(ValidationError):
        new_office.create(tmp_path / "o.db", "admin", PASSWORD, PLACE)
    assert _nothing_beside(tmp_path)


def test_an_office_without_a_place_is_what_users_add_makes_and_is_named_later(tmp_path):
    founded = new_office.create(tmp_path / "o.db", "boss", PASSWORD)
    try:
        assert founded.admin.name == "boss" and regions.office(founded.db).name == ""
    finally:
        founded.db.close()


def test_users_add_on_a_missing_file_makes_the_same_office_and_refuses_the_same_way(tmp_path, monkeypatch, capsys):
    import io

    import commands

    path = tmp_path / "dongqiao.db"
    place = ["--office-name", "丁桥村村民委员会", "--community", "丁桥村", "--street", "丁桥镇"]
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(path), "--name", "boss", "--role", "admin", "--password-stdin",
                         *place, "--division-code", "3301040020"]) == 1
    assert "区划代码应为12位数字" in capsys.readouterr().err and _nothing_beside(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(path), "--name", "boss", "--role", "admin", "--password-stdin",
                         "--office-name", "丁桥村村民委员会"]) == 1
    assert "请填写村或社区的名称" in capsys.readouterr().err and _nothing_beside(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("gridoffice1\n"))
    assert commands.run(["users", "add", "--db", str(path), "--name", "boss", "--role", "admin", "--password-stdin",
                         *place, "--division-code", "330104101001"]) == 0
    assert "已建立办公室并添加管理员“boss”" in capsys.readouterr().out
    assert officefile.read_identity(path).division_code == "330104101001"
    # On an office that exists, the place options are refused before any log-in: it is named in 组织与网格.
    assert commands.run(["users", "add", "--db", str(path), "--name", "x", "--role", "clerk", "--community", "别村"]) == 2
    assert "只在新建办公室时使用" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["missing.db", "empty.db"])
def test_a_link_is_no_place_for_a_new_office_and_stays_as_it_was(tmp_path, target):
    """Through a link the data would go where it points and its key file beside the link."""
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    if target == "empty.db":
        (elsewhere / target).write_bytes(b"")
    link = tmp_path / "office.db"
    link.symlink_to(elsewhere / target)
    with pytest.raises(GridOfficeError) as caught:
        new_office.create(link, "admin", PASSWORD, PLACE)
    assert "已存在" in caught.value.message and _is_chinese_sentence(caught.value.message)
    assert link.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["office.db", "别处"]
    assert [p.stat().st_size for p in elsewhere.iterdir()] == ([0] if target == "empty.db" else [])


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_journal_left_beside_a_missing_file_is_refused_and_kept(tmp_path, suffix):
    """SQLite would read a stale journal into the new file; a failed creation would remove it."""
    stale = tmp_path / f"office.db{suffix}"
    stale.write_bytes(b"\x00" * 64)
    with pytest.raises(GridOfficeError) as caught:
        new_office.create(tmp_path / "office.db", "admin", PASSWORD, PLACE)
    assert stale.name in caught.value.message and _is_chinese_sentence(caught.value.message)
    assert sorted(p.name for p in tmp_path.iterdir()) == [stale.name]


def test_a_disk_that_fills_while_the_office_is_made_is_said_in_chinese_and_leaves_nothing(tmp_path, monkeypatch):
    import sqlcipher3.dbapi2 as sqlite3

    from gridoffice.access import users

    def full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(users, "create_first_admin", full)
    with pytest.raises(GridOfficeError) as caught:
        new_office.create(tmp_path / "o.db", "admin", PASSWORD, PLACE)
    assert "磁盘" in caught.value.message and _is_chinese_sentence(caught.value.message)
    assert _nothing_beside(tmp_path)


def test_generate_never_writes_over_a_key_file_whose_data_file_is_missing(tmp_path, capsys):
    import commands

    lonely = tmp_path / "office.db"
    keys.path_for(lonely).write_text('{"slots": "another office"}', encoding="utf-8")
    assert commands.run(["generate", "--db", str(lonely), "--households", "3", "--no-activity", "-q"]) != 0
    err = capsys.readouterr().err
    assert "已存在" in err and _is_chinese_sentence(err)
    assert keys.path_for(lonely).read_text(encoding="utf-8") == '{"slots": "another office"}' and not lonely.exists()
