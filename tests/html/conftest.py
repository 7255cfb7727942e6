"""Fixtures for the HTML report tests: the evidence pack fixtures (local Sigstore) and a browser."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
for _p in (TESTS, TESTS / "signing", TESTS / "evidence_pack", TESTS / "html"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

_spec = importlib.util.spec_from_file_location(
    "_evidence_pack_fixtures", TESTS / "evidence_pack" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_packs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_packs)

_isolated_home = _packs._isolated_home
local_sigstore = _packs.local_sigstore
trust = _packs.trust
signed_pack_template = _packs.signed_pack_template
signed_pack = _packs.signed_pack

CHROMIUM = os.environ.get("SOVBOM_CHROMIUM", "/usr/bin/chromium")
#: Flags for a closed network (no background connections, no first-run, no sandbox as root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = TESTS.parent / "test-artifacts"


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must install it (.ci/run installs Debian's chromium)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser downloads are never used)."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    p = request.getfixturevalue("playwright_driver")  # one driver per run (tests/conftest.py)
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000},
        offline=True,
    )
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
