"""The rule table is the one source of a rule's identity: schemas, README and behaviour follow it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from sovbom.graph import build_graph
from sovbom.hbom import tree_document
from sovbom.model import Component
from sovbom.policy import (
    EXEMPTABLE,
    RULE_HELP,
    RULES,
    SPECS,
    Policy,
    Rule,
    Severity,
    evaluate,
    policy_from_dict,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
IDS = [spec.id for spec in RULES]
SEVERITIES = [s.label for s in Severity]


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def test_every_rule_has_one_entry_in_table_order() -> None:
    assert [spec.rule for spec in RULES] == list(Rule)
    assert list(SPECS) == list(Rule)
    assert list(RULE_HELP) == list(Rule) and all(RULE_HELP.values())
    for spec in RULES:
        # a rule is evaluated per component, over the graph, or by the exemption check itself
        assert not (spec.component and spec.graph), spec.id


def test_policy_schema_severity_overrides_name_every_rule() -> None:
    schema = _schema("policy.schema.json")
    assert list(schema["properties"]["severities"]["properties"]) == IDS
    assert schema["$defs"]["severity"]["enum"] == SEVERITIES


def test_policy_schema_exemptions_name_the_exemptable_rules() -> None:
    schema = _schema("policy.schema.json")
    enum = schema["$defs"]["exemption"]["properties"]["rules"]["items"]["enum"]
    assert enum == [r.value for r in EXEMPTABLE]


def test_check_report_schema_names_every_rule() -> None:
    schema = _schema("check-report.schema.json")
    assert schema["$defs"]["finding"]["properties"]["rule"]["enum"] == IDS
    assert schema["$defs"]["severity"]["enum"] == SEVERITIES


def test_readme_severity_table_lists_every_rule_with_its_default() -> None:
    text = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)`[^|]*\| ([^|]+) \|$", text, re.M))
    for spec in RULES:
        assert spec.id in rows, f"README severity table lacks {spec.id}"
        if spec.graph is None:  # graph rules give a severity per problem kind
            assert rows[spec.id].strip() == spec.default.label, spec.id


# ------------------------------------------------------------------ critical components

TODAY = dt.date(2026, 11, 22)


def _pair(ref: str, origin: str | None) -> list[Component]:
    """The same component as a critical device and as a non-critical library."""
    return [
        Component(ref=f"hw:{ref}", name=ref, cls="cpu", origin_country=origin),
        Component(ref=f"lib:{ref}", name=ref, type="library", origin_country=origin),
    ]


def _policy() -> Policy:
    return policy_from_dict(
        {
            "domestic_countries": ["JP"],
            "approved_countries": ["US"],
            "denied_countries": ["RU"],
            "critical_types": ["device"],
            "verification": {"critical": "attested", "default": "attested"},
            "stages": {"hw:cn": {"final-assembly": "domestic"}, "lib:cn": {"test": "domestic"}},
            "exemptions": [
                {
                    "match": {"bom_ref": "*:expired"},
                    "reason": "r",
                    "approved_by": "a",
                    "expires": "2026-01-31",
                }
            ],
        }
    )


@pytest.mark.parametrize("spec", [s for s in RULES if s.graph is None], ids=lambda s: s.id)
def test_critical_components_raise_every_rule_one_step(spec: object) -> None:
    """README: findings of critical components are one step more severe, whatever the rule."""
    root = Component(ref="hw:server", name="srv", cls="server", origin_country="JP")
    for ref, origin in (
        ("us", "US"),
        ("cn", "CN"),
        ("ru", "RU"),
        ("none", None),
        ("expired", "CN"),
    ):
        root.children.extend(_pair(ref, origin))
    result = evaluate(build_graph(tree_document(root)), _policy(), today=TODAY)
    by_kind: dict[tuple[Rule, str], set[Severity]] = {}
    for f in result.findings:
        if f.ref and f.ref != "hw:server":
            kind = f.ref.split(":")[0]
            by_kind.setdefault((f.rule, kind), set()).add(f.severity)
    rule = spec.rule  # type: ignore[attr-defined]
    critical, plain = by_kind[(rule, "hw")], by_kind[(rule, "lib")]
    assert plain == {SPECS[rule].default}
    assert critical == {SPECS[rule].default.raised()}, f"{rule.value} not raised when critical"


def test_stage_scoped_rules_raise_nothing_without_a_stage_table() -> None:
    """A policy without ``stages`` skips the stage-scoped rules: each must be silent then, even
    for a component whose production stages are all abroad."""
    from sovbom.model import ProductionStep, Provenance
    from sovbom.policy.rules import RULES, Subject

    prov = Provenance(
        None, "CN", None, "CN", "CN", None, None, "cpu", None,
        (ProductionStep(step="assembly", site=None, country="CN"),),
        (),
    )  # fmt: skip
    scoped = [spec for spec in RULES if spec.stage_scoped]
    assert {spec.rule.value for spec in scoped} == {"stage-origin", "traceability-chain"}
    subject = Subject(frozenset({"JP"}), frozenset(), frozenset({"CN"}), True, prov=prov, ref="x")
    for spec in scoped:
        assert spec.component is not None
        assert spec.component(subject) is None
    subject.stages = {"cpu": {"assembly": "domestic"}}
    assert any(spec.component(subject) is not None for spec in scoped if spec.component)
