"""What roster cells and headers mean: relations, dates, header names, text encodings."""

import datetime as dt

import pytest

from gridoffice.errors import ValidationError
from gridoffice.roster.columns import find_header, guess_field, parse_date, political_code, relation_code, sex_code
from gridoffice.roster.read import cell_text, clean_cell, decode_text


@pytest.mark.parametrize("text, code", [
    ("户主", "head"), ("本人", "head"), ("妻", "spouse"), ("夫", "spouse"), ("配偶", "spouse"),
    ("长子", "son"), ("次子", "son"), ("儿子", "son"), ("长女", "daughter"), ("女儿", "daughter"),
    ("孙子", "grandson"), ("孙女", "granddaughter"), ("父亲", "father"), ("母亲", "mother"),
    ("儿媳", "daughter_in_law"), ("女婿", "son_in_law"), ("侄子", "other_relative"), ("子", "son"),
    ("干儿子", None), ("", None),
])
def test_relation_spellings(text, code):
    assert relation_code(text) == code


@pytest.mark.parametrize("value, day", [
    (18324, dt.date(1950, 3, 2)), (18324.0, dt.date(1950, 3, 2)), ("1950年3月2日", dt.date(1950, 3, 2)),
    ("１９５０年３月２日", dt.date(1950, 3, 2)), ("1950.3.2", dt.date(1950, 3, 2)), ("1950-03-02", dt.date(1950, 3, 2)),
    ("1950/3/2", dt.date(1950, 3, 2)), ("19500302", dt.date(1950, 3, 2)), (19500302, dt.date(1950, 3, 2)),
    (dt.datetime(1950, 3, 2), dt.date(1950, 3, 2)), ("1950年3月", None), ("", None),
])
def test_dates_as_rosters_write_them(value, day):
    assert parse_date(value) == day


@pytest.mark.parametrize("value, message", [
    ("1950-02-30", "不存在"), ("三月二日", "无法识别"), (1.5, "不是有效日期"),
])
def test_bad_dates_say_what_is_wrong(value, message):
    with pytest.raises(ValidationError, match=message):
        parse_date(value)


def test_sex_and_political_status():
    assert (sex_code("男"), sex_code(" 女 "), sex_code("")) == ("M", "F", "")
    with pytest.raises(ValidationError, match="应填“男”或“女”"):
        sex_code("未知")
    assert (political_code("党员"), political_code("共青团员"), political_code("九三学社")) == (
        "party_member", "league_member", "democratic_party")


def test_header_names():
    assert guess_field("公民身份号码") == "id_number"
    assert guess_field("身份证号码（必填）") == "id_number"
    assert guess_field("户主姓名") is None  # the head's name on a member row, not the member's
    assert guess_field("与户主关系") == "relation"
    assert guess_field("联系电话*") == "phone"
    rows = [("花名册",), (), ("序号", "姓名", "身份证号", "关系"), ("1", "某某", "110", "户主")]
    header = find_header(rows)
    assert (header.first_row, header.data_row, header.labels[1]) == (2, 3, "姓名")


def test_cells_and_encodings():
    assert cell_text(13800001111.0) == "13800001111"
    assert cell_text(1.1010119500302e17) == "1.1010119500302E+17"
    assert clean_cell("  李\u200b 秀英\u3000") == "李 秀英"
    text = "姓名,身份证号\n张三,1\n"
    assert decode_text(text.encode("gbk")) == text
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text("\ufeff".encode() + text.encode()) == text
