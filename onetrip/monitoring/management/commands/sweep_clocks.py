from django.core.management.base import BaseCommand

from onetrip.monitoring.services import sweep


class Command(BaseCommand):
    help = "Raise every due pre-warning, yellow and red card exactly once (cron: every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int, **options):
        result = sweep(batch_size=batch_size)
        counts = ", ".join(f"{kind} {n}" for kind, n in result.raised.items())
        self.stdout.write(f"swept {result.clocks} clocks: {counts}")
