"""Hardware identity evidence in an evidence pack: packed and listed in the signed index,
re-verified offline by ``inspect``, the hardware-verified levels re-derived; an altered
transcript, chain or revocation response fails (exit 3) with the reason named."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pack_support import (
    AS_OF,
    INDEX_SCHEMA,
    INSPECT_SCHEMA,
    index_signing_args,
    members,
    reindex,
    resign_index,
    sign,
    write_signers,
    write_zip,
)
from signing_support import Trust, invoke

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "identity"))

from device_pki import NOW, VendorPKI  # noqa: E402

from sovbom.identity import cdx  # noqa: E402
from sovbom.model import Component  # noqa: E402

POLICY = {
    "domestic_countries": ["US"],
    "require_origin": False,
    "verification": {
        "critical": "declared",
        "default": "declared",
        "classes": {"gpu": "hardware-verified"},
    },
}
Items = dict[str, bytes]


@dataclass
class HwPack:
    dir: Path
    archive: Path
    factory: Path
    observed: Path
    roots: Path
    signers: Path
    trust: Trust
    pki: VendorPKI


def _gpu(ref: str, serial: str, slot: str) -> Component:
    return Component(
        ref=ref, name=f"GPU {slot}", cls="gpu", serial=serial, slot=slot, seen_by=["t"]
    )


def _doc(comps: list[Component], *, server: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [c.to_cdx() for c in comps],
    }
    if server:
        refs = [c.ref for c in comps]
        doc["metadata"] = {"component": {"type": "device", "name": "server", "bom-ref": "server"}}
        doc["dependencies"] = [{"ref": "server", "dependsOn": refs}] + [{"ref": r} for r in refs]
    return doc


def make_hw_pack(trust: Trust, d: Path, pki: VendorPKI) -> HwPack:
    """A factory HBOM recording two GPUs' identities, the observed HBOM with their evidence
    (transcripts as files beside it, a captured OCSP response for gpu1), packed and signed."""
    devices = [pki.device("HW0"), pki.device("HW1")]
    (d / "evidence").mkdir()
    observed, factory = [], []
    for i, dev in enumerate(devices):
        transcript = dev.transcript(version=0x12)
        (d / "evidence" / f"gpu{i}.spdm").write_bytes(transcript)
        revocation = []
        if i == 1:
            ocsp, crl = pki.ocsp(dev, revoked=False), pki.crl([])  # the leaf, the intermediate
            (d / "evidence" / "gpu1.ocsp").write_bytes(ocsp)
            (d / "evidence" / "ica.crl").write_bytes(crl)
            revocation = [("evidence/gpu1.ocsp", ocsp), ("evidence/ica.crl", crl)]
        comp = _gpu(f"o:gpu{i}", dev.serial, f"GPU{i}")
        cdx.attach_evidence(
            comp, dev.chain, source="test", transcript=(f"evidence/gpu{i}.spdm", transcript),
            collected=NOW.isoformat(), revocation=revocation,
        )  # fmt: skip
        observed.append(comp)
        f = _gpu(f"f:gpu{i}", dev.serial, f"GPU{i}")
        cdx.record_identity(
            f, device_ids=[dev.device_id],
            measurements={str(k): f"SHA-384:{v.hex()}" for k, v in dev.measurements.items()},
        )  # fmt: skip
        factory.append(f)
    fac, obs = d / "factory.cdx.json", d / "observed.cdx.json"
    fac.write_text(json.dumps(_doc(factory, server=True)))
    obs.write_text(json.dumps(_doc(observed, server=False)))
    sign(trust, fac)
    roots = d / "roots"
    roots.mkdir()
    (roots / "acme.pem").write_bytes(pki.root_pem())
    (d / "policy.json").write_text(json.dumps(POLICY))
    signers = write_signers(d / "signers.yaml")
    archive = d / "evidence.zip"
    result = invoke(
        "pack", fac, "--signers", signers, "--trust-config", trust.trust_config,
        "--policy", d / "policy.json", "--as-of", AS_OF, "--hardware-roots", roots,
        "--observed", f"{fac}={obs}", *index_signing_args(trust), "-o", archive,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return HwPack(d, archive, fac, obs, roots, signers, trust, pki)


@pytest.fixture(scope="session")
def hw_pki() -> VendorPKI:
    return VendorPKI("Acme GPU", curve="P-384")


@pytest.fixture(scope="session")
def hw_pack(trust: Trust, tmp_path_factory: pytest.TempPathFactory, hw_pki: VendorPKI) -> HwPack:
    return make_hw_pack(trust, tmp_path_factory.mktemp("hw-pack"), hw_pki)


def _inspect(p: HwPack, archive: Path, *extra: str | Path) -> tuple[int, dict[str, Any], str]:
    result = invoke(
        "inspect", archive, "--signers", p.signers, "--trust-config", p.trust.trust_config,
        "-f", "json", "--fail-on", "never", *extra,
    )  # fmt: skip
    doc = json.loads(result.stdout)
    assert not list(INSPECT_SCHEMA.iter_errors(doc))
    return result.exit_code, doc, result.stderr


def _checks(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in doc["checks"] if c["kind"] == kind]


def test_pack_lists_the_hardware_evidence_in_the_signed_index(hw_pack: HwPack) -> None:
    items = members(hw_pack.archive)
    index = json.loads(items["index.json"])
    assert not list(INDEX_SCHEMA.iter_errors(index))
    roles = {m["name"]: m["role"] for m in index["members"]}
    digests = {m["name"]: m["sha256"] for m in index["members"]}
    section = index["hardware"]
    (root,) = section["roots"]
    assert roles[root] == "hardware-root" and items[root] == hw_pack.pki.root_pem()
    (entry,) = section["boms"]
    assert roles[entry["observed"]] == "hardware-observed"
    assert sorted(entry["files"]) == [
        "evidence/gpu0.spdm",
        "evidence/gpu1.ocsp",
        "evidence/gpu1.spdm",
        "evidence/ica.crl",
    ]
    for url, member in entry["files"].items():
        assert roles[member] == "hardware-evidence"
        assert items[member] == (hw_pack.dir / url).read_bytes()
        assert digests[member] == hashlib.sha256(items[member]).hexdigest()
    report = json.loads(items["reports/check-factory.cdx.json"])
    parts = {p["bom-ref"]: p for p in report["hardware_identity"]}
    assert parts["f:gpu0"]["proved"] and parts["f:gpu1"]["proved"]
    assert (
        parts["f:gpu1"]["revocation"] == "good" and parts["f:gpu0"]["revocation"] == "not-checked"
    )
    assert report["summary"]["verification_levels"]["hardware-verified"] == 2


def test_inspect_re_verifies_the_hardware_identity_offline(hw_pack: HwPack) -> None:
    code, doc, err = _inspect(hw_pack, hw_pack.archive, "--hardware-roots", hw_pack.roots)
    assert code == 0, err
    hw = _checks(doc, "hardware")
    assert all(c["ok"] for c in hw), hw
    assert any("2 of 2 part(s) proved" in c["detail"] for c in hw)
    assert any(c["kind"] == "report" and c["ok"] and "equal" in c["detail"] for c in doc["checks"])


def test_inspect_with_the_packed_roots_says_whose(hw_pack: HwPack) -> None:
    code, doc, err = _inspect(hw_pack, hw_pack.archive, "--use-packed-trust")
    assert code == 0, err
    roots = next(c for c in _checks(doc, "hardware") if c["subject"] == "roots")
    assert "the pack's roots" in roots["detail"] and "Acme GPU" in roots["detail"]


def test_inspect_without_hardware_roots_does_not_hold(hw_pack: HwPack) -> None:
    code, doc, _ = _inspect(hw_pack, hw_pack.archive)
    assert code == 3
    (roots,) = [c for c in _checks(doc, "hardware") if not c["ok"]]
    assert "no hardware roots" in roots["detail"]


def test_inspect_with_other_roots_names_the_untrusted_chain(
    hw_pack: HwPack, tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(VendorPKI("Other Vendor", curve="P-256").root_pem())
    code, doc, _ = _inspect(hw_pack, hw_pack.archive, "--hardware-roots", other)
    assert code == 3
    failed = [c for c in _checks(doc, "hardware") if not c["ok"]]
    assert (
        "f:gpu0: the packed report says proved, re-verified: chain-untrusted" in failed[0]["detail"]
    )


def _observed_member(items: Items) -> tuple[str, dict[str, Any]]:
    index = json.loads(items["index.json"])
    name = index["hardware"]["boms"][0]["observed"]
    return name, json.loads(items[name])


def _file_member(items: Items, url: str) -> str:
    return str(json.loads(items["index.json"])["hardware"]["boms"][0]["files"][url])


def transcript_altered(items: Items) -> None:
    """One measurement byte of gpu0's transcript flipped (the observed HBOM left as it was)."""
    name = _file_member(items, "evidence/gpu0.spdm")
    blob = bytearray(items[name])
    blob[-120] ^= 0x01
    items[name] = bytes(blob)


def transcript_and_its_digest_altered(items: Items) -> None:
    """The same, with the SHA-256 the observed HBOM records for it rewritten to match."""
    transcript_altered(items)
    new = hashlib.sha256(items[_file_member(items, "evidence/gpu0.spdm")]).hexdigest()
    name, doc = _observed_member(items)
    for comp in doc["components"]:
        for ref in comp.get("externalReferences") or ():
            if ref["url"] == "evidence/gpu0.spdm":
                ref["hashes"] = [{"alg": "SHA-256", "content": new}]
    items[name] = json.dumps(doc).encode()


def chain_altered(items: Items) -> None:
    """gpu0's leaf certificate replaced by gpu1's (certificate and its digest both rewritten)."""
    name, doc = _observed_member(items)
    by_ref = {c["bom-ref"]: c for c in doc["components"]}
    leaf0 = by_ref["o:gpu0"]["components"][0]
    leaf1 = by_ref["o:gpu1"]["components"][0]
    for key in ("properties", "hashes"):
        leaf0[key] = leaf1[key]
    items[name] = json.dumps(doc).encode()


def certificate_byte_flipped(items: Items) -> None:
    """One byte inside gpu0's leaf certificate flipped, its recorded SHA-256 rewritten."""
    name, doc = _observed_member(items)
    leaf = next(c for c in doc["components"] if c["bom-ref"] == "o:gpu0")["components"][0]
    prop = next(p for p in leaf["properties"] if p["name"] == cdx.CERTIFICATE)
    der = bytearray(base64.b64decode(prop["value"]))
    der[-10] ^= 0x01  # inside the signature
    prop["value"] = base64.b64encode(bytes(der)).decode()
    leaf["hashes"] = [{"alg": "SHA-256", "content": hashlib.sha256(bytes(der)).hexdigest()}]
    items[name] = json.dumps(doc).encode()


ATTACKS = [
    (transcript_altered, "f:gpu0", "evidence-digest-mismatch"),
    (transcript_and_its_digest_altered, "f:gpu0", "signature-invalid"),
    (chain_altered, "f:gpu0", "signature-invalid"),
    (certificate_byte_flipped, "f:gpu0", "chain-invalid"),
]


@pytest.mark.parametrize(
    ("attack", "ref", "reason"), ATTACKS, ids=lambda a: getattr(a, "__name__", a)
)
def test_altered_evidence_with_the_index_re_signed_fails_with_the_reason(
    hw_pack: HwPack, tmp_path: Path, attack: Any, ref: str, reason: str
) -> None:
    """A dishonest operator alters the evidence and signs the index again: the digests hold,
    the re-verification names what is wrong."""
    items = members(hw_pack.archive)
    attack(items)
    items = resign_index(hw_pack.trust, reindex(items), tmp_path)
    archive = write_zip(tmp_path / "altered.zip", items)
    code, doc, err = _inspect(hw_pack, archive, "--hardware-roots", hw_pack.roots)
    assert code == 3
    failed = [c for c in doc["checks"] if not c["ok"]]
    assert failed[0]["kind"] == "hardware", failed
    assert f"{ref}: the packed report says proved, re-verified: {reason}" in failed[0]["detail"]
    assert reason in err  # the exit message names it too
    assert any(c["kind"] == "report" and "differs" in c["detail"] for c in failed)


def test_altered_revocation_response_fails(hw_pack: HwPack, tmp_path: Path) -> None:
    items = members(hw_pack.archive)
    name = _file_member(items, "evidence/gpu1.ocsp")
    blob = bytearray(items[name])
    blob[-3] ^= 0x01
    items[name] = bytes(blob)
    items = resign_index(hw_pack.trust, reindex(items), tmp_path)
    code, doc, _ = _inspect(
        hw_pack, write_zip(tmp_path / "a.zip", items), "--hardware-roots", hw_pack.roots
    )
    assert code == 3
    (failed,) = [c for c in _checks(doc, "hardware") if not c["ok"]]
    assert (
        "f:gpu1: the packed report says proved, re-verified: evidence-digest-mismatch"
        in failed["detail"]
    )


def test_altered_evidence_in_a_signed_pack_fails_its_digest(
    hw_pack: HwPack, tmp_path: Path
) -> None:
    items = members(hw_pack.archive)
    transcript_altered(items)
    code, doc, _ = _inspect(
        hw_pack, write_zip(tmp_path / "a.zip", items), "--hardware-roots", hw_pack.roots
    )
    assert code == 3
    (failed,) = [c for c in doc["checks"] if not c["ok"]]
    assert failed["kind"] == "digest" and failed["subject"].startswith("hardware/")
