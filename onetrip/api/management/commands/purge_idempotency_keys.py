from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onetrip.api.idempotency import PURGE_BATCH, purge


class Command(BaseCommand):
    help = ("Delete API Idempotency-Keys older than the retention, in small batches "
            "(cron: hourly; safe to run twice at once).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours", type=int, default=None, metavar="N",
            help="delete keys created more than N hours ago (default: ONETRIP_IDEMPOTENCY_HOURS)",
        )
        parser.add_argument("--batch-size", type=int, default=PURGE_BATCH, metavar="ROWS",
                            help="rows deleted per transaction (default: %(default)s)")

    def handle(self, *args: object, older_than_hours: int | None, batch_size: int,
               **options: object) -> None:
        hours = settings.IDEMPOTENCY_HOURS if older_than_hours is None else older_than_hours
        if hours < 1:
            raise CommandError("--older-than-hours must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        removed = purge(now=timezone.now(), older_than=timedelta(hours=hours),
                        batch_size=batch_size)
        self.stdout.write(f"purged {removed} idempotency keys older than {hours} hours")
