import pytest

from onetrip.testing import make_county


@pytest.fixture
def county(db):
    return make_county()


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Argon2 is the real hasher (tested on its own); tests hash with MD5 for speed."""
    if "argon2" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
