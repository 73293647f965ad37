"""Settings of the matters: the editable category list and the time limits per grade and category."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from gridoffice.audit import trail
from gridoffice.store.db import now as db_now
from gridoffice.errors import ValidationError
from gridoffice.i18n import tr
from gridoffice.normalize import check_length, clean_text
from gridoffice.changes import Changes, writes

GRADES = {"on_spot": "当场办结", "urgent": "紧急", "difficult": "疑难"}
GRADE_HANDLER = {"on_spot": "受理人当场办理答复", "urgent": "值班干部及时办理答复",
                 "difficult": "片长收集，提交每周民情分析会"}


# Which limits the sources set (seed 003, Jinniu: "一般问题、要求2小时内回应、24小时内处理解决,较难和复杂
# 问题、不超过72小时"); a limit that differs from these, or one set for a single category, is the office's own.
SOURCE_LIMITS = {"urgent": (2.0, 24.0), "difficult": (2.0, 72.0)}


# The five categories the source names (seed 004, 舟山: “将群众诉求分为经济发展、环境保护、困难救助、农业生产
# 建设、邻里纠纷等14种类型”). The platform's other nine are not named: the rest of the list is the office's own.
SOURCE_CATEGORIES = ("经济发展", "环境保护", "困难救助", "农业生产建设", "邻里纠纷")


def category_origin(name: str) -> str:
    """Where a category comes from, in the words the settings window shows."""
    return tr("来源文章") if name in SOURCE_CATEGORIES else tr("本办自定")


@dataclass(frozen=True)
class Category:
    id: int
    name: str
    sort: int
    status: str


@dataclass(frozen=True)
class TimeLimit:
    grade: str
    category_id: int  # 0: every category of the grade
    respond_hours: float
    resolve_hours: float


def check_grade(grade: str) -> None:
    if grade not in GRADES:
        raise ValidationError("grade", tr("请选择办理等级：当场办结、紧急或疑难"))


def categories(db: Database, *, include_retired: bool = False) -> list[Category]:
    sql = "SELECT id, name, sort, status FROM matter_categories"
    if not include_retired:
        sql += " WHERE status = 'active'"
    return [Category(*r) for r in db.execute(sql + " ORDER BY sort, id").fetchall()]


@writes(Changes.MATTERS | Changes.SETTINGS)
def add_category(db: Database, name: str) -> int:
    name = _category_name(db, name)
    with db.atomic():
        sort = db.execute("SELECT coalesce(max(sort), 0) + 1 FROM matter_categories").fetchone()[0]
        stamp = db_now()
        values = {"name": name, "sort": sort, "status": "active", "created_at": stamp, "updated_at": stamp}
        new_id = db.execute("INSERT INTO matter_categories(name, sort, status, created_at, updated_at) "
                            "VALUES(?,?,?,?,?)", list(values.values())).lastrowid
        trail.record(db, "matter_category.add", "matter_categories", new_id, new=values)
    return new_id


@writes(Changes.MATTERS | Changes.SETTINGS)
def rename_category(db: Database, category_id: int, name: str) -> None:
    old = get_category(db, category_id)
    name = _category_name(db, name, category_id)
    with db.atomic():
        db.execute("UPDATE matter_categories SET name = ?, updated_at = ? WHERE id = ?", [name, db_now(), category_id])
        trail.record(db, "matter_category.rename", "matter_categories", category_id,
                     old={"name": old.name}, new={"name": name})


@writes(Changes.MATTERS | Changes.SETTINGS)
def retire_category(db: Database, category_id: int) -> None:
    """A retired category is no longer offered; matters already filed under it keep it."""
    old = get_category(db, category_id)
    with db.atomic():
        db.execute("UPDATE matter_categories SET status = 'retired', updated_at = ? WHERE id = ?",
                   [db_now(), category_id])
        trail.record(db, "matter_category.retire", "matter_categories", category_id,
                     old={"status": old.status}, new={"status": "retired"})


def get_category(db: Database, category_id: int | None) -> Category:
    row = db.execute("SELECT id, name, sort, status FROM matter_categories WHERE id = ?", [category_id]).fetchone()
    if row is None:
        raise ValidationError("category_id", tr("请选择事项类别"))
    return Category(*row)


def _category_name(db: Database, name: str, category_id: int | None = None) -> str:
    name = clean_text(name)
    if not name:
        raise ValidationError("name", tr("类别名称不能为空"))
    check_length(name, "category_name", "name")
    row = db.execute("SELECT id FROM matter_categories WHERE name = ? AND id IS NOT ?", [name, category_id]).fetchone()
    if row:
        raise ValidationError("name", tr("已有名为“{name}”的类别").format(name=name))
    return name


def time_limit(db: Database, grade: str, category_id: int) -> TimeLimit:
    """The limit for a category of a grade, falling back to the grade's default."""
    row = db.execute(
        "SELECT grade, category_id, respond_hours, resolve_hours FROM matter_time_limits "
        "WHERE grade = ? AND category_id IN (?, 0) ORDER BY category_id DESC LIMIT 1", [grade, category_id]
    ).fetchone()
    return TimeLimit(*row)


def limit_origin(limit: TimeLimit) -> str:
    """Where a limit comes from, in the words the settings window shows."""
    if limit.grade == "on_spot":
        return tr("来源文章：受理当天办结（富春街道“当场登记、处理并反馈”），不可改")
    if limit.category_id == 0 and SOURCE_LIMITS.get(limit.grade) == (limit.respond_hours, limit.resolve_hours):
        return tr("来源文章：金牛区“2小时内回应、24小时内处理解决，较难和复杂问题不超过72小时”")
    return tr("本办自定")


def time_limits(db: Database) -> list[TimeLimit]:
    rows = db.execute("SELECT grade, category_id, respond_hours, resolve_hours FROM matter_time_limits "
                      "ORDER BY grade, category_id").fetchall()
    return [TimeLimit(*r) for r in rows]


@writes(Changes.MATTERS | Changes.SETTINGS)
def set_time_limit(db: Database, grade: str, category_id: int, respond_hours: float, resolve_hours: float) -> None:
    """Set the limits of a grade (category_id 0) or of one category within it; new matters use them."""
    check_grade(grade)
    if grade == "on_spot":
        raise ValidationError("grade", tr("当场办结的事项在受理当天办结（“当场登记、处理并反馈”），不设小时时限"))
    if category_id:
        get_category(db, category_id)
    try:
        respond, resolve = float(respond_hours), float(resolve_hours)
    except (TypeError, ValueError):
        raise ValidationError("respond_hours", tr("时限应填小时数，例如 2 或 24")) from None
    if not 0 < respond <= 24 * 30:
        raise ValidationError("respond_hours", tr("答复时限应在0到720小时之间"))
    if not 0 < resolve <= 24 * 90:
        raise ValidationError("resolve_hours", tr("办结时限应在0到2160小时之间"))
    if respond > resolve:
        raise ValidationError("respond_hours", tr("答复时限不能长于办结时限"))
    with db.atomic():
        old = db.execute("SELECT respond_hours, resolve_hours FROM matter_time_limits WHERE grade = ? AND category_id = ?",
                         [grade, category_id]).fetchone()
        db.execute(
            "INSERT INTO matter_time_limits(grade, category_id, respond_hours, resolve_hours, updated_at) "
            "VALUES(?,?,?,?,?) ON CONFLICT(grade, category_id) DO UPDATE SET respond_hours = excluded.respond_hours, "
            "resolve_hours = excluded.resolve_hours, updated_at = excluded.updated_at",
            [grade, category_id, respond, resolve, db_now()])
        trail.record(db, "matter_time_limit.set", "matter_time_limits", None,
                     old={"grade": grade, "category_id": category_id, "respond_hours": old[0], "resolve_hours": old[1]}
                     if old else None,
                     new={"grade": grade, "category_id": category_id, "respond_hours": respond, "resolve_hours": resolve})
