from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "onetrip.web"
    label = "web"
