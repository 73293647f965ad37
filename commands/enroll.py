"""`python main.py enroll --db OFFICE --street STREET.pub -o OFFICE.card`: enroll the office with its street."""

from __future__ import annotations

from gridoffice.consolidation import enroll

from . import _files, _login

NAME = "enroll"
HELP = "登记到街道（一次，需管理员）：保存街道公钥，生成本单位签名密钥，写出交给街道的单位卡"


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("--street", required=True, metavar="STREET.pub", help="街道发来的公钥文件")
    parser.add_argument("-o", "--output", required=True, metavar="CARD", help="写出的单位卡文件（交给街道）")


def run(args) -> int:
    return _login.with_office(args, args.db, lambda office: _enroll(args, office), opener=_files.open_office,
                              refused=2)


def _enroll(args, office) -> int:
    card = enroll.enroll_office(office.db, args.street, args.output, by=office.scope)
    print(f"已登记到街道（街道公钥指纹 {enroll.fingerprint(enroll.read_street_public(args.street))}）。")
    print(f"单位卡：{args.output}（{card.name}，签名公钥指纹 {enroll.fingerprint(card.signing_key)}），请交给街道登记。")
    return 0
