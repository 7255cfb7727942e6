"""The library API that later modules call (delivery verification, evidence packs)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from signing_support import IDENTITY, ISSUER, Trust, invoke, json_out

from sovbom import signing
from sovbom.errors import InputError, VerificationFailed
from sovbom.signers import IdentityRule, parse_signer_policy

RULE = IdentityRule(identity=IDENTITY, issuer=ISSUER)


def _bundle(trust: Trust, path: Path, *extra: str) -> bytes:
    result = invoke(
        "sign", path, "--trust-config", trust.trust_config, "--identity-token", trust.token(),
        *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return path.with_name(path.name + ".sigstore.json").read_bytes()


def test_verify_bundle_for_bytes_fails_closed(trust: Trust, bom_file: Path) -> None:
    bundle = _bundle(trust, bom_file)
    material = signing.TrustMaterial.from_trusted_root_file(trust.trusted_root)
    data = bom_file.read_bytes()

    verdict = signing.verify_bundle_for_bytes(data, bundle, RULE, material)
    assert verdict.ok and verdict.identity == IDENTITY and verdict.issuer == ISSUER
    assert verdict.trust_root is material.info
    orjson.dumps(verdict.to_dict())  # serialisable as is

    with pytest.raises(VerificationFailed) as e:
        signing.verify_bundle_for_bytes(data + b" ", bundle, RULE, material)
    assert e.value.exit_code == 3
    assert e.value.verdict.ok is False  # type: ignore[attr-defined]

    other = IdentityRule(identity="x@y.example", issuer=ISSUER)
    with pytest.raises(VerificationFailed, match="signer not allowed"):
        signing.verify_bundle_for_bytes(data, bundle, [other], material)
    # any of several rules may match
    assert signing.verify_bundle_for_bytes(data, bundle, [other, RULE], material).ok

    with pytest.raises(InputError, match="malformed bundle"):
        signing.verify_bundle_for_bytes(data, b'{"mediaType": "x"}', RULE, material)
    with pytest.raises(InputError, match="allows nobody"):
        signing.verify_bundle_for_bytes(data, bundle, [], material)


def test_one_verifier_for_many_files_with_roles(trust: Trust, tmp_path: Path) -> None:
    policy = parse_signer_policy(
        {
            "version": 1,
            "roles": {
                "manufacturer": {"signers": [{"identity": IDENTITY, "issuer": ISSUER}]},
                "integrator": {"signers": [{"identity": "i@x.example", "issuer": ISSUER}]},
            },
        }
    )
    material = signing.TrustMaterial.from_trust_config_file(trust.trust_config)
    verifier = signing.BundleVerifier(material, policy)
    paths = []
    for i in range(3):
        p = tmp_path / f"b{i}.cdx.json"
        p.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": i + 1}))
        _bundle(trust, p, *(["--attest"] if i == 1 else []))
        paths.append(p)
    verdicts = [verifier.verify_file(p) for p in paths]
    assert all(v.ok for v in verdicts)
    assert [v.roles for v in verdicts] == [["manufacturer"]] * 3
    assert verdicts[1].bundle_kind is signing.BundleKind.DSSE

    only_integrators = signing.BundleVerifier(material, policy, roles=["integrator"])
    assert not only_integrators.verify_file(paths[0]).ok

    missing = verifier.verify_file(tmp_path / "nope.json")
    assert missing.status is signing.Status.ERROR and "no such file" in missing.reason


def test_ambient_github_actions_credential(
    trust: Trust, bom_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No token given: sigstore-python's ambient detection finds the (local) GitHub credential."""
    for key, value in trust.instance.github_actions_env().items():
        monkeypatch.setenv(key, value)
    result = invoke("sign", bom_file, "--trust-config", trust.trust_config)
    assert result.exit_code == 0, result.stderr
    workflow = trust.instance.gha_identity
    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config, "--cert-identity-regexp",
        r"https://github\.com/acme-servers/bom/\.github/workflows/release\.yml@refs/heads/.+",
        "--cert-oidc-issuer", "https://token.actions.githubusercontent.com", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json_out(result)["verdicts"][0]["identity"] == workflow


@pytest.mark.corpus
def test_staging_offline_with_sigstore_python_asset(corpus: Path, no_network: list[str]) -> None:
    d = corpus / "sigstore" / "sigstore-python"
    if not (d / "bundle_v3.txt").is_file():
        pytest.skip("asset absent")
    result = invoke(
        "verify", d / "bundle_v3.txt", "--bundle", d / "bundle_v3.txt.sigstore", "--staging",
        "--offline", "--cert-identity", "william@yossarian.net",
        "--cert-oidc-issuer", "https://github.com/login/oauth",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "public-good staging root" in result.stdout
    assert no_network == []
    # the same bundle is not valid for production
    result = invoke(
        "verify", d / "bundle_v3.txt", "--bundle", d / "bundle_v3.txt.sigstore", "--offline",
        "--cert-identity", "william@yossarian.net",
        "--cert-oidc-issuer", "https://github.com/login/oauth",
    )  # fmt: skip
    assert result.exit_code == 3


def test_cli_constants_mirror_the_library() -> None:
    from sovbom.cli import sign as cli_sign

    assert cli_sign.CYCLONEDX_PREDICATE_TYPE == signing.CYCLONEDX_PREDICATE_TYPE
    assert cli_sign.BUNDLE_SUFFIX == signing.BUNDLE_SUFFIX
