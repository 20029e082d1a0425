from django.core.management.base import BaseCommand, CommandError

from onetrip.accounts.models import User
from onetrip.accounts.services import issue_api_token


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (send it as 'Authorization: Bearer <token>')."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, username: str, name: str, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user named {username!r}") from None
        self.stdout.write(issue_api_token(user=user, name=name))
