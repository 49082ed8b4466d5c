"""Which matrix (and fit-time parameters such as EASE's λ) a run fits on: chosen on validation, saved on the
algorithm's setting, and reused for TRAINING_CHOOSE_EVERY_DAYS while the configured weights and the parameters
the run starts from stay as they were (a choice costs one fit per input and parameter combination)."""

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
from recommendations.models import AlgorithmSetting, TrainingRun
from recommendations.services.training.candidates import configured_input
from recommendations.services.training.data_load import TrainingFrames


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
        return MatrixInput(**saved["input_options"])
    choice = choose_on_validation(
        run.algorithm,
        given,
        validation(),
        configured,
        users=frames.users,
        items=frames.items,
        choose_parameters=not run.tune,  # the tuner searches the parameters itself
    )
    record = {**choice.record(), "given": given, "configured": asdict(configured), "run": run.pk}
    run.params = choice.params
    run.metrics["choice"] = record
    if choice.metrics:
        run.metrics["validation"] = choice.metrics
    AlgorithmSetting.objects.filter(pk=setting.pk).update(chosen_input=record, chosen_at=timezone.now())
    return choice.input


def _reusable(setting: AlgorithmSetting, saved: dict, given: dict, configured: MatrixInput) -> bool:
    """Whether the saved choice still answers the same question, recently enough (a saved row of another shape
    never does: the run chooses again rather than fail)."""
    days = settings.TRAINING_CHOOSE_EVERY_DAYS
    options = saved.get("input_options")
    return bool(
        days
        and setting.chosen_at
        and timezone.now() - setting.chosen_at < dt.timedelta(days=days)
        and saved.get("given") == given
        and saved.get("configured") == asdict(configured)
        and isinstance(saved.get("params"), dict)
        and isinstance(options, dict)
        and set(options) == set(MatrixInput.__dataclass_fields__)
        and isinstance(options["weights"], dict)
    )
