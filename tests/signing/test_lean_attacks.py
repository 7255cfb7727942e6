"""Adversarial tests of the lean verifier: it must never vouch for a bundle that sigstore-python
(sovbom's full path) rejects, nor for one that should not verify, and must decline (never crash)
on whatever bytes a bundle carries. Bundles are forged with :mod:`lean_forge`, which plays the
CA, the CT log and the transparency log of a local instance.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from lean_forge import (
    DATA,
    FILE_SHA256,
    IDENTITY,
    OTHER_SHA256,
    RULE,
    UNKNOWN,
    Extensions,
    Forge,
    Outcome,
    _as_v02,
    _b64,
    _duplicate_extension,
    _entry,
    _intermediate,
    _iso,
    _never_more_lenient,
    _replace,
    _root_with_intermediate,
    _self_signed,
    _statement,
    _unknown_key_algorithm,
    _usage,
    _v1_certificate,
    _with_leaf,
    verify_both,
)

from sigstore_local.pki import (
    DEFAULT_ISSUER,
    OID_ISSUER_V1,
    OID_ISSUER_V2,
    InstanceKeys,
    _der_utf8,
    key_id,
)
from sovbom.signers import IdentityRule
from sovbom.signing import BundleVerifier
from sovbom.signing.lean import Decline, LeanVerifier
from sovbom.signing.lean.identity import certificate_identities, certificate_issuer


@pytest.fixture(scope="module")
def forge() -> Forge:
    return Forge()


def test_forged_bundle_is_vouched_for(forge: Forge, tmp_path: Path) -> None:
    """The harness itself: a well-formed bundle is vouched for, and sigstore-python agrees."""
    out = verify_both(forge.trust(tmp_path), forge.bundle(forge.leaf()))
    assert out == Outcome(True, "verified", "verified", "")


def _leaf_variants(f: Forge) -> dict[str, Extensions]:
    base = f.leaf_extensions()
    return {
        "unknown critical extension": base
        + [(x509.UnrecognizedExtension(UNKNOWN, b"\x05\x00"), True)],
        "key usage also keyCertSign": _replace(
            base, x509.KeyUsage, [(_usage(digital_signature=True, key_cert_sign=True), True)]
        ),
        "no digitalSignature": _replace(
            base, x509.KeyUsage, [(_usage(content_commitment=True), True)]
        ),
        "no code signing EKU": _replace(
            base,
            x509.ExtendedKeyUsage,
            [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)],
        ),
        "a CA": _replace(
            base, x509.BasicConstraints, [(x509.BasicConstraints(ca=True, path_length=None), True)]
        ),
        "critical EKU": _replace(
            base,
            x509.ExtendedKeyUsage,
            [(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), True)],
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "unknown critical extension",
        "key usage also keyCertSign",
        "no digitalSignature",
        "no code signing EKU",
        "a CA",
        "critical EKU",
    ],
)
def test_leaf_profile_violations_are_not_vouched_for(
    forge: Forge, tmp_path: Path, name: str
) -> None:
    cert = forge.leaf(_leaf_variants(forge)[name])
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert not out.vouched, out


def test_v02_leaf_with_non_critical_basic_constraints(forge: Forge, tmp_path: Path) -> None:
    """sigstore-python refuses a v0.1/v0.2 bundle whose first certificate is not a valid leaf
    (non-critical BasicConstraints): the lean verifier must not vouch for it."""
    exts = _replace(
        forge.leaf_extensions(),
        x509.BasicConstraints,
        [(x509.BasicConstraints(ca=False, path_length=None), False)],
    )
    bundle = forge.bundle(forge.leaf(exts))
    _never_more_lenient(verify_both(forge.trust(tmp_path), _as_v02(bundle)))
    _never_more_lenient(verify_both(forge.trust(tmp_path), bundle))


@pytest.mark.parametrize(
    "name", ["no key usage", "non-critical basic constraints", "no keyCertSign"]
)
def test_sct_issuer_must_be_a_ca_as_sigstore_python_sees_it(
    forge: Forge, tmp_path: Path, name: str
) -> None:
    ca_usage = _usage(key_cert_sign=True, crl_sign=True)
    bc = x509.BasicConstraints(ca=True, path_length=0)
    exts = {
        "no key usage": [(bc, True)],
        "non-critical basic constraints": [(bc, False), (ca_usage, True)],
        "no keyCertSign": [(bc, True), (_usage(crl_sign=True), True)],
    }[name]
    inter = _intermediate(forge, *exts)
    cert = forge.leaf(ca_cert=inter)
    trust = forge.trust(tmp_path, _root_with_intermediate(forge, inter))
    _never_more_lenient(verify_both(trust, forge.bundle(cert)))


def _issuer_exts(v1: bytes | None, v2: bytes | None) -> Callable[[Forge], Extensions]:
    def make(f: Forge) -> Extensions:
        exts = [e for e in f.leaf_extensions() if e[0].oid not in (OID_ISSUER_V1, OID_ISSUER_V2)]
        if v1 is not None:
            exts.append((x509.UnrecognizedExtension(OID_ISSUER_V1, v1), False))
        if v2 is not None:
            exts.append((x509.UnrecognizedExtension(OID_ISSUER_V2, v2), False))
        return exts

    return make


_ISS = DEFAULT_ISSUER.encode()


#: Issuer extensions naming the allowed issuer only through a malformed or ambiguous encoding.
BAD_ISSUERS = {
    ".1.8 trailing bytes after the UTF8String": (None, _der_utf8(DEFAULT_ISSUER) + b"x"),
    ".1.8 length longer than its content": (None, bytes([0x0C, len(_ISS) + 5]) + _ISS),
    ".1.8 length shorter than its content": (None, bytes([0x0C, len(_ISS) - 4]) + _ISS),
    ".1.8 non-minimal long-form length": (None, bytes([0x0C, 0x81, len(_ISS)]) + _ISS),
    ".1.8 an IA5String, .1.1 the issuer": (_ISS, bytes([0x16, len(_ISS)]) + _ISS),
    ".1.8 malformed, .1.1 the issuer": (_ISS, b"\x0c\x85" + _ISS),
    ".1.8 another issuer, .1.1 the issuer": (_ISS, _der_utf8("https://evil.example")),
    ".1.1 not UTF-8": (_ISS + b"\xff", None),
}


@pytest.mark.parametrize("name", sorted(BAD_ISSUERS))
def test_malformed_issuer_extensions_name_no_issuer(
    forge: Forge, tmp_path: Path, name: str
) -> None:
    cert = forge.leaf(_issuer_exts(*BAD_ISSUERS[name])(forge))
    assert certificate_issuer(cert) is None
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert not out.vouched and out.full_status == "failed", out


@pytest.mark.parametrize(
    ("v1", "v2"),
    [(_ISS, None), (None, _der_utf8(DEFAULT_ISSUER)), (_ISS, _der_utf8(DEFAULT_ISSUER))],
)
def test_well_formed_issuer_extensions(forge: Forge, v1: bytes | None, v2: bytes | None) -> None:
    assert certificate_issuer(forge.leaf(_issuer_exts(v1, v2)(forge))) == DEFAULT_ISSUER


LEAF_BYTES: dict[str, Callable[[], bytes]] = {
    "duplicate extension": _duplicate_extension,
    "unknown public key algorithm": _unknown_key_algorithm,
    "version 1 certificate": _v1_certificate,
    "not DER": lambda: b"\x30\x03\x02\x01",
    "empty": lambda: b"",
    "self-signed code-signing leaf": lambda: _self_signed(
        ec.generate_private_key(ec.SECP256R1()),
        [
            (_usage(digital_signature=True), True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False),
            (x509.SubjectAlternativeName([x509.RFC822Name(IDENTITY)]), True),
            (x509.UnrecognizedExtension(OID_ISSUER_V2, _der_utf8(DEFAULT_ISSUER)), False),
        ],
        hashes.SHA256(),
    ),
}


@pytest.mark.parametrize("name", sorted(LEAF_BYTES))
def test_any_certificate_bytes_are_declined_not_raised(
    forge: Forge, tmp_path: Path, name: str
) -> None:
    """An attacker controls the bundle's bytes: whatever certificate it carries, the lean
    verifier declines (no exception escapes it) and the verdict is a failure."""
    doc = _with_leaf(forge.bundle(forge.leaf()), LEAF_BYTES[name]())
    out = verify_both(forge.trust(tmp_path), doc)
    _never_more_lenient(out)
    assert not out.vouched and out.full_status in ("failed", "input error"), out


def _other_ct_key_sct(forge: Forge) -> Callable[[bytes], list[bytes]]:
    """The SCT re-signed by another CT key, still naming the trusted CT log's id."""
    other = ec.generate_private_key(ec.SECP256R1())

    def edit(sct: bytes) -> list[bytes]:
        fake = Forge(keys=forge.keys, signer=forge.signer)
        fake.keys = copy.copy(forge.keys)
        fake.keys.ct_key = other
        resigned = fake._sct(b"", forge.keys.intermediate_cert.public_key())
        return [sct[:1] + key_id(forge.keys.ct_key.public_key()) + resigned[33:]]

    return edit


SCT_EDITS: dict[str, Callable[[Forge], Callable[[bytes], list[bytes]]]] = {
    "unknown log id": lambda f: lambda sct: [sct[:1] + bytes(32) + sct[33:]],
    "another timestamp": lambda f: (
        lambda sct: [
            sct[:33] + struct.pack(">Q", struct.unpack(">Q", sct[33:41])[0] + 1) + sct[41:]
        ]
    ),
    "two SCTs": lambda f: lambda sct: [sct, sct],
    "signed by another key": _other_ct_key_sct,
}


@pytest.mark.parametrize("name", sorted(SCT_EDITS))
def test_sct_forgeries_are_not_vouched_for(forge: Forge, tmp_path: Path, name: str) -> None:
    cert = forge.leaf(sct_edit=SCT_EDITS[name](forge))
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert not out.vouched, out
    # sigstore-python takes an SCT's log id as a hint: with no key of that id it tries every
    # CT key, so a genuine SCT naming an unknown log still verifies there
    assert out.full_status == ("verified" if name == "unknown log id" else "failed"), out


def _checkpoint_edit(bundle: dict[str, Any], edit: Callable[[str, str], str]) -> dict[str, Any]:
    doc = copy.deepcopy(bundle)
    cp = doc["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
    head, _, sigs = cp["envelope"].partition("\n\n")
    cp["envelope"] = head + "\n\n" + edit(head, sigs)
    return doc


def _sig_line(name: str, hint: bytes, sig: bytes) -> str:
    return f"\u2014 {name} {_b64(hint + sig)}\n"


@pytest.mark.parametrize(
    ("name", "vouched"),
    [
        ("bogus signature with the log's hint first", False),
        ("another signer first", True),
        ("another signer after", True),
        ("trailing text", False),
        ("no signature with the log's hint", False),
    ],
)
def test_checkpoint_signature_lines(forge: Forge, tmp_path: Path, name: str, vouched: bool) -> None:
    hint = key_id(forge.keys.log_key.public_key())[:4]
    other = ec.generate_private_key(ec.SECP256R1())

    def edit(head: str, sigs: str) -> str:
        bogus = other.sign((head + "\n").encode(), ec.ECDSA(hashes.SHA256()))
        return {
            "bogus signature with the log's hint first": _sig_line("x", hint, bogus) + sigs,
            "another signer first": _sig_line("x", b"abcd", bogus) + sigs,
            "another signer after": sigs + _sig_line("x", b"abcd", bogus),
            "trailing text": sigs + "junk\n",
            "no signature with the log's hint": _sig_line("x", b"abcd", bogus),
        }[name]

    doc = _checkpoint_edit(forge.bundle(forge.leaf()), edit)
    out = verify_both(forge.trust(tmp_path), doc)
    _never_more_lenient(out)
    assert out.vouched is vouched, out


def _duplicated_key(bundle: dict[str, Any], key: str, decoy: Any, first: bool) -> bytes:
    """The bundle's JSON with ``key`` (top level) given twice: the decoy first or last."""
    real = json.dumps(bundle[key])
    rest = json.dumps({k: v for k, v in bundle.items() if k != key})[1:-1]
    pair = [f'"{key}": {json.dumps(decoy)}', f'"{key}": {real}']
    return ("{" + rest + ", " + ", ".join(pair if first else pair[::-1]) + "}").encode()


@pytest.mark.parametrize("first", [True, False], ids=["decoy first", "decoy last"])
def test_duplicate_json_keys_are_read_as_sigstore_python_reads_them(
    forge: Forge, tmp_path: Path, first: bool
) -> None:
    good = forge.bundle(forge.leaf())
    decoy = forge.bundle(forge.leaf(), data=b"other bytes")["messageSignature"]
    raw = _duplicated_key(good, "messageSignature", decoy, first)
    out = verify_both(forge.trust(tmp_path), raw)
    _never_more_lenient(out)
    assert out.vouched is first  # the last value wins, in both readers


@pytest.mark.parametrize("ring", ["tlogs", "ctlogs"])
def test_a_log_key_listed_again_with_another_algorithm(
    forge: Forge, tmp_path: Path, ring: str
) -> None:
    """sigstore-python keeps the last entry of a key listed twice, with that entry's hash: a
    P-256 key listed again as P-384/SHA-384 makes it reject SHA-256 signatures."""
    doc = forge.root_doc()
    again = copy.deepcopy(doc[ring][0])
    again["publicKey"]["keyDetails"] = "PKIX_ECDSA_P384_SHA_384"
    doc[ring].append(again)
    trust = forge.trust(tmp_path, doc)
    assert trust.lean is None  # the lean path leaves such a root to sigstore-python
    assert (
        BundleVerifier(trust, [RULE])
        .verify_bytes(DATA, json.dumps(forge.bundle(forge.leaf())).encode())
        .status
        == "failed"
    )


@pytest.mark.parametrize(
    ("when", "ok"),
    [("not before", True), ("not after", True), ("before", False), ("after", False)],
)
def test_certificate_validity_at_the_integrated_time(
    forge: Forge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str, ok: bool
) -> None:
    """The certificate must be valid at the integrated time, both ends included."""
    import types

    import sigstore_local.log as log_module

    cert = forge.leaf()
    at = {
        "not before": cert.not_valid_before_utc,
        "not after": cert.not_valid_after_utc,
        "before": cert.not_valid_before_utc - dt.timedelta(seconds=1),
        "after": cert.not_valid_after_utc + dt.timedelta(seconds=1),
    }[when]
    monkeypatch.setattr(log_module, "time", types.SimpleNamespace(time=at.timestamp))
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert out.vouched is ok and (out.full_status == "verified") is ok, out


@pytest.mark.parametrize("ring", ["tlogs", "ctlogs", "certificateAuthorities"])
@pytest.mark.parametrize(
    ("window", "ok"),
    [
        ("ends at the integrated time", True),
        ("ends a second before", False),
        ("starts a second after", False),
        ("listed twice: ended, then current", True),
    ],
)
def test_keys_only_vouch_inside_their_window(
    forge: Forge,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ring: str,
    window: str,
    ok: bool,
) -> None:
    import types

    import sigstore_local.log as log_module

    cert = forge.leaf()
    t = cert.not_valid_before_utc + dt.timedelta(seconds=30)
    monkeypatch.setattr(log_module, "time", types.SimpleNamespace(time=t.timestamp))
    bundle = forge.bundle(cert)
    doc = forge.root_doc()
    item = doc[ring][0]
    valid_for = (
        item["validFor"] if ring == "certificateAuthorities" else item["publicKey"]["validFor"]
    )
    start = valid_for["start"]
    second = dt.timedelta(seconds=1)
    if window == "ends at the integrated time":
        valid_for["end"] = _iso(t)
    elif window == "ends a second before":
        valid_for["end"] = _iso(t - second)
    elif window == "starts a second after":
        valid_for["start"] = _iso(t + second)
    else:
        valid_for["end"] = _iso(t - second)
        current = copy.deepcopy(item)
        (
            current["validFor"]
            if ring == "certificateAuthorities"
            else current["publicKey"]["validFor"]
        ).update(start=start, end=_iso(t + 60 * second))
        doc[ring].append(current)
    out = verify_both(forge.trust(tmp_path, doc), bundle)
    _never_more_lenient(out)
    assert out.vouched is ok and (out.full_status == "verified") is ok, out


OTHERNAME_IDENTITY = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.7")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (_der_utf8(IDENTITY), [IDENTITY]),
        (bytes([0x16, len(IDENTITY)]) + IDENTITY.encode(), []),  # an IA5String
    ],
    ids=["UTF8String", "IA5String"],
)
def test_other_name_identities_are_read_strictly(
    forge: Forge, tmp_path: Path, value: bytes, names: list[str]
) -> None:
    """A Sigstore other-name SAN names its DER UTF8String, else nobody (its raw bytes, tag and
    length included, must not reach an identity regexp)."""
    san = x509.SubjectAlternativeName([x509.OtherName(OTHERNAME_IDENTITY, value)])
    cert = forge.leaf(_replace(forge.leaf_extensions(), x509.SubjectAlternativeName, [(san, True)]))
    assert certificate_identities(cert) == names
    rules = [IdentityRule(identity_regexp=r".*signer@acme-servers\.example", issuer=DEFAULT_ISSUER)]
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert), rules=rules)
    _never_more_lenient(out)
    assert out.vouched is bool(names) and (out.full_status == "verified") is bool(names), out


@pytest.mark.parametrize(
    ("rule", "san", "ok"),
    [
        (r"signer@acme-servers\.example", "signer@acme-servers.example.evil.test", False),
        (r"signer@acme-servers\.example", "evil-signer@acme-servers.example", False),
        (r"signer@acme-servers\.example|x", "signer@acme-servers.example.evil.test", False),
        (r".*@acme-servers\.example", "a@acme-servers.example\nb@evil.test", False),
        (r".*@acme-servers\.example", "a@acme-servers.example", True),
    ],
)
def test_identity_regexps_match_the_whole_identity(rule: str, san: str, ok: bool) -> None:
    r = IdentityRule(identity_regexp=rule, issuer=DEFAULT_ISSUER)
    assert r.matches(san, DEFAULT_ISSUER) is ok
    assert r.matches(san, DEFAULT_ISSUER + "/") is False


@pytest.mark.parametrize(
    ("name", "vouched", "verified"),
    [
        ("statement for the file", True, True),
        ("statement for the file among others", True, True),
        ("statement for another file", True, False),
        ("not an in-toto payload type", True, False),
        ("log recorded two signatures", False, False),
    ],
)
def test_dsse_envelopes(
    forge: Forge, tmp_path: Path, name: str, vouched: bool, verified: bool
) -> None:
    cert = forge.leaf()
    doc = {
        "statement for the file": lambda: forge.dsse_bundle(cert, _statement(FILE_SHA256)),
        "statement for the file among others": lambda: forge.dsse_bundle(
            cert, _statement(OTHER_SHA256, FILE_SHA256)
        ),
        "statement for another file": lambda: forge.dsse_bundle(cert, _statement(OTHER_SHA256)),
        "not an in-toto payload type": lambda: forge.dsse_bundle(
            cert, _statement(FILE_SHA256), payload_type="application/json"
        ),
        "log recorded two signatures": lambda: forge.dsse_bundle(
            cert, _statement(FILE_SHA256), signatures=2
        ),
    }[name]()
    out = verify_both(forge.trust(tmp_path), doc)
    _never_more_lenient(out, envelope=True)
    assert out.vouched is vouched and (out.full_status == "verified") is verified, out


def test_dsse_envelope_in_a_message_signature_entry_is_declined(
    forge: Forge, tmp_path: Path
) -> None:
    dsse = forge.dsse_bundle(forge.leaf(), _statement(FILE_SHA256))
    message = forge.bundle(forge.leaf())
    mixed = copy.deepcopy(message)
    del mixed["messageSignature"]
    mixed["dsseEnvelope"] = dsse["dsseEnvelope"]
    out = verify_both(forge.trust(tmp_path), mixed)
    _never_more_lenient(out)
    assert not out.vouched and out.full_status != "verified", out


def _bump(obj: dict[str, Any], key: str, by: int) -> None:
    obj[key] = str(int(obj[key]) + by)


def _splice_entry(forge: Forge) -> Callable[[dict[str, Any]], None]:
    """Another (genuine) log entry of the same signer, for another file, in place of this one's."""
    other = forge.bundle(forge.leaf(), data=b"another file")

    def edit(doc: dict[str, Any]) -> None:
        doc["verificationMaterial"]["tlogEntries"] = other["verificationMaterial"]["tlogEntries"]

    return edit


def _refreshed_proof(forge: Forge) -> Callable[[dict[str, Any]], None]:
    """The entry's proof and checkpoint from a later, larger tree (a genuine, newer proof)."""

    def edit(doc: dict[str, Any]) -> None:
        forge.bundle(forge.leaf(), data=b"later entry")  # the tree grows
        entry = _entry(doc)
        index = int(entry["inclusionProof"]["logIndex"])
        size = len(forge.log.tree.leaves)
        root = forge.log.tree.root()
        entry["inclusionProof"].update(
            treeSize=str(size),
            rootHash=_b64(root),
            hashes=[_b64(h) for h in forge.log.tree.audit_path(index)],
            checkpoint={"envelope": forge.log._checkpoint(size, root)},
        )

    return edit


TAMPERING: dict[str, tuple[Callable[[Forge], Callable[[dict[str, Any]], None]], bool]] = {
    "entry log index + 1": (lambda f: lambda d: _bump(_entry(d), "logIndex", 1), False),
    "proof log index - 1": (
        lambda f: lambda d: _bump(_entry(d)["inclusionProof"], "logIndex", -1),
        False,
    ),
    "tree size + 1": (lambda f: lambda d: _bump(_entry(d)["inclusionProof"], "treeSize", 1), False),
    "log id of the CT log": (
        lambda f: (
            lambda d: _entry(d)["logId"].update(keyId=_b64(key_id(f.keys.ct_key.public_key())))
        ),
        False,
    ),
    "entry kind dsse": (lambda f: lambda d: _entry(d)["kindVersion"].update(kind="dsse"), False),
    "another file's log entry": (_splice_entry, False),
    "a newer proof of the same entry": (_refreshed_proof, True),
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_log_entry_tampering(forge: Forge, tmp_path: Path, name: str) -> None:
    make, ok = TAMPERING[name]
    doc = forge.bundle(forge.leaf())
    make(forge)(doc)
    out = verify_both(forge.trust(tmp_path), doc)
    _never_more_lenient(out)
    assert out.vouched is ok and (out.full_status == "verified") is ok, out


def test_a_leaf_from_another_instances_ca(forge: Forge, tmp_path: Path) -> None:
    other = InstanceKeys(name="elsewhere")
    cert = forge.leaf(ca_key=other.intermediate_key, ca_cert=other.intermediate_cert)
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert not out.vouched and out.full_status == "failed", out
    # with the foreign intermediate in a v0.2 chain: still not ours
    doc = _as_v02(forge.bundle(cert))
    doc["verificationMaterial"]["x509CertificateChain"]["certificates"].append(
        {"rawBytes": _b64(other.intermediate_cert.public_bytes(serialization.Encoding.DER))}
    )
    out = verify_both(forge.trust(tmp_path), doc)
    _never_more_lenient(out)
    assert not out.vouched and out.full_status == "failed", out


@pytest.mark.parametrize("where", ["checkpoint", "payload type", "DSSE key id"])
def test_strings_utf8_cannot_encode_are_declined(forge: Forge, tmp_path: Path, where: str) -> None:
    """A JSON reader other than sovbom's may give lone surrogates: declined, never raised."""
    doc = forge.dsse_bundle(forge.leaf(), _statement(FILE_SHA256))
    if where == "checkpoint":
        cp = _entry(doc)["inclusionProof"]["checkpoint"]
        cp["envelope"] = "\ud800" + cp["envelope"]
    elif where == "payload type":
        doc["dsseEnvelope"]["payloadType"] += "\ud800"
    else:
        doc["dsseEnvelope"]["signatures"][0]["keyid"] = "\ud800"
    trust = forge.trust(tmp_path)
    assert trust.lean is not None
    with pytest.raises(Decline):
        LeanVerifier(trust.lean, [RULE]).verify(doc, hashlib.sha256(DATA).digest())


@pytest.mark.parametrize(
    ("names", "ok"),
    [
        ([x509.RFC822Name("someone@else.example"), x509.RFC822Name(IDENTITY)], True),
        ([x509.UniformResourceIdentifier("https://ci.example/x"), x509.RFC822Name(IDENTITY)], True),
        ([x509.RFC822Name("someone@else.example"), x509.DNSName("acme-servers.example")], False),
    ],
    ids=["two e-mails", "URI and e-mail", "no allowed identity"],
)
def test_several_sans_any_may_be_the_signer(
    forge: Forge, tmp_path: Path, names: list[x509.GeneralName], ok: bool
) -> None:
    """As sigstore-python's identity policy: the certificate names every one of its SANs."""
    san = x509.SubjectAlternativeName(names)
    cert = forge.leaf(_replace(forge.leaf_extensions(), x509.SubjectAlternativeName, [(san, True)]))
    out = verify_both(forge.trust(tmp_path), forge.bundle(cert))
    _never_more_lenient(out)
    assert out.vouched is ok and (out.full_status == "verified") is ok, out
