from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "onetrip.hotline"
    label = "hotline"
