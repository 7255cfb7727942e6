"""One SARIF rule-id scheme for every command (documented in the README's reports section)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from report_support import (
    check_report,
    delivery_report,
    inspect_report,
    shipment_report,
    trace_report,
)

from sovbom.policy import Rule
from sovbom.report import ReportFormat, renderer_for
from sovbom.report.sarif import RULES

README = Path(__file__).resolve().parents[2] / "README.md"
SARIF = renderer_for(ReportFormat.SARIF)


def _rules(out: bytes) -> list[str]:
    doc: dict[str, Any] = json.loads(out)
    return [r["ruleId"] for r in doc["runs"][0]["results"]]


def test_policy_findings_use_the_policy_rule_in_check_and_delivery() -> None:
    check = check_report()
    delivery = delivery_report()
    delivery.result.policy = check.result  # the same findings, through two commands
    policy_ids = {r.value for r in Rule}
    from_check = _rules(SARIF.check(check))
    from_delivery = [r for r in _rules(SARIF.delivery(delivery)) if r in policy_ids]
    assert from_check == from_delivery == [f.rule.value for f in check.result.findings]


def test_delivery_statuses_and_signature() -> None:
    rules = _rules(SARIF.shipment(shipment_report()))
    assert {"delivery-substituted", "delivery-missing", "delivery-unexpected", "signature"} <= set(
        rules
    )
    assert not [r for r in rules if r.startswith("policy-")]


def test_inspect_and_trace_rules() -> None:
    assert sorted(_rules(SARIF.inspect(inspect_report()))) == ["pack-digest", "signature"]
    assert set(_rules(SARIF.trace(trace_report()))) == {"trace-match"}


def test_every_rule_is_described_and_documented() -> None:
    text = README.read_text()
    for rule_id, info in RULES.items():
        assert info.help and info.level in ("note", "warning", "error")
        if rule_id not in {r.value for r in Rule}:  # the policy rules have their own table
            assert f"`{rule_id}`" in text, f"README does not list the SARIF rule {rule_id}"
