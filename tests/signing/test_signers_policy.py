"""Signer policies: the file format, its schema errors, roles, and ``verify --signers``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from signing_support import IDENTITY, ISSUER, Trust, invoke, json_out

from sovbom.errors import InputError
from sovbom.signers import IdentityRule, load_signer_policy, parse_signer_policy

REPO = Path(__file__).resolve().parents[2]
GHA = "https://token.actions.githubusercontent.com"


def _policy(tmp_path: Path, doc: object, name: str = "signers.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc) if name.endswith(".yaml") else json.dumps(doc))
    return path


POLICY = {
    "version": 1,
    "roles": {
        "manufacturer": {
            "description": "factory",
            "signers": [{"name": "factory", "identity": IDENTITY, "issuer": ISSUER}],
        },
        "integrator": {
            "signers": [{"identity_regexp": r".*@integrator\.example", "issuer": ISSUER}]
        },
        "release-pipeline": {
            "signers": [
                {"identity_regexp": r"https://github\.com/acme/.+@refs/tags/v.*", "issuer": GHA},
                {"identity": IDENTITY, "issuer": ISSUER},
            ]
        },
    },
}


def test_sample_policy_loads() -> None:
    policy = load_signer_policy(REPO / "samples" / "signers.yaml")
    assert set(policy.roles) == {"manufacturer", "integrator", "release-pipeline", "pack"}
    wf = "https://github.com/acme-servers/firmware/.github/workflows/release.yml@refs/tags/v1.2.3"
    assert policy.roles_of(wf, GHA) == ["manufacturer"]
    assert policy.roles_of(wf, "https://gitlab.com") == []
    assert policy.roles_of(wf + "-rc1", GHA) == []  # anchored


def test_roles_of_and_allows(tmp_path: Path) -> None:
    for name in ("signers.yaml", "signers.json"):
        policy = load_signer_policy(_policy(tmp_path, POLICY, name))
        assert policy.roles_of(IDENTITY, ISSUER) == ["manufacturer", "release-pipeline"]
        assert policy.allows("bob@integrator.example", ISSUER, "integrator")
        assert not policy.allows("bob@integrator.example", GHA, "integrator")
        assert not policy.allows("bob@integrator.example.evil", ISSUER, "integrator")
        assert policy.roles_of(IDENTITY, "https://other") == []
        assert len(policy.rules(["release-pipeline"])) == 2
        with pytest.raises(InputError, match="unknown role"):
            policy.rules(["auditor"])


@pytest.mark.parametrize(
    ("mutate", "where", "what"),
    [
        (lambda d: d.pop("version"), "$", "version"),
        (
            lambda d: d["roles"]["manufacturer"]["signers"][0].pop("issuer"),
            "$.roles.manufacturer.signers[0]",
            "issuer",
        ),
        (
            lambda d: d["roles"]["integrator"]["signers"][0].update(identity="x@y"),
            "$.roles.integrator.signers[0]",
            "",
        ),
        (
            lambda d: d["roles"]["manufacturer"].update(signers=[]),
            "$.roles.manufacturer.signers",
            "",
        ),
        (
            lambda d: d["roles"]["manufacturer"]["signers"][0].update(role="x"),
            "$.roles.manufacturer.signers[0]",
            "role",
        ),
        (lambda d: d["roles"].update({"Bad Role": {"signers": []}}), "$.roles", "Bad Role"),
    ],
    ids=[
        "no-version",
        "no-issuer",
        "both-identities",
        "empty-signers",
        "unknown-key",
        "bad-role-name",
    ],
)
def test_schema_errors_name_the_json_path(tmp_path: Path, mutate, where: str, what: str) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(POLICY))
    mutate(doc)
    path = _policy(tmp_path, doc)
    with pytest.raises(InputError) as e:
        load_signer_policy(path)
    assert f"{path}: {where}: invalid signer policy" in str(e.value)
    assert what in str(e.value)


def test_bad_regexp_and_yaml_are_input_errors(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(POLICY))
    doc["roles"]["integrator"]["signers"][0]["identity_regexp"] = "([unclosed"
    with pytest.raises(
        InputError, match=r"\$\.roles\.integrator\.signers\[0\]: invalid identity regexp"
    ):
        parse_signer_policy(doc, "p.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nroles: [\n")
    with pytest.raises(InputError, match="line"):
        load_signer_policy(bad)


def test_identity_rule_needs_exactly_one_identity() -> None:
    with pytest.raises(InputError):
        IdentityRule(issuer=ISSUER)
    with pytest.raises(InputError):
        IdentityRule(issuer=ISSUER, identity="a", identity_regexp="a")
    assert IdentityRule(issuer=ISSUER, identity_regexp="a.c").matches("abc", ISSUER)
    assert not IdentityRule(issuer=ISSUER, identity_regexp="a.c").matches("abcd", ISSUER)


def test_verify_with_signer_policy(trust: Trust, tmp_path: Path, bom_file: Path) -> None:
    result = invoke(
        "sign", bom_file, "--trust-config", trust.trust_config, "--identity-token", trust.token()
    )
    assert result.exit_code == 0, result.stderr
    policy = _policy(tmp_path, POLICY)

    def run(*extra: str) -> object:
        return invoke(
            "verify", bom_file, "--trust-config", trust.trust_config, "--signers", policy,
            "--format", "json", *extra,
        )  # fmt: skip

    result = run("--role", "manufacturer")
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    (v,) = json_out(result)["verdicts"]  # type: ignore[arg-type]
    assert v["roles"] == ["manufacturer", "release-pipeline"]

    result = run()  # any role
    assert result.exit_code == 0  # type: ignore[attr-defined]

    result = run("--role", "integrator")
    assert result.exit_code == 3  # type: ignore[attr-defined]
    assert "signer not allowed" in result.stderr  # type: ignore[attr-defined]

    result = run("--role", "auditor")
    assert result.exit_code == 4 and "unknown role" in result.stderr  # type: ignore[attr-defined]

    result = invoke(
        "verify", bom_file, "--trust-config", trust.trust_config, "--signers", policy,
        "--cert-identity", IDENTITY, "--cert-oidc-issuer", ISSUER,
    )  # fmt: skip
    assert result.exit_code == 2
