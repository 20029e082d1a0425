import pytest

from .builders import make_world


@pytest.fixture
def world(county, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return make_world(county)
