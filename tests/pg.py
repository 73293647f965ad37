"""PostgreSQL for the tests of the street's store: a fresh database per test on the run's cluster.

`bash dev.sh test` starts a throw-away cluster on a Unix socket and names it in GRIDOFFICE_TEST_PG
(a libpq connection string to its maintenance database). Without it the tests that need the
server are skipped with the reason, except under CI=true, where a missing server fails them.
"""

from __future__ import annotations

import os
import uuid

import pytest

ENV = "GRIDOFFICE_TEST_PG"


def admin_dsn() -> str:
    dsn = os.environ.get(ENV)
    if not dsn:
        reason = (f"no PostgreSQL server for the street's store: {ENV} is not set "
                  "(run `bash dev.sh test`, which starts a throw-away cluster)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run these tests", pytrace=False)
        pytest.skip(reason)
    return dsn


def fresh_database() -> tuple[str, str]:
    """Creates an empty database on the run's cluster; returns its name and connection string."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    dsn = admin_dsn()
    name = "t_" + uuid.uuid4().hex
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
    params = conninfo_to_dict(dsn)
    params["dbname"] = name
    return name, make_conninfo(**params)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_dsn():
    """The connection string of an empty database made for this test and dropped after it."""
    name, dsn = fresh_database()
    try:
        yield dsn
    finally:
        drop_database(name)


@pytest.fixture
def pg_dsn_factory():
    """Makes as many empty databases as a test needs (a street and its district); drops them after."""
    names: list[str] = []

    def make() -> str:
        name, dsn = fresh_database()
        names.append(name)
        return dsn

    try:
        yield make
    finally:
        for name in names:
            drop_database(name)
