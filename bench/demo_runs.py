"""`make demo`, N times in a row on fresh SQLite files: does the demo ever fail on its own default?

    .venv/bin/python bench/demo_runs.py [--runs 10] [--write]

Each run takes the steps of the Makefile's `demo` recipe (read from the Makefile, so the two cannot drift)
in a clean environment (no DATABASE_URL, REDIS_URL or broker: SQLite, tasks in-process), on a new SQLite
file; the last step, runserver, is started on a free port and must answer /healthz/ready and a
recommendations request with the key `demo_access` printed. Prints each run's outcome and time and exits
non-zero if any run failed; --write puts the figures into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, write_block

# Variables that would point the demo at services instead of its embedded defaults
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
)


def demo_steps() -> list[list[str]]:
    """The commands of the Makefile's `demo` recipe, with make's variables resolved."""
    recipe = re.search(r"^demo:.*?\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), flags=re.M)
    if recipe is None:
        raise SystemExit("the Makefile has no demo recipe")
    steps = []
    for line in recipe.group(1).splitlines():
        command = line.strip().replace("$(BIN)/python", sys.executable)
        steps.append(shlex.split(command))
    return steps


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    return conn.getresponse().status


def _serve_and_probe(command: list[str], env: dict, key: str) -> str:
    port = _free_port()
    server = subprocess.Popen(
        [*command[:-1], f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(port, "/healthz/ready") == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            return "runserver never answered /healthz/ready"
        status = _get(
            port,
            "/api/v1/users/demo-user-00001/recommendations/items?limit=5",
            {"Authorization": f"Api-Key {key}"},
        )
        return "" if status == 200 else f"the recommendations request answered {status}"
    finally:
        server.terminate()
        server.wait(10)


def demo_run(steps: list[list[str]]) -> tuple[str, float]:
    """One run on a new SQLite file: '' and its seconds, or what failed."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="recsite-demo-") as directory:
        env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
        env["DATABASE_URL"] = f"sqlite:///{Path(directory) / 'db.sqlite3'}"
        key = ""
        for command in steps:
            if "runserver" in command:
                return _serve_and_probe(command, env, key), time.perf_counter() - started
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["(no output)"]
                return f"`{' '.join(command[1:4])}` exited {done.returncode}: {tail[0][:200]}", 0.0
            found = re.search(r"API key for the demo app \(all scopes\): (\S+)", done.stdout)
            key = found.group(1) if found else key
    return "the demo recipe has no runserver step", 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()
    steps = demo_steps()
    outcomes = []
    for n in range(1, args.runs + 1):
        failure, seconds = demo_run(steps)
        outcomes.append((failure, seconds))
        print(f"run {n}/{args.runs}: " + (f"FAILED: {failure}" if failure else f"ok in {seconds:.0f} s"), flush=True)
    passed = [s for f, s in outcomes if not f]
    times = sorted(passed)
    summary = f"{len(passed)} of {args.runs} runs passed"
    if times:
        summary += f"; {times[0]:.0f}-{times[-1]:.0f} s each (median {times[len(times) // 2]:.0f} s)"
    print(summary)
    if args.write:
        lines = [
            f"`.venv/bin/python bench/demo_runs.py --runs {args.runs} --write` on {machine()}:",
            "",
            f"- {summary}: every `make demo` step on a new SQLite file, then runserver answering",
            "  /healthz/ready and a recommendations request with the printed key.",
        ]
        lines += [f"- run {n}: {f}" for n, (f, _s) in enumerate(outcomes, 1) if f]
        write_block("demo-runs", "\n".join(lines))
    sys.exit(0 if len(passed) == args.runs else 1)


if __name__ == "__main__":
    main()
