from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "onetrip.approvals"
    label = "approvals"
