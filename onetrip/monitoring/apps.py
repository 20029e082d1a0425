from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "onetrip.monitoring"
    label = "monitoring"

    def ready(self) -> None:
        from onetrip.workdays.services import register_deadline_recomputer

        from .services import recompute_provisional

        register_deadline_recomputer(recompute_provisional)
