"""Import the whole catalogue from FILE (.xlsx or .yaml): all or nothing, safe to re-run."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from onetrip.catalog.imports import ImportFailed, import_file


class Command(BaseCommand):
    help = ("Import the catalogue from an Excel workbook (.xlsx) or YAML (.yaml). Nothing is "
            "saved unless the whole file is valid; every problem is listed with sheet, row and "
            "column.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .xlsx or .yaml catalogue file")

    def handle(self, *args, file: str, **options):
        try:
            result = import_file(file)
        except ImportFailed as exc:
            for issue in exc.issues:
                self.stderr.write(str(issue))
            raise CommandError(str(exc.reason)) from None
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        self.stdout.write(str(result))
