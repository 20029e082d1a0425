from django.core.management.base import BaseCommand, CommandError

from onetrip.audit.verify import verify


class Command(BaseCommand):
    help = (
        "Walk every audit chain and checkpoint; name the first event altered, removed or inserted."
    )

    def handle(self, *args, **options):
        report = verify()
        summary = (
            f"{report.events} events in {report.chains} chains, {report.checkpoints} checkpoints"
        )
        if report.ok:
            self.stdout.write(f"audit log intact: {summary}")
            return
        self.stderr.write(f"audit log BROKEN ({len(report.problems)} problems; {summary})")
        self.stderr.write(f"first: {report.problems[0]}")
        for problem in report.problems[1:20]:
            self.stderr.write(f"  also: {problem}")
        raise CommandError(f"first tampered place: {report.problems[0]}")
