from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onetrip.catalog"
    label = "catalog"
