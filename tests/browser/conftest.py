"""Shared by the browser tests: Debian's chromium through Playwright, and where screenshots go."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def db_closed_after(browser):
    """While Playwright's loop runs, the ORM works on a connection of its own; close it, or it keeps the
    test database open past the run."""
    yield
    from django.db import connections

    connections.close_all()
