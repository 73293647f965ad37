import pytest

from gridoffice.errors import ValidationError
from gridoffice.normalize import clean_name, clean_text, normalize_phone, require_name


def test_clean_text_nfkc_invisible_and_spaces():
    assert clean_text("\ufeff  浙江省\u200b杭州市　　西湖区 \t") == "浙江省杭州市 西湖区"
    assert clean_text("ＡＢＣ１２３") == "ABC123"
    assert clean_text(None) == ""
    assert clean_text("路灯不亮，请尽快修理（三号楼）：谢谢！") == "路灯不亮，请尽快修理（三号楼）：谢谢！"
    assert clean_text("第一行\r\n  第二行 ", multiline=True) == "第一行\n第二行"


def test_clean_name_drops_spaces_between_chinese_and_unifies_dots():
    assert clean_name(" 张 三 ") == "张三"
    assert clean_name("阿卜杜・热合曼") == "阿卜杜·热合曼"
    assert clean_name("阿卜杜.热合曼") == "阿卜杜·热合曼"


def test_require_name_messages():
    with pytest.raises(ValidationError, match="姓名不能为空"):
        require_name("  \u200b ")
    with pytest.raises(ValidationError, match="不应有数字"):
        require_name("张三1")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("0571-88888888", "0571-88888888"),
        ("(0571) 8888 8888", "0571-88888888"),
        ("01088888888", "010-88888888"),
        ("021-6666666", "021-6666666"),
        ("0571-88888888转123", "0571-88888888-123"),
        ("", ""),
    ],
)
def test_phone_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("1380013800", "11位"),
        ("88888888", "缺少区号"),
        ("138abc", "数字以外"),
        ("13٨٠٠١٣٨٠٠٠", "数字以外"),  # Arabic-Indic digits are digits to Python, not to a phone
        ("99999", "不是有效的电话号码"),
        ("12345", "应为以1开头的11位数字"),
    ],
)
def test_bad_phones_say_what_to_fix(raw, fragment):
    with pytest.raises(ValidationError) as err:
        normalize_phone(raw)
    assert fragment in err.value.message
    assert err.value.field == "phone"
