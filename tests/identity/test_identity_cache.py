"""The chain cache cannot be fooled: it is keyed by the anchors and the certificates' DER, and
validity windows are checked at every use (the same intermediate at another time, or under other
roots, gets its own answer)."""

from __future__ import annotations

import os
from datetime import timedelta

from device_pki import NOW, Device, VendorPKI
from shipment import factory_doc, gpu, observed_doc

from sovbom.identity import ChainValidator, DeviceEvidence, Reason, store_of, verify_evidence
from sovbom.identity.verify import verify_hardware


def _ev(d: Device, ref: str = "hw:x") -> DeviceEvidence:
    return DeviceEvidence(ref, ref, chain=d.chain_der(), transcript=d.transcript(), collected=NOW)


def test_same_intermediate_under_other_roots_is_validated_again(pki: VendorPKI) -> None:
    genuine = store_of([(pki.root, pki.vendor)])
    # a root with the same subject (so it is looked up for the intermediate) and another key
    forged = VendorPKI("Acme GPU", curve="P-384")
    assert forged.root.subject == pki.root.subject
    impostor = store_of([(forged.root, pki.vendor)])
    validator = ChainValidator(genuine)
    d = pki.device()
    assert verify_evidence([_ev(d)], genuine, validator=validator).results["hw:x"].findings == []
    misses = validator.cache_misses
    bad = verify_evidence([_ev(d)], impostor, validator=validator).results["hw:x"]
    assert bad.reasons == [Reason.CHAIN_INVALID]
    assert validator.cache_misses > misses  # not served from the cache of the genuine roots
    other = store_of([(VendorPKI("Other", curve="P-256").root, "Other")])
    assert verify_evidence([_ev(d)], other, validator=validator).results["hw:x"].reasons == [
        Reason.CHAIN_UNTRUSTED
    ]
    hits = validator.cache_hits
    again = verify_evidence([_ev(d)], genuine, validator=validator).results["hw:x"]
    assert again.findings == [] and validator.cache_hits > hits  # the genuine path, cached


def test_same_intermediate_at_another_time_is_checked_at_that_time(pki: VendorPKI) -> None:
    store = store_of([(pki.root, pki.vendor)])
    validator = ChainValidator(store)
    # a leaf outliving its intermediate: only the intermediate's window can fail
    d = pki.device(not_after=pki.ica.not_valid_after_utc + timedelta(days=3650))
    ev = _ev(d)
    assert (
        verify_evidence([ev], store, as_of=NOW, validator=validator).results["hw:x"].findings == []
    )
    late = pki.ica.not_valid_after_utc + timedelta(days=1)
    expired = verify_evidence([ev], store, as_of=late, validator=validator).results["hw:x"]
    assert expired.reasons == [Reason.CERTIFICATE_EXPIRED]
    assert "Device ICA" in expired.findings[0].detail
    early = pki.ica.not_valid_before_utc - timedelta(days=1)
    d_early = pki.device(not_before=early - timedelta(days=10))
    ev_early = _ev(d_early, "hw:y")
    too_early = verify_evidence([ev_early], store, as_of=early, validator=validator)
    assert too_early.results["hw:y"].reasons == [Reason.CERTIFICATE_NOT_YET_VALID]
    assert validator.cache_misses == 2  # one path for all three times: the windows re-checked


def test_a_warm_cache_still_catches_an_altered_intermediate(pki: VendorPKI) -> None:
    store = store_of([(pki.root, pki.vendor)])
    validator = ChainValidator(store)
    d = pki.device()
    assert verify_evidence([_ev(d)], store, validator=validator).results["hw:x"].findings == []
    leaf, ica, root = d.chain_der()
    tampered = bytearray(ica)
    tampered[-5] ^= 0x01  # inside the intermediate's signature
    ev = DeviceEvidence(
        "hw:z", "z", chain=(leaf, bytes(tampered), root), transcript=d.transcript(), collected=NOW
    )
    assert verify_evidence([ev], store, validator=validator).results["hw:z"].reasons == [
        Reason.CHAIN_INVALID
    ]


def test_root_first_chains_are_read_leaf_first(pki: VendorPKI) -> None:
    store = store_of([(pki.root, pki.vendor)])
    d = pki.device()
    ev = DeviceEvidence(
        "hw:r", "r", chain=tuple(reversed(d.chain_der())), transcript=d.transcript(), collected=NOW
    )
    assert verify_evidence([ev], store).results["hw:r"].findings == []


def test_a_part_presenting_another_chain_is_failed_not_missing(pki: VendorPKI) -> None:
    """The factory part it stands for gets the part's own reasons, no 'expected-part-missing'."""
    a, b = pki.device("M0"), pki.device("M1")
    observed = observed_doc([(gpu("o:0", "M0", "GPU0"), b, b.transcript(os.urandom(32)), None)])
    factory = factory_doc([(gpu("f:0", "M0", "GPU0"), a)])
    report = verify_hardware(observed, store_of([(pki.root, pki.vendor)]), expected=factory)
    assert "f:0" not in report.results
    assert Reason.IDENTITY_NOT_EXPECTED in report.results["o:0"].reasons


def test_parallel_workers_give_the_same_answers(pki: VendorPKI) -> None:
    store = store_of([(pki.root, pki.vendor)])
    devices = [pki.device() for _ in range(6)]
    evidence = [_ev(d, f"hw:{i}") for i, d in enumerate(devices)]
    bad = bytearray(evidence[2].transcript or b"")
    bad[-1] ^= 1
    evidence[2].transcript = bytes(bad)
    one = verify_evidence(evidence, store, jobs=1)
    two = verify_evidence(evidence, store, jobs=2)
    assert {k: r.reasons for k, r in one.results.items()} == {
        k: r.reasons for k, r in two.results.items()
    }
    assert two.results["hw:2"].reasons == [Reason.SIGNATURE_INVALID]
