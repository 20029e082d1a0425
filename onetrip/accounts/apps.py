from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onetrip.accounts"
    label = "accounts"
