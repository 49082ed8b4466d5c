"""The lock files install what requirements*.txt choose: a version bumped there and not locked again would
be ignored by `make install` and CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\[\]-]+)==([^\s#;]+)")


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            name = re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")
            pins[name] = match.group(2)
    return pins


@pytest.mark.parametrize(("chosen", "lock"), [("requirements.txt", "requirements.lock"),
                                              ("requirements-dev.txt", "requirements-dev.lock")])  # fmt: skip
def test_every_chosen_version_is_the_locked_one(chosen, lock):
    locked = _pins(ROOT / lock)
    wanted = _pins(ROOT / chosen)
    if chosen == "requirements-dev.txt":
        wanted |= _pins(ROOT / "requirements.txt")
    assert wanted, f"{chosen} pins nothing"
    stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not stale, f"{lock} is out of date ({stale}): run `make lock`"
    assert all("==" in line or line.startswith(("#", " ")) or not line.strip()
               for line in (ROOT / lock).read_text().splitlines())  # fmt: skip
