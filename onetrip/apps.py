from django.apps import AppConfig


class OneTripConfig(AppConfig):
    """The project itself: what concerns every app (the database connection)."""

    name = "onetrip"
    label = "onetrip"

    def ready(self) -> None:
        from . import pg_timestamps

        pg_timestamps.install()
