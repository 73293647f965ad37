"""`python main.py backup --db PATH [--to DIR]`: an online backup, checked, then the old ones thinned."""

from __future__ import annotations


from gridoffice.audit import trail
from gridoffice.store import backup
from gridoffice.store.db import connect

from . import _login

NAME = "backup"
HELP = "备份数据文件（联机备份并校验，按保留计划清理旧备份）"


def add_arguments(parser) -> None:
    _login.add_arguments(parser)
    parser.add_argument("--to", help="备份文件夹（默认：数据文件旁的“<文件名>-备份”）")
    parser.add_argument("--list", action="store_true", help="只列出已有的备份")
    parser.add_argument("--keep-all", action="store_true", help="不清理旧备份")


def run(args) -> int:
    if args.list:
        # The list holds no resident's data, but it tells where the office's copies lie and which
        # audit head each holds: like every command, it answers only a logged-in user.
        _login.log_in(args, args.db, opener=lambda p: connect(p, readonly=True)).close()
        backups = backup.list_backups(args.db, args.to)
        for b in backups:
            manifest = backup.read_manifest(b.path)
            anchor = f"  锚定码 {manifest.anchor}" if manifest else ""
            print(f"{b.taken_at:%Y-%m-%d %H:%M:%S}  {b.size / 1e6:8.1f} MB  {b.path}{anchor}")
        if not backups:
            print("还没有备份。")
        return 0
    return _login.with_office(args, args.db, lambda office: _back_up(args, office), opener=connect)


def _back_up(args, office) -> int:
    result = backup.backup_now(args.db, args.to, schedule=None if args.keep_all else backup.DEFAULT_SCHEDULE)
    with office.db.atomic():
        trail.record(office.db, "backup", None, None, new={"backup": result.backup.name,
                                                            "folder": str(result.backup.path.parent)})
    b = result.backup
    print(f"已备份到 {b.path}（{b.size / 1e6:.1f} MB，用时 {result.seconds:.2f} 秒，完整性检查通过）")
    print(f"操作记录锚定码：{result.manifest.anchor}（已写入备份清单 {backup.manifest_path(b.path).name}）")
    if result.removed:
        print(f"按保留计划清理了 {len(result.removed)} 份旧备份。")
    return 0
