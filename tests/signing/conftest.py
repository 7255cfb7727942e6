"""Fixtures for the signing tests: one local, test-only Sigstore instance per session."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
for _p in (TESTS, TESTS / "signing"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from signing_support import BOM, Trust  # noqa: E402

from helpers import isolate_home  # noqa: E402
from sigstore_local import InstanceKeys, LocalSigstore  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sigstore-python caches trust roots under HOME: give every test its own, writable one."""
    isolate_home(tmp_path_factory, monkeypatch)


@pytest.fixture(scope="session")
def local_sigstore() -> Iterator[LocalSigstore]:
    """The local CA + transparency log on 127.0.0.1 (a free port), served from a thread."""
    instance = LocalSigstore().start()
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def trust(local_sigstore: LocalSigstore, tmp_path_factory: pytest.TempPathFactory) -> Trust:
    d = tmp_path_factory.mktemp("trust")
    other = InstanceKeys(name="other-instance")
    other_root = d / "other_trusted_root.json"
    other_root.write_text(json.dumps(other.trusted_root(local_sigstore.base_url)))
    return Trust(
        instance=local_sigstore,
        trust_config=local_sigstore.write_trust_config(d / "trust_config.json"),
        trusted_root=local_sigstore.write_trusted_root(d / "trusted_root.json"),
        other_root=other_root,
    )


@pytest.fixture
def bom_file(tmp_path: Path) -> Path:
    path = tmp_path / "node17.cdx.json"
    path.write_text(json.dumps(BOM, indent=2) + "\n")
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every socket connection fail; returns the list of attempted destinations."""
    attempts: list[str] = []

    def refuse(self: socket.socket, address: Any, *a: Any, **kw: Any) -> None:
        attempts.append(repr(address))
        raise OSError(f"network disabled by the test: connect to {address!r}")

    def refuse_create(address: Any, *a: Any, **kw: Any) -> socket.socket:
        attempts.append(repr(address))
        raise OSError(f"network disabled by the test: connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse_create)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_create)  # no DNS either
    return attempts
