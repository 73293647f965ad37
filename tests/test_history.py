"""The audit trail told in words (gridoffice.audit.history): no codes, ids or JSON, numbers masked."""

from gridoffice.archive import households
from gridoffice.audit import trail, journal, history
from gridoffice.audit.journal import record_export
from gridoffice.store.db import open_db
from gridoffice.access.users import whole_office
from tests.ui_helpers import office_copy

AUDITOR = whole_office("测试员")  # a role that reads the audit trail


def test_entries_are_told_with_labels_names_and_masked_numbers(tmp_path):
    path, office = office_copy(tmp_path)
    db = open_db(path)
    trail.set_actor(db, "王会计")
    households.move_household(db, office.h_wang, office.grid_a)
    with db.atomic():
        trail.record(db, "matter.evaluate", "matters", 594, old={"status": "answered"},
                     new={"status": "evaluated", "satisfaction": "basic", "updated_at": "2026-03-01 10:00:00"})
    record_export(db, "roster", "C:\\报表\\花名册.xlsx", 12, unmasked=True, reason="街道核对 13812345678")
    told = history.tell(db, journal.query(db, limit=3, scope=AUDITOR), scope=AUDITOR)
    assert [(t.action, t.subject, t.text) for t in told] == [
        ("导出", "", "导出花名册“花名册.xlsx”，12条，号码完整，理由：街道核对 138****5678"),
        ("事项评价", "（已不存在）", "满意度由“空”改为“基本满意”；状态由“已答复”改为“已评价”"),
        ("迁移网格", "户0002", "所属网格由“第二网格”改为“第一网格”"),
    ]
    assert told[0].actor == "王会计"
    assert history.action_label("no_such_action") == "其他操作"

