"""Load the demo county: units, accounts, calendar, catalogue, ... Idempotent.

Each app that has demo data exposes `seed()` in its `demo` module; they run in
the order below, each in its own transaction. Refused in production.
"""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onetrip.accounts.demo import DEMO_PASSWORD

SEEDERS = [
    "onetrip.accounts.demo",
    "onetrip.catalog.demo",
    "onetrip.approvals.demo",
    "onetrip.hotline.demo",
]


class Command(BaseCommand):
    help = "Load the demo county (idempotent). Refused when ONETRIP_ENV=production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-accounts", action="store_true", help="do not print the accounts"
        )

    def handle(self, *args, quiet_accounts: bool = False, **options):
        if not settings.DEMO_SEED_ALLOWED:
            raise CommandError("seed_demo refuses to run in production (ONETRIP_ENV=production)")
        accounts = []
        for module_name in SEEDERS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue  # that app has no demo data yet
                raise
            result = module.seed()
            if module_name == "onetrip.accounts.demo":
                accounts = result
            self.stdout.write(f"seeded {module_name.split('.')[1]}")
        if not quiet_accounts:
            self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
            for username, what in accounts:
                self.stdout.write(f"  {username:<16} {what}")
