"""`make demo` runs on the embedded default: one SQLite file written by the commands, the runserver's
threads and the impression writer. It must never die with "database is locked"."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import PROJECT

ROOT = PROJECT
RUNS = 3


# what would point a subprocess at the suite's services instead of its own SQLite file
SERVICE_VARIABLES = {"DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL", "CELERY_BROKER_URL"}


def _manage(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    environment.update(DATABASE_URL=f"sqlite:///{db}", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_simulated_traffic_with_the_background_writer_never_locks_sqlite(tmp_path):
    """The demo's busiest writer contention, made worse on purpose: the impression writer forced into
    its own thread and flushing every 10 ms while the main thread ingests reaction events."""
    base = tmp_path / "base.sqlite3"
    for step in (
        ["migrate", "--noinput"],
        ["generate_demo", "--shops", "10", "--items", "300", "--users", "200", "--days", "10"],
        ["train", "segment_popularity", "ease"],
    ):
        done = _manage(base, *step)
        assert done.returncode == 0, done.stderr
    for run in range(RUNS):
        db = tmp_path / f"run{run}.sqlite3"
        shutil.copy(base, db)
        done = _manage(
            db,
            "simulate_traffic",
            "--users",
            "150",
            "--days",
            "4",
            "--seed",
            str(run),
            IMPRESSION_LOG_MODE="background",
            IMPRESSION_FLUSH_SECONDS="0.01",
        )
        assert done.returncode == 0, f"run {run + 1} of {RUNS} failed:\n{done.stderr[-3000:]}"
        assert "database is locked" not in done.stderr


def test_the_embedded_default_writes_impressions_inline_on_sqlite():
    """Without IMPRESSION_LOG_MODE set, SQLite gets no second writer thread."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;django.setup();from django.conf import settings as s;print(s.IMPRESSION_LOG_MODE)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in {*SERVICE_VARIABLES, "IMPRESSION_LOG_MODE"}},
            "DJANGO_SETTINGS_MODULE": "recsite.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.stdout.strip() == "inline", done.stderr
