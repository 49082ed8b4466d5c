from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.errors import ApplicationError
from recommendations.models import AlgorithmSetting, ModelVersion, TrainingRun
from recommendations.services.training.pipeline import training_run_create, training_run_execute

FIT_STAGES = ["load", "split", "choose", "fit", "evaluate", "store", "candidates"]
FOLD_IN_STAGES = ["load", "fold_in", "store", "candidates"]


class Command(BaseCommand):
    help = (
        "Train, evaluate and (if the metric guard allows) publish algorithms now, in this process. "
        "Without names: every algorithm enabled in the admin. --tune searches parameters first "
        "(costs TUNING_TRIALS trainings) and saves the best for later runs. --kind refit or fold_in ranks only "
        "the users whose data changed since the live version (fold_in without fitting; docs/training.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("algorithms", nargs="*", metavar="ALGORITHM", help=", ".join(ALGORITHMS))
        parser.add_argument("--tune", action="store_true", help="search parameters first (many trainings)")
        parser.add_argument(
            "--kind",
            choices=list(TrainingRun.Kind.values),
            default=TrainingRun.Kind.FULL,
            help="full: fit and rank every user (default); refit: fit, rank users whose data changed; "
            "fold_in: the live model, rank users whose data changed",
        )

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
        kind = options["kind"]
        stages = FOLD_IN_STAGES if kind == TrainingRun.Kind.FOLD_IN else FIT_STAGES
        for name in names:
            try:
                run = training_run_create(algorithm=name, tune=options["tune"], trigger="command", kind=kind)
            except ApplicationError as exc:
                failed.append(name)
                self.stderr.write(f"{name}: {exc.message}")
                continue
            with tqdm(
                total=len(stages),
                desc=name,
                unit="stage",
                disable=options["verbosity"] < 1,
            ) as bar:
                run = training_run_execute(
                    run.pk, on_stage=lambda stage, bar=bar: (bar.set_postfix_str(stage), bar.update(1))
                )
            if run.status == TrainingRun.Status.FAILED:
                failed.append(name)
                self.stderr.write(f"{name}: run {run.pk} failed: {run.error.splitlines()[0]}")
                continue
            ranked = ModelVersion.objects.filter(run=run).values_list("ranking", flat=True).first() or {}
            users = (
                f"{ranked.get('ranked', 0):,} users ranked, {ranked.get('carried', 0):,} carried; " if ranked else ""
            )
            model, pop = run.ndcg("model"), run.ndcg("popularity")
            quality = f"NDCG@10 {model:.4f} (popularity {pop:.4f}); " if model is not None and pop is not None else ""
            self.stdout.write(f"{name}: run {run.pk} {quality}{users}{run.publish_note}")
        if failed:
            raise CommandError(f"Training failed for {', '.join(failed)}; see the runs in the admin.")
