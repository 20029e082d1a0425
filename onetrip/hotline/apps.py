from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "onetrip.hotline"
    label = "hotline"

    def ready(self) -> None:
        from onetrip.monitoring.services import register_sweep_hook

        from . import tables
        from .services import send_due_reminders

        tables.connect()

        # Reminders the day after an unexplained overrun, run by `sweep_clocks`.
        register_sweep_hook(send_due_reminders)
