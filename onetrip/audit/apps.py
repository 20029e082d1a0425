from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onetrip.audit"
    label = "audit"
