"""Settings come from the environment and fail at start on bad values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ONETRIP_", "DATABASE_URL"))}
    base.update({"ONETRIP_VAR_DIR": str(tmp_path), **env})
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps({'debug': settings.DEBUG, 'hsts': getattr(settings, 'SECURE_HSTS_SECONDS', 0),"
        " 'secure_cookie': settings.SESSION_COOKIE_SECURE, 'csrf_secure': settings.CSRF_COOKIE_SECURE,"
        " 'engine': settings.DATABASES['default']['ENGINE'],"
        " 'init': settings.DATABASES['default'].get('OPTIONS', {}).get('init_command', '')}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "onetrip.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_development_defaults_to_sqlite_in_wal_mode(tmp_path):
    result = load_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"engine": "django.db.backends.sqlite3"' in result.stdout
    assert "journal_mode=WAL" in result.stdout


def test_production_needs_a_secret_key(tmp_path):
    result = load_settings(
        tmp_path, ONETRIP_ENV="production", ONETRIP_ALLOWED_HOSTS="onetrip.example"
    )
    assert result.returncode != 0
    assert "ONETRIP_SECRET_KEY is required" in result.stderr


def test_production_turns_debug_off_and_security_on(tmp_path):
    result = load_settings(
        tmp_path,
        ONETRIP_ENV="production",
        ONETRIP_SECRET_KEY="x" * 50,
        ONETRIP_ALLOWED_HOSTS="onetrip.example",
    )
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"secure_cookie": true' in result.stdout and '"csrf_secure": true' in result.stdout
    assert '"hsts": 31536000' in result.stdout


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ONETRIP_ENV": "staging"}, "ONETRIP_ENV='staging'"),
        ({"ONETRIP_DEBUG": "maybe"}, "ONETRIP_DEBUG='maybe'"),
        ({"ONETRIP_UPLOAD_MAX_BYTES": "ten"}, "ONETRIP_UPLOAD_MAX_BYTES='ten'"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "only sqlite and postgres"),
    ],
)
def test_bad_values_stop_the_start_naming_the_variable(tmp_path, env, message):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_demo_seeding_is_refused_in_production(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONETRIP_", "DATABASE_URL"))}
    env.update(
        ONETRIP_VAR_DIR=str(tmp_path),
        ONETRIP_ENV="production",
        ONETRIP_SECRET_KEY="y" * 50,
        ONETRIP_ALLOWED_HOSTS="onetrip.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refuses to run in production" in result.stderr
