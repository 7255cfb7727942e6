"""Fixtures for the CI template tests: a local Sigstore instance and a simulated runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstore_local import LocalSigstore


@pytest.fixture(scope="module")
def local_sigstore() -> Iterator[LocalSigstore]:
    instance = LocalSigstore(name="ci-instance").start()
    yield instance
    instance.stop()


@pytest.fixture
def trust_config(local_sigstore: LocalSigstore, tmp_path: Path) -> Path:
    return local_sigstore.write_trust_config(tmp_path / "trust_config.json")
