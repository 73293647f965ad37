import datetime as dt

import pytest

from gridoffice import idcard
from gridoffice.errors import ValidationError

TODAY = dt.date(2026, 11, 22)
# Built with the project's own make_id, never a real person's number.
MAN = idcard.make_id("330102", dt.date(1950, 3, 2), 123)
WOMAN = idcard.make_id("330102", dt.date(1988, 12, 31), 124)


def test_check_char_matches_the_standard_example():
    # The worked example in GB 11643-1999 appendix: 11010519491231002 -> X
    assert idcard.check_char("11010519491231002") == "X"


def test_valid_number_decodes_birth_and_sex():
    info = idcard.parse_id(MAN, today=TODAY)
    assert info.number == MAN
    assert info.birth_date == dt.date(1950, 3, 2)
    assert info.sex == "M"
    assert idcard.parse_id(WOMAN, today=TODAY).sex == "F"


def test_lower_case_x_full_width_digits_and_spaces_are_accepted():
    number = "11010519491231002X"
    assert idcard.parse_id("11010519491231002x", today=TODAY).number == number
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert idcard.parse_id(f" {full_width}\u200b ", today=TODAY).number == number
    assert idcard.parse_id("110105 19491231 002X", today=TODAY).number == number


def test_old_fifteen_digit_number_is_upgraded():
    info = idcard.parse_id("110105491231002", today=TODAY)
    assert info.number == "11010519491231002X"
    assert info.upgraded_from == "110105491231002"
    assert info.sex == "F"


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("", "不能为空"),
        ("1101051949123100", "应为18位"),
        ("11010519491231002X1", "应为18位"),
        ("1101051949A231002X", "第11位"),
        ("11010519491231002Y", "最后一位只能是数字或X"),
        ("11010519490231002X", "出生日期“19490231”不存在"),
        ("11010519491231003X", "校验位不符"),
        ("1.10105194912311E+17", "科学计数法"),
        ("110***********002X", "脱敏"),
        ("1101051949١231002X", "第11位"),
    ],
)
def test_bad_numbers_name_what_is_wrong_in_chinese(value, fragment):
    with pytest.raises(ValidationError) as err:
        idcard.parse_id(value, today=TODAY)
    assert fragment in err.value.message
    assert err.value.field == "id_number"


def test_birth_date_in_the_future_is_refused():
    future = idcard.make_id("330102", dt.date(2027, 1, 1), 11)
    with pytest.raises(ValidationError, match="晚于今天"):
        idcard.parse_id(future, today=TODAY)


def test_unknown_area_code_is_a_warning_not_an_error():
    number = idcard.make_id("990102", dt.date(1970, 1, 1), 11)
    info = idcard.parse_id(number, today=TODAY)
    assert info.number == number
    assert any("99" in w for w in info.warnings)


def test_typed_sex_and_birth_date_must_agree_with_the_number():
    info = idcard.parse_id(MAN, today=TODAY)
    idcard.check_consistency(info, sex="M", birth_date=dt.date(1950, 3, 2))
    with pytest.raises(ValidationError, match="性别填的是“女”"):
        idcard.check_consistency(info, sex="F")
    with pytest.raises(ValidationError, match="1950-03-02"):
        idcard.check_consistency(info, birth_date=dt.date(1950, 3, 3))


def test_leap_day_birth_dates():
    assert idcard.parse_id(idcard.make_id("330102", dt.date(2000, 2, 29), 5), today=TODAY)
    with pytest.raises(ValidationError, match="不存在"):
        body = "33010219000229005"
        idcard.parse_id(body + idcard.check_char(body), today=TODAY)

