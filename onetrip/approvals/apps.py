from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "onetrip.approvals"
    label = "approvals"

    def ready(self) -> None:
        from .services import register_hooks

        register_hooks()
