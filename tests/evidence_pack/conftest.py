"""Fixtures for evidence pack tests: the signing tests' local Sigstore instance, and a signed pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import add_test_dirs, load_conftest

add_test_dirs("signing", "evidence_pack")
_signing = load_conftest("signing", "_signing_fixtures")

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
