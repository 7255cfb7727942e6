"""Fixtures for the Redfish collector: a local Redfish service on 127.0.0.1 and a test CA."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from redfish_server import RedfishServer, TestPKI, make_pki  # noqa: E402
from rf_support import MINI, PASSWORD, USER  # noqa: E402


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials leak in from the developer's environment or netrc."""
    monkeypatch.delenv("SOVBOM_REDFISH_USERNAME", raising=False)
    monkeypatch.delenv("SOVBOM_REDFISH_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def mini() -> Path:
    return MINI


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the small fixture mockup."""
    target = tmp_path / "mockup"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def redfish_server() -> Iterator[Callable[..., RedfishServer]]:
    """Start Redfish services over mockup trees; all are stopped after the test."""
    started: list[RedfishServer] = []

    def start(mockup: Path = MINI, **kw: Any) -> RedfishServer:
        kw.setdefault("username", USER)
        kw.setdefault("password", PASSWORD)
        server = RedfishServer(mockup, **kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_pki(tmp_path_factory.mktemp("pki"), "bmc")


@pytest.fixture(scope="session")
def other_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_pki(tmp_path_factory.mktemp("pki-other"), "other")
