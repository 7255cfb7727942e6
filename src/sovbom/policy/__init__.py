"""Provenance policy: which components are domestic, approved, denied or unverified, and how bad
that is.

* :mod:`sovbom.policy.rules`: the rules as data (:data:`RULES`), severities and levels;
* :mod:`sovbom.policy.config`: a :class:`Policy` and loading it (``schemas/policy.schema.json``);
* :mod:`sovbom.policy.evaluate`: :func:`evaluate`, its :class:`Finding` and :class:`CheckResult`;
* :mod:`sovbom.policy.judge`: which rules each component raises (what :func:`evaluate` reads).
"""

from __future__ import annotations

from sovbom.policy.config import SCHEMA, Exemption, Policy, load_policy, policy_from_dict
from sovbom.policy.evaluate import (
    CheckResult,
    ClassShare,
    Finding,
    VerificationContext,
    evaluate,
)
from sovbom.policy.judge import effective_country
from sovbom.policy.rules import (
    EXEMPTABLE,
    FAIL_NEVER,
    RULE_HELP,
    RULES,
    SPECS,
    Level,
    Rule,
    RuleSpec,
    Severity,
    fail_on_text,
    fail_threshold,
)

__all__ = [
    "EXEMPTABLE",
    "FAIL_NEVER",
    "RULES",
    "RULE_HELP",
    "SCHEMA",
    "SPECS",
    "CheckResult",
    "ClassShare",
    "Exemption",
    "Finding",
    "Level",
    "Policy",
    "Rule",
    "RuleSpec",
    "Severity",
    "VerificationContext",
    "effective_country",
    "evaluate",
    "fail_on_text",
    "fail_threshold",
    "load_policy",
    "policy_from_dict",
]
