"""Fixtures for the trust commands: a local Sigstore instance, its TUF repository, no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from tuf_repo import TufRepository

from helpers import isolate_home
from sigstore_local import LocalSigstore

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sigstore-python caches trust roots and TUF metadata under HOME: one per test."""
    isolate_home(tmp_path_factory, monkeypatch)


@pytest.fixture(scope="module")
def local_sigstore() -> Iterator[LocalSigstore]:
    instance = LocalSigstore(name="trust-cli-instance").start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def tuf_repo(
    local_sigstore: LocalSigstore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TufRepository]:
    """The instance's TUF repository, publishing its trusted root and signing config."""
    config = local_sigstore.trust_config()
    repo = TufRepository(
        tmp_path_factory.mktemp("tuf"),
        {
            "trusted_root.json": config["trustedRoot"],
            "signing_config.v0.2.json": config["signingConfig"],
        },
    ).start()
    yield repo
    repo.stop()


def _host(address: Any) -> str:
    return str(address[0]) if isinstance(address, tuple) else str(address)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every socket connection and name lookup fail; returns the attempted destinations."""
    return _refuse(monkeypatch, allow_loopback=False)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every connection that is not to the loopback interface fail."""
    return _refuse(monkeypatch, allow_loopback=True)


def _refuse(monkeypatch: pytest.MonkeyPatch, *, allow_loopback: bool) -> list[str]:
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(address: Any) -> bool:
        if allow_loopback and _host(address) in LOOPBACK:
            return True
        attempts.append(repr(address))
        return False

    def connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            raise OSError(f"network disabled by the test: connect to {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(address):
            raise OSError(f"network disabled by the test: connect to {address!r}")
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, port: Any, *a: Any, **kw: Any) -> Any:
        if not allowed((host, port)):
            raise OSError(f"network disabled by the test: lookup of {host!r}")
        return real_getaddrinfo(host, port, *a, **kw)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts
