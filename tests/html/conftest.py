"""Fixtures for the HTML report tests: the evidence pack fixtures (local Sigstore) and a browser."""

from __future__ import annotations

import importlib.util
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

from browser_support import chromium  # noqa: E402


@pytest.fixture(scope="session")
def browser(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Chromium with no network at all: a report needs none."""
    with chromium(request, tmp_path_factory.mktemp("chromium-profile"), offline=True) as context:
        yield context
