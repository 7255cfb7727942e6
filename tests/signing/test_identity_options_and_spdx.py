"""cosign-style identity options on the verifying commands, and SPDX attestations, end to end
with the local test-only Sigstore instance."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke, json_out

REPO = Path(__file__).resolve().parents[2]
HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
AS_OF = ("--as-of", "2026-11-22")
SPDX_2_3 = "https://spdx.dev/Document/v2.3"
SPDX_3 = "https://spdx.dev/Document/v3"
CYCLONEDX = "https://cyclonedx.org/bom"


def _sign(trust: Trust, path: Path, *extra: str) -> Path:
    result = invoke("sign", path, "--trust-config", trust.trust_config,
                    "--identity-token", trust.token(), *extra)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json")


@pytest.fixture
def signed_hgx(trust: Trust, tmp_path: Path) -> Path:
    bom = tmp_path / "hgx.cdx.json"
    shutil.copy(HGX, bom)
    _sign(trust, bom)
    return bom


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "domestic_countries: [JP]\napproved_countries: [US, TW, DE, KR, MY, TH, IL]\n"
        "verification: {default: attested, attestation_roles: [factory]}\n"
    )
    return path


# --- the ad-hoc signer -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        ("--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER),
        (
            "--cert-identity-regexp",
            "factory-.*@acme-servers\\.example",
            "--cert-oidc-issuer-regexp",
            "https://oidc\\.[a-z-]+\\.test",
        ),
    ],  # fmt: skip
)
def test_check_with_an_ad_hoc_signer_attests(
    trust: Trust, signed_hgx: Path, policy: Path, who: tuple[str, ...]
) -> None:
    result = invoke("check", signed_hgx, "-p", policy, *who, "--trust-config", trust.trust_config,
                    "--offline", "-f", "json", "--fail-on", "never", *AS_OF)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    report = json_out(result)
    # the ad-hoc signer holds the policy's attestation roles: the BOM's components are attested
    assert report["signature"]["identity"] == IDENTITY
    assert report["signature"]["roles"] == ["factory"]
    assert report["summary"]["verification_levels"]["declared"] == 0


@pytest.mark.parametrize(
    "who",
    [
        (
            "--certificate-identity",
            "someone-else@acme-servers.example",
            "--certificate-oidc-issuer",
            ISSUER,
        ),
        (
            "--certificate-identity",
            IDENTITY,
            "--certificate-oidc-issuer-regexp",
            "https://accounts\\..*",
        ),
    ],  # fmt: skip
)
def test_a_wrong_ad_hoc_signer_fails_closed(
    trust: Trust, signed_hgx: Path, policy: Path, who: tuple[str, ...]
) -> None:
    for call in (
        ("check", signed_hgx, "-p", policy),
        ("verify", signed_hgx),
        ("verify-delivery", "--expected", signed_hgx, "--observed", HGX),
    ):
        result = invoke(*call, *who, "--trust-config", trust.trust_config, "--offline")
        assert result.exit_code == 3, (call[0], result.stderr)
        assert "signer not allowed" in result.stderr, call[0]


def test_verify_delivery_with_an_ad_hoc_signer(trust: Trust, signed_hgx: Path) -> None:
    result = invoke("verify-delivery", "--expected", signed_hgx, "--observed", HGX, "-f", "json",
                    "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER,
                    "--trusted-root", trust.trusted_root)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json_out(result)["verdict"] == "pass"


def test_configured_signers_and_trust_root_for_check(
    trust: Trust, signed_hgx: Path, policy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("POLICY", "SIGNERS", "TRUSTED_ROOT", "TRUST_CONFIG"):
        monkeypatch.delenv(f"SOVBOM_{var}", raising=False)
    signers = tmp_path / "signers.yaml"
    signers.write_text(f"version: 1\nroles:\n  factory:\n    signers:\n"
                       f"      - {{identity: {IDENTITY}, issuer_regexp: 'https://oidc\\..*'}}\n")  # fmt: skip
    (tmp_path / "sovbom.toml").write_text(
        f'policy = "{policy.name}"\nsigners = "{signers.name}"\n'
        f'trusted-root = "{trust.trusted_root}"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("check", signed_hgx, "-f", "json", "--fail-on", "never", *AS_OF)
    assert result.exit_code == 0, result.stderr
    assert json_out(result)["signature"]["roles"] == ["factory"]
    # the configured root is not the one of the instance that signed: a root given on the
    # command line (here another instance's) replaces it, and the signature does not verify
    result = invoke("check", signed_hgx, "--trusted-root", trust.other_root, *AS_OF)
    assert result.exit_code == 3, result.stderr


def test_pack_and_inspect_with_an_ad_hoc_signer(
    trust: Trust, signed_hgx: Path, policy: Path, tmp_path: Path
) -> None:
    who = ("--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER)
    out = tmp_path / "evidence.zip"
    result = invoke("pack", signed_hgx, "-o", out, "-p", policy, *who, "--trust-config",
                    trust.trust_config, "--identity-token", trust.token(), *AS_OF)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(out) as z:
        index = json.loads(z.read("index.json"))
        packed = json.loads(z.read(index["trust"]["signers"]))
    assert sorted(packed["roles"]) == ["factory", "pack"]
    result = invoke("inspect", out, *who, "--trust-config", trust.trust_config, "-f", "json",
                    "--fail-on", "never", "--offline")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json_out(result)["verdict"] == "holds"
    other = ("--certificate-identity", "intruder@example.org", "--certificate-oidc-issuer", ISSUER)
    result = invoke("inspect", out, *other, "--trust-config", trust.trust_config, "-f", "json")
    assert result.exit_code == 3


# --- SPDX attestations -------------------------------------------------------------------------


def _convert(tmp_path: Path, target: str, name: str) -> Path:
    out = tmp_path / name
    result = invoke("convert", HGX, "--to", target, "-o", out, "-q")
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize(
    ("target", "name", "predicate"),
    [
        ("spdx-2.3", "hgx.spdx.json", SPDX_2_3),
        ("spdx-3.0", "hgx.spdx3.jsonld", SPDX_3),
        (None, "hgx.cdx.json", CYCLONEDX),
    ],
)
def test_attest_a_document_with_the_predicate_type_of_its_kind(
    trust: Trust, tmp_path: Path, target: str | None, name: str, predicate: str
) -> None:
    if target is None:
        path = tmp_path / name
        shutil.copy(HGX, path)
    else:
        path = _convert(tmp_path, target, name)
    bundle = _sign(trust, path, "--attest")
    envelope = json.loads(bundle.read_bytes())["dsseEnvelope"]
    import base64

    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == predicate
    assert statement["predicate"] == json.loads(path.read_bytes())
    who = (
        "--cert-identity",
        IDENTITY,
        "--cert-oidc-issuer",
        ISSUER,
        "--trusted-root",
        trust.trusted_root,
    )
    result = invoke("verify", path, *who, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json_out(result)["verdicts"][0]["predicate_type"] == predicate
    other = SPDX_3 if predicate != SPDX_3 else SPDX_2_3
    result = invoke("verify", path, *who, "--predicate-type", other)
    assert result.exit_code == 3
    assert f"predicate type '{predicate}' is not the expected {other}" in result.stderr


def test_verify_refuses_a_predicate_type_that_is_not_the_document_kind(
    trust: Trust, tmp_path: Path
) -> None:
    """A statement over an SPDX document that claims to be a CycloneDX BOM does not verify."""
    import hashlib

    from sigstore import dsse

    from sovbom import signing

    path = _convert(tmp_path, "spdx-2.3", "hgx.spdx.json")
    data = path.read_bytes()
    statement = (
        dsse.StatementBuilder()
        .subjects([dsse.Subject(name=path.name, digest=dsse.DigestSet(
            root={"sha256": hashlib.sha256(data).hexdigest()}))])
        .predicate_type(CYCLONEDX)
        .predicate(json.loads(data))
        .build()
    )  # fmt: skip
    material = signing.load_signing_trust(trust_config=str(trust.trust_config))
    identity = signing.identity_token(trust.token(), trust=material, ambient=False)
    with signing.open_signer(material, identity) as signer:
        bundle = signer._signer.sign_dsse(statement).to_json()
    path.with_name(path.name + ".sigstore.json").write_text(bundle)
    who = (
        "--cert-identity",
        IDENTITY,
        "--cert-oidc-issuer",
        ISSUER,
        "--trusted-root",
        trust.trusted_root,
    )
    result = invoke("verify", path, *who)
    assert result.exit_code == 3
    assert f"predicate type '{CYCLONEDX}' is not the expected {SPDX_2_3}" in result.stderr
    assert invoke("verify", path, *who, "--predicate-type", CYCLONEDX).exit_code == 0


def test_attest_refuses_a_document_of_no_known_kind(trust: Trust, tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT"}))
    result = invoke("sign", path, "--attest", "--trust-config", trust.trust_config,
                    "--identity-token", trust.token())  # fmt: skip
    assert result.exit_code == 4
    assert "--attest needs a CycloneDX BOM, an SPDX 2.3 JSON document" in result.stderr
    assert not path.with_name(path.name + ".sigstore.json").exists()
