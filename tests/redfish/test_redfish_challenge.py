"""``--challenge``: SPDMGetSignedMeasurements with a fresh nonce against a loopback BMC whose GPU
signs with a synthetic device key; answered at once, through a task monitor or a Task; and BMCs
that lie or fail."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from redfish_server import RedfishServer
from rf_support import PASSWORD, USER, components
from spdm_bmc import ACTION, MONITOR, TASK, Device, Responder, VendorPKI, spdm_mockup

from sovbom.collect.interface import Inventory
from sovbom.collect.redfish import collect_redfish_with_stats
from sovbom.collect.redfish.integrity import PROP_CHALLENGE_FAILED
from sovbom.errors import OperationalError
from sovbom.hbom import tree_document
from sovbom.identity import Reason, Revocation, Status, cdx, store_of, verify_hardware
from sovbom.model import Component

Start = Callable[..., RedfishServer]


@pytest.fixture(scope="module")
def vendor() -> VendorPKI:
    return VendorPKI("Acme GPU", curve="P-384")


@pytest.fixture
def device(vendor: VendorPKI) -> Device:
    return vendor.device()


@pytest.fixture
def bmc(
    mini: Path, tmp_path: Path, device: Device, redfish_server: Start
) -> Callable[..., tuple[RedfishServer, Responder]]:
    def start(mode: str = "sync", **kw: Any) -> tuple[RedfishServer, Responder]:
        mockup = spdm_mockup(mini, tmp_path / f"bmc-{mode}", device)
        responder = Responder(device, mode, polls=kw.pop("polls", 2))
        return responder.install(redfish_server(mockup, **kw)), responder

    return start


def _collect(server: RedfishServer, **kw: Any) -> Inventory:
    kw.setdefault("timeout", 2)
    kw.setdefault("retries", 0)
    inv, _ = collect_redfish_with_stats(
        server.url, username=USER, password=PASSWORD, challenge=True, **kw
    )
    return inv


def _gpu(inv: Inventory) -> Component:
    (gpu,) = [c for c in components(inv) if c.ref.endswith("GPU0") and c.type == "device"]
    return gpu


def _props(comp: Component, name: str) -> list[str]:
    return [v for n, v in comp.properties if n == name]


def _verify(inv: Inventory, vendor: VendorPKI) -> Any:
    doc = tree_document(inv.system or Component(ref="hw:s", name="s"), kind="observed")
    for part in inv.parts:
        doc.setdefault("components", []).append(part.to_cdx())
    store = store_of([(vendor.root, vendor.vendor)])
    report = verify_hardware(doc, store)
    (ref,) = [r for r in report.results if r.endswith("GPU0")]
    return report.results[ref]


def test_sync_answer_is_kept_with_the_nonce_sent_and_verifies(
    bmc: Callable[..., tuple[RedfishServer, Responder]], vendor: VendorPKI
) -> None:
    server, responder = bmc("sync")
    inv = _collect(server)
    assert [p for p, _ in server.posted] == [ACTION]
    params = server.posted[0][1]
    assert set(params) == {"Nonce", "SlotId", "MeasurementIndices"}
    assert len(params["Nonce"]) == 64 and bytes.fromhex(params["Nonce"])
    assert params["SlotId"] == 0 and params["MeasurementIndices"] == [255]
    gpu = _gpu(inv)
    assert _props(gpu, cdx.NONCE) == [params["Nonce"]]
    (url,) = _props(gpu, cdx.TRANSCRIPT)
    assert url.startswith("data:") and any(e.url == url and e.sha256 for e in gpu.evidence)
    assert _props(gpu, "sovbom:identity:spdm-version") == ["1.1"]
    assert _props(gpu, "sovbom:identity:signing-algorithm") == ["TPM_ALG_ECDSA_ECC_NIST_P384"]
    assert inv.complete
    result = _verify(inv, vendor)
    assert result.findings == []
    assert result.status is Status.UNBOUND  # genuine; no factory HBOM given to bind it to
    assert result.spdm_version == "1.1"
    assert result.revocation is Revocation.NOT_CHECKED
    # a second collection sends another nonce
    _collect(server)
    assert len(set(responder.nonces)) == 2


def test_without_challenge_nothing_is_posted_and_no_transcript(
    bmc: Callable[..., tuple[RedfishServer, Responder]], vendor: VendorPKI
) -> None:
    server, _ = bmc("sync")
    inv, _ = collect_redfish_with_stats(server.url, username=USER, password=PASSWORD, timeout=2)
    assert server.posted == []
    assert _props(_gpu(inv), cdx.TRANSCRIPT) == []
    assert Reason.TRANSCRIPT_MISSING in [f.reason for f in _verify(inv, vendor).findings]


@pytest.mark.parametrize("mode", ["async", "task"])
def test_asynchronous_answers_are_awaited(
    bmc: Callable[..., tuple[RedfishServer, Responder]], vendor: VendorPKI, mode: str
) -> None:
    server, _ = bmc(mode, polls=3)
    inv = _collect(server)
    polled = MONITOR if mode == "async" else TASK
    assert server.get_count(polled) == 4  # three times still running, then the answer
    assert inv.complete, inv.notes
    assert _props(_gpu(inv), cdx.NONCE) == [server.posted[0][1]["Nonce"]]
    result = _verify(inv, vendor)
    assert result.findings == [] and result.status is Status.UNBOUND


def test_a_replayed_answer_is_caught_by_the_nonce(
    bmc: Callable[..., tuple[RedfishServer, Responder]], vendor: VendorPKI
) -> None:
    server, _ = bmc("wrong-nonce")
    inv = _collect(server)
    gpu = _gpu(inv)
    assert _props(gpu, cdx.NONCE) == [server.posted[0][1]["Nonce"]]
    result = _verify(inv, vendor)
    assert result.status is Status.FAILED
    assert [f.reason for f in result.findings] == [Reason.NONCE_MISMATCH]


def test_a_task_that_never_completes_ends_within_the_deadline(
    bmc: Callable[..., tuple[RedfishServer, Responder]], vendor: VendorPKI
) -> None:
    server, _ = bmc("never")
    started = time.monotonic()
    inv = _collect(server, timeout=0.5, deadline=4)
    assert time.monotonic() - started < 5
    gpu = _gpu(inv)
    (failure,) = _props(gpu, PROP_CHALLENGE_FAILED)
    assert "did not complete" in failure
    assert _props(gpu, cdx.TRANSCRIPT) == [] and _props(gpu, cdx.NONCE) == []
    assert not inv.complete
    assert any("SPDM challenge failed" in n for n in inv.notes)
    assert 2 <= server.get_count(MONITOR) <= 200
    assert _verify(inv, vendor).status is Status.FAILED


@pytest.mark.parametrize(
    "mode,reason",
    [
        ("500", "HTTP 500"),
        ("403", "may not run this action"),
        ("malformed", "malformed JSON"),
        ("task-exception", "state Exception"),
        ("offsite", "off the BMC"),
        ("garbage", "not base64"),
    ],
)
def test_failures_are_noted_on_the_part(
    bmc: Callable[..., tuple[RedfishServer, Responder]], mode: str, reason: str
) -> None:
    server, _ = bmc(mode)
    inv = _collect(server)
    (failure,) = _props(_gpu(inv), PROP_CHALLENGE_FAILED)
    assert reason in failure
    assert not inv.complete
    text = json.dumps(inv.notes) + failure
    assert PASSWORD not in text and USER + ":" not in text
    assert server.posted  # it was asked once, not retried
    assert len(server.posted) == 1


def test_a_slow_action_is_cut_at_the_request_timeout_and_not_retried(
    bmc: Callable[..., tuple[RedfishServer, Responder]],
) -> None:
    server, _ = bmc("slow")
    started = time.monotonic()
    inv = _collect(server, timeout=0.5, retries=2)
    (failure,) = _props(_gpu(inv), PROP_CHALLENGE_FAILED)
    assert "timed out" in failure
    assert len(server.posted) == 1  # an action is never sent twice
    assert time.monotonic() - started < 5


def test_strict_turns_a_failed_challenge_into_an_error(
    bmc: Callable[..., tuple[RedfishServer, Responder]],
) -> None:
    server, _ = bmc("500")
    with pytest.raises(OperationalError, match="SPDM challenge") as e:
        _collect(server, strict=True)
    assert PASSWORD not in str(e.value)


def test_a_responder_without_the_action_is_not_challenged(
    mini: Path, tmp_path: Path, device: Device, redfish_server: Start
) -> None:
    server = redfish_server(spdm_mockup(mini, tmp_path / "m", device, action=False))
    inv = _collect(server)
    assert server.posted == [] and inv.complete
    assert len([c for c in _gpu(inv).children if c.type == "cryptographic-asset"]) == 3


def _challenge(
    run_cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    server: RedfishServer,
    out: Path,
    *extra: str,
) -> Any:
    """``sovbom collect hardware --redfish URL --challenge EXTRA... -o OUT``, logged in by the
    environment variables (as a CI job would be)."""
    monkeypatch.setenv("SOVBOM_REDFISH_USERNAME", USER)
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", PASSWORD)
    args = ["collect", "hardware", "--redfish", server.url, "--challenge", *extra]
    return run_cli(*args, "-o", str(out))


def test_cli_challenge(
    bmc: Callable[..., tuple[RedfishServer, Responder]],
    vendor: VendorPKI,
    tmp_path: Path,
    run_cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, _ = bmc("sync")
    out = tmp_path / "hw.cdx.json"
    result = _challenge(run_cli, monkeypatch, server, out, "--timeout", "2")
    assert result.exit_code == 0, result.stderr
    roots = tmp_path / "roots.pem"
    roots.write_bytes(vendor.root_pem())
    checked = run_cli("verify-hardware", str(out), "--roots", str(roots), "-f", "json")
    report = json.loads(checked.stdout)
    (gpu,) = [c for c in report["components"] if c["bom-ref"].endswith("GPU0")]
    assert gpu["status"] == "unbound", gpu
    assert gpu["reasons"] == []
    assert server.posted[0][1]["Nonce"] in out.read_text()


def test_cli_challenge_needs_a_live_bmc(
    mini: Path, run_cli: Callable[..., Any], tmp_path: Path
) -> None:
    result = run_cli(
        "collect",
        "hardware",
        "--redfish-mockup",
        str(mini),
        "--challenge",
        "-o",
        str(tmp_path / "x.json"),
    )
    assert result.exit_code == 2
    assert "--challenge needs a live BMC" in result.stderr
    assert not (tmp_path / "x.json").exists()


def test_retry_after_is_capped_and_dates_are_ignored() -> None:
    from sovbom.collect.redfish.http import MAX_RETRY_AFTER, _retry_after

    assert _retry_after("1") == 1.0
    assert _retry_after("86400") == MAX_RETRY_AFTER
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert _retry_after("9" * 40) is None
    assert _retry_after(None) is None


def test_cli_failed_challenge_with_on_incomplete_fail_writes_nothing(
    bmc: Callable[..., tuple[RedfishServer, Responder]],
    tmp_path: Path,
    run_cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, _ = bmc("500")
    out = tmp_path / "hw.cdx.json"
    result = _challenge(run_cli, monkeypatch, server, out, "--on-incomplete", "fail")
    assert result.exit_code == 4
    assert "SPDM challenge failed" in result.stderr
    assert PASSWORD not in result.stderr
    assert not out.exists()
