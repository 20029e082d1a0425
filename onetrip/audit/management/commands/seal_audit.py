from django.core.management.base import BaseCommand

from onetrip.audit.services import seal


class Command(BaseCommand):
    help = "Seal the heads of every audit chain into a new checkpoint (safe to run from cron)."

    def handle(self, *args, **options):
        checkpoint = seal()
        self.stdout.write(
            f"checkpoint {checkpoint.pk}: {len(checkpoint.heads)} chains, "
            f"{checkpoint.event_count} events, {checkpoint.hash[:16]}…"
        )
