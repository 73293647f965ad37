import pytest

from tests._domain import TODAY, dump, man, pid, tree, woman
from gridoffice.archive import households, people
from gridoffice.audit import trail
from gridoffice.errors import RuleViolation, ValidationError
from gridoffice.archive.people import PersonInput
from gridoffice.access.users import whole_office

ADMIN = whole_office("测试员")


def validate(db, **kw):
    return people.validate_person(db, PersonInput(**kw), today=TODAY)


def test_id_number_fills_sex_and_birth_and_everything_is_cleaned(db):
    number = pid(1956, 2, 29, 31)
    cleaned, warnings = validate(
        db, name=" 欧阳 \u200b娜娜 ", id_number=" " + number[:-1] + number[-1].lower(), phone="+86 139-1234-5678",
        ethnicity="汉族", political_status="中共党员", residence="流动人口", relation="配偶", notes=" 一\n 二 ")
    assert cleaned.name == "欧阳娜娜"
    assert (cleaned.id_number, cleaned.sex, cleaned.birth_date) == (number.upper(), "M", "1956-02-29")
    assert cleaned.phone == "13912345678"
    assert (cleaned.political_status, cleaned.residence, cleaned.relation) == ("party_member", "floating", "spouse")
    assert cleaned.notes == "一\n二"
    assert warnings == []


def test_full_width_and_old_15_digit_numbers(db):
    cleaned, warnings = validate(db, name="张伟", id_number="330102700304113")
    assert cleaned.id_number == "33010219700304113" + cleaned.id_number[-1] and cleaned.birth_date == "1970-03-04"
    assert any("15位旧身份证号码" in w for w in warnings)
    wide = pid(1980, 1, 2, 21).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert validate(db, name="张伟", id_number=wide)[0].id_number == pid(1980, 1, 2, 21)


def test_unknown_area_code_is_a_warning(db):
    cleaned, warnings = validate(db, name="张伟", id_number=pid(1980, 1, 2, 21, area="990102"))
    assert cleaned.sex == "M"
    assert len(warnings) == 1 and "99" in warnings[0]


def test_defaults_without_id(db):
    cleaned, _ = validate(db, name="小宝", sex="男", birth_date="2025/3/5")
    assert (cleaned.id_number, cleaned.sex, cleaned.birth_date) == ("", "M", "2025-03-05")
    assert (cleaned.political_status, cleaned.residence) == ("masses", "registered")


@pytest.mark.parametrize("kw, field, text", [
    ({"name": ""}, "name", "姓名不能为空"),
    ({"name": "张3"}, "name", "姓名中不应有数字"),
    ({"name": "张伟", "id_number": "330102197003041234"}, "id_number", "校验位不符"),
    ({"name": "张伟", "id_number": "3.30102E+17"}, "id_number", "科学计数法"),
    ({"name": "张伟", "id_number": pid(1970, 3, 4, 11), "sex": "女"}, "sex", "性别填的是“女”"),
    ({"name": "张伟", "id_number": pid(1970, 3, 4, 11), "birth_date": "1970-03-05"}, "birth_date",
     "出生日期填的是1970-03-05"),
    ({"name": "张伟", "birth_date": "1970-03-05"}, "sex", "没有身份证号码时，性别必须填写"),
    ({"name": "张伟", "sex": "男"}, "birth_date", "没有身份证号码时，出生日期必须填写"),
    ({"name": "张伟", "sex": "不详", "birth_date": "1970-03-05"}, "sex", "性别“不详”无法识别"),
    ({"name": "张伟", "sex": "男", "birth_date": "1970-13-05"}, "birth_date", "不是有效日期"),
    ({"name": "张伟", "sex": "男", "birth_date": "2027-01-01"}, "birth_date", "晚于今天"),
    ({"name": "张伟", "id_number": pid(1970, 3, 4, 11), "phone": "12345"}, "phone", "手机号“12345”"),
    ({"name": "张伟", "id_number": pid(1970, 3, 4, 11), "political_status": "党员同志"}, "political_status", "政治面貌"),
    ({"name": "张伟", "id_number": pid(1970, 3, 4, 11), "residence": "外地"}, "residence", "户籍类别"),
])
def test_bad_person_input(db, kw, field, text):
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        people.add_person(db, PersonInput(**kw), today=TODAY)
    assert err.value.field == field
    assert text in err.value.message
    assert dump(db) == before


def test_unknown_relation(db):
    with pytest.raises(ValidationError) as err:
        validate(db, name="张伟", id_number=pid(1970, 3, 4, 11), relation="邻居")
    assert err.value.field == "relation" and "与户主关系“邻居”无法识别" in err.value.message


def test_duplicate_active_id_names_the_other_person(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"), number="G01-0007")
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        people.add_person(db, man("王建军"))
    assert err.value.field == "id_number"
    assert "王建国" in err.value.message and "户号G01-0007" in err.value.message
    assert dump(db) == before
    # Once the holder has died, the number may be registered again (e.g. a correction).
    households.record_death(db, households.get_household(db, hid, scope=ADMIN).head.id)
    assert people.add_person(db, man("王建军"))


def test_add_person_outside_household(db):
    person_id = people.add_person(db, PersonInput("李四", sex="F", birth_date="2001-01-01", relation="子"))
    person = people.get_person(db, person_id, scope=ADMIN)
    assert person.household_id is None and person.relation is None and person.id_number is None
    assert person.is_active
    assert trail.history(db, "persons", person_id)[0].action == "add_person"


def test_update_person(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"))
    spouse = households.add_member(db, hid, PersonInput("李秀英", sex="F", birth_date="1972-05-06"), "spouse")
    # A new ID brings its own sex and birth date.
    warnings = people.update_person(db, spouse, id_number=pid(1973, 7, 8, 22), phone="0571 8888 8888")
    person = people.get_person(db, spouse, scope=ADMIN)
    assert (person.birth_date, person.sex, person.phone) == ("1973-07-08", "F", "0571-88888888")
    assert warnings == ["出生日期已按身份证号码由“1972-05-06”改为“1973-07-08”"]
    entry = trail.history(db, "persons", spouse)[0]
    assert entry.action == "update_person"
    assert entry.old["birth_date"] == "1972-05-06" and entry.new["birth_date"] == "1973-07-08"
    assert "name" not in entry.new  # only what changed is recorded


def test_update_person_refusals(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man("王建国"))
    spouse = households.add_member(db, hid, woman("李秀英"), "spouse")
    head = households.get_household(db, hid, scope=ADMIN).head.id
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        people.update_person(db, spouse, sex="M")
    assert err.value.field == "sex"
    with pytest.raises(ValidationError, match="王建国"):
        people.update_person(db, spouse, id_number=pid(1970, 3, 4, 11))
    with pytest.raises(RuleViolation, match="更换户主"):
        people.update_person(db, spouse, relation="head")
    with pytest.raises(RuleViolation, match="更换户主"):
        people.update_person(db, head, relation="spouse")
    with pytest.raises(ValueError):
        people.update_person(db, spouse, status="deceased")
    assert dump(db) == before
    households.remove_member(db, hid, spouse)
    with pytest.raises(RuleViolation, match="档案只读"):
        people.update_person(db, spouse, phone="13912345678")


def test_unchanged_update_writes_nothing(db):
    person_id = people.add_person(db, man("王建国"))
    before = dump(db)
    people.update_person(db, person_id, name=" 王建国 ")
    assert dump(db) == before


def test_tags(db):
    person_id = people.add_person(db, man("王建国"))
    tag_id = people.add_tag(db, person_id, "残疾人", since="2020-01-01", note="二级")
    assert [t.tag for t in people.tags_of(db, person_id, scope=ADMIN)] == ["disabled"]
    with pytest.raises(RuleViolation, match="已在“残疾人”名册中"):
        people.add_tag(db, person_id, "disabled")
    before = dump(db)
    with pytest.raises(ValidationError) as err:
        people.add_tag(db, person_id, "大户")
    assert err.value.field == "tag"
    with pytest.raises(ValidationError) as err:
        people.end_tag(db, person_id, "disabled", until="2019-01-01")
    assert err.value.field == "until"
    with pytest.raises(RuleViolation, match="不在“低保/困难家庭”名册中"):
        people.end_tag(db, person_id, "low_income")
    assert dump(db) == before
    people.end_tag(db, person_id, "disabled", until="2026-01-01")
    assert people.tags_of(db, person_id, scope=ADMIN) == []
    ended = people.tags_of(db, person_id, include_ended=True, scope=ADMIN)
    assert ended[0].id == tag_id and ended[0].until == "2026-01-01" and ended[0].note == "二级"
    assert [e.action for e in trail.history(db, "person_tags", tag_id)] == ["end_tag", "add_tag"]
    people.add_tag(db, person_id, "disabled")
    assert len(people.tags_of(db, person_id, include_ended=True, scope=ADMIN)) == 2


def test_no_tag_for_the_dead(db):
    person_id = people.add_person(db, man("王建国"))
    households.record_death(db, person_id)
    before = dump(db)
    with pytest.raises(RuleViolation, match="王建国已死亡，不能加入名册"):
        people.add_tag(db, person_id, "disabled")
    assert dump(db) == before
