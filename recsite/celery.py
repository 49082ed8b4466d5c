"""The Celery app. Configuration is read from Django settings under the CELERY_ prefix."""

import os
import sys
import tempfile

from celery import Celery, Task
from celery.signals import task_prerun, worker_process_shutdown, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")
# A worker's pool processes record their metrics in files its /metrics adds up (CELERY_METRICS_PORT); set
# before anything imports prometheus_client, which reads it at import.
if len(sys.argv) > 1 and "worker" in sys.argv[1:] and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="recsite-worker-metrics-")

app = Celery("recsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _serve_metrics(**kwargs: object) -> None:
    """The worker's own /metrics, on CELERY_METRICS_PORT (0: none)."""
    from django.conf import settings

    if settings.CELERY_METRICS_PORT:
        from prometheus_client import start_http_server

        from recsite.observability import registry

        # scraped in threads of its own: each closes the database connection it opened
        start_http_server(settings.CELERY_METRICS_PORT, registry=registry(close_connections=True))


@worker_process_shutdown.connect
def _process_gone(pid: int, **kwargs: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


@task_prerun.connect
def _task_log_context(task_id: str, task: Task, **kwargs: object) -> None:
    """A task's log lines carry its id where a request's carry the request id (a task run in-process keeps
    the request's)."""
    if not task.request.is_eager:
        from recommendations.log_context import request_started

        request_started(task_id)
