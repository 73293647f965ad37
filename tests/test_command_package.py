"""The street's keys, the office's enrollment and its package, as IT staff run them from the command line."""

from __future__ import annotations

import pytest

from commands import run as run_command
from gridoffice.consolidation import enroll, package

PASSWORD = "street-pass-1"


@pytest.fixture
def office(tmp_path):
    path = tmp_path / "office.db"
    assert run_command(["generate", "--db", str(path), "--households", "20", "--seed", "4", "--today", "2026-11-15",
                        "-q"]) == 0
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def test_street_keys_enroll_and_package(office, tmp_path, capsys, monkeypatch):
    assert run_command(["street-keys", "-o", str(tmp_path / "street"), "--password-file", str(tmp_path / "pw.txt")]) == 0
    out = capsys.readouterr().out
    assert "公钥指纹" in out and (tmp_path / "street" / "street.key").is_file()

    assert run_command(["package", "--db", str(office), "-o", str(tmp_path / "early.pkg"), "-q"]) == 2
    assert "还没有登记到街道" in capsys.readouterr().err and not (tmp_path / "early.pkg").exists()

    monkeypatch.setenv("GRIDOFFICE_USER", "clerk")
    card = tmp_path / "office.card"
    assert run_command(["enroll", "--db", str(office), "--street", str(tmp_path / "street" / "street.pub"),
                        "-o", str(card)]) == 2
    assert "系统管理员" in capsys.readouterr().err and not card.exists()
    monkeypatch.setenv("GRIDOFFICE_USER", "admin")
    assert run_command(["enroll", "--db", str(office), "--street", str(tmp_path / "street" / "street.pub"),
                        "-o", str(card)]) == 0
    assert "单位卡" in capsys.readouterr().out

    monkeypatch.setenv("GRIDOFFICE_USER", "grid")
    assert run_command(["package", "--db", str(office), "-o", str(tmp_path / "1.pkg"), "-q"]) == 2
    assert "不能生成上报包" in capsys.readouterr().err and not (tmp_path / "1.pkg").exists()
    monkeypatch.setenv("GRIDOFFICE_USER", "clerk")
    assert run_command(["package", "--db", str(office), "-o", str(tmp_path / "1.pkg"), "-q"]) == 0
    assert "已生成第1号上报包" in capsys.readouterr().out

    street = enroll.read_street_key(tmp_path / "street" / "street.key", PASSWORD)
    office_card = enroll.read_card(card)
    got = package.read_package(tmp_path / "1.pkg", street, {office_card.uuid: office_card})
    assert got.manifest.sequence == 1 and got.manifest.tables["households"].count == 20
    assert run_command(["package", "--db", str(office), "-o", str(tmp_path / "2.pkg"), "-q"]) == 0
    assert package.read_package(tmp_path / "2.pkg", street, {office_card.uuid: office_card}).manifest.previous == \
        got.file_hash


def test_a_wrong_card_or_key_file_is_named(office, tmp_path, capsys):
    (tmp_path / "street.pub").write_text("not a key", encoding="utf-8")
    assert run_command(["enroll", "--db", str(office), "--street", str(tmp_path / "street.pub"),
                        "-o", str(tmp_path / "office.card")]) == 2
    assert "不是街道公钥文件" in capsys.readouterr().err
    assert run_command(["enroll", "--db", str(office), "--street", str(tmp_path / "none.pub"),
                        "-o", str(tmp_path / "office.card")]) == 2
    assert "找不到街道公钥文件" in capsys.readouterr().err
    assert run_command(["package", "--db", str(office), "-o", str(office), "-q"]) == 2
    assert "数据库文件" in capsys.readouterr().err
