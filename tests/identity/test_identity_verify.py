"""Hardware identity: valid evidence passes; each kind of tampering has its own reason."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from device_pki import NOW, VendorPKI
from shipment import factory_doc, gpu, observed_doc

from sovbom.identity import (
    ChainValidator,
    DeviceEvidence,
    Reason,
    Revocation,
    Status,
    store_of,
    verify_evidence,
    verify_hardware,
)


def _evidence(device, transcript, *, nonce=None, revocation=()):  # type: ignore[no-untyped-def]
    return DeviceEvidence(
        "hw:gpu0",
        "GPU",
        chain=device.chain_der(),
        transcript=transcript,
        nonce=nonce,
        revocation=tuple(revocation),
        collected=NOW,
    )


def _one(pki: VendorPKI, ev: DeviceEvidence, roots: VendorPKI | None = None):  # type: ignore[no-untyped-def]
    store = store_of([((roots or pki).root, (roots or pki).vendor)])
    return verify_evidence([ev], store).results[ev.ref]


@pytest.mark.parametrize("version,vca", [(0x11, False), (0x12, False), (0x12, True), (0x11, True)])
def test_valid_evidence_is_genuine(pki: VendorPKI, version: int, vca: bool) -> None:
    d = pki.device()
    nonce = os.urandom(32)
    r = _one(pki, _evidence(d, d.transcript(nonce, version=version, vca=vca), nonce=nonce))
    assert r.status is Status.UNBOUND, r.findings  # genuine, nothing to bind to
    assert r.findings == []
    assert r.anchor == pki.vendor
    assert r.device_id == d.device_id
    assert r.spdm_version == f"1.{version & 0xF}"
    assert r.revocation is Revocation.NOT_CHECKED
    assert r.measurements[2] == f"SHA-384:{d.measurements[2].hex()}"


@pytest.mark.parametrize("key", ["P-256", "P-521", "RSA-2048"])
def test_other_allowed_keys_verify(key: str) -> None:
    pki = VendorPKI(f"Vendor {key}", curve="P-256", leaf_key=key)
    d = pki.device()
    for vca in (False, True):
        r = _one(pki, _evidence(d, d.transcript(version=0x12, vca=vca)))
        assert r.findings == [], r.findings
        assert r.signature_algorithm


def test_rsa_1024_device_key_is_not_allowed() -> None:
    pki = VendorPKI("Weak", curve="P-256", leaf_key="RSA-1024")
    d = pki.device()
    assert _one(pki, _evidence(d, d.transcript())).reasons == [Reason.ALGORITHM_NOT_ALLOWED]


def test_bad_signature(pki: VendorPKI) -> None:
    d = pki.device()
    t = bytearray(d.transcript())
    t[-1] ^= 0x01
    assert _one(pki, _evidence(d, bytes(t))).reasons == [Reason.SIGNATURE_INVALID]


def test_measurement_edited_in_transcript_breaks_signature(pki: VendorPKI) -> None:
    d = pki.device()
    t = bytearray(d.transcript())
    digest = d.measurements[2]
    at = bytes(t).index(digest)
    t[at] ^= 0xFF
    assert _one(pki, _evidence(d, bytes(t))).reasons == [Reason.SIGNATURE_INVALID]


def test_transcript_signed_by_another_key(pki: VendorPKI) -> None:
    d, other = pki.device(), pki.device()
    assert _one(pki, _evidence(d, other.transcript())).reasons == [Reason.SIGNATURE_INVALID]


def test_wrong_root(pki: VendorPKI, other_pki: VendorPKI) -> None:
    d = pki.device()
    r = _one(pki, _evidence(d, d.transcript()), roots=other_pki)
    assert r.reasons == [Reason.CHAIN_UNTRUSTED]
    assert r.status is Status.FAILED


def test_expired_and_not_yet_valid(pki: VendorPKI) -> None:
    old = pki.device(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    assert _one(pki, _evidence(old, old.transcript())).reasons == [Reason.CERTIFICATE_EXPIRED]
    future = pki.device(not_before=NOW + timedelta(days=1))
    assert _one(pki, _evidence(future, future.transcript())).reasons == [
        Reason.CERTIFICATE_NOT_YET_VALID
    ]


def test_as_of_overrides_the_collection_time(pki: VendorPKI) -> None:
    d = pki.device()
    store = store_of([(pki.root, pki.vendor)])
    ev = _evidence(d, d.transcript())
    late = verify_evidence([ev], store, as_of=NOW + timedelta(days=3650 * 2))
    assert late.results[ev.ref].reasons == [Reason.CERTIFICATE_EXPIRED]


def test_revoked_by_captured_ocsp(pki: VendorPKI) -> None:
    d = pki.device()
    ev = _evidence(d, d.transcript(), revocation=[pki.ocsp(d, revoked=True)])
    r = _one(pki, ev)
    assert r.reasons == [Reason.CERTIFICATE_REVOKED]
    assert r.revocation is Revocation.REVOKED


def test_revocation_good_only_when_every_certificate_is_covered(pki: VendorPKI) -> None:
    d = pki.device()
    leaf_only = _one(pki, _evidence(d, d.transcript(), revocation=[pki.ocsp(d, revoked=False)]))
    assert leaf_only.findings == []
    assert leaf_only.revocation is Revocation.NOT_CHECKED  # the intermediate has no answer
    both = _one(
        pki, _evidence(d, d.transcript(), revocation=[pki.ocsp(d, revoked=False), pki.crl([])])
    )
    assert both.revocation is Revocation.GOOD
    ica_revoked = _one(
        pki, _evidence(d, d.transcript(), revocation=[pki.ocsp(d, revoked=False), pki.crl([d])])
    )
    assert ica_revoked.reasons == [Reason.CERTIFICATE_REVOKED]


def test_ocsp_response_signed_by_a_stranger_is_ignored(
    pki: VendorPKI, other_pki: VendorPKI
) -> None:
    d = pki.device()
    forged = other_pki.ocsp(d, revoked=False)  # names the right certificate, wrong signer
    r = _one(pki, _evidence(d, d.transcript(), revocation=[forged]))
    assert r.revocation is Revocation.NOT_CHECKED


def test_nonce_mismatch_and_replay(pki: VendorPKI) -> None:
    d, e = pki.device(), pki.device()
    sent = os.urandom(32)
    r = _one(pki, _evidence(d, d.transcript(os.urandom(32)), nonce=sent))
    assert r.reasons == [Reason.NONCE_MISMATCH]
    same = os.urandom(32)
    store = store_of([(pki.root, pki.vendor)])
    a = DeviceEvidence(
        "hw:a", "A", chain=d.chain_der(), transcript=d.transcript(same), collected=NOW
    )
    b = DeviceEvidence(
        "hw:b", "B", chain=e.chain_der(), transcript=e.transcript(same), collected=NOW
    )
    report = verify_evidence([a, b], store)
    assert report.results["hw:a"].reasons == [Reason.NONCE_REPLAYED]
    assert report.results["hw:b"].reasons == [Reason.NONCE_REPLAYED]
    fresh = DeviceEvidence("hw:c", "C", chain=d.chain_der(), transcript=d.transcript(same))
    again = verify_evidence([fresh], store, as_of=NOW, seen_nonces={same})
    assert again.results["hw:c"].reasons == [Reason.NONCE_REPLAYED]


def test_malformed_and_unsupported_transcripts(pki: VendorPKI) -> None:
    d = pki.device()
    assert _one(pki, _evidence(d, d.transcript()[:30])).reasons == [Reason.TRANSCRIPT_MALFORMED]
    t = bytearray(d.transcript())
    t[0] = 0x13
    assert _one(pki, _evidence(d, bytes(t))).reasons == [Reason.UNSUPPORTED_SPDM_VERSION]
    assert _one(pki, _evidence(d, None)).reasons == [Reason.TRANSCRIPT_MISSING]


def test_chain_cache_is_per_intermediate(pki: VendorPKI) -> None:
    store = store_of([(pki.root, pki.vendor)])
    validator = ChainValidator(store)
    devices = [pki.device() for _ in range(5)]
    evidence = [
        DeviceEvidence(
            f"hw:{i}", "x", chain=d.chain_der(), transcript=d.transcript(), collected=NOW
        )
        for i, d in enumerate(devices)
    ]
    report = verify_evidence(evidence, store, validator=validator)
    assert all(r.findings == [] for r in report.results.values())
    assert validator.cache_misses == 2  # the intermediate, then the anchor above it: once
    assert validator.cache_hits == 4


def test_broken_intermediate_signature_is_caught(pki: VendorPKI) -> None:
    d = pki.device()
    der = bytearray(d.chain_der()[1])
    der[-5] ^= 0x01  # inside the intermediate's signature
    ev = DeviceEvidence(
        "hw:x", "x", chain=(d.chain_der()[0], bytes(der)), transcript=d.transcript(), collected=NOW
    )
    assert _one(pki, ev).reasons == [Reason.CHAIN_INVALID]


# ---- bound to the factory HBOM -------------------------------------------------------------


def _store(pki: VendorPKI):  # type: ignore[no-untyped-def]
    return store_of([(pki.root, pki.vendor)])


def test_bound_to_the_factory_hbom(pki: VendorPKI) -> None:
    d0, d1 = pki.device("S0"), pki.device("S1")
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    observed = observed_doc(
        [
            (gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(), None),
            (gpu("o:gpu1", "S1", "GPU1"), d1, d1.transcript(), None),
        ]
    )
    report = verify_hardware(observed, _store(pki), expected=factory)
    assert report.holds
    assert report.results["o:gpu0"].status is Status.VERIFIED
    assert report.results["o:gpu0"].expected_ref == "f:gpu0"
    assert report.results["o:gpu1"].expected_ref == "f:gpu1"


def test_tampered_measurement_against_the_factory_record(pki: VendorPKI) -> None:
    d0 = pki.device("S0")
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0)])
    evil = {1: d0.measurements[1], 2: hashlib.sha384(b"implant").digest()}
    observed = observed_doc(
        [(gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(measurements=evil), None)]
    )
    r = verify_hardware(observed, _store(pki), expected=factory).results["o:gpu0"]
    assert r.reasons == [Reason.MEASUREMENT_MISMATCH]


def test_hbom_measurement_edited_after_collection(pki: VendorPKI) -> None:
    d0 = pki.device("S0")
    observed = observed_doc([(gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(), None)])
    props = observed["components"][0]["properties"]
    for p in props:
        if p["name"] == "sovbom:identity:measurement" and p["value"].startswith("2:"):
            p["value"] = "2:SHA-384:" + "00" * 48
    r = verify_hardware(observed, _store(pki)).results["o:gpu0"]
    assert r.reasons == [Reason.MEASUREMENT_MISMATCH]


def test_identity_of_another_component(pki: VendorPKI) -> None:
    d0, d1 = pki.device("S0"), pki.device("S1")
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    # the BMC says GPU0 has serial S0, but the evidence proves it is the unit recorded as GPU1
    observed = observed_doc([(gpu("o:gpu0", "S0", "GPU0"), d1, d1.transcript(), None)])
    report = verify_hardware(observed, _store(pki), expected=factory)
    assert report.results["o:gpu0"].reasons == [Reason.IDENTITY_OF_ANOTHER_COMPONENT]
    assert not report.holds


def test_gpu_swapped_with_another_genuine_gpu(pki: VendorPKI) -> None:
    d0, d1 = pki.device("S0"), pki.device("S1")
    stranger = pki.device("S9")  # genuine, same vendor root, never recorded by the factory
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    observed = observed_doc(
        [
            (gpu("o:gpu0", "S0", "GPU0"), stranger, stranger.transcript(), None),
            (gpu("o:gpu1", "S1", "GPU1"), d1, d1.transcript(), None),
        ]
    )
    report = verify_hardware(observed, _store(pki), expected=factory)
    assert report.results["o:gpu0"].reasons == [Reason.IDENTITY_NOT_EXPECTED]
    assert report.results["o:gpu1"].status is Status.VERIFIED


def test_bmc_reporting_a_false_serial_is_bound_by_proof(pki: VendorPKI) -> None:
    d0 = pki.device("S0")
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0)])
    observed = observed_doc([(gpu("o:x", "BOGUS", "SLOT9"), d0, d0.transcript(), None)])
    r = verify_hardware(observed, _store(pki), expected=factory).results["o:x"]
    assert r.status is Status.VERIFIED
    assert r.expected_ref == "f:gpu0"


def test_expected_part_without_evidence(pki: VendorPKI) -> None:
    d0, d1 = pki.device("S0"), pki.device("S1")
    factory = factory_doc([(gpu("f:gpu0", "S0", "GPU0"), d0), (gpu("f:gpu1", "S1", "GPU1"), d1)])
    observed = observed_doc(
        [
            (gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(), None),
            (gpu("o:gpu1", "S1", "GPU1"), None, None, None),
        ]
    )
    report = verify_hardware(observed, _store(pki), expected=factory)
    assert report.results["o:gpu1"].status is Status.NO_EVIDENCE
    assert report.results["o:gpu1"].reasons == [Reason.NO_EVIDENCE]
    assert not report.holds
    only_one = observed_doc([(gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(), None)])
    missing = verify_hardware(only_one, _store(pki), expected=factory)
    assert missing.results["f:gpu1"].reasons == [Reason.EXPECTED_PART_MISSING]


def test_certificate_edited_in_the_hbom(pki: VendorPKI) -> None:
    d0 = pki.device("S0")
    observed = observed_doc([(gpu("o:gpu0", "S0", "GPU0"), d0, d0.transcript(), None)])
    cert = observed["components"][0]["components"][0]
    cert["hashes"][0]["content"] = "00" * 32
    r = verify_hardware(observed, _store(pki)).results["o:gpu0"]
    assert r.reasons == [Reason.EVIDENCE_DIGEST_MISMATCH]


def test_transcript_file_reference_is_checked(pki: VendorPKI, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sovbom.identity import cdx

    d0 = pki.device("S0")
    blob = d0.transcript()
    (tmp_path / "gpu0.spdm").write_bytes(blob)
    comp = gpu("o:gpu0", "S0", "GPU0")
    cdx.attach_evidence(
        comp, d0.chain, source="test", transcript=("gpu0.spdm", blob), collected=NOW.isoformat()
    )
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [comp.to_cdx()]}
    assert verify_hardware(doc, _store(pki), base_dir=tmp_path).results["o:gpu0"].findings == []
    (tmp_path / "gpu0.spdm").write_bytes(blob[:-1] + bytes([blob[-1] ^ 1]))
    r = verify_hardware(doc, _store(pki), base_dir=tmp_path).results["o:gpu0"]
    assert Reason.EVIDENCE_DIGEST_MISMATCH in r.reasons
    (tmp_path / "gpu0.spdm").unlink()
    r = verify_hardware(doc, _store(pki), base_dir=tmp_path).results["o:gpu0"]
    assert Reason.EVIDENCE_UNREADABLE in r.reasons


def test_worker_processes_give_the_same_results(pki: VendorPKI) -> None:
    store = _store(pki)
    devices = [pki.device() for _ in range(6)]
    same = os.urandom(32)
    evidence = [
        DeviceEvidence(
            f"hw:{i}",
            "x",
            chain=d.chain_der(),
            transcript=d.transcript(same if i < 2 else None),
            collected=NOW,
        )
        for i, d in enumerate(devices)
    ]
    evidence[3].transcript = evidence[3].transcript[:-1] + b"\0"  # type: ignore[index]
    one = verify_evidence(evidence, store, jobs=1)
    two = verify_evidence(evidence, store, jobs=2)
    assert {k: r.to_json() for k, r in one.results.items()} == {
        k: r.to_json() for k, r in two.results.items()
    }
    assert two.results["hw:0"].reasons == [Reason.NONCE_REPLAYED]
    assert two.results["hw:3"].reasons == [Reason.SIGNATURE_INVALID]
