"""``--capture-revocation``: OCSP responses and CRLs fetched at collection time from a loopback
responder, kept with the evidence, and read by offline verification (good, revoked, unreachable:
never "good" without an answer)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redfish_server import RedfishServer
from revocation_server import RevocablePKI, RevocationServer, closed_port_url
from rf_support import PASSWORD, USER
from spdm_bmc import Device, Responder, spdm_mockup

from sovbom.collect.hardware import collect_hardware
from sovbom.collect.revocation import NOT_CAPTURED, capture_revocation
from sovbom.collect.sources import ConnectionSettings, HardwareSources
from sovbom.identity import Reason, Revocation, Status, cdx, store_of, verify_hardware
from sovbom.identity.reasons import ComponentResult
from sovbom.model import Component


@pytest.fixture
def responder() -> Iterator[RevocationServer]:
    with RevocationServer() as server:
        yield server


def _part(pki: RevocablePKI, device: Device, ref: str = "hw:gpu0") -> Component:
    comp = Component(ref=ref, name="GPU", cls="gpu", seen_by=["test"])
    nonce = os.urandom(32)
    blob = device.transcript(nonce)
    cdx.attach_evidence(
        comp, device.chain, source="test", transcript=(cdx.data_uri(blob), blob), nonce=nonce
    )
    return comp


def _verify(pki: RevocablePKI, *parts: Component) -> dict[str, ComponentResult]:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    doc["components"] = [p.to_cdx() for p in parts]  # type: ignore[assignment]
    return verify_hardware(doc, store_of([(pki.root, pki.vendor)])).results


def _props(comp: Component, name: str) -> list[str]:
    return [v for n, v in comp.properties if n == name]


def test_good_answers_are_kept_and_verification_uses_them(responder: RevocationServer) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    part = _part(pki, pki.device())
    assert _verify(pki, part)["hw:gpu0"].revocation is Revocation.NOT_CHECKED  # not yet
    notes = capture_revocation([part], timeout=2)
    assert notes == []
    assert responder.hits[("POST", "/ocsp")] == 1  # the leaf, by its OCSP responder
    assert responder.hits[("GET", "/crl/root.crl")] == 1  # the intermediate, by the root's CRL
    urls = _props(part, cdx.REVOCATION)
    assert len(urls) == 2 and all(u.startswith("data:") for u in urls)
    assert {e.url for e in part.evidence if e.comment == cdx.REVOCATION_COMMENT} == set(urls)
    assert _props(part, NOT_CAPTURED) == []
    result = _verify(pki, part)["hw:gpu0"]
    assert result.findings == []
    assert result.revocation is Revocation.GOOD
    assert result.status is Status.UNBOUND


def test_a_revoked_leaf_is_caught(responder: RevocationServer) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    device = pki.device()
    pki.revoked.add(device.leaf.serial_number)
    part = _part(pki, device)
    capture_revocation([part], timeout=2)
    result = _verify(pki, part)["hw:gpu0"]
    assert result.revocation is Revocation.REVOKED
    assert [f.reason for f in result.findings] == [Reason.CERTIFICATE_REVOKED]
    assert result.status is Status.FAILED


def test_a_revoked_intermediate_is_caught_by_the_crl(responder: RevocationServer) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    pki.revoked.add(pki.pki.ica.serial_number)
    part = _part(pki, pki.device())
    capture_revocation([part], timeout=2)
    assert _verify(pki, part)["hw:gpu0"].revocation is Revocation.REVOKED


def test_unreachable_is_recorded_and_never_good() -> None:
    pki = RevocablePKI("Acme GPU", closed_port_url())
    part = _part(pki, pki.device())
    notes = capture_revocation([part], timeout=1, retries=0)
    assert _props(part, cdx.REVOCATION) == []
    missing = _props(part, NOT_CAPTURED)
    assert len(missing) == 2  # the leaf (OCSP) and the intermediate (CRL)
    assert all("unreachable" in m for m in missing), missing
    assert len(notes) == 2 and "revocation not captured" in notes[0]
    result = _verify(pki, part)["hw:gpu0"]
    assert result.revocation is Revocation.NOT_CHECKED
    assert result.findings == []  # not a failure; but not "good" either


@pytest.mark.parametrize("status", [500, 404])
def test_an_error_answer_is_not_captured(responder: RevocationServer, status: int) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    responder.fail = status
    part = _part(pki, pki.device())
    capture_revocation([part], timeout=2)
    assert all(f"HTTP {status}" in m for m in _props(part, NOT_CAPTURED))
    assert _verify(pki, part)["hw:gpu0"].revocation is Revocation.NOT_CHECKED


def test_an_unsuccessful_ocsp_answer_is_not_captured(responder: RevocationServer) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = RevocablePKI("Another", responder.url)  # knows none of these serials
    part = _part(pki, pki.device())
    capture_revocation([part], timeout=2)
    (leaf_missing,) = [m for m in _props(part, NOT_CAPTURED) if "OCSP" in m]
    assert "UNAUTHORIZED" in leaf_missing


def test_certificates_without_urls_say_so() -> None:
    pki = RevocablePKI("Acme GPU", "http://unused.invalid", with_urls=False)
    part = _part(pki, pki.device())
    capture_revocation([part], timeout=1)
    missing = _props(part, NOT_CAPTURED)
    assert len(missing) == 2
    assert all("names no OCSP responder and no CRL" in m for m in missing)


def test_a_shared_crl_is_fetched_once(responder: RevocationServer) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    parts = [_part(pki, pki.device(), f"hw:gpu{i}") for i in range(3)]
    capture_revocation(parts, timeout=2)
    assert responder.hits[("GET", "/crl/root.crl")] == 1
    assert responder.hits[("POST", "/ocsp")] == 3
    results = _verify(pki, *parts)
    assert {r.revocation for r in results.values()} == {Revocation.GOOD}


def test_collect_hardware_challenges_and_captures_end_to_end(
    responder: RevocationServer,
    mini: Path,
    tmp_path: Path,
    redfish_server: Callable[..., RedfishServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    device = pki.device()
    server = Responder(device).install(redfish_server(spdm_mockup(mini, tmp_path / "m", device)))
    monkeypatch.setenv("SOVBOM_REDFISH_PASSWORD", PASSWORD)
    connection = ConnectionSettings(
        username=USER, timeout=2, retries=0, challenge=True, capture_revocation=True
    )
    collected = collect_hardware(HardwareSources.of(redfish=server.url, connection=connection))
    doc: dict[str, Any] = collected.doc
    report = verify_hardware(doc, store_of([(pki.root, pki.vendor)]))
    (gpu,) = [r for ref, r in report.results.items() if ref.endswith("GPU0")]
    assert gpu.findings == []
    assert gpu.revocation is Revocation.GOOD
    assert gpu.status is Status.UNBOUND
    assert responder.hits[("POST", "/ocsp")] == 1


def test_cli_captures_for_nvidia_attestation_evidence(
    responder: RevocationServer, tmp_path: Path, run_cli: Callable[..., Any]
) -> None:
    import json

    pki = RevocablePKI("Acme GPU", responder.url)
    responder.pki = pki
    device = pki.device()
    evidence = tmp_path / "attestation"
    evidence.mkdir()
    nonce = os.urandom(32)
    (evidence / "gpu0_AttestationReport.txt").write_text(device.transcript(nonce).hex())
    (evidence / "gpu0_CertChain.txt").write_bytes(device.chain_pem())
    (evidence / "gpu0_Nonce.txt").write_text(nonce.hex())
    out = tmp_path / "hw.cdx.json"
    result = run_cli(
        "collect",
        "hardware",
        "--nvidia-attestation",
        str(evidence),
        "--capture-revocation",
        "--timeout",
        "2",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    roots = tmp_path / "roots.pem"
    roots.write_bytes(pki.pki.root_pem())
    checked = run_cli("verify-hardware", str(out), "--roots", str(roots), "-f", "json")
    (gpu,) = json.loads(checked.stdout)["components"]
    assert gpu["revocation"] == "good", gpu
    assert gpu["reasons"] == []
