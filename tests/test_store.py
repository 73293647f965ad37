"""The street's store on PostgreSQL: its own schema version, enrolled offices, clear refusals."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from gridoffice.consolidation import store

KEY_A, KEY_B = bytes(range(32)), bytes(range(1, 33))


def test_a_new_store_takes_every_step_once(pg_dsn):
    with store.connect(pg_dsn) as conn:
        assert store.schema_version(conn) == len(store.MIGRATIONS)
        tables = {row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert {"offices", "ledger", "records", "records_persons", "records_other", "audit_entries"} <= tables
    with store.connect(pg_dsn) as conn:  # again: nothing to do, nothing fails
        assert store.schema_version(conn) == len(store.MIGRATIONS)
        assert conn.execute("SELECT count(*) FROM store_migrations").fetchone()[0] == len(store.MIGRATIONS)


def test_a_store_of_a_newer_program_is_refused(pg_dsn):
    with store.connect(pg_dsn) as conn:
        conn.execute("INSERT INTO store_migrations(name) VALUES ('m999_later')")
        conn.commit()
    with pytest.raises(store.StoreError, match="更新版本"):
        store.connect(pg_dsn)


def test_an_unreachable_server_is_said_in_chinese_without_the_password(tmp_path):
    dsn = f"host={tmp_path} dbname=street user=street password=secret123"
    with pytest.raises(store.StoreError) as refused:
        store.connect(dsn)
    assert "连不上" in refused.value.message and "请确认服务已启动" in refused.value.message
    assert "secret123" not in refused.value.message
    with pytest.raises(store.StoreError, match="连接串写法有误"):
        store.connect("this is = not a dsn =")


def test_enrolling_the_same_card_twice_changes_nothing_and_another_key_is_refused(pg_dsn):
    office = str(uuid.uuid4())
    with store.connect(pg_dsn) as conn:
        assert store.enroll(conn, uuid=office, division_code="330122001001", name="幸福社区",
                            public_key=KEY_A, by="街道管理员")
        assert not store.enroll(conn, uuid=office, division_code="330122001001", name="幸福社区",
                                public_key=KEY_A, by="街道管理员")
        with pytest.raises(store.StoreError, match="另一把签名公钥"):
            store.enroll(conn, uuid=office, division_code="330122001001", name="幸福社区",
                         public_key=KEY_B, by="街道管理员")
        [known] = store.offices(conn)
        assert (known.uuid, known.name, known.public_key, known.last_sequence) == (office, "幸福社区", KEY_A, 0)
        assert conn.execute("SELECT enrolled_by FROM offices").fetchone()[0] == "街道管理员"


def test_the_store_keeps_residents_by_office_and_global_id(pg_dsn):
    office = str(uuid.uuid4())
    gid = str(uuid.uuid4())
    with store.connect(pg_dsn) as conn:
        store.enroll(conn, uuid=office, division_code="330122001001", name="幸福社区", public_key=KEY_A)
        conn.execute("INSERT INTO records(office, tbl, gid, row_hash, data) VALUES (%s, 'persons', %s, 'h', %s)",
                     [office, gid, psycopg.types.json.Jsonb({"name": "张三"})])
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO records(office, tbl, gid, row_hash, data) VALUES (%s, 'persons', %s, 'h', '{}')",
                         [office, gid])


def test_a_database_whose_locale_does_not_know_chinese_is_refused(pg_dsn):
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(pg_dsn)
    name = params["dbname"] + "_c"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' LOCALE \'C\'')
    try:
        with pytest.raises(store.StoreError, match="不认识汉字"):
            store.connect(make_conninfo(**{**params, "dbname": name}))
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
