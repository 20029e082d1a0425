from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "onetrip.files"
    label = "files"
