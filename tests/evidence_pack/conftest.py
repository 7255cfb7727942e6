"""Fixtures for evidence pack tests: the signing tests' local Sigstore instance, and a signed pack."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for _p in (TESTS, TESTS / "signing", TESTS / "evidence_pack"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

_spec = importlib.util.spec_from_file_location(
    "_signing_fixtures", TESTS / "signing" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_signing = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_signing)

_isolated_home = _signing._isolated_home
local_sigstore = _signing.local_sigstore
trust = _signing.trust
no_network = _signing.no_network

from pack_support import SignedPack, make_delivery_pack, make_signed_pack  # noqa: E402
from signing_support import Trust  # noqa: E402


@pytest.fixture(scope="session")
def signed_pack_template(trust: Trust, tmp_path_factory: pytest.TempPathFactory) -> SignedPack:
    """Two signed sample servers packed once per session (tests copy it)."""
    return make_signed_pack(trust, tmp_path_factory.mktemp("pack"))


@pytest.fixture
def signed_pack(signed_pack_template: SignedPack, tmp_path: Path) -> SignedPack:
    archive = tmp_path / "evidence.zip"
    shutil.copy(signed_pack_template.archive, archive)
    return SignedPack(
        archive=archive,
        dir=signed_pack_template.dir,
        boms=signed_pack_template.boms,
        signers=signed_pack_template.signers,
        trust=signed_pack_template.trust,
    )


@pytest.fixture(scope="session")
def delivery_pack(trust: Trust, tmp_path_factory: pytest.TempPathFactory) -> SignedPack:
    """One signed server with a failing delivery report."""
    return make_delivery_pack(trust, tmp_path_factory.mktemp("delivery-pack"))


@pytest.fixture(scope="session")
def unsigned_pack(trust: Trust, tmp_path_factory: pytest.TempPathFactory) -> SignedPack:
    """The same servers packed with --unsigned (no signature over the index)."""
    return make_signed_pack(trust, tmp_path_factory.mktemp("unsigned-pack"), unsigned=True)
