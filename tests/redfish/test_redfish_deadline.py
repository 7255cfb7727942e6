"""A slow BMC is bounded: ``timeout`` bounds a whole request, ``deadline`` a whole collection.

The local Redfish service drips answers one byte at a time: each byte comes well within the
timeout, so only a deadline over the whole request stops the client. Each test is also bounded by
pytest-timeout: a client that waits for the drip to end fails the test instead of hanging it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redfish_server import RedfishServer, TestPKI
from rf_support import PASSWORD, USER

from sovbom.collect.redfish import collect_redfish, collect_redfish_with_stats
from sovbom.errors import InputError, OperationalError

Start = Callable[..., RedfishServer]
ROOT = "/redfish/v1"
MEM1 = "/redfish/v1/Systems/SRV1/Memory/DIMM1"
DRIPS = ["drip-body", "drip-headers"]


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", USER)
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", PASSWORD)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


@pytest.mark.timeout(20)
@pytest.mark.parametrize("fault", DRIPS)
def test_a_dripping_service_root_fails_within_the_timeout(
    redfish_server: Start, creds: None, fault: str
) -> None:
    server = redfish_server(faults={ROOT: fault}, drip_seconds=0.05)
    started = time.monotonic()
    with pytest.raises(OperationalError) as info:
        collect_redfish(server.url, timeout=1, retries=0)
    elapsed = time.monotonic() - started
    assert elapsed < 3, elapsed
    assert f"service root {server.url}{ROOT}: timed out after 1 s" in str(info.value)


@pytest.mark.timeout(20)
def test_each_retry_gets_the_timeout_and_no_more(redfish_server: Start, creds: None) -> None:
    server = redfish_server(faults={ROOT: "drip-headers"}, drip_seconds=0.05)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="timed out"):
        collect_redfish(server.url, timeout=0.8, retries=2)
    elapsed = time.monotonic() - started
    assert server.get_count(ROOT) == 3  # the first try and two retries
    assert 3 * 0.8 <= elapsed < 3 * 0.8 + 2.5, elapsed


@pytest.mark.timeout(20)
def test_a_dripping_tls_service_root_fails_within_the_timeout(
    redfish_server: Start, creds: None, pki: TestPKI
) -> None:
    server = redfish_server(
        faults={ROOT: "drip-headers"}, drip_seconds=0.05, tls=pki.server_context
    )
    started = time.monotonic()
    with pytest.raises(OperationalError, match="service root https://127.0.0.1:.*timed out"):
        collect_redfish(server.url, ca_bundle=str(pki.ca_pem), timeout=1, retries=0)
    assert time.monotonic() - started < 3


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fault", DRIPS)
def test_a_dripping_resource_leaves_the_inventory_incomplete(
    redfish_server: Start, creds: None, fault: str
) -> None:
    server = redfish_server(faults={MEM1: fault}, drip_seconds=0.05)
    (inv, _stats), elapsed = timed(
        lambda: collect_redfish_with_stats(server.url, timeout=1, retries=0, concurrency=2)
    )
    assert elapsed < 4, elapsed
    assert not inv.complete
    notes = [n for n in inv.notes if MEM1 in n]
    assert len(notes) == 1 and "timed out after 1 s" in notes[0], inv.notes
    assert server.sessions_deleted == 1


@pytest.mark.timeout(30)
@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_collection_stops_at_its_deadline(
    redfish_server: Start, creds: None, concurrency: int
) -> None:
    # Every answer comes in time, but all of them together do not.
    server = redfish_server(latency=0.15)
    started = time.monotonic()
    with pytest.raises(OperationalError) as info:
        collect_redfish(server.url, timeout=1, retries=1, concurrency=concurrency, deadline=1.2)
    elapsed = time.monotonic() - started
    assert elapsed < 1.2 + 1.5, elapsed
    message = str(info.value)
    assert f"collection from {server.url} did not finish within its deadline of 1.2 s" in message
    assert "--timeout" in info.value.diagnostics()
    assert server.sessions_deleted == 1  # the session is closed after the deadline too


def test_the_deadline_leaves_a_normal_collection_alone(redfish_server: Start, creds: None) -> None:
    server = redfish_server(latency=0.01)
    inv = collect_redfish(server.url, timeout=1, retries=0, deadline=30)
    assert inv.complete, inv.notes


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(InputError, match="deadline must be positive"):
        collect_redfish("https://127.0.0.1:1", deadline=0)


# -- through the command line ------------------------------------------------------------------


@pytest.mark.timeout(20)
@pytest.mark.parametrize("fault", DRIPS)
def test_cli_fails_with_exit_4_naming_the_url(
    redfish_server: Start, creds: None, run_cli: Any, tmp_path: Path, fault: str
) -> None:
    server = redfish_server(faults={ROOT: fault}, drip_seconds=0.05)
    out = tmp_path / "hw.cdx.json"
    started = time.monotonic()
    result = run_cli(
        "collect", "hardware", "--redfish", server.url, "--timeout", "1", "--retries", "0",
        "-o", str(out),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.exit_code == 4, result.output
    assert elapsed < 3, elapsed
    assert f"{server.url}{ROOT}" in result.stderr and "timed out" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
