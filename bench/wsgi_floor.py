"""The machine's floor for bench/serve.py: a WSGI application with no framework, answering every request with
the fixed 20-entry list the bare DRF view sends. What gunicorn, the load generator and this machine give
before Django, DRF or recsite do anything."""

import json
from collections.abc import Callable

FIXED = {
    "recommendation_id": "00000000-0000-4000-8000-000000000000",
    "slot": "items",
    "variant": "A",
    "algorithm": "fixed",
    "model_version": None,
    "offset": 0,
    "total": 20,
    "items": [{"item_id": f"item-{n}", "rank": n + 1, "score": 1.0, "source": "fixed"} for n in range(20)],
}


def application(environ: dict, start_response: Callable[..., object]) -> list[bytes]:
    body = json.dumps(FIXED).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
