"""The lean verifier against sigstore-python's: identical verdicts, and no forgery accepted.

* Differential: every bundle of the corpus (the sigstore-conformance suite's passing and failing
  cases, sigstore-python's test bundles) and bundles made on the local instance (message
  signatures, DSSE attestations, e-mail and URI identities, roots with key windows that end before
  or start after the signing) are verified with the lean path on and off: the verdicts are the
  same, and whatever the lean verifier vouches for, sigstore-python verifies.
* Mutations: a flipped byte in the signature, certificate, inclusion proof, checkpoint, signed
  entry timestamp, log entry body or file, and another identity or issuer, each make the lean
  verifier decline (as a failed check, not an unknown shape), and ``sovbom verify`` fail with
  exit code 3 and its one-line error.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from signing_support import BOM, IDENTITY, ISSUER, Trust, invoke

from sovbom.errors import InputError
from sovbom.signers import IdentityRule
from sovbom.signing import ANY_PREDICATE_TYPE, BundleVerifier, Status, TrustMaterial
from sovbom.signing.lean import Decline, LeanVerifier, Rejected
from sovbom.signing.lean.identity import certificate_identities, certificate_issuer
from sovbom.signing.lean.trustroot import check_trusted_root

SIGSTORE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "sigstore"
SUITE = SIGSTORE / "sigstore-conformance" / "bundle-verify"
PYTHON_ASSETS = SIGSTORE / "sigstore-python"
BEACON = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
GITHUB = "https://token.actions.githubusercontent.com"
RULE = IdentityRule(identity=IDENTITY, issuer=ISSUER)


@dataclass
class Outcome:
    lean_vouched: bool
    verdict: dict[str, Any]


def _verdict(verifier: BundleVerifier, data: bytes, bundle: bytes) -> dict[str, Any]:
    try:
        v = verifier.verify_bytes(data, bundle, name="file", bundle_name="file.sigstore.json")
    except InputError as e:
        return {"status": "input error", "reason": e.message}
    d = v.to_dict()
    d.pop("trust_root")
    return d


def _both(trust: TrustMaterial, rules: list[IdentityRule], data: bytes, bundle: bytes) -> Outcome:
    """Verify with the lean path on and off: the verdicts must be the same."""
    kw: dict[str, Any] = {"predicate_types": (ANY_PREDICATE_TYPE,)}
    lean = _verdict(BundleVerifier(trust, rules, **kw), data, bundle)
    full = _verdict(BundleVerifier(trust, rules, lean=False, **kw), data, bundle)
    assert lean == full
    vouched = False
    if trust.lean is not None:
        try:
            LeanVerifier(trust.lean, rules).verify(json.loads(bundle), _sha256(data))
            vouched = True
        except (Decline, ValueError):
            pass
    if vouched:  # never more lenient: what the lean verifier vouches for, sigstore-python verifies
        _sigstore_python_verifies(trust, rules, data, bundle)
        assert full["status"] == str(Status.VERIFIED) or "dsseEnvelope" in json.loads(bundle), full
    return Outcome(vouched, full)


def _sigstore_python_verifies(
    trust: TrustMaterial, rules: list[IdentityRule], data: bytes, bundle_bytes: bytes
) -> None:
    """sigstore-python's own verification, with the keys valid at the signing times (raises)."""
    from sigstore.models import Bundle

    from sovbom.signing.identity import RulesPolicy
    from sovbom.signing.verify import signed_times

    bundle = Bundle.from_json(bundle_bytes)
    verifier, _ = trust.verifier_at(signed_times(bundle))
    assert verifier is not None
    if "dsseEnvelope" in json.loads(bundle_bytes):
        verifier.verify_dsse(bundle, RulesPolicy(rules))
    else:
        verifier.verify_artifact(data, bundle, RulesPolicy(rules))


def _sha256(data: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(data).digest()


def _signer_rules(bundle: bytes) -> list[IdentityRule]:
    """A rule naming the bundle's own signer (so that every other check is exercised), else the
    conformance suite's default signer."""
    from cryptography import x509

    try:
        doc = json.loads(bundle)
        material = doc["verificationMaterial"]
        raw = (
            material["certificate"]["rawBytes"]
            if "certificate" in material
            else material["x509CertificateChain"]["certificates"][0]["rawBytes"]
        )
        cert = x509.load_der_x509_certificate(base64.b64decode(raw))
        identities, issuer = certificate_identities(cert), certificate_issuer(cert)
    except (ValueError, KeyError, TypeError, IndexError):
        identities, issuer = [], None
    if identities and issuer:
        return [IdentityRule(identity=identities[0], issuer=issuer)]
    return [IdentityRule(identity=BEACON, issuer=GITHUB)]


def _corpus_cases() -> list[tuple[str, Path, Path, Path | None]]:
    """(name, artifact, bundle, the case's own trusted root) for every corpus bundle."""
    cases = []
    if SUITE.is_dir():
        for d in sorted(SUITE.iterdir()):
            if (d / "bundle.sigstore.json").is_file():
                artifact = d / "artifact" if (d / "artifact").is_file() else SUITE / "a.txt"
                root = d / "trusted_root.json" if (d / "trusted_root.json").is_file() else None
                cases.append((d.name, artifact, d / "bundle.sigstore.json", root))
    if PYTHON_ASSETS.is_dir():
        for b in sorted(PYTHON_ASSETS.iterdir()):
            if b.name.endswith((".sigstore", ".sigstore.json")):
                artifact = b.with_name(b.name.split(".sigstore")[0])
                cases.append((f"sigstore-python/{b.name}", artifact, b, None))
    return cases


@pytest.mark.corpus
def test_corpus_verdicts_are_identical(corpus: Path) -> None:
    roots = {
        "production": TrustMaterial.public_good(offline=True),
        "staging": TrustMaterial.public_good(staging=True, offline=True),
        "corpus snapshot": TrustMaterial.from_trusted_root_file(
            PYTHON_ASSETS / "trusted_root" / "trustedroot.v1.json"
        ),
    }
    assert all(t.lean is not None for t in roots.values())  # the public roots are handled
    counts = {"bundles": 0, "verdicts": 0, "verified": 0, "vouched": 0}
    vouched: set[str] = set()
    for name, artifact, bundle_path, own_root in _corpus_cases():
        counts["bundles"] += 1
        data = artifact.read_bytes() if artifact.is_file() else b""
        bundle = bundle_path.read_bytes()
        trusts = dict(roots)
        if own_root is not None:
            try:
                trusts = {"own": TrustMaterial.from_trusted_root_file(own_root)}
            except InputError:
                continue  # a malformed root (a failing case): nothing is verified with it
        rules = _signer_rules(bundle)
        for root_name, trust in trusts.items():
            outcome = _both(trust, rules, data, bundle)
            counts["verdicts"] += 1
            counts["verified"] += outcome.verdict["status"] == "verified"
            counts["vouched"] += outcome.lean_vouched
            if outcome.lean_vouched:
                vouched.add(name)
            if name.endswith("_fail") and root_name in ("production", "own"):  # the suite's root
                assert outcome.verdict["status"] != "verified", name
    print(f"\ncorpus differential: {counts}; the lean verifier vouched for {sorted(vouched)}")
    assert counts["bundles"] >= 80
    # The shapes sovbom's lean path is for, from the public instance, are vouched for.
    assert {"happy-path-v0.3", "happy-path-v0.3-new-mediaType", "happy-path-intoto-in-dsse-v3"} <= (
        vouched
    )


@pytest.mark.corpus
def test_every_root_the_lean_reader_accepts_sigstore_python_reads(corpus: Path) -> None:
    from sigstore_models.trustroot import v1 as trustroot_v1

    from sovbom.signing.lean import Unsupported

    roots = [*SIGSTORE.rglob("trusted_root*.json"), *SIGSTORE.rglob("trustedroot*.json")]
    accepted = 0
    for path in roots:
        try:
            check_trusted_root(json.loads(path.read_bytes()))
        except (Unsupported, ValueError):
            continue
        accepted += 1
        trustroot_v1.TrustedRoot.from_json(path.read_bytes())  # raises if pydantic disagrees
    assert accepted >= 10


# ------------------------------------------------------------------ local instance


def _sign(trust: Trust, tmp: Path, name: str, *opts: str, identity: str = IDENTITY) -> Path:
    f = tmp / name
    serial = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"
    f.write_text(json.dumps({**BOM, "serialNumber": serial}, indent=2))
    token = trust.token(identity)
    result = invoke(
        "sign", f, "--trust-config", trust.trust_config, "--identity-token", token, *opts
    )
    assert result.exit_code == 0, result.stderr
    return f


def _root_with(trust: Trust, tmp: Path, edit: Callable[[dict[str, Any]], None]) -> TrustMaterial:
    doc = json.loads(trust.trusted_root.read_text())
    edit(doc)
    path = tmp / f"root-{len(list(tmp.glob('root-*')))}.json"
    path.write_text(json.dumps(doc))
    return TrustMaterial.from_trusted_root_file(path)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_local_verdicts_are_identical(trust: Trust, tmp_path: Path) -> None:
    files = [
        _sign(trust, tmp_path, "plain.cdx.json"),
        _sign(trust, tmp_path, "attested.cdx.json", "--attest"),
        _sign(trust, tmp_path, "uri.cdx.json", identity="https://ci.example/pipelines/7"),
    ]
    now = dt.datetime.now(dt.UTC)
    past, future = _iso(now - dt.timedelta(days=3650)), _iso(now + dt.timedelta(days=1))

    def tlog_ended(doc: dict[str, Any]) -> None:
        doc["tlogs"][0]["publicKey"]["validFor"]["end"] = _iso(now - dt.timedelta(hours=1))

    def ct_not_started(doc: dict[str, Any]) -> None:
        doc["ctlogs"][0]["publicKey"]["validFor"]["start"] = future

    def ca_ended(doc: dict[str, Any]) -> None:
        doc["certificateAuthorities"][0]["validFor"] = {"start": past, "end": past}

    roots = {
        "config": TrustMaterial.from_trust_config_file(trust.trust_config),
        "root": TrustMaterial.from_trusted_root_file(trust.trusted_root),
        "foreign": TrustMaterial.from_trusted_root_file(trust.other_root),
        "tlog key ended": _root_with(trust, tmp_path, tlog_ended),
        "CT key not started": _root_with(trust, tmp_path, ct_not_started),
        "CA ended": _root_with(trust, tmp_path, ca_ended),
    }
    signers = {
        "signer": [RULE],
        "URI signer": [IdentityRule(identity="https://ci.example/pipelines/7", issuer=ISSUER)],
        "regexp": [IdentityRule(identity_regexp=r".*@acme-servers\.example", issuer=ISSUER)],
        "issuer regexp": [IdentityRule(identity=IDENTITY, issuer="", issuer_regexp=r"https://.*")],
        "other": [IdentityRule(identity="someone@else.example", issuer=ISSUER)],
    }
    vouched = verified = 0
    for f in files:
        bundle = f.with_name(f.name + ".sigstore.json").read_bytes()
        for root_name, root in roots.items():
            for rules in signers.values():
                outcome = _both(root, rules, f.read_bytes(), bundle)
                vouched += outcome.lean_vouched
                verified += outcome.verdict["status"] == "verified"
                if root_name not in ("config", "root"):
                    assert outcome.verdict["status"] == "failed", (root_name, outcome)
    # two good roots x (two e-mail signed files x three matching rules + the URI one x one)
    assert vouched == verified == 2 * (2 * 3 + 1)


# ------------------------------------------------------------------ mutations


def _flip_b64(value: str, at: int = -1) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _entry(doc: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = doc["verificationMaterial"]["tlogEntries"][0]
    return entry


def _flip_checkpoint_root(doc: dict[str, Any]) -> None:
    proof = _entry(doc)["inclusionProof"]
    lines = proof["checkpoint"]["envelope"].split("\n")
    lines[2] = _flip_b64(lines[2])
    proof["checkpoint"]["envelope"] = "\n".join(lines)


def _flip_checkpoint_signature(doc: dict[str, Any]) -> None:
    proof = _entry(doc)["inclusionProof"]
    head, _, sig = proof["checkpoint"]["envelope"].partition("\n\n")
    dash, name, value = sig.rstrip("\n").split(" ")
    proof["checkpoint"]["envelope"] = f"{head}\n\n{dash} {name} {_flip_b64(value)}\n"


def _edit_body(doc: dict[str, Any]) -> None:
    entry = _entry(doc)
    body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
    spec = body["spec"]
    digest = spec["data"]["hash"] if body["kind"] == "hashedrekord" else spec["payloadHash"]
    digest["value"] = ("0" if digest["value"][0] != "0" else "1") + digest["value"][1:]
    text = json.dumps(body, separators=(",", ":"), sort_keys=True)
    entry["canonicalizedBody"] = base64.b64encode(text.encode()).decode()


def _signature(doc: dict[str, Any]) -> None:
    if "dsseEnvelope" in doc:
        sig = doc["dsseEnvelope"]["signatures"][0]
        sig["sig"] = _flip_b64(sig["sig"], at=10)
    else:
        doc["messageSignature"]["signature"] = _flip_b64(doc["messageSignature"]["signature"], 10)


def _certificate(doc: dict[str, Any]) -> None:
    cert = doc["verificationMaterial"]["certificate"]
    cert["rawBytes"] = _flip_b64(cert["rawBytes"], at=-3)  # in the CA's signature value


def _proof_hash(doc: dict[str, Any]) -> None:
    proof = _entry(doc)["inclusionProof"]
    if proof["hashes"]:
        proof["hashes"][0] = _flip_b64(proof["hashes"][0])
    else:  # the first entry of a log: no sibling hashes, the root is the leaf hash
        proof["rootHash"] = _flip_b64(proof["rootHash"])


def _set(doc: dict[str, Any]) -> None:
    promise = _entry(doc)["inclusionPromise"]
    promise["signedEntryTimestamp"] = _flip_b64(promise["signedEntryTimestamp"], at=10)


def _integrated_time(doc: dict[str, Any]) -> None:
    entry = _entry(doc)
    entry["integratedTime"] = str(int(entry["integratedTime"]) + 1)


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "signature": _signature,
    "certificate": _certificate,
    "inclusion proof hash": _proof_hash,
    "inclusion proof root": lambda d: _entry(d)["inclusionProof"].update(
        rootHash=_flip_b64(_entry(d)["inclusionProof"]["rootHash"])
    ),
    "checkpoint root": _flip_checkpoint_root,
    "checkpoint signature": _flip_checkpoint_signature,
    "signed entry timestamp": _set,
    "integrated time": _integrated_time,
    "log entry body": _edit_body,
}


@pytest.mark.parametrize("attest", [False, True], ids=["message", "dsse"])
def test_every_mutation_is_rejected(trust: Trust, tmp_path: Path, attest: bool) -> None:
    f = _sign(trust, tmp_path, "node.cdx.json", *(["--attest"] if attest else []))
    bundle_path = f.with_name(f.name + ".sigstore.json")
    original = json.loads(bundle_path.read_text())
    material = TrustMaterial.from_trust_config_file(trust.trust_config)
    assert material.lean is not None
    lean = LeanVerifier(material.lean, [RULE])
    data = f.read_bytes()
    lean.verify(original, _sha256(data))  # the unmodified bundle is vouched for

    cases: list[tuple[str, dict[str, Any], bytes, list[IdentityRule]]] = []
    for name, mutate in MUTATIONS.items():
        doc = copy.deepcopy(original)
        mutate(doc)
        assert doc != original, name
        cases.append((name, doc, data, [RULE]))
    cases += [
        ("file", original, data + b" ", [RULE]),
        ("identity", original, data, [IdentityRule(identity="x@y.example", issuer=ISSUER)]),
        ("issuer", original, data, [IdentityRule(identity=IDENTITY, issuer="https://other")]),
    ]
    for name, doc, content, rules in cases:
        if attest and name == "file":
            # a DSSE envelope signs the statement, not the file: the envelope verifies, and the
            # statement's subject digest (sovbom's check on both paths) does not match the file
            LeanVerifier(material.lean, rules).verify(doc, _sha256(content))
        else:
            with pytest.raises(Rejected):  # a failed check, not an unknown shape
                LeanVerifier(material.lean, rules).verify(doc, _sha256(content))
        bundle = json.dumps(doc).encode()
        outcome = _both(material, rules, content, bundle)
        assert outcome.verdict["status"] == "failed", (name, outcome.verdict)
        # the command: exit 3, one line naming the file and why
        target = tmp_path / f"mutated-{name.replace(' ', '-')}.cdx.json"
        target.write_bytes(content)
        target.with_name(target.name + ".sigstore.json").write_bytes(bundle)
        rule = rules[0]
        identity = ["--cert-identity", rule.identity] if rule.identity else []
        result = invoke(
            "verify", target, "--trust-config", trust.trust_config, *identity,
            "--cert-oidc-issuer", rule.issuer, "-f", "table", "-o", tmp_path / "report.txt",
        )  # fmt: skip
        assert result.exit_code == 3, (name, result.stderr)
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("sovbom: error: ") and target.name in last, (name, last)


def test_verify_does_not_import_sigstore_python(trust: Trust, tmp_path: Path) -> None:
    """A batch of bundles the lean verifier handles never imports sigstore-python's verifier."""
    import subprocess
    import sys

    files = [_sign(trust, tmp_path, f"n{i}.cdx.json") for i in range(2)]
    code = (
        "import sys\n"
        "from sovbom.cli import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print(sorted(m for m in ('sigstore.models', 'sigstore.verify', 'pydantic')"
        " if m in sys.modules))\n"
    )
    src = Path(__file__).resolve().parents[2] / "src"
    done = subprocess.run(
        [sys.executable, "-c", code, "verify", *map(str, files), "--trust-config",
         str(trust.trust_config), "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER,
         "-f", "json", "-o", str(tmp_path / "out.json")],
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["verified"] == 2


def _shape_variants(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Spellings of the same bundle that sigstore-python's models accept or refuse."""
    out: dict[str, dict[str, Any]] = {}

    def variant(name: str, edit: Callable[[dict[str, Any]], None]) -> None:
        d = copy.deepcopy(doc)
        edit(d)
        if d != doc:  # (e.g. a bundle that already has an empty timestamp list)
            out[name] = d

    variant(
        "log index as a number", lambda d: _entry(d).update(logIndex=int(_entry(d)["logIndex"]))
    )
    variant(
        "integrated time as a number",
        lambda d: _entry(d).update(integratedTime=int(_entry(d)["integratedTime"])),
    )
    variant("unknown top-level field", lambda d: d.update(extra=1))
    variant("unknown entry field", lambda d: _entry(d).update(extra="x"))
    variant("no integrated time", lambda d: _entry(d).pop("integratedTime"))
    variant("no inclusion promise", lambda d: _entry(d).pop("inclusionPromise"))
    variant("no checkpoint", lambda d: _entry(d)["inclusionProof"].pop("checkpoint"))
    variant(
        "no timestamp data", lambda d: d["verificationMaterial"].pop("timestampVerificationData", 0)
    )
    variant(
        "empty timestamp data",
        lambda d: d["verificationMaterial"].update(timestampVerificationData={}),
    )
    variant(
        "empty timestamp list",
        lambda d: d["verificationMaterial"].update(
            timestampVerificationData={"rfc3161Timestamps": []}
        ),
    )
    variant(
        "v0.3 alternative media type",
        lambda d: d.update(mediaType="application/vnd.dev.sigstore.bundle+json;version=0.3"),
    )
    variant("v0.2 media type with a v0.3 certificate", lambda d: d.update(
        mediaType="application/vnd.dev.sigstore.bundle+json;version=0.2"
    ))  # fmt: skip
    variant(
        "v0.2 certificate chain",
        lambda d: d.update(
            mediaType="application/vnd.dev.sigstore.bundle+json;version=0.2",
            verificationMaterial={
                **{k: v for k, v in d["verificationMaterial"].items() if k != "certificate"},
                "x509CertificateChain": {
                    "certificates": [d["verificationMaterial"]["certificate"]]
                },
            },
        ),
    )
    variant(
        "snake_case names",
        lambda d: d.update(verification_material=d.pop("verificationMaterial")),
    )
    variant("two log entries", lambda d: d["verificationMaterial"]["tlogEntries"].append(_entry(d)))
    variant("base64 with a line break", lambda d: _entry(d).update(
        canonicalizedBody=_entry(d)["canonicalizedBody"][:4] + "\n"
        + _entry(d)["canonicalizedBody"][4:]
    ))  # fmt: skip
    if doc["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"].endswith("="):
        variant("unpadded base64", lambda d: _entry(d).update(
            canonicalizedBody=_entry(d)["canonicalizedBody"].rstrip("=")
        ))  # fmt: skip
    variant("negative log index", lambda d: _entry(d).update(logIndex="-1"))
    variant("index outside the tree", lambda d: _entry(d)["inclusionProof"].update(
        logIndex=_entry(d)["inclusionProof"]["treeSize"]
    ))  # fmt: skip
    variant("unknown entry kind", lambda d: _entry(d)["kindVersion"].update(version="0.0.2"))
    if "messageSignature" in doc:
        variant("no message digest", lambda d: d["messageSignature"].pop("messageDigest"))
        variant(
            "SHA-384 digest name",
            lambda d: d["messageSignature"]["messageDigest"].update(algorithm="SHA2_384"),
        )
    else:
        variant("DSSE key id", lambda d: d["dsseEnvelope"]["signatures"][0].update(keyid=""))
        variant(
            "two DSSE signatures",
            lambda d: d["dsseEnvelope"]["signatures"].append(d["dsseEnvelope"]["signatures"][0]),
        )
    return out


@pytest.mark.parametrize("attest", [False, True], ids=["message", "dsse"])
def test_bundle_spellings_get_identical_verdicts(
    trust: Trust, tmp_path: Path, attest: bool
) -> None:
    f = _sign(trust, tmp_path, "node.cdx.json", *(["--attest"] if attest else []))
    original = json.loads(f.with_name(f.name + ".sigstore.json").read_text())
    material = TrustMaterial.from_trust_config_file(trust.trust_config)
    seen = {}
    for name, doc in _shape_variants(original).items():
        outcome = _both(material, [RULE], f.read_bytes(), json.dumps(doc).encode())
        seen[name] = (outcome.lean_vouched, outcome.verdict["status"])
    # the lean verifier declines every spelling it was not written for
    vouched = {name for name, (v, _) in seen.items() if v}
    expected = {
        "empty timestamp data",
        "empty timestamp list",
        "v0.3 alternative media type",
        "v0.2 certificate chain",
        "no timestamp data",
    }
    expected |= {"no message digest"} if not attest else {"DSSE key id"}
    assert vouched == expected & seen.keys(), seen
    assert len(seen) >= 20
