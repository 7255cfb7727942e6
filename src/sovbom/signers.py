"""Signer policies: who may sign which role.

A signer policy file (YAML or JSON, schema ``schemas/signers.schema.json``) maps roles such as
``manufacturer``, ``integrator`` or ``release-pipeline`` to the (identity, OIDC issuer) pairs that
may sign for them. An identity is either exact (``identity``) or a regular expression that must
match the *whole* certificate identity (``identity_regexp``); the issuer is exact
(``issuer``) or an anchored regular expression (``issuer_regexp``).

This module is pure: it knows nothing about Sigstore. :mod:`sovbom.signing` checks a verified
signing certificate against :class:`IdentityRule` objects and asks :meth:`SignerPolicy.roles_of`
which roles the signer holds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sovbom._io import (
    MAX_SMALL_INPUT_BYTES,
    display_name,
    json_pointer,
    parse_json,
    parse_yaml,
    read_bytes,
)
from sovbom.errors import InputError

SCHEMA_NAME = "signers.schema.json"
#: A certificate identity longer than this matches no rule: an identity regexp (written by the
#: policy's author, compiled once) never runs on it. Real identities (an e-mail address, a CI
#: workflow URI) are a few hundred characters at most.
MAX_IDENTITY_CHARS = 4096


def identity_for_display(identity: str) -> str:
    """An identity for messages: as it is, or cut and marked when it is too long to match."""
    if len(identity) <= MAX_IDENTITY_CHARS:
        return identity
    return (
        f"{identity[:80]}... ({len(identity)} characters: longer than {MAX_IDENTITY_CHARS}, "
        "matches no signer)"
    )


@dataclass(frozen=True)
class IdentityRule:
    """One allowed signer: an exact identity or an anchored identity regexp, and an exact issuer
    or an anchored issuer regexp (``issuer_regexp``, as cosign's ``--certificate-oidc-issuer-regexp``;
    ``issuer`` is then empty)."""

    issuer: str
    identity: str | None = None
    identity_regexp: str | None = None
    #: A label for messages (e.g. the ``name`` given in a policy file).
    label: str | None = None
    issuer_regexp: str | None = None
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    _issuer_pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if (self.identity is None) == (self.identity_regexp is None):
            raise InputError("a signer needs exactly one of identity or identity_regexp")
        if bool(self.issuer) == (self.issuer_regexp is not None):
            raise InputError("a signer needs exactly one of an OIDC issuer or an issuer regexp")
        if self.identity_regexp is not None:
            object.__setattr__(self, "_pattern", _compile(self.identity_regexp, "identity"))
        if self.issuer_regexp is not None:
            object.__setattr__(self, "_issuer_pattern", _compile(self.issuer_regexp, "issuer"))

    def matches_issuer(self, issuer: str) -> bool:
        if self._issuer_pattern is not None:
            return len(issuer) <= MAX_IDENTITY_CHARS and bool(
                self._issuer_pattern.fullmatch(issuer)
            )
        return issuer == self.issuer

    def identity_matches(self, identity: str) -> bool:
        if len(identity) > MAX_IDENTITY_CHARS:
            return False
        if self._pattern is not None:
            return self._pattern.fullmatch(identity) is not None
        return identity == self.identity

    def matches(self, identity: str, issuer: str) -> bool:
        return self.matches_issuer(issuer) and self.identity_matches(identity)

    def describe(self) -> str:
        who = self.identity if self.identity is not None else f"/{self.identity_regexp}/"
        issuer = self.issuer if self.issuer_regexp is None else f"/{self.issuer_regexp}/"
        return f"{who} from {issuer}"

    def to_dict(self) -> dict[str, str]:
        """The rule as a signer entry of a policy file (``schemas/signers.schema.json``)."""
        out = {"name": self.label} if self.label else {}
        if self.identity is not None:
            out["identity"] = self.identity
        if self.identity_regexp is not None:
            out["identity_regexp"] = self.identity_regexp
        if self.issuer_regexp is not None:
            out["issuer_regexp"] = self.issuer_regexp
        else:
            out["issuer"] = self.issuer
        return out


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise InputError(f"invalid {what} regexp {pattern!r}: {e}") from e


@dataclass(frozen=True)
class Role:
    name: str
    signers: tuple[IdentityRule, ...]
    description: str = ""


@dataclass(frozen=True)
class SignerPolicy:
    """Roles and the signers allowed for each. Build it with :func:`load_signer_policy`."""

    roles: dict[str, Role]
    source: str = "<policy>"

    def rules(self, roles: Iterable[str] | None = None) -> list[IdentityRule]:
        """The rules of the given roles (all roles when ``None``). Unknown roles are an error."""
        names = list(self.roles) if roles is None else list(roles)
        unknown = [r for r in names if r not in self.roles]
        if unknown:
            known = ", ".join(sorted(self.roles)) or "none"
            raise InputError(
                f"unknown role(s) {', '.join(unknown)} (known: {known})", source=self.source
            )
        return [rule for name in names for rule in self.roles[name].signers]

    def roles_of(self, identity: str, issuer: str) -> list[str]:
        """The roles a (verified) signer holds, sorted."""
        return sorted(
            name
            for name, role in self.roles.items()
            if any(rule.matches(identity, issuer) for rule in role.signers)
        )

    def allows(self, identity: str, issuer: str, role: str) -> bool:
        """Was this (verified) signer allowed to sign as ``role``?"""
        return role in self.roles_of(identity, issuer)


def match_rules(rules: Sequence[IdentityRule], identity: str, issuer: str) -> IdentityRule | None:
    """The first rule that allows this signer, or ``None``."""
    for rule in rules:
        if rule.matches(identity, issuer):
            return rule
    return None


def parse_signer_policy(doc: Any, source: str = "<policy>") -> SignerPolicy:
    """Validate a loaded policy document against the schema and build a :class:`SignerPolicy`."""
    from sovbom.project_schemas import check_against  # jsonschema-rs: imported when used

    check_against(doc, SCHEMA_NAME, source, what="invalid signer policy", deepest=False)
    roles: dict[str, Role] = {}
    for name, spec in doc["roles"].items():
        rules: list[IdentityRule] = []
        for i, s in enumerate(spec["signers"]):
            try:
                rules.append(
                    IdentityRule(
                        issuer=s.get("issuer", ""),
                        identity=s.get("identity"),
                        identity_regexp=s.get("identity_regexp"),
                        label=s.get("name"),
                        issuer_regexp=s.get("issuer_regexp"),
                    )
                )
            except InputError as e:
                raise InputError(
                    e.message, source=source, location=json_pointer(["roles", name, "signers", i])
                ) from e
        roles[name] = Role(name=name, signers=tuple(rules), description=spec.get("description", ""))
    return SignerPolicy(roles=roles, source=source)


def load_signer_policy(path: str | os.PathLike[str]) -> SignerPolicy:
    """Load a signer policy file (YAML or JSON); errors name the file and the failing JSON path."""
    source = display_name(path)
    # Small by nature: capped at MAX_SMALL_INPUT_BYTES; JSON and YAML both have depth limits.
    data = read_bytes(path, limit=MAX_SMALL_INPUT_BYTES)
    suffix = os.path.splitext(str(path))[1].lower()
    is_json = suffix == ".json" or (
        suffix not in (".yaml", ".yml") and data.lstrip()[:1] in (b"{", b"[")
    )
    doc = parse_json(data, source) if is_json else parse_yaml(data, source)
    return parse_signer_policy(doc, source)
