"""Fixtures for the HTML report tests: the evidence pack fixtures (local Sigstore) and a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser_support import chromium
from helpers import add_test_dirs, load_conftest

add_test_dirs("signing", "evidence_pack", "html")
_packs = load_conftest("evidence_pack", "_evidence_pack_fixtures")

_isolated_home = _packs._isolated_home
local_sigstore = _packs.local_sigstore
trust = _packs.trust
signed_pack_template = _packs.signed_pack_template
signed_pack = _packs.signed_pack


@pytest.fixture(scope="session")
def browser(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Chromium with no network at all: a report needs none."""
    with chromium(request, tmp_path_factory.mktemp("chromium-profile"), offline=True) as context:
        yield context
