"""`main.py --help` shows the window's options and every headless command."""

import main
from commands import names


def test_help_lists_the_window_options_and_every_command(capsys):
    assert main.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--db" in out and "命令行（不打开窗口）" in out
    listed = [line.split()[0] for line in out.split("命令行（不打开窗口）")[1].splitlines()[1:] if line.strip()]
    assert sorted(listed) == sorted(names())
    assert "导入花名册" in out
