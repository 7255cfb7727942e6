"""No BMC password reaches the HBOM, stdout, stderr, the logs or an error message.

Credentials in the URL are refused before anything is sent; credentials from the environment or
a netrc file are used, and never shown, whether the collection succeeds or fails.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redfish_server import RedfishServer
from rf_support import USER

from sovbom.collect.redfish import collect_redfish
from sovbom.errors import ExitCode, InputError

Start = Callable[..., RedfishServer]
SECRET = "Pw-9f3b2c-not-for-logs"  # noqa: S105 - a test-only fake BMC password
ROOT = "/redfish/v1"
MEM1 = "/redfish/v1/Systems/SRV1/Memory/DIMM1"


def url_with_credentials(server: RedfishServer, form: str) -> str:
    host = server.url.partition("://")[2]
    return {
        "user-and-password": f"http://{USER}:{SECRET}@{host}",
        "user-only": f"http://{SECRET}@{host}",
        "no-scheme": f"{USER}:{SECRET}@{host}",
        "raw-slash-in-password": f"http://{USER}:{SECRET}/x#y@{host}{ROOT}",
    }[form]


FORMS = ["user-and-password", "user-only", "no-scheme", "raw-slash-in-password"]


@pytest.mark.parametrize("form", FORMS)
def test_credentials_in_the_url_are_refused(redfish_server: Start, form: str) -> None:
    server = redfish_server(password=SECRET)
    with pytest.raises(InputError) as info:
        collect_redfish(url_with_credentials(server, form), timeout=0.5, retries=0)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    text = info.value.diagnostics()
    assert "holds credentials" in text and "SOVBOM_REDFISH_PASSWORD" in text
    assert SECRET not in text
    assert server.requests == 0  # refused before anything was sent


def _leaks(server: RedfishServer, *texts: str) -> list[str]:
    """The secrets found in ``texts``: the password, its basic-auth form, session tokens."""
    basic = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    secrets = [SECRET, basic, *server.tokens.values(), *server.issued_tokens]
    return [s for s in secrets if any(s in t for t in texts)]


@pytest.mark.parametrize("form", FORMS)
def test_cli_refuses_credentials_in_the_url(
    redfish_server: Start,
    run_cli: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    form: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = redfish_server(password=SECRET)
    out = tmp_path / "hw.cdx.json"
    result = run_cli(
        "-vv", "collect", "hardware", "--redfish", url_with_credentials(server, form),
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 4, result.output
    assert "holds credentials" in result.stderr
    assert _leaks(server, result.stdout, result.stderr, caplog.text) == []
    assert not out.exists()
    assert server.requests == 0


SCENARIOS: dict[str, dict[str, Any]] = {
    "session": {},
    "basic": {"sessions": False},
    "wrong-password": {"password": "another-password"},
    "root-500": {"faults": {ROOT: "500"}},
    "root-slow": {"faults": {ROOT: "slow"}},
    "root-dripping": {"faults": {ROOT: "drip-headers"}, "drip_seconds": 0.05},
    "resource-401": {"faults": {MEM1: "401"}},
    "resource-dripping": {"faults": {MEM1: "drip-body"}, "drip_seconds": 0.05},
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("source", ["environment", "netrc"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_secret_reaches_any_output(
    redfish_server: Start,
    run_cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    scenario: str,
    source: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    kw = {"password": SECRET, "slow_seconds": 1.5, **SCENARIOS[scenario]}
    server = redfish_server(**kw)
    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", USER)
    if source == "environment":
        monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", SECRET)
    else:
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {USER} password {SECRET}\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
    out = tmp_path / "hw.cdx.json"
    result = run_cli(
        "-vv", "collect", "hardware", "--redfish", server.url, "--timeout", "0.5",
        "--retries", "0", "-o", str(out),
    )  # fmt: skip
    written = out.read_text(encoding="utf-8") if out.exists() else ""
    assert _leaks(server, result.stdout, result.stderr, caplog.text, written) == []
    if scenario in ("session", "basic", "resource-dripping"):
        assert result.exit_code == 0, result.output
        props = {p["name"]: p["value"] for p in json.loads(written)["metadata"]["properties"]}
        assert props["sovbom:collection:source"] == f"redfish:{server.url}"
        assert server.issued_tokens or scenario == "basic"  # the check above saw real tokens
    else:
        assert result.exit_code == 4, result.output
        assert not out.exists()
