"""Policy semantics, one rule at a time, on small BOMs built here."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sovbom.graph import build_graph
from sovbom.hbom import link_firmware, tree_document
from sovbom.model import Component, Organization, ProductionStep
from sovbom.policy import (
    Finding,
    Level,
    Rule,
    Severity,
    VerificationContext,
    evaluate,
    policy_from_dict,
)

TODAY = dt.date(2026, 11, 22)


def server(*parts: Component) -> Component:
    root = Component(ref="hw:server", name="srv", cls="server", origin_country="JP")
    root.children.extend(parts)
    return root


def part(ref: str, cls: str = "cpu", origin: str | None = "JP", **kw: Any) -> Component:
    return Component(ref=ref, name=ref.split(":")[-1], cls=cls, origin_country=origin, **kw)


def run(
    root: Component, raw_policy: dict[str, Any], ctx: VerificationContext | None = None, **kw: Any
):
    doc = tree_document(root)
    policy = policy_from_dict({"domestic_countries": ["JP"], **raw_policy})
    return evaluate(build_graph(doc), policy, ctx, today=TODAY, **kw)


def by_ref(findings: list[Finding], ref: str) -> dict[Rule, Finding]:
    return {f.rule: f for f in findings if f.ref == ref}


NO_VERIFY = {"verification": {"critical": "declared", "default": "declared"}}


def test_domestic_approved_other_and_denied() -> None:
    root = server(
        part("hw:jp", origin="JP"),
        part("hw:us", origin="US"),
        part("hw:cn", origin="CN"),
        part("hw:xx", origin="RU"),
    )
    result = run(root, {"approved_countries": ["US"], "denied_countries": ["RU"], **NO_VERIFY})
    assert by_ref(result.findings, "hw:jp") == {}
    us = by_ref(result.findings, "hw:us")
    assert (
        set(us) == {Rule.NON_DOMESTIC_APPROVED}
        and us[Rule.NON_DOMESTIC_APPROVED].severity == Severity.MEDIUM  # low, raised: a device
    )
    cn = by_ref(result.findings, "hw:cn")
    assert set(cn) == {Rule.NON_DOMESTIC}
    assert "origin CN, not approved" in cn[Rule.NON_DOMESTIC].message
    ru = by_ref(result.findings, "hw:xx")
    assert set(ru) == {Rule.DENIED_COUNTRY}
    assert ru[Rule.DENIED_COUNTRY].severity >= Severity.HIGH
    share = result.by_class["cpu"]
    assert (share.total, share.domestic, share.approved, share.other) == (4, 1, 1, 2)


def test_denied_country_in_a_production_step_or_supplier() -> None:
    p = part(
        "hw:gpu",
        cls="gpu",
        origin="TW",
        production=[ProductionStep("chip-packaging", "x", "CN", None)],
        supplier=Organization("Reseller", "RU"),
    )
    result = run(
        server(p), {"approved_countries": ["TW"], "denied_countries": ["CN", "RU"], **NO_VERIFY}
    )
    f = by_ref(result.findings, "hw:gpu")[Rule.DENIED_COUNTRY]
    assert "CN, RU" in f.message


def test_critical_components_are_more_severe() -> None:
    result = run(
        server(part("hw:bmc", cls="bmc", origin="CN"), part("hw:fan", cls="fan", origin="CN")),
        {"critical_types": ["bmc"], **NO_VERIFY},
    )
    assert by_ref(result.findings, "hw:bmc")[Rule.NON_DOMESTIC].severity == Severity.HIGH
    assert by_ref(result.findings, "hw:fan")[Rule.NON_DOMESTIC].severity == Severity.MEDIUM


def test_unknown_origin_and_fallback_to_manufacturer_country() -> None:
    unknown = part("hw:a", origin=None)
    by_maker = part("hw:b", origin=None, manufacturer=Organization("Maker", "JP"))
    result = run(server(unknown, by_maker), NO_VERIFY)
    assert set(by_ref(result.findings, "hw:a")) == {Rule.UNKNOWN_ORIGIN}
    assert by_ref(result.findings, "hw:b") == {}
    relaxed = run(server(part("hw:a", origin=None)), {"require_origin": False, **NO_VERIFY})
    assert by_ref(relaxed.findings, "hw:a") == {}


def test_origin_scope_limits_country_rules() -> None:
    lib = Component(ref="pkg:x", name="x", type="library")
    result = run(server(lib), {"origin_scope": ["device"], **NO_VERIFY})
    assert by_ref(result.findings, "pkg:x") == {}
    result = run(server(Component(ref="pkg:x", name="x", type="library")), NO_VERIFY)
    assert set(by_ref(result.findings, "pkg:x")) == {Rule.UNKNOWN_ORIGIN}


@pytest.mark.parametrize(
    ("match", "hit"),
    [
        ({"part_number": "PN-1"}, True),
        ({"part_number": "PN-*"}, True),
        ({"part_number": "OTHER"}, False),
        ({"supplier": "acme corp"}, True),
        ({"bom_ref": "hw:cn"}, True),
        ({"purl": "pkg:generic/cpu@*"}, True),
        ({"purl": "pkg:generic/gpu@*"}, False),
        ({"part_number": "PN-1", "supplier": "Someone Else"}, False),
    ],
)
def test_exemption_match_kinds(match: dict[str, str], hit: bool) -> None:
    p = part("hw:cn", origin="CN", part_number="PN-1", supplier=Organization("ACME Corp", "CN"))
    p.purl = "pkg:generic/cpu@1"
    ex = {"match": match, "reason": "r", "approved_by": "board"}
    result = run(server(p), {"exemptions": [ex], **NO_VERIFY})
    f = by_ref(result.findings, "hw:cn")[Rule.NON_DOMESTIC]
    assert (f.exempted_by is not None) is hit
    assert result.fails(Severity.MEDIUM) is (not hit)


def test_exemption_limited_to_rules() -> None:
    ex = {
        "match": {"bom_ref": "hw:a"},
        "rules": ["unknown-origin"],
        "reason": "r",
        "approved_by": "b",
    }
    result = run(server(part("hw:a", origin="CN")), {"exemptions": [ex], **NO_VERIFY})
    assert by_ref(result.findings, "hw:a")[Rule.NON_DOMESTIC].exempted_by is None


def test_expired_exemption_is_a_finding_and_no_longer_exempts() -> None:
    live = {
        "match": {"bom_ref": "hw:a"},
        "reason": "r",
        "approved_by": "b",
        "expires": "2026-11-22",
    }
    dead = {
        "match": {"bom_ref": "hw:b"},
        "reason": "old",
        "approved_by": "b",
        "expires": "2026-11-21",
    }
    result = run(
        server(part("hw:a", origin="CN"), part("hw:b", origin="CN")),
        {"exemptions": [live, dead], **NO_VERIFY},
    )
    a = by_ref(result.findings, "hw:a")
    assert a[Rule.NON_DOMESTIC].exempted_by is not None and Rule.EXPIRED_EXEMPTION not in a
    b = by_ref(result.findings, "hw:b")
    assert b[Rule.NON_DOMESTIC].exempted_by is None
    assert "expired on 2026-11-21" in b[Rule.EXPIRED_EXEMPTION].message


def test_verification_levels_and_requirements() -> None:
    fw = Component(
        ref="fw:bmc", name="bmc fw", cls="firmware", origin_country="JP", type="firmware"
    )
    bmc = part("hw:bmc", cls="bmc")
    link_firmware(bmc, fw)
    raw = {
        "critical_types": ["firmware", "bmc"],
        "verification": {"critical": "verified", "default": "attested"},
    }
    root = server(bmc, part("hw:cpu"))
    declared = run(root, raw)
    for ref in ("hw:bmc", "fw:bmc", "hw:cpu", "hw:server"):
        assert Rule.INSUFFICIENT_VERIFICATION in by_ref(declared.findings, ref), ref
    assert declared.levels == {"declared": 4, "attested": 0, "verified": 0, "hardware-verified": 0}

    attested = run(
        server(bmc, part("hw:cpu")),
        raw,
        VerificationContext(attested_by=frozenset({"manufacturer"})),
    )
    assert Rule.INSUFFICIENT_VERIFICATION not in by_ref(attested.findings, "hw:cpu")
    f = by_ref(attested.findings, "fw:bmc")[Rule.INSUFFICIENT_VERIFICATION]
    assert f.level == Level.ATTESTED and f.severity == Severity.HIGH

    # a role the policy does not accept for attestation leaves everything declared
    other_role = run(
        server(bmc, part("hw:cpu")), raw, VerificationContext(attested_by=frozenset({"integrator"}))
    )
    assert other_role.levels["attested"] == 0


def test_verified_parent_does_not_verify_its_children() -> None:
    fw = Component(ref="fw:gpu", name="vbios", cls="firmware", origin_country="JP", type="firmware")
    gpu = part("hw:gpu", cls="gpu")
    link_firmware(gpu, fw)
    raw = {"critical_types": ["gpu", "firmware"]}
    ctx = VerificationContext(
        attested_by=frozenset({"manufacturer"}), verified={"hw:gpu": "observed at delivery"}
    )
    result = run(server(gpu), raw, ctx)
    assert Rule.INSUFFICIENT_VERIFICATION not in by_ref(result.findings, "hw:gpu")
    assert by_ref(result.findings, "fw:gpu")[Rule.INSUFFICIENT_VERIFICATION].level == Level.ATTESTED
    assert result.levels == {
        "declared": 0,
        "attested": 1 + 1,
        "verified": 1,
        "hardware-verified": 0,
    }


def test_class_level_overrides() -> None:
    raw = {
        "critical_types": [],
        "verification": {"default": "declared", "classes": {"tpm": "verified"}},
    }
    result = run(server(part("hw:tpm", cls="tpm"), part("hw:cpu")), raw)
    assert Rule.INSUFFICIENT_VERIFICATION in by_ref(result.findings, "hw:tpm")
    assert by_ref(result.findings, "hw:cpu") == {}


def test_deep_path_is_reported_from_the_root() -> None:
    leaf = part("hw:d", origin="CN")
    c = part("hw:c", children=[leaf])
    b = part("hw:b", children=[c])
    result = run(server(part("hw:a", children=[b])), NO_VERIFY)
    f = by_ref(result.findings, "hw:d")[Rule.NON_DOMESTIC]
    assert f.paths == [["hw:server", "hw:a", "hw:b", "hw:c", "hw:d"]]
    assert f.paths[0][0] == "hw:server"


def test_shared_component_shows_both_paths() -> None:
    os_ = Component(ref="os", name="debian", type="operating-system", origin_country="JP")
    lib = Component(ref="pkg:openssl", name="openssl", type="library", origin_country="US")
    a = Component(
        ref="pkg:a", name="a", type="library", origin_country="JP", depends_on=["pkg:openssl"]
    )
    b = Component(
        ref="pkg:b", name="b", type="library", origin_country="JP", depends_on=["pkg:openssl"]
    )
    os_.children.extend([a, b, lib])
    result = run(server(os_), {"approved_countries": ["US"], **NO_VERIFY})
    f = by_ref(result.findings, "pkg:openssl")[Rule.NON_DOMESTIC_APPROVED]
    assert sorted(f.paths) == [
        ["hw:server", "os", "pkg:a", "pkg:openssl"],
        ["hw:server", "os", "pkg:b", "pkg:openssl"],
        ["hw:server", "os", "pkg:openssl"],
    ]
    assert len(f.paths[0]) == 3  # shortest first


def _doc_with(deps: list[dict[str, Any]]) -> dict[str, Any]:
    doc = tree_document(server(part("hw:a"), part("hw:b")))
    doc["dependencies"] = deps
    return doc


def test_cycles_dangling_and_unreachable_are_reported_not_crashed() -> None:
    doc = _doc_with(
        [
            {"ref": "hw:server", "dependsOn": ["hw:a", "hw:b"]},
            {"ref": "hw:a", "dependsOn": ["hw:b", "hw:ghost"]},
            {"ref": "hw:b", "dependsOn": ["hw:a"]},
            {"ref": "hw:nobody", "dependsOn": ["hw:a"]},
        ]
    )
    doc["components"].append({"type": "device", "name": "orphan", "bom-ref": "hw:orphan"})
    policy = policy_from_dict({"domestic_countries": ["JP"], "require_origin": False, **NO_VERIFY})
    result = evaluate(build_graph(doc), policy, today=TODAY)
    messages = [f.message for f in result.findings if f.rule == Rule.INTEGRITY]
    assert any(
        m.startswith("cycle: dependency cycle among 2 components: hw:a, hw:b") for m in messages
    )
    assert any("'hw:ghost', which no component has" in m for m in messages)
    assert any("dependencies name 'hw:nobody'" in m for m in messages)
    assert any(m.startswith("unreachable: 'orphan'") for m in messages)
    severity = {
        f.message.split(":")[0]: f.severity for f in result.findings if f.rule == Rule.INTEGRITY
    }
    assert severity == {
        "cycle": Severity.LOW,
        "dangling-reference": Severity.HIGH,
        "unreachable": Severity.MEDIUM,
    }


def test_self_dependency_is_a_cycle() -> None:
    doc = _doc_with([{"ref": "hw:a", "dependsOn": ["hw:a"]}])
    policy = policy_from_dict({"domestic_countries": ["JP"], **NO_VERIFY})
    result = evaluate(build_graph(doc), policy, today=TODAY)
    assert any("'hw:a' depends on itself" in f.message for f in result.findings)


def test_severity_override_and_fail_threshold() -> None:
    result = run(
        server(part("hw:a", origin="US")),
        {
            "approved_countries": ["US"],
            "severities": {"non-domestic-approved": "high"},
            **NO_VERIFY,
        },
    )
    assert result.fails(Severity.HIGH)
    result = run(server(part("hw:a", origin="US")), {"approved_countries": ["US"], **NO_VERIFY})
    assert not result.fails(Severity.HIGH) and result.fails(Severity.LOW)


def test_edge_kinds() -> None:
    from sovbom.graph import CONTAINS, DEPENDS, SUB_BOM

    os_ = Component(ref="os", name="debian", type="operating-system")
    a = Component(ref="pkg:a", name="a", type="library", depends_on=["pkg:b"])
    b = Component(ref="pkg:b", name="b", type="library")
    os_.children.extend([a, b])
    doc = tree_document(server(os_))
    doc["metadata"]["component"]["externalReferences"] = [
        {"type": "bom", "url": "urn:cdx:1b4e28ba-2fa1-11d2-883f-0016d3cca427/1"}
    ]
    pg = build_graph(doc)
    assert pg.edge_kind("os", "pkg:a") == CONTAINS
    assert pg.edge_kind("pkg:a", "pkg:b") == DEPENDS
    assert pg.edge_kind("hw:server", "urn:cdx:1b4e28ba-2fa1-11d2-883f-0016d3cca427/1") == SUB_BOM
