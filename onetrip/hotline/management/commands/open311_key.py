"""Issue an Open311 API key for a client and print it (only its digest is kept)."""

from django.core.management.base import BaseCommand

from onetrip.hotline.services import issue_open311_key


class Command(BaseCommand):
    help = "Issue an Open311 GeoReport v2 API key for client NAME and print it once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who the key is for, e.g. 'FixMyStreet Minhou'")

    def handle(self, *args, name: str, **options):
        client, raw = issue_open311_key(name=name)
        self.stdout.write(raw)
        self.stderr.write(f"key for {client.name} (prefix {client.prefix}); revoke it in the admin")
