"""`check --db PATH`: SQLite integrity, the audit chain and the completeness check."""

from __future__ import annotations

import sys
from pathlib import Path

from gridoffice.access import session
from gridoffice.archive import completeness
from gridoffice.audit import trail, journal
from gridoffice.store import storage
from gridoffice.store.db import foreign_key_breaks

from . import _login
from ._progress import consume

NAME = "check"
HELP = "检查数据库文件的完整性和“格不漏户、户不漏人”，有问题时逐行列出并返回1"



def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度")
    parser.add_argument("--quick", action="store_true",
                        help="数据库文件只做快速检查（不核对索引内容；50万户约5秒，完整检查约40秒）")


def _audit_problems(db, quiet: bool) -> list[str]:
    problems: list[str] = []

    def job():
        for done, total, problem in trail.verify(db):
            if problem:
                problems.append(problem)
            yield done, total, "核对审计记录"

    consume(job(), quiet=quiet)
    return problems


def run(args) -> int:
    path = Path(args.db)
    with _login.reading(args, path, tables=("households", "audit")) as office:
        db = office.db
        if not args.quiet:
            print("正在检查数据库文件……", file=sys.stderr)
        # The same check the window makes at start (an encrypted page that fails stops the scan).
        damage = [" ".join(text.split()) for text in storage.integrity_problems(path, quick=args.quick)]
        lines = []
        if damage:
            lines.append(f"数据库文件已损坏：SQLite报告了{len(damage)}处问题（见下面各行），"
                         "请先复制保存此文件，再用 restore 命令从最近的备份恢复")
            lines += [f"数据库损坏（SQLite原文）：{text}" for text in damage]
            for line in lines:
                print(line)
            return 1
        lines += [f"密钥文件：{p}" for p in session.verify_key_file(path)]
        lines += [f"外键错误：{journal.table_label(table)}表第{rowid}行引用的{journal.table_label(parent)}记录不存在"
                  for table, rowid, parent in foreign_key_breaks(db)]
        lines += [f"审计记录：{p}" for p in _audit_problems(db, args.quiet)]
        problems = consume(completeness.completeness(db, scope=office.scope), quiet=args.quiet)
    lines += [f"{completeness.KINDS[p.kind]}：{p.message}" for p in problems]
    for line in lines:
        print(line)
    if lines:
        print(f"共发现{len(lines)}个问题。", file=sys.stderr)
        return 1
    print("检查完毕，没有发现问题。", file=sys.stderr)
    return 0
