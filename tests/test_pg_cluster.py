"""The test cluster that `bash dev.sh test` starts: local socket only, a fresh database per test."""

from __future__ import annotations

import psycopg


def test_each_test_gets_an_empty_database_of_its_own(pg_dsn_factory):
    first, second = pg_dsn_factory(), pg_dsn_factory()
    with psycopg.connect(first) as a, psycopg.connect(second) as b:
        assert a.execute("SELECT current_database()").fetchone()[0] != b.execute(
            "SELECT current_database()").fetchone()[0]
        a.execute("CREATE TABLE t(x int)")
        a.commit()
        tables = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        assert a.execute(tables).fetchone()[0] == 1
        assert b.execute(tables).fetchone()[0] == 0


def test_the_cluster_listens_on_no_network_address(pg_dsn):
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
        assert conn.info.host.startswith("/")  # a Unix socket's folder
        assert conn.execute("SELECT current_setting('server_encoding')").fetchone()[0] == "UTF8"
