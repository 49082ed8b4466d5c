"""How work is handed to Celery: by the task's registered name, once the transaction commits.

Services name the task instead of importing `recommendations.tasks` (a face that imports services),
so no import ring forms; the app's `ready()` loads the tasks module. Waiting for the commit means a
worker never looks for a row that is not there yet, and a rolled-back change sends nothing (pretix's
TransactionAwareTask is the model). Outside a transaction the task is sent at once.
"""

from __future__ import annotations

import functools
from typing import Any

from celery import current_app
from django.db import transaction


def task_dispatch(name: str, *args: Any) -> None:
    """Send the task registered as `name` with `args` once the current transaction commits."""
    transaction.on_commit(functools.partial(current_app.tasks[name].apply_async, args))


def tasks_run_inline() -> bool:
    """Whether tasks run in this process as they are sent (no broker configured: the embedded default)."""
    return bool(current_app.conf.task_always_eager)
