"""Which matrix (and fit-time parameters such as EASE's λ) a run fits on: chosen on validation, saved on the
algorithm's setting, and reused for TRAINING_CHOOSE_EVERY_DAYS while the configured weights and the parameters
the run starts from stay as they were (a choice costs one fit per input and parameter combination). A tuned run
searches the input's weights and half-lives with the parameters; what it finds is saved the same way, and
every later choice tries it beside the four standard inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict

from django.conf import settings
from django.utils import timezone

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.engine.interactions import MatrixInput
from recommendations.engine.matrix_input import choose_on_validation
from recommendations.engine.split import Split
from recommendations.engine.tuning import random_search
from recommendations.models import AlgorithmSetting, TrainingRun
from recommendations.services.training.candidates import configured_input
from recommendations.services.training.data_load import TrainingFrames

TUNED = "tuned"


def run_matrix_input(run: TrainingRun, validation: Callable[[], Split], frames: TrainingFrames) -> MatrixInput:
    """The input `run` fits on; sets its params to the chosen ones and records the choice in its metrics.
    `validation` makes the validation split, asked for only when a choice is made."""
    configured = configured_input()
    if not settings.TRAINING_CHOOSE_ON_VALIDATION or not ALGORITHMS[run.algorithm].chooses_input:
        return configured
    setting, _created = AlgorithmSetting.objects.get_or_create(algorithm=run.algorithm)
    given = dict(run.params)
    saved = setting.chosen_input if isinstance(setting.chosen_input, dict) else {}
    if not run.tune and _reusable(setting, saved, given, configured):
        run.params = dict(saved["params"])
        run.metrics["choice"] = {**saved, "reused": True}
        return _stored_input(saved["input_options"])
    tuned = _stored_input(saved.get("tuned_input"))  # the input the last tuned run found, if it reads as one
    choice = choose_on_validation(
        run.algorithm,
        given,
        validation(),
        configured,
        users=frames.users,
        items=frames.items,
        choose_parameters=not run.tune,  # the tuner searches the parameters itself
        extra={TUNED: tuned} if tuned else None,
    )
    record = {**choice.record(), "given": given, "configured": asdict(configured), "run": run.pk}
    if tuned:
        record["tuned_input"] = asdict(tuned)
    run.params = choice.params
    run.metrics["choice"] = record
    if choice.metrics:
        run.metrics["validation"] = choice.metrics
    AlgorithmSetting.objects.filter(pk=setting.pk).update(chosen_input=record, chosen_at=timezone.now())
    return choice.input


def run_tuning(run: TrainingRun, validation: Split, frames: TrainingFrames, start: MatrixInput) -> MatrixInput:
    """Search parameters and input together on `validation` (starting from the run's and `start`); the best are
    the run's, saved on the setting as its tuned parameters and its input choice. Returns the input found."""
    best, trials = random_search(
        run.algorithm,
        validation,
        trials=settings.TUNING_TRIALS,
        base=run.params,
        users=frames.users,
        items=frames.items,
        start=start,
        search_inputs=ALGORITHMS[run.algorithm].chooses_input,
    )
    found = best.train.input
    run.params = best.model.params
    run.metrics["trials"] = [
        {"params": t.params, "input": t.input, "ndcg@10": t.score, "fit_seconds": t.fit_seconds} for t in trials
    ]
    run.metrics["validation"] = best.metrics
    AlgorithmSetting.objects.filter(algorithm=run.algorithm).update(
        tuned_params=best.model.params, tuned_at=timezone.now()
    )
    if not ALGORITHMS[run.algorithm].chooses_input:
        return found
    setting = AlgorithmSetting.objects.get(algorithm=run.algorithm)
    record = {
        "input": TUNED,
        "input_options": asdict(found),
        "tuned_input": asdict(found),
        "params": best.model.params,
        # what later runs start from (staff's parameters over the tuned ones): they reuse this while it holds
        "given": setting.effective_params(),
        "configured": asdict(configured_input()),
        "users": int(best.metrics.get("users", 0)),
        "seconds": round(sum(t.fit_seconds for t in trials), 3),
        "same_as": {},
        "attempts": [
            {
                "input": TUNED,
                "options": t.input,
                "params": {**ALGORITHMS[run.algorithm].default_params, **t.params},  # as `params` above: filled
                "score": t.score,
                "fit_seconds": t.fit_seconds,
            }
            for t in trials
        ],
        "run": run.pk,
    }
    run.metrics["choice"] = record
    AlgorithmSetting.objects.filter(pk=setting.pk).update(chosen_input=record, chosen_at=timezone.now())
    return found


def _stored_input(options: object) -> MatrixInput | None:
    """A MatrixInput saved as its fields, if it reads as one (a saved row of another shape: None, never a 500)."""
    if not (isinstance(options, dict) and set(options) == set(MatrixInput.__dataclass_fields__)):
        return None
    if not isinstance(options["weights"], dict) or not isinstance(options["binary"], bool):
        return None
    numbers = [options["half_life_days"], options["recency_half_life_events"], *options["weights"].values()]
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in numbers):
        return None
    return MatrixInput(**options)


def _reusable(setting: AlgorithmSetting, saved: dict, given: dict, configured: MatrixInput) -> bool:
    """Whether the saved choice still answers the same question, recently enough (a saved row of another shape
    never does: the run chooses again rather than fail)."""
    days = settings.TRAINING_CHOOSE_EVERY_DAYS
    return bool(
        days
        and setting.chosen_at
        and timezone.now() - setting.chosen_at < dt.timedelta(days=days)
        and saved.get("given") == given
        and saved.get("configured") == asdict(configured)
        and isinstance(saved.get("params"), dict)
        and _stored_input(saved.get("input_options")) is not None
    )
