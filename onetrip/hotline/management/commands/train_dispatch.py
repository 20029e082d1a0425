"""Retrain the dispatch suggestion model from the county's past tickets (cron: nightly)."""

from django.core.management.base import BaseCommand, CommandError

from onetrip.hotline import dispatch


class Command(BaseCommand):
    help = (
        "Train the 12345 dispatch model on past tickets whose dispatch held (and the shipped "
        "synthetic corpus unless --no-corpus); writes one file, replaced atomically."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-corpus", action="store_true", help="train on the county's own history only"
        )
        parser.add_argument("--min-examples", type=int, default=50)

    def handle(self, *args, no_corpus: bool, min_examples: int, **options):
        texts, labels = dispatch.training_set(with_corpus=not no_corpus)
        classes = len(set(labels))
        if len(texts) < min_examples or classes < 2:
            raise CommandError(
                f"only {len(texts)} examples in {classes} categories: keeping the rule table"
            )
        model = dispatch.train(texts, labels)
        path = dispatch.save_model(
            model, trained_on=len(texts), source="history" if no_corpus else "history+corpus"
        )
        self.stdout.write(f"trained on {len(texts)} tickets, {classes} categories: {path}")
