"""`main.py --help` shows the window's options and every headless command."""

import pytest

import main
from commands import names


def test_help_lists_the_window_options_and_every_command(capsys):
    assert main.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--db" in out and "命令行（不打开窗口）" in out
    listed = [line.split()[0] for line in out.split("命令行（不打开窗口）")[1].splitlines()[1:] if line.strip()]
    assert sorted(listed) == sorted(names())
    assert "导入花名册" in out


def test_argparse_speaks_chinese_in_the_help_and_its_errors(capsys):
    assert main.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：gridoffice") and "显示本帮助并退出" in out
    assert "usage" not in out and "show this help" not in out
    for argv, said in ((["search"], "缺少以下参数：--db, QUERY"),
                       (["export", "roster", "--db", "x.db", "-o", "r.xlsx", "--bogus"], "无法识别的参数：--bogus"),
                       (["generate", "--db", "x.db", "--households", "abc"], "参数 --households：无效的值：'abc'")):
        with pytest.raises(SystemExit) as exit_:
            main.main(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert said in err and "error" not in err and "usage" not in err, err
