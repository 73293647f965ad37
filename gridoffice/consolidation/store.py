"""The street's (and the district's) store on PostgreSQL: enrolled offices, the ledger, their records.

One schema serves a street and a district: a district is a store that received the same original
packages, forwarded by its streets. Every record is keyed by (office, gid): an office's uuid and
the record's global id, so nothing an office numbers locally ever meets another office's numbers,
and every table can be split by office (see README, "Design": scaling out).

Records live in one table partitioned by the office table they come from (`records`), each row
holding the office's row as it travelled (`data`, JSON with references by gid) and its canonical
row hash; the columns the street's queries need are generated from `data` by PostgreSQL itself,
so they can never disagree with it. The store has its own schema version (`store_migrations`).
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from typing import Callable

import psycopg

from gridoffice.errors import GridOfficeError
from gridoffice.i18n import tr
from gridoffice.consolidation import facts, received, summary_tables


class StoreError(GridOfficeError):
    """The store cannot be reached or is not a store of this program (the message says what to do)."""


def connect(dsn: str, *, readonly: bool = False, migrating: bool = True) -> psycopg.Connection:
    """A connection to the store, migrated to this program's schema; errors are said in Chinese.
    A read-only connection (the street's window) migrates nothing: PostgreSQL itself refuses any
    write on it, and a store that is not at this program's version is refused. `migrating=False`
    (the window's log-in and audit) writes but migrates nothing either."""
    params = _params(dsn)
    try:
        conn = psycopg.connect(dsn, connect_timeout=10, autocommit=True)
    except psycopg.OperationalError as exc:
        raise StoreError(connection_failure(exc, params)) from None
    except psycopg.ProgrammingError:
        raise StoreError(_DSN_HELP) from None
    try:
        if not readonly and migrating:
            migrate(conn)
            if not conn.execute("SELECT show_trgm('社区') <> '{}'").fetchone()[0]:
                raise StoreError(tr("汇总数据库的区域设置（locale）不认识汉字，跨社区查找会找不到人名。请按说明重建数据库："
                                    "编码 UTF8，区域设置选 UTF-8 的（如 C.UTF-8 或 zh_CN.UTF-8）。"))
            return conn
        if readonly:
            conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        check_version(conn)
        return conn
    except BaseException:
        conn.close()
        raise


def check_version(conn: psycopg.Connection) -> None:
    """Refuses a database that is not a store of exactly this program's version, saying what to do."""
    made = conn.execute("SELECT to_regclass('store_migrations') IS NOT NULL").fetchone()[0]
    done = {row[0] for row in conn.execute("SELECT name FROM store_migrations")} if made else set()
    known = {name for name, _ in MIGRATIONS}
    if done - known:
        raise StoreError(_NEWER.format(n=len(done - known)))
    if not done:
        raise StoreError(tr("这个数据库还不是网格通的汇总数据库：请先用 street users add 建立街道管理员账号"
                            "（或用 consolidate 导入上报包），程序会在其中建好汇总数据库的表。"))
    if done != known:
        raise StoreError(tr("汇总数据库是本程序较早的版本建立的，需要先升级：请运行一次 street users add、street enroll "
                            "或 consolidate（会自动升级），再打开街道窗口。"))


_NEWER = tr("这个汇总数据库由更新版本的网格通建立（多出 {n} 个升级步骤），请先把本程序升级到最新版本。")
_DSN_HELP = tr("连接串写法有误：请写成“名称=值”，用空格隔开，例如：host=localhost port=5432 dbname=street user=street"
               "（名称只能是 host、port、dbname、user、password 等）。")


def _params(dsn: str) -> dict:
    try:
        return psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise StoreError(_DSN_HELP) from None


def connection_failure(exc: Exception, params: dict | None = None) -> str:
    """What went wrong reaching the store, in Chinese, naming what to fix; never the driver's English.
    libpq's messages are matched by their fixed English phrases (its client messages are not translated
    in the binary build the program ships)."""
    params = params or {}
    text = str(exc).lower()
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "5432")
    user = str(params.get("user") or tr("（默认用户）"))
    dbname = str(params.get("dbname") or params.get("user") or tr("（默认数据库）"))
    if "password authentication failed" in text or "no password supplied" in text or "password is required" in text:
        return tr("登录 PostgreSQL 失败：用户“{user}”的密码不对或没有提供。请改正连接串中的 password=（或 pgpass 文件中的密码），"
                  "密码是建立该用户时设置的。").format(user=user)
    if "does not exist" in text and "database" in text:
        return tr("PostgreSQL 上没有名为“{db}”的数据库：请改正连接串中的 dbname=，或按说明先建立汇总数据库"
                  "（createdb 或 CREATE DATABASE）。").format(db=dbname)
    if "does not exist" in text and "role" in text:
        return tr("PostgreSQL 上没有用户“{user}”：请改正连接串中的 user=，或按说明先建立该用户"
                  "（createuser 或 CREATE USER）。").format(user=user)
    if "no pg_hba.conf entry" in text:
        return tr("PostgreSQL 不允许用户“{user}”从这台电脑连接：请在服务器的 pg_hba.conf 中允许后重新加载服务。").format(user=user)
    if "translate host name" in text or "name or service not known" in text or "nodename nor servname" in text:
        return tr("找不到主机“{host}”：请改正连接串中的 host=（服务器的名称或 IP 地址）。").format(host=host)
    if "timeout" in text or "timed out" in text:
        return tr("连接 {host} 端口 {port} 上的 PostgreSQL 超时：请检查网络和服务器是否开机，防火墙是否放行该端口。").format(
            host=host, port=port)
    if "server closed the connection" in text or "terminating connection" in text or "connection is lost" in text \
            or "consuming input failed" in text or "the connection is closed" in text:
        return tr("与汇总数据库的连接中断了（服务器停止或重启）：请确认 PostgreSQL 服务在运行后重试。")
    return tr("连不上 {host} 端口 {port} 上的 PostgreSQL 服务：请确认服务已启动（Windows：“服务”中的 postgresql；"
              "Linux：sudo systemctl start postgresql），连接串中的 host= 和 port= 是否正确。").format(host=host, port=port)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def failure(exc: psycopg.Error) -> str:
    """A PostgreSQL failure met after connecting (the server went away, a permission), in Chinese."""
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return tr("PostgreSQL 用户没有这项操作的权限：请用汇总数据库的所有者（建库时 OWNER 指定的用户）连接。")
    if isinstance(exc, psycopg.OperationalError):
        return connection_failure(exc)
    return tr("汇总数据库出错（{kind}）：请确认 PostgreSQL 服务在运行、汇总数据库完好后重试。").format(
        kind=getattr(exc, "sqlstate", None) or tr("未知错误"))


def actor() -> str:
    """Who applies: the operating system's user on this computer (the ledger's 'by whom')."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()}"


# Every travelling office table (consolidation.tables) has a partition of its own; a table a later
# office version adds lands in the default partition until a step gives it one.
PARTITIONED_TABLES = (
    "org_units", "households", "persons", "person_tags", "office_tags", "household_tags", "staff", "staff_roles",
    "teams", "team_members", "contacts", "matter_categories", "matters", "matter_events", "matter_meeting_items",
    "visits", "visit_households", "needs", "log_entries", "log_households", "log_matters", "log_comments",
)


def _m001_initial(cur: psycopg.Cursor) -> None:
    cur.execute("""
        CREATE EXTENSION IF NOT EXISTS pg_trgm;

        CREATE TABLE offices (
            uuid uuid PRIMARY KEY,
            division_code text NOT NULL,
            name text NOT NULL,
            public_key bytea NOT NULL,
            enrolled_at timestamptz NOT NULL DEFAULT now(),
            enrolled_by text NOT NULL,
            -- what the last applied package left: the next must follow it
            last_sequence integer NOT NULL DEFAULT 0,
            last_package_hash text,
            audit_head_id bigint NOT NULL DEFAULT 0,
            audit_head_hash text,
            last_applied_at timestamptz,
            -- the office's own time of its last package, to tell overdue offices
            last_package_made_at timestamptz
        );

        -- Every package offered: applied, already applied, or refused and why (in Chinese).
        CREATE TABLE ledger (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            actor text NOT NULL,
            db_user text NOT NULL DEFAULT current_user,
            file_name text NOT NULL,
            office uuid,
            office_name text,
            sequence integer,
            package_hash text,
            outcome text NOT NULL CHECK (outcome IN ('applied', 'already', 'refused')),
            reason text,
            rows_changed integer
        );
        CREATE INDEX ledger_office ON ledger (office, sequence);
        CREATE INDEX ledger_at ON ledger (at);

        CREATE TABLE records (
            office uuid NOT NULL REFERENCES offices (uuid),
            tbl text NOT NULL,
            gid uuid NOT NULL,
            row_hash bytea NOT NULL,
            data jsonb NOT NULL,
            PRIMARY KEY (office, tbl, gid)
        ) PARTITION BY LIST (tbl);
        CREATE TABLE records_other PARTITION OF records DEFAULT;

        -- The office's audit trail as received: each package's entries extend the chain held here.
        CREATE TABLE audit_entries (
            office uuid NOT NULL REFERENCES offices (uuid),
            entry bigint NOT NULL,
            gid uuid NOT NULL,
            row_hash bytea NOT NULL,
            data jsonb NOT NULL,
            PRIMARY KEY (office, entry),
            UNIQUE (office, gid)
        );
    """)
    for table in PARTITIONED_TABLES:
        cur.execute(f"CREATE TABLE records_{table} PARTITION OF records FOR VALUES IN ('{table}')")
    # The street's queries (consolidation/street_view.py): names and addresses across communities
    # anywhere in them (trigrams, three characters or more) or from their start (one or two).
    cur.execute("""
        CREATE INDEX persons_name_trgm ON records_persons USING gin ((data->>'name') gin_trgm_ops);
        CREATE INDEX persons_name_start ON records_persons ((data->>'name') text_pattern_ops);
        CREATE INDEX households_address_trgm ON records_households
            USING gin ((data->>'address') gin_trgm_ops);
        CREATE INDEX households_number_start ON records_households ((data->>'number') text_pattern_ops);
    """)


def _m002_street_accounts(cur: psycopg.Cursor) -> None:
    """The street's own accounts, their failed log-ins and its audit trail (street_users.py)."""
    cur.execute("""
        CREATE TABLE street_users (
            id serial PRIMARY KEY,
            name text NOT NULL UNIQUE,
            display_name text NOT NULL DEFAULT '',
            role text NOT NULL CHECK (role IN ('street_admin', 'street_staff')),
            password_hash text NOT NULL,
            status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
            created_at timestamptz NOT NULL DEFAULT now(),
            created_by text NOT NULL
        );
        -- Failed log-ins per name (a hash of it), shared by every computer of the street.
        CREATE TABLE street_logins (
            name_key text PRIMARY KEY,
            failures integer NOT NULL,
            last_failure timestamptz NOT NULL
        );
        CREATE TABLE street_audit (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            actor text NOT NULL,
            db_user text NOT NULL DEFAULT current_user,
            action text NOT NULL,
            office uuid REFERENCES offices (uuid),
            detail jsonb NOT NULL
        );
        CREATE FUNCTION street_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'street_audit is append-only'; END $$;
        CREATE TRIGGER street_audit_no_change BEFORE UPDATE OR DELETE ON street_audit
            FOR EACH ROW EXECUTE FUNCTION street_audit_append_only();
    """)


def _m003_summary(cur: psycopg.Cursor) -> None:
    """Each office's visit rules, from its last package's manifest: the street's monthly summary
    (consolidation/street_summary.py) judges each community's coverage by its own rules. And the
    statistics of a record's status: without them PostgreSQL guesses that half a percent of the
    persons are active, takes a surname shared by twenty thousand for fifty, and sorts them all
    instead of reading the name index in order up to the search's limit."""
    cur.execute("""
        ALTER TABLE offices ADD COLUMN visit_rules jsonb NOT NULL DEFAULT '{}';
        CREATE STATISTICS persons_status ON (data->>'status') FROM records_persons;
        CREATE STATISTICS households_status ON (data->>'status') FROM records_households;
    """)


def _m004_lighter_writes(cur: psycopg.Cursor) -> None:
    """Records and audit entries no longer check their office with a foreign key: a package's rows
    are written only while its office's row is locked (consolidate._apply), an office is never
    removed, and the check was a query per row, a quarter of the server's work on a first package.
    And ANALYZE no longer studies whole rows (`data`), which no query compares: only the
    expressions and columns the queries use."""
    cur.execute("""
        ALTER TABLE records DROP CONSTRAINT records_office_fkey;
        ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_office_fkey;
        ALTER TABLE records ALTER COLUMN data SET STATISTICS 0;
        ALTER TABLE audit_entries ALTER COLUMN data SET STATISTICS 0;
    """)


def _m005_summary_facts(cur: psycopg.Cursor) -> None:
    """The typed fields the monthly summary reads (consolidation/facts.py), filled from the records held."""
    facts.create(cur)
    facts.write(cur, None)


def _m006_received(cur: psycopg.Cursor) -> None:
    """What the last package of each office table left (consolidation/received.py): its count and
    hash and the hashes of its runs of lines, so that the next package sends only the runs that
    differ. Empty at first: an office's next package is then staged whole, once."""
    received.create(cur)


def _m007_summary_tables(cur: psycopg.Cursor) -> None:
    """Each office's monthly-summary counts (consolidation/summary_tables.py), computed from the facts held."""
    summary_tables.create(cur)
    summary_tables.refresh_all(cur)


# Named steps in order; a store records each it has taken. Never edit a released step.
MIGRATIONS: tuple[tuple[str, Callable[[psycopg.Cursor], None]], ...] = (
    ("m001_initial", _m001_initial),
    ("m002_street_accounts", _m002_street_accounts),
    ("m003_summary", _m003_summary),
    ("m004_lighter_writes", _m004_lighter_writes),
    ("m005_summary_facts", _m005_summary_facts),
    ("m006_received", _m006_received),
    ("m007_summary_tables", _m007_summary_tables),
)


def migrate(conn: psycopg.Connection) -> None:
    """Takes the steps this store lacks, each in its own transaction; refuses a newer store."""
    with conn.transaction():
        # One migrating program at a time: the lock ends with the transaction.
        conn.execute("SELECT pg_advisory_xact_lock(8317001)")
        conn.execute("CREATE TABLE IF NOT EXISTS store_migrations "
                     "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row[0] for row in conn.execute("SELECT name FROM store_migrations")}
        known = {name for name, _ in MIGRATIONS}
        if done - known:
            raise StoreError(_NEWER.format(n=len(done - known)))
        for name, step in MIGRATIONS:
            if name not in done:
                with conn.cursor() as cur:
                    step(cur)
                conn.execute("INSERT INTO store_migrations(name) VALUES (%s)", [name])


def schema_version(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT count(*) FROM store_migrations").fetchone()[0]


@dataclass(frozen=True)
class Office:
    uuid: str
    division_code: str
    name: str
    public_key: bytes
    last_sequence: int
    last_package_hash: str | None
    audit_head_id: int
    audit_head_hash: str | None


_OFFICE_COLUMNS = ("uuid::text, division_code, name, public_key, last_sequence, last_package_hash, "
                   "audit_head_id, audit_head_hash")


def offices(conn: psycopg.Connection) -> list[Office]:
    rows = conn.execute(f"SELECT {_OFFICE_COLUMNS} FROM offices ORDER BY division_code, name").fetchall()
    return [Office(*row[:3], bytes(row[3]), *row[4:]) for row in rows]


def office(conn: psycopg.Connection, uuid: str, *, lock: bool = False) -> Office | None:
    row = conn.execute(f"SELECT {_OFFICE_COLUMNS} FROM offices WHERE uuid = %s"
                       + (" FOR UPDATE" if lock else ""), [uuid]).fetchone()
    return None if row is None else Office(*row[:3], bytes(row[3]), *row[4:])


def enroll(conn: psycopg.Connection, *, uuid: str, division_code: str, name: str, public_key: bytes,
           by: str | None = None) -> bool:
    """Registers an office's signing key; True when new. The same card again changes nothing; a
    different key for an office already enrolled is refused (it would let another sign for it)."""
    with conn.transaction():
        known = office(conn, uuid, lock=True)
        if known is not None:
            if known.public_key != public_key:
                raise StoreError(tr("办公室“{name}”已用另一把签名公钥登记过，拒绝用这张登记卡替换。"
                                    "如果该办公室确实换了密钥，请先核实再由管理员处理。").format(name=known.name))
            return False
        conn.execute("INSERT INTO offices(uuid, division_code, name, public_key, enrolled_by) "
                     "VALUES (%s, %s, %s, %s, %s)", [uuid, division_code, name, public_key, by or actor()])
        return True
