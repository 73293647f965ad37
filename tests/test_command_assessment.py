from commands import run as run_command
from gridoffice.reports import assessment
from gridoffice.store.db import open_db


def office(tmp_path, db):
    db.conn.commit()
    return str(tmp_path / "office.db")


def test_show_and_set_the_template(db, tmp_path, capsys):
    path = office(tmp_path, db)
    assert run_command(["assessment", "show", "--db", path]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "走访次数\t96\t20" and len(lines) == len(assessment.DEFAULT_TEMPLATE)
    assert run_command(["assessment", "set", "--db", path, "--item", "走访次数=120:60",
                        "--item", "satisfaction_rate=0.95:40"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["走访次数\t120\t60", "群众满意率\t0.95\t40"] and "已更新考核模板" in out.err
    reopened = open_db(path)
    try:
        assert [(i.code, i.target, i.weight) for i in assessment.template(reopened)] == [
            ("visits", 120.0, 60.0), ("satisfaction_rate", 0.95, 40.0)]
    finally:
        reopened.close()


def test_a_bad_item_changes_nothing(db, tmp_path, capsys):
    path = office(tmp_path, db)
    assert run_command(["assessment", "set", "--db", path, "--item", "走访次数=96:20", "--item", "走访次数"]) == 1
    assert "“走访次数”应写成“指标=满分标准:权重”" in capsys.readouterr().err
    assert run_command(["assessment", "set", "--db", path, "--item", "群众满意率=2:10"]) == 1
    assert "“群众满意率”的满分标准请填大于0的数（比率不超过1，如0.95）" in capsys.readouterr().err
    assert run_command(["assessment", "set", "--db", path, "--item", "喝茶次数=3:10"]) == 1
    assert "没有名为“喝茶次数”的考核指标" in capsys.readouterr().err
    assert run_command(["assessment", "show", "--db", path]) == 0
    assert len(capsys.readouterr().out.splitlines()) == len(assessment.DEFAULT_TEMPLATE)


def test_a_missing_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "none.db"
    assert run_command(["assessment", "show", "--db", str(path)]) == 2
    assert "找不到数据库文件" in capsys.readouterr().err and not path.exists()
