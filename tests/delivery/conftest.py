"""Fixtures for the delivery tests: the local test Sigstore instance (from tests/signing), the
local Redfish service (from tests/redfish), and a signed factory HBOM of the 8-GPU sample server."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
for _p in (TESTS, TESTS / "signing", TESTS / "redfish", TESTS / "delivery"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Reuse the fixtures of the signing and Redfish tests (their conftest modules, loaded by path).
_signing = _load("sovbom_tests_signing_conftest", TESTS / "signing" / "conftest.py")
_redfish = _load("sovbom_tests_redfish_conftest", TESTS / "redfish" / "conftest.py")
local_sigstore = _signing.local_sigstore
trust = _signing.trust
_isolated_home = _signing._isolated_home
redfish_server = _redfish.redfish_server

from delivery_support import MANIFEST, Factory, build, sign, write_signers  # noqa: E402
from rf_support import PASSWORD, USER  # noqa: E402
from signing_support import Trust  # noqa: E402


@pytest.fixture
def factory(trust: Trust, tmp_path: Path) -> Factory:
    d = tmp_path / "factory"
    d.mkdir()
    hbom = build(MANIFEST, d / "hgx.cdx.json")
    bundle = sign(trust, hbom)
    return Factory(hbom=hbom, bundle=bundle, signers=write_signers(d / "signers.yaml"), trust=trust)


@pytest.fixture
def redfish_env() -> dict[str, str]:
    return {"SOVBOM_REDFISH_USERNAME": USER, "SOVBOM_REDFISH_PASSWORD": PASSWORD}
