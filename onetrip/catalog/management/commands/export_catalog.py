"""Export the whole catalogue to FILE (.xlsx or .yaml by its extension)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from onetrip.catalog import exports


class Command(BaseCommand):
    help = "Export the catalogue (every item and package, published or not) to .xlsx or .yaml."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx or .yaml file to write")

    def handle(self, *args, file: str, **options):
        suffix = Path(file).suffix.lower()
        if suffix == ".xlsx":
            exports.write_xlsx(file)
        elif suffix in (".yaml", ".yml"):
            exports.write_yaml(file)
        else:
            raise CommandError(f"unknown file type {suffix!r}: use .xlsx or .yaml")
        self.stdout.write(f"wrote {file}")
