from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onetrip.files.services import PURGE_BATCH, purge_unused


class Command(BaseCommand):
    help = ("Delete uploads no case, ticket or other record refers to, older than the "
            "retention, and their content on disk once nothing has it (cron: daily).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-days", type=int, default=None, metavar="N",
            help="uploaded more than N days ago (default: ONETRIP_UNUSED_UPLOAD_DAYS)",
        )
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH, metavar="ROWS",
                            help="rows deleted per transaction (default: %(default)s)")

    def handle(self, *args: object, older_than_days: int | None, batch_size: int,
               **options: object) -> None:
        days = settings.UNUSED_UPLOAD_DAYS if older_than_days is None else older_than_days
        if days < 1:
            raise CommandError("--older-than-days must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        purged = purge_unused(now=timezone.now(), older_than=timedelta(days=days),
                              batch_size=batch_size)
        self.stdout.write(f"purged {purged.rows} unused uploads older than {days} days "
                          f"({purged.files} files removed from disk)")
