import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommendations.services.personalize.training import personalize_training_advance, personalize_training_start
from recommendations.services.task_dispatch import task_dispatch, tasks_run_inline


class Command(BaseCommand):
    help = (
        "Train in Amazon Personalize: export to S3, import, train a solution version, record its metrics as a "
        "training run and deploy it to the campaign. With a Celery broker the run is advanced by tasks; without "
        "one this command polls until it ends (training takes AWS an hour or more)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hpo", action="store_true", help="hyperparameter search: costs many trainings")
        parser.add_argument("--update", action="store_true", help="trainingMode UPDATE instead of FULL")

    def handle(self, *args: object, hpo: bool, update: bool, **options: object) -> None:
        if not settings.PERSONALIZE_BUCKET or not settings.PERSONALIZE_ROLE_ARN:
            raise CommandError("Set PERSONALIZE_BUCKET and PERSONALIZE_ROLE_ARN first (docs/personalize.md).")
        if hpo:
            self.stderr.write("HPO trains many times over: expect a much larger AWS bill for this run.")
        run = personalize_training_start(hpo=hpo, update=update, trigger="command")
        self.stdout.write(f"Training run {run.pk} started: imports {', '.join(run.snapshot['import_jobs'])}.")
        if not tasks_run_inline():
            task_dispatch("recommendations.personalize_training_advance", run.pk)
            self.stdout.write("A worker advances it from here; follow it in the admin (Training runs).")
            return
        wait = 30
        while not personalize_training_advance(run.pk):
            self.stdout.write(f"  waiting for AWS; looking again in {wait} s")
            time.sleep(wait)
            wait = min(wait * 2, 600)
        run.refresh_from_db()
        self.stdout.write(f"Run {run.pk} {run.status}: {run.error or run.metrics.get('model')}")
