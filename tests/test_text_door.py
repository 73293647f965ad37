"""Text cleaned at the door: characters XML forbids never reach the file, and every field has a
length limit with a Chinese message naming the field and its limit."""

from commands._progress import consume
from gridoffice import households, people, regions
from gridoffice.normalize import clean_text
from gridoffice.roster_import import import_file
from tests._domain import man, pid, tree, woman

FORBIDDEN = "\x01\x0b\ufffe\uffff\ufdd0\ud800\U0001fffe\U0010ffff"


def test_clean_text_drops_what_xml_forbids_and_non_characters():
    assert clean_text(f"张{FORBIDDEN}三") == "张三"
    assert clean_text(f"第一行\r\n第\ufffe二行{FORBIDDEN}", multiline=True) == "第一行\n第二行"
    assert clean_text("\t王\u3000五\n") == "王 五"


def test_a_form_stores_a_name_without_forbidden_characters(db):
    t = tree(db)
    hid = households.create_household(db, org_id=t.grid, head=man(f"张\ufffe三{FORBIDDEN}"),
                                      address=f"东风路\uffff1号", notes=f"备\ufdd0注")
    names = [r[0] for r in db.execute("SELECT name FROM persons")]
    assert names == ["张三"]
    assert db.execute("SELECT address, notes FROM households WHERE id = ?", [hid]).fetchone() == ("东风路1号", "备注")
    pid_ = people.add_person(db, woman("李\uffff四", notes="x\ud800y"))
    assert people.get_person(db, pid_).name == "李四" and people.get_person(db, pid_).notes == "xy"
    unit = regions.create_unit(db, t.grid, "estate", "宝石\ufffe二区")
    assert regions.get_unit(db, unit).name == "宝石二区"


def test_the_roster_import_stores_cells_without_forbidden_characters(db, tmp_path):
    regions.create_unit(db, None, "community", "宝石社区", "C01")
    path = tmp_path / "in.csv"
    # A CSV holds any character (openpyxl cannot write these into a workbook at all).
    path.write_text("户号,姓名,身份证号码,与户主关系,住址,所属网格,备注\n"
                    f"H001,王\ufffe五,{pid(1970, 1, 2, 11)},户主,东风路\uffff1号,第一\ufffe网格,备\ufdd0注\n",
                    encoding="utf-8")
    result = consume(import_file(db, path, create_grids=True), quiet=True)
    assert not result.refused, result.refused
    assert db.execute("SELECT name, notes FROM persons").fetchone() == ("王五", "备注")
    assert db.execute("SELECT address FROM households").fetchone() == ("东风路1号",)
    assert db.execute("SELECT name FROM org_units WHERE level = 'grid'").fetchone() == ("第一网格",)
