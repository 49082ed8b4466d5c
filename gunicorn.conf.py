"""gunicorn's settings for recsite, read by `gunicorn recsite.wsgi` started from the repository root.

Every worker is its own process, so each records its Prometheus series in files under
PROMETHEUS_MULTIPROC_DIR and /metrics adds them up (recsite/observability.py). The directory is this
server's own: emptied when the server starts, a worker's files folded in when it exits.
"""

import os
import shutil
import tempfile

# set before any worker imports prometheus_client, which reads it at import
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="recsite-metrics-")


def on_starting(server: object) -> None:
    """Start from an empty directory: series of an earlier server's workers would be added in otherwise."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    """A worker that exits stops counting in the live gauges (its counters and histograms stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
