"""Shared fixtures: the corpus location and a CLI runner (helpers live in tests/helpers.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
DATA = TESTS / "data"
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()

if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The third-party corpus; tests that use it are skipped where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("corpus not available (../shared/corpus)")
    return CORPUS


@pytest.fixture
def run_cli() -> Any:
    """Run ``sovbom ARGS`` in-process; returns click's Result (stdout and stderr separate)."""
    from sovbom.cli import cli

    def run(*args: str, input: bytes | str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def playwright_driver() -> Any:
    """One Playwright driver for the whole run (its sync API allows one at a time per process):
    the HTML report tests and the dashboard tests each launch their own Chromium with it."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ at the repository root: where browser tests save their screenshots."""
    from browser_support import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
