"""The Redfish walk against a live (local, test-only) Redfish service on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from redfish_server import RedfishServer, TestPKI
from rf_support import MINI, PASSWORD, USER, assert_schema_valid, class_counts, shape

from sovbom.collect.redfish import (
    collect_mockup,
    collect_redfish,
    collect_redfish_with_stats,
)
from sovbom.errors import InputError, OperationalError

Start = Callable[..., RedfishServer]
FAST = {"timeout": 0.5, "retries": 1}
MEM1 = "/redfish/v1/Systems/SRV1/Memory/DIMM1"


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", USER)
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", PASSWORD)


def test_session_auth_and_same_result_as_mockup(redfish_server: Start, creds: None) -> None:
    server = redfish_server()
    inv, stats = collect_redfish_with_stats(server.url, **FAST)
    assert inv.complete, inv.notes
    assert stats.auth == "session"
    assert server.sessions_deleted == 1 and not server.tokens  # logged out
    assert shape(inv) == shape(collect_mockup(MINI))
    assert inv.source == f"redfish:{server.url}"
    # one GET per resource, plus the session login and logout
    assert stats.requests == server.requests
    assert server.hits[("POST", "/redfish/v1/SessionService/Sessions")] == 1
    assert all(n == 1 for (method, _), n in server.hits.items() if method == "GET")
    assert_schema_valid(inv)


def test_basic_auth_when_no_sessions(redfish_server: Start, creds: None) -> None:
    server = redfish_server(sessions=False)
    inv, stats = collect_redfish_with_stats(server.url, **FAST)
    assert inv.complete and stats.auth == "basic"
    assert class_counts(inv)["memory"] == 2


def test_credentials_from_arguments(redfish_server: Start) -> None:
    server = redfish_server()
    inv = collect_redfish(server.url, username=USER, password=PASSWORD, **FAST)
    assert inv.complete


def test_credentials_from_netrc(
    redfish_server: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    server = redfish_server(sessions=False)
    inv, stats = collect_redfish_with_stats(server.url, **FAST)
    assert inv.complete and stats.auth == "basic"


def test_wrong_password(redfish_server: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", USER)
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", "wrong")
    server = redfish_server()
    with pytest.raises(OperationalError, match=r"authentication failed at http://127\.0\.0\.1"):
        collect_redfish(server.url, **FAST)


def test_no_credentials(redfish_server: Start) -> None:
    server = redfish_server()
    with pytest.raises(OperationalError) as info:
        collect_redfish(server.url, **FAST)
    assert "no credentials" in str(info.value)
    assert "SOVBOM_REDFISH_USERNAME" in info.value.diagnostics()


def test_root_behind_auth_uses_basic(redfish_server: Start, creds: None) -> None:
    server = redfish_server(auth_root=True)
    inv, stats = collect_redfish_with_stats(server.url, **FAST)
    assert inv.complete and stats.auth == "basic"


def test_credentials_are_never_logged(
    redfish_server: Start, creds: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = redfish_server(faults={MEM1: "404"})
    inv = collect_redfish(server.url, **FAST)
    text = caplog.text + "\n".join(inv.notes)
    assert PASSWORD not in text
    assert all(token not in text for token in server.tokens.values())


# -- a misbehaving BMC -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("404", "not found"),
        ("500", "HTTP 500"),
        ("503", "HTTP 503"),
        ("broken", "malformed JSON"),
        ("null", "JSON object"),
        ("slow", "timed out"),
        ("redirect-loop", "redirect loop"),
        ("redirect-offsite", "redirected off the BMC"),
    ],
)
def test_a_bad_resource_makes_the_inventory_incomplete(
    redfish_server: Start, creds: None, fault: str, reason: str
) -> None:
    server = redfish_server(faults={MEM1: fault}, slow_seconds=1.5)
    inv = collect_redfish(server.url, timeout=0.3, retries=1)
    assert not inv.complete
    notes = [n for n in inv.notes if MEM1 in n]
    assert len(notes) == 1 and reason in notes[0], inv.notes
    assert class_counts(inv)["memory"] == 1  # the rest was collected
    assert server.sessions_deleted == 1
    if fault in ("500", "503", "slow"):
        assert server.get_count(MEM1) == 2  # one try and one bounded retry
    if fault == "redirect-loop":
        assert server.get_count(MEM1) <= 6


def test_strict_fails_on_a_bad_resource(redfish_server: Start, creds: None) -> None:
    server = redfish_server(faults={MEM1: "500"})
    with pytest.raises(OperationalError, match="Memory/DIMM1.*HTTP 500"):
        collect_redfish(server.url, strict=True, **FAST)
    assert server.sessions_deleted == 1  # logged out on failure too


def test_a_transient_500_is_retried(redfish_server: Start, creds: None) -> None:
    server = redfish_server(faults={MEM1: "500-once"})
    inv, stats = collect_redfish_with_stats(server.url, **FAST)
    assert inv.complete, inv.notes
    assert stats.retries >= 1
    assert server.get_count(MEM1) == 2


def test_401_on_a_resource_is_an_authentication_error(redfish_server: Start, creds: None) -> None:
    server = redfish_server(faults={MEM1: "401"})
    with pytest.raises(OperationalError, match=f"authentication failed at .*{MEM1}"):
        collect_redfish(server.url, **FAST)


@pytest.mark.parametrize("fault", ["500", "broken", "404", "slow", "redirect-loop"])
def test_a_bad_service_root_is_an_error(redfish_server: Start, creds: None, fault: str) -> None:
    server = redfish_server(faults={"/redfish/v1": fault}, slow_seconds=1.5)
    with pytest.raises(OperationalError, match="service root"):
        collect_redfish(server.url, timeout=0.3, retries=0)


def test_nothing_listening() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(OperationalError, match="connection failed"):
        collect_redfish(f"http://127.0.0.1:{port}", timeout=0.5, retries=0)


def test_bad_arguments() -> None:
    with pytest.raises(InputError):
        collect_redfish("ftp://bmc.example", timeout=1)
    with pytest.raises(InputError):
        collect_redfish("https://127.0.0.1:1", concurrency=0)
    with pytest.raises(InputError):
        collect_redfish("https://127.0.0.1:1", timeout=0)


# -- concurrency and progress ----------------------------------------------------------------


def test_concurrency_gives_the_same_result(redfish_server: Start, creds: None) -> None:
    server = redfish_server(latency=0.002)
    serial, s1 = collect_redfish_with_stats(server.url, concurrency=1, **FAST)
    parallel, s8 = collect_redfish_with_stats(server.url, concurrency=8, **FAST)
    assert shape(serial) == shape(parallel)
    assert s1.requests == s8.requests


def test_progress_callback(redfish_server: Start, creds: None) -> None:
    server = redfish_server()
    seen: list[int] = []
    _, stats = collect_redfish_with_stats(server.url, progress=seen.append, **FAST)
    assert seen == list(range(1, len(seen) + 1))
    assert seen[-1] == stats.resources


# -- TLS ---------------------------------------------------------------------------------------


def test_tls_with_ca_bundle(redfish_server: Start, creds: None, pki: TestPKI) -> None:
    server = redfish_server(tls=pki.server_context)
    assert server.url.startswith("https://127.0.0.1:")
    inv = collect_redfish(server.url, ca_bundle=str(pki.ca_pem), **FAST)
    assert inv.complete
    assert server.sessions_deleted == 1


def test_tls_untrusted_certificate_fails(redfish_server: Start, creds: None, pki: TestPKI) -> None:
    server = redfish_server(tls=pki.server_context)
    with pytest.raises(OperationalError, match="TLS verification failed") as info:
        collect_redfish(server.url, **FAST)
    assert "--ca-bundle" in info.value.diagnostics()


def test_tls_wrong_ca_fails(
    redfish_server: Start, creds: None, pki: TestPKI, other_pki: TestPKI
) -> None:
    server = redfish_server(tls=pki.server_context)
    with pytest.raises(OperationalError, match="TLS verification failed"):
        collect_redfish(server.url, ca_bundle=str(other_pki.ca_pem), **FAST)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_insecure_warns(
    redfish_server: Start, creds: None, pki: TestPKI, caplog: pytest.LogCaptureFixture
) -> None:
    server = redfish_server(tls=pki.server_context)
    with caplog.at_level(logging.WARNING, logger="sovbom"):
        inv = collect_redfish(server.url, insecure=True, **FAST)
    assert inv.complete
    assert any("verification is disabled" in r.getMessage() for r in caplog.records)


def test_missing_ca_bundle_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="CA bundle not found"):
        collect_redfish("https://127.0.0.1:1", ca_bundle=str(tmp_path / "none.pem"))
