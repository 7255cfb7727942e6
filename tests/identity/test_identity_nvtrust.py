"""The real nvtrust sample (an H100) verifies end to end against NVIDIA's real device root."""

from __future__ import annotations

import base64
import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from sovbom.collect.nvidia_attestation import read
from sovbom.identity import Reason, Status, load_roots, verify_hardware
from sovbom.identity.certs import device_identity
from sovbom.model import Component

pytestmark = pytest.mark.corpus
DEVICE_ID = "NVIDIA:GH100:48B02D92494BADF4"


@pytest.fixture
def sample(corpus: Path, tmp_path: Path) -> Path:
    src = corpus / "hardware" / "attestation" / "nvtrust"
    for name in ("hopperAttestationReport.txt", "hopperCertChain.txt"):
        shutil.copy(src / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def roots(corpus: Path, tmp_path: Path) -> Path:
    pem = (corpus / "hardware/attestation/nvtrust/verifier_device_root.pem").read_bytes()
    path = tmp_path / "roots" / "nvidia.pem"
    path.parent.mkdir()
    path.write_bytes(b"# vendor: NVIDIA\n" + pem)
    return path


def _doc(sample: Path) -> dict[str, Any]:
    inv = read(sample)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [p.to_cdx() for p in inv.parts],
    }


def _factory(ref: str) -> dict[str, Any]:
    comp = Component(
        ref=ref, name="H100", cls="gpu", properties=[("sovbom:identity:device-id", DEVICE_ID)]
    )
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [comp.to_cdx()]}


def test_sample_verifies_and_binds(sample: Path, roots: Path) -> None:
    doc = _doc(sample)
    ref = doc["components"][0]["bom-ref"]
    report = verify_hardware(doc, load_roots(roots), expected=_factory("f:gpu0"))
    r = report.results[ref]
    assert r.status is Status.VERIFIED, r.findings
    assert r.anchor == "NVIDIA"
    assert r.device_id == DEVICE_ID
    assert r.spdm_version == "1.1"
    assert r.signature_algorithm == "ECDSA-secp384r1-SHA384"
    assert len(r.measurements) == 64
    assert r.revocation.value == "not-checked"


def test_leaf_fwid_is_read(corpus: Path) -> None:
    from cryptography import x509

    chain = x509.load_pem_x509_certificates(
        (corpus / "hardware/attestation/nvtrust/hopperCertChain.txt").read_bytes()
    )
    fwids = device_identity(chain[0]).fwids
    assert [f.alg for f in fwids] == ["SHA-384"]
    assert len(fwids[0].digest) == 96


def test_one_flipped_transcript_byte_fails(sample: Path, roots: Path) -> None:
    doc = _doc(sample)  # the HBOM records the report's SHA-256 at collection
    report_file = sample / "hopperAttestationReport.txt"
    text = bytearray(report_file.read_bytes())
    pos = 2 * 200  # a hex digit inside the measurement record
    text[pos] = ord("0") if text[pos] != ord("0") else ord("1")
    report_file.write_bytes(bytes(text))
    r = verify_hardware(doc, load_roots(roots)).results[doc["components"][0]["bom-ref"]]
    assert r.reasons == [Reason.EVIDENCE_DIGEST_MISMATCH]
    fresh = _doc(sample)  # collected after the flip: the digest matches, the signature does not
    r = verify_hardware(fresh, load_roots(roots)).results[fresh["components"][0]["bom-ref"]]
    assert r.reasons == [Reason.SIGNATURE_INVALID]


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_one_flipped_chain_byte_fails(sample: Path, roots: Path, index: int) -> None:
    doc = _doc(sample)
    cert = [
        c for c in doc["components"][0]["components"] if c["bom-ref"].endswith(f"/cert/{index}")
    ][0]
    prop = [p for p in cert["properties"] if p["name"] == "sovbom:identity:certificate"][0]
    der = bytearray(base64.b64decode(prop["value"]))
    der[-10] ^= 0x01  # inside the signature
    prop["value"] = base64.b64encode(bytes(der)).decode()
    cert["hashes"][0]["content"] = hashlib.sha256(bytes(der)).hexdigest()
    r = verify_hardware(doc, load_roots(roots)).results[doc["components"][0]["bom-ref"]]
    assert r.status is Status.FAILED
    assert Reason.CHAIN_INVALID in r.reasons or Reason.EVIDENCE_UNREADABLE in r.reasons


def test_sample_against_another_root_is_untrusted(sample: Path, corpus: Path) -> None:
    doc = _doc(sample)
    rim_root = corpus / "hardware/attestation/nvtrust/verifier_RIM_root.pem"
    r = verify_hardware(doc, load_roots(rim_root)).results[doc["components"][0]["bom-ref"]]
    assert r.reasons == [Reason.CHAIN_UNTRUSTED]
