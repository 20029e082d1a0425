from django.core.management.base import BaseCommand
from django.utils import timezone

from onetrip.monitoring.services import run_sweep_hooks, sweep


class Command(BaseCommand):
    help = "Raise every due pre-warning, yellow and red card exactly once (cron: every minute)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=10000)

    def handle(self, *args, batch_size: int, **options):
        now = timezone.now()
        result = sweep(now=now, batch_size=batch_size)
        counts = ", ".join(f"{kind} {n}" for kind, n in result.raised.items())
        self.stdout.write(f"swept {result.clocks} clocks: {counts}")
        for name, n in run_sweep_hooks(now).items():
            self.stdout.write(f"  {name}: {n}")
