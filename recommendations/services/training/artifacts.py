"""Fitted models as files in Django's default storage (a folder, or S3 through django-storages).

A model is a pickle, and unpickling runs code, so each file carries an HMAC-SHA256 of its bytes made
with the site's secret key; a file whose signature does not verify (changed, replaced, or written
before signing) is refused before anything is unpickled. Whoever can write the storage but does not
hold DJANGO_SECRET_KEY cannot make recsite run their code.
"""

from __future__ import annotations

import hmac
import pickle

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.crypto import salted_hmac

from recommendations.engine.algorithms import Recommender
from recommendations.errors import Conflict
from recommendations.models import TrainingRun

MAGIC = b"recsite-artifact-v1\n"
SALT = "recsite.training.artifact"


def _signature(payload: bytes, secret: str) -> bytes:
    return salted_hmac(SALT, payload, secret=secret, algorithm="sha256").hexdigest().encode()


def artifact_save(run: TrainingRun, model: Recommender) -> str:
    """Store the fitted model, signed, under a name unique to the run and attempt (storage adds a suffix
    rather than overwrite); returns the storage name."""
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    name = f"models/{run.algorithm}-run{run.pk}-attempt{run.attempt}.pickle"
    content = MAGIC + _signature(payload, settings.SECRET_KEY) + b"\n" + payload
    return default_storage.save(name, ContentFile(content))


def artifact_load(run: TrainingRun) -> Recommender:
    """A run's fitted model; Conflict, with nothing unpickled, when the file's signature does not verify
    against the secret key (or one of SECRET_KEY_FALLBACKS)."""
    with default_storage.open(run.artifact.name, "rb") as f:
        content = f.read()
    signature, _newline, payload = content.removeprefix(MAGIC).partition(b"\n")
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not content.startswith(MAGIC) or not any(
        hmac.compare_digest(signature, _signature(payload, secret)) for secret in secrets
    ):
        raise Conflict(
            f"The model file of run {run.pk} is not signed by this site (changed, replaced, or written before "
            "models were signed), so it was not loaded; train the algorithm again."
        )
    return pickle.loads(payload)  # verified above: recsite wrote these very bytes
