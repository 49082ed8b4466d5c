"""What every benchmark shares: a fresh PostgreSQL database, Django set up on it, the machine, BENCHMARKS.md."""

from __future__ import annotations

import http.client
import importlib
import os
import platform
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/recsite_bench"
SHARED_DATA = ROOT.parent / "shared" / "data"


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres", dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(db_url: str | None = None, *, fresh: bool = True) -> str:
    """Point Django at the benchmark database (recreated when `fresh`), production-like, and migrate."""
    db_url = db_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if fresh:
        if "django.db" in sys.modules:  # a section before this one left a connection open
            from django.db import connections

            connections.close_all()
        recreate_database(db_url)
    os.environ.update(
        DATABASE_URL=db_url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="bench-only-" + secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="recsite.settings",
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "bench" / "out" / "media"))
    sys.path.insert(0, str(ROOT))
    if "recsite.settings" in sys.modules:  # read before the environment above was set (bench/train.py's profile)
        importlib.reload(sys.modules["recsite.settings"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return db_url


QUIET = ("--log-level", "warning")


def gunicorn_start(port: int, workers: int = 2, app: str = "recsite.wsgi", **env: str) -> subprocess.Popen:
    """gunicorn serving `app` (recsite) on loopback with the benchmark's settings (plus `env`), once /healthz
    answers."""
    # Static files are not collected for benchmarks; WhiteNoise's warning about it is noise here.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "-w", str(workers), "-b", f"127.0.0.1:{port}", *QUIET],
        cwd=ROOT,
        env=dict(os.environ, PYTHONWARNINGS="ignore:No directory at", **env),
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.3)


def machine() -> str:
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    version = ""
    try:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            version = f", PostgreSQL {cur.fetchone()[0]}"
    except Exception:  # the engine-only benchmarks run without a database
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}{version}"


def write_block(name: str, text: str) -> None:
    """Replace the <!-- name:start --> ... <!-- name:end --> block of BENCHMARKS.md with `text`."""
    path = ROOT / "BENCHMARKS.md"
    content = path.read_text()
    block = f"<!-- {name}:start -->\n{text}\n<!-- {name}:end -->"
    if f"<!-- {name}:start -->" not in content:
        raise SystemExit(f"BENCHMARKS.md has no <!-- {name}:start --> block")
    path.write_text(re.sub(rf"<!-- {name}:start -->.*<!-- {name}:end -->", lambda _m: block, content, flags=re.S))
    print(f"written to {path}")
