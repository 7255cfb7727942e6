"""What the browser tests share (HTML reports in tests/html, the dashboard in tests/web): Debian's
Chromium driven by Playwright, and a page visit that records console errors, requests and dialogs.

Chromium absent: skipped, except under CI (the CI variable set), where the test fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

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
#: Screenshots go here, at the repository root.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must install it (.ci/run installs Debian's chromium)")
    pytest.skip(why)


@contextmanager
def chromium(request: pytest.FixtureRequest, profile: Path, *, offline: bool) -> Iterator[Any]:
    """A persistent Chromium context (Debian's; Playwright's own downloads are never used).
    ``offline``: no network at all; else it can reach a loopback server (tests check requests)."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed")
    p = request.getfixturevalue("playwright_driver")  # one driver per run (tests/conftest.py)
    context = p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000},
        **({"offline": True} if offline else {}),
    )
    try:
        yield context
    finally:
        context.close()


@dataclass
class Visit:
    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watched_page(browser: Any) -> Visit:
    """A new page whose console errors and warnings, page errors, requests and dialogs (each
    dismissed) are recorded."""
    page = browser.new_page()
    v = Visit(page)
    page.on(
        "console",
        lambda m: (
            v.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: v.errors.append(f"pageerror: {e}"))
    page.on("request", lambda r: v.requests.append(r.url))
    page.on("dialog", lambda d: (v.dialogs.append(d.message), d.dismiss()))
    return v
