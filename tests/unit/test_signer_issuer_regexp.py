"""Signer rules with an issuer regexp (cosign's --certificate-oidc-issuer-regexp)."""

from __future__ import annotations

import pytest

from sovbom.errors import InputError
from sovbom.signers import IdentityRule, parse_signer_policy

GHA = "https://token.actions.githubusercontent.com"


def _policy(signer: dict[str, str]) -> dict[str, object]:
    return {"version": 1, "roles": {"ci": {"signers": [signer]}}}


def test_an_issuer_regexp_matches_the_whole_issuer() -> None:
    policy = parse_signer_policy(
        _policy({"identity": "me@example.org", "issuer_regexp": r"https://token\.actions\..*"})
    )
    assert policy.roles_of("me@example.org", GHA) == ["ci"]
    assert policy.roles_of("me@example.org", "evil" + GHA) == []  # anchored at the start
    assert policy.roles_of("someone@example.org", GHA) == []
    rule = policy.roles["ci"].signers[0]
    assert rule.describe() == r"me@example.org from /https://token\.actions\..*/"
    assert parse_signer_policy(_policy(rule.to_dict())).roles == policy.roles


@pytest.mark.parametrize(
    ("signer", "message"),
    [
        ({"identity": "me@example.org"}, '"issuer" is a required property'),
        ({"identity": "me@example.org", "issuer": GHA, "issuer_regexp": ".*"}, "invalid signer"),
    ],
)
def test_exactly_one_of_issuer_and_issuer_regexp(signer: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_signer_policy(_policy(signer))
    assert message in str(e.value)


def test_rules_refuse_both_or_neither_issuer_and_a_bad_regexp() -> None:
    with pytest.raises(InputError, match="exactly one of an OIDC issuer or an issuer regexp"):
        IdentityRule(issuer=GHA, identity="me", issuer_regexp=".*")
    with pytest.raises(InputError, match="exactly one of an OIDC issuer or an issuer regexp"):
        IdentityRule(issuer="", identity="me")
    with pytest.raises(InputError, match="invalid issuer regexp"):
        IdentityRule(issuer="", identity="me", issuer_regexp="(")
