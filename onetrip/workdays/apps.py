from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "onetrip.workdays"
    label = "workdays"
