from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.models import AlgorithmSetting, TrainingRun
from recommendations.services.training.pipeline import training_run_create, training_run_execute

STAGES = ["load", "split", "fit", "evaluate", "store", "candidates"]


class Command(BaseCommand):
    help = (
        "Train, evaluate and (if the metric guard allows) publish algorithms now, in this process. "
        "Without names: every algorithm enabled in the admin. --tune searches parameters first "
        "(costs TUNING_TRIALS trainings) and saves the best for later runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("algorithms", nargs="*", metavar="ALGORITHM", help=", ".join(ALGORITHMS))
        parser.add_argument("--tune", action="store_true", help="search parameters first (many trainings)")

    def handle(self, *args: object, **options: object) -> None:
        names = options["algorithms"] or list(
            AlgorithmSetting.objects.filter(enabled=True).values_list("algorithm", flat=True)
        )
        unknown = [n for n in names if n not in ALGORITHMS]
        if unknown:
            raise CommandError(f"Unknown algorithm(s) {', '.join(unknown)}; known: {', '.join(ALGORITHMS)}")
        if not names:
            raise CommandError("No algorithm named and none enabled; enable some in the admin or name them.")
        failed = []
        for name in names:
            run = training_run_create(algorithm=name, tune=options["tune"], trigger="command")
            with tqdm(total=len(STAGES), desc=name, unit="stage", disable=options["verbosity"] < 1) as bar:
                run = training_run_execute(
                    run.pk, on_stage=lambda stage, bar=bar: (bar.set_postfix_str(stage), bar.update(1))
                )
            if run.status == TrainingRun.Status.FAILED:
                failed.append(name)
                self.stderr.write(f"{name}: run {run.pk} failed: {run.error.splitlines()[0]}")
                continue
            model, pop = run.ndcg("model"), run.ndcg("popularity")
            self.stdout.write(f"{name}: run {run.pk} NDCG@10 {model:.4f} (popularity {pop:.4f}); {run.publish_note}")
        if failed:
            raise CommandError(f"Training failed for {', '.join(failed)}; see the runs in the admin.")
