"""Setting Django up for a bench on its own PostgreSQL database.

Benches that measure the database run on PostgreSQL (the production
engine) in a database of their own, created if missing and migrated, so a
bench never touches the development or test databases.
"""

from __future__ import annotations

import os

import psycopg

SERVER = os.environ.get("ONETRIP_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def setup(database: str) -> str:
    """Create (if needed) and migrate `database`; set Django up on it; return its URL."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    url = f"{SERVER}/{database}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    os.environ.setdefault("ONETRIP_ENV", "test")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    return url
