"""An erased user's rows taken out of what recsite wrote to the Personalize bucket: the data set exports
(CSV, the user id first) and the batch recommendation files (JSON lines with a "userId")."""

from __future__ import annotations

import csv
import io
import json

from django.conf import settings

from recommendations.integrations import personalize as gateway

# The deletion requests name the user on purpose: Personalize reads them to delete the user's data.
KEPT = ("/deletions/",)


def _mentions(line: str, external_id: str) -> bool:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            return json.loads(stripped).get("userId") == external_id
        except (ValueError, AttributeError):
            return False
    fields = next(csv.reader([line]), [])
    return bool(fields) and fields[0] == external_id


def exports_user_scrub(external_id: str) -> list[str]:
    """Rewrite every file under PERSONALIZE_PREFIX that has a line for the user, without those lines;
    returns the keys rewritten. Does nothing when Personalize is off."""
    if not settings.PERSONALIZE_BUCKET:
        return []
    rewritten = []
    for key in gateway.s3_keys(f"{settings.PERSONALIZE_PREFIX}/"):
        if any(part in key for part in KEPT):
            continue
        text = gateway.s3_object(key).decode("utf-8", errors="replace")
        if external_id not in text:
            continue
        lines = io.StringIO(text, newline="").readlines()
        kept = [line for line in lines if not _mentions(line, external_id)]
        if len(kept) != len(lines):
            gateway.s3_replace(key, "".join(kept).encode())
            rewritten.append(key)
    return rewritten
