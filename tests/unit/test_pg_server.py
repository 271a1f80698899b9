"""The test PostgreSQL server (tests/pg_server.py) is a real server that behaves like one:
committed rows are seen by another connection, each `postgres_url` is its own database, row
locks hold across connections (`FOR UPDATE SKIP LOCKED` passes a locked row by), and a
database is dropped even while a connection to it is still open.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError


@pytest.fixture
def engine(postgres_url: str):  # -> Iterator[sa.Engine]
    # A lock wait fails the test in seconds instead of hanging it.
    engine = sa.create_engine(postgres_url, connect_args={"options": "-c lock_timeout=5s"})
    yield engine
    engine.dispose()


def test_a_real_postgresql_server_on_loopback(postgres_server, postgres_url: str) -> None:
    assert postgres_url.startswith(
        f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/t_"
    )
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version()")).scalar_one()
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        fsync = conn.execute(sa.text("SHOW fsync")).scalar_one()
    engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert postgres_url.endswith(f"/{database}")
    assert fsync == "off"  # our server and its test settings, not some other one


def test_a_committed_row_is_seen_by_another_connection(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)"))
    writer = engine.connect()
    reader = engine.connect()
    try:
        writer.execute(sa.text("INSERT INTO notes (body) VALUES ('first take')"))
        # Not committed yet: another connection sees nothing (real transactions).
        assert reader.execute(sa.text("SELECT count(*) FROM notes")).scalar_one() == 0
        reader.rollback()
        writer.commit()
        assert reader.execute(sa.text("SELECT body FROM notes")).scalars().all() == ["first take"]
    finally:
        writer.close()
        reader.close()


def test_two_postgres_urls_are_separate_databases(postgres_server, postgres_url: str) -> None:
    other_url = postgres_server.create_database()
    try:
        assert other_url != postgres_url
        one, other = sa.create_engine(postgres_url), sa.create_engine(other_url)
        with one.begin() as conn:
            conn.execute(sa.text("CREATE TABLE runs (id int PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO runs VALUES (1)"))
        with other.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT count(*) FROM pg_tables WHERE tablename = 'runs'")
            ).scalar_one()
            assert tables == 0
        with other.begin() as conn:  # the same name is free there
            conn.execute(sa.text("CREATE TABLE runs (id int PRIMARY KEY)"))
            assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == 0
        one.dispose()
        other.dispose()
    finally:
        postgres_server.drop_database(other_url)


def test_skip_locked_passes_a_row_another_transaction_holds(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE jobs (id int PRIMARY KEY, state text NOT NULL)"))
        conn.execute(sa.text("INSERT INTO jobs VALUES (1, 'queued'), (2, 'queued'), (3, 'queued')"))
    claim = sa.text(
        "SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
    )
    first, second = engine.connect(), engine.connect()
    try:
        assert first.execute(claim).scalar_one() == 1  # transaction open: row 1 stays locked
        assert second.execute(claim).scalar_one() == 2
        # Without SKIP LOCKED the lock is there to hit.
        with pytest.raises(OperationalError, match="could not obtain lock"):
            second.execute(sa.text("SELECT id FROM jobs WHERE id = 1 FOR UPDATE NOWAIT"))
        second.rollback()
        first.execute(sa.text("UPDATE jobs SET state = 'running' WHERE id = 1"))
        first.commit()
        assert second.execute(claim).scalar_one() == 2  # 1 is no longer queued
        second.commit()
    finally:
        first.close()
        second.close()


def test_a_database_is_dropped_with_a_connection_still_open(postgres_server) -> None:
    url = postgres_server.create_database()
    engine = sa.create_engine(url)
    conn = engine.connect()
    conn.execute(sa.text("SELECT 1"))  # open, in a transaction
    postgres_server.drop_database(url)
    with pytest.raises(OperationalError):
        conn.execute(sa.text("SELECT 1"))  # ended by DROP ... WITH (FORCE)
    conn.invalidate()
    with pytest.raises(OperationalError, match="does not exist"):
        sa.create_engine(url).connect()
    engine.dispose()
