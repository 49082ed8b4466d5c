"""Training runs made and executed in the test's process, as `manage.py train` does."""

from recommendations.models import TrainingRun
from recommendations.services.training.pipeline import training_run_create, training_run_execute


def train(algorithm: str, **kwargs: object) -> TrainingRun:
    run = training_run_create(algorithm=algorithm, trigger="command", **kwargs)
    return training_run_execute(run.pk)
