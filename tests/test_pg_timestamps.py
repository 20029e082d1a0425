"""PostgreSQL timestamps read with psycopg's C loader are the ones Django's own loader reads."""

import datetime

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from onetrip import pg_timestamps

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loaders"),
]

TIMESTAMPTZ_OID = 1184
AWARE = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30),
    timezones=st.sampled_from([datetime.UTC, datetime.timezone(datetime.timedelta(hours=8)),
                               datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))]),
)


def _loader_of(raw):
    from psycopg.pq import Format

    return raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


def _django_loader():
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class Django(BaseTzLoader):
        timezone = datetime.UTC

    return Django


def test_new_connections_read_timestamps_with_the_c_loader():
    connection.ensure_connection()
    assert _loader_of(connection.connection) is pg_timestamps._LOADER
    with connection.cursor() as cursor:
        cursor.execute("SELECT TIMESTAMPTZ '2027-01-01 00:00:00.000001+08'")
        (value,) = cursor.fetchone()
    assert value == datetime.datetime(2026, 12, 31, 16, 0, 0, 1, tzinfo=datetime.UTC)
    assert value.tzinfo is datetime.UTC


@settings(max_examples=200, deadline=None)
@given(moment=AWARE)
def test_the_c_loader_reads_what_djangos_loader_reads(moment):
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [moment])
        (text,) = cursor.fetchone()
        cursor.execute("SELECT %s::timestamptz", [moment])
        (through_the_orm_cursor,) = cursor.fetchone()
    raw = connection.connection
    ours = pg_timestamps._LOADER(TIMESTAMPTZ_OID, raw).load(text.encode())
    djangos = _django_loader()(TIMESTAMPTZ_OID, raw).load(text.encode())
    assert ours == djangos == moment == through_the_orm_cursor
    assert ours.tzinfo is djangos.tzinfo is through_the_orm_cursor.tzinfo is datetime.UTC


def test_a_session_not_in_utc_keeps_djangos_loader():
    connection.ensure_connection()
    raw = connection.connection
    django_loader = _django_loader()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
        raw.adapters.register_loader("timestamptz", django_loader)
        pg_timestamps.use_c_timestamp_loader(None, connection)
        assert _loader_of(raw) is django_loader
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        pg_timestamps.use_c_timestamp_loader(None, connection)
    assert _loader_of(raw) is pg_timestamps._LOADER
