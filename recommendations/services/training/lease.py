"""A training attempt's hold on its run: a lease renewed by a heartbeat while any stage runs, and a
fencing token (the attempt number) on every write, so an attempt that lost its run can change nothing.

A worker killed mid-stage stops renewing; within TRAINING_LEASE_SECONDS plus the reaper's minute the
run is queued again (or failed after its last attempt). An attempt whose lease was taken from it
(a stall longer than the lease) finds out at its next heartbeat or write and stops.
"""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from recommendations.errors import Conflict
from recommendations.models import TrainingRun


class Superseded(Conflict):
    """This attempt no longer holds its run: the reaper gave it to another attempt, or it was failed."""


def lease_until() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.TRAINING_LEASE_SECONDS)


def held(run_id: int, attempt: int, status: str = TrainingRun.Status.RUNNING) -> object:
    """The run's row as long as this attempt holds it: update through this, never the run alone."""
    return TrainingRun.objects.filter(pk=run_id, attempt=attempt, status=status)


class Heartbeat:
    """Renews the attempt's lease every TRAINING_HEARTBEAT_SECONDS in a thread of its own until stopped."""

    def __init__(self, run_id: int, attempt: int, status: str | None = TrainingRun.Status.RUNNING) -> None:
        self.run_id, self.attempt, self.status = run_id, attempt, status
        self.lost = threading.Event()
        self._renewing = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"training-heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def follow(self, status: str | None) -> None:
        """The attempt moved its run to `status` (stored, now publishing): renew the lease there; None:
        the run needs no lease any more (stop renewing; no renewal is under way when this returns)."""
        with self._renewing:
            self.status = status

    def check(self) -> None:
        """Raise Superseded if the lease was lost; called between stages and before every write."""
        if self.lost.is_set():
            raise Superseded(f"Run {self.run_id}: attempt {self.attempt} lost its lease; another attempt has it.")

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.TRAINING_HEARTBEAT_SECONDS):
                with self._renewing:
                    if self.status is None:
                        return
                    try:
                        renewed = held(self.run_id, self.attempt, self.status).update(lease_expires_at=lease_until())
                    except DatabaseError:
                        continue  # a database hiccup: the lease has room for the next beat
                if not renewed:
                    self.lost.set()
                    return
        finally:
            connection.close()
