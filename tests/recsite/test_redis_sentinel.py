"""Redis behind Sentinel, configured from the environment: the cache and the broker find the master by
asking a real sentinel (started here, watching the local Redis)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import PROJECT

PROBE = """
import django
django.setup()
from django.core.cache import cache
from recsite.health import _broker
cache.set("sentinel-check", "found the master", 30)
print(cache.get("sentinel-check"))
print(_broker())
"""


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_REPLICA_URL")}
    return {**env, "DJANGO_SETTINGS_MODULE": "recsite.settings", **extra}


@pytest.fixture
def sentinel(tmp_path: Path):
    """A sentinel on a free port watching the Redis on 127.0.0.1:6379 as 'mymaster'."""
    if not shutil.which("redis-server") or not _reachable(6379):
        pytest.skip("needs redis-server and a Redis on 127.0.0.1:6379 (.ci/run starts one)")
    port = _free_port()
    config = tmp_path / "sentinel.conf"
    config.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\nsentinel monitor mymaster 127.0.0.1 6379 1\n")
    process = subprocess.Popen(
        ["redis-server", str(config), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while not _reachable(port):
            assert time.monotonic() < deadline, "the sentinel did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_cache_and_the_broker_find_redis_through_sentinel(sentinel):
    env = _env(
        REDIS_URL="redis://mymaster/4",
        REDIS_SENTINELS=f"127.0.0.1:{sentinel}",
        CELERY_BROKER_URL=f"sentinel://127.0.0.1:{sentinel}",
    )
    probed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert probed.returncode == 0, probed.stderr
    cached, broker = probed.stdout.strip().splitlines()[-2:]
    assert cached == "found the master"
    assert "'ok': True" in broker


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"REDIS_SENTINELS": "127.0.0.1:26379"}, "REDIS_SENTINELS is set but REDIS_URL is not"),
        ({"REDIS_SENTINELS": "10.0.0.5", "REDIS_URL": "redis://mymaster/0"}, "'10.0.0.5' is not host:port"),
    ],
)
def test_a_sentinel_setting_that_cannot_work_stops_the_start_with_its_name(extra, message):
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT,
        env=_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0 and message in started.stderr
