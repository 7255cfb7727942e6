"""One walk over a document: delivery and the provenance graph name every component alike, and
a delivery's policy check is the check every command runs (sovbom.checking.check_bom)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from delivery_support import REPO

from sovbom.checking import check_bom
from sovbom.cyclonedx.reader import load_bom
from sovbom.cyclonedx.walk import walk_components
from sovbom.delivery import assess, compare, extract
from sovbom.graph import build_graph
from sovbom.policy import load_policy
from sovbom.signing import Status, Verdict

HGX = REPO / "samples" / "hgx-b200-jp.hbom.cdx.json"
POLICY = REPO / "samples" / "policy.yaml"
PSU = "<anonymous 1: 3200W Titanium CRPS PSU>"


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _strip_ref(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    """Remove a component's bom-ref (and the dependency entries naming it)."""
    for _, component, _, _, _ in walk_components(doc):
        if component.get("bom-ref") == ref:
            del component["bom-ref"]
            break
    else:
        raise KeyError(ref)
    deps = [d for d in doc.get("dependencies", []) if d["ref"] != ref]
    for d in deps:
        d["dependsOn"] = [r for r in d.get("dependsOn", []) if r != ref]
    doc["dependencies"] = deps
    return doc


def _anonymous_hbom() -> dict[str, Any]:
    doc = load(HGX)
    _strip_ref(doc, "hw:chassis/psu5")  # its firmware's sovbom:runs-on now names no part
    _strip_ref(doc, "fw:chassis/psu5/psu-fw")
    return doc


def test_walk_names_components_as_the_graph_does() -> None:
    doc = _anonymous_hbom()
    doc["components"].insert(0, "not a component")  # skipped, and not numbered
    doc["components"].append({"type": "device", "name": "spare", "components": [7, {"name": "x"}]})
    first: dict[str, None] = {}
    for ref, *_ in walk_components(doc):
        first.setdefault(ref)
    assert list(first) == list(build_graph(doc).components)
    assert [r for r in first if r.startswith("<anonymous")] == [
        PSU, "<anonymous 2: PSU firmware>", "<anonymous 3: spare>",
        "<anonymous 4: x>",
    ]  # fmt: skip


def test_walk_paths_point_at_the_components() -> None:
    doc = load(HGX)
    for _, component, _, path, is_root in walk_components(doc, paths=True):
        node: Any = doc
        for step in path:
            node = node[step]
        assert node is component
        assert is_root == (path == ("metadata", "component"))


def test_anonymous_parts_verified_at_delivery_are_graph_components() -> None:
    doc = _anonymous_hbom()
    comparison = compare(doc, copy.deepcopy(doc))
    assert comparison.matched
    anonymous = sorted(r for r in comparison.verified if r.startswith("<anonymous"))
    assert anonymous == [PSU, "<anonymous 2: PSU firmware>"]
    graph = build_graph(doc)
    assert set(comparison.verified) <= set(graph.components)
    # the firmware without a bom-ref still belongs to its part
    _, parts, loose = extract(doc)
    psu = next(p for p in parts if p.ref == PSU)
    assert [f.ref for f in psu.firmware] == ["<anonymous 2: PSU firmware>"] and not loose


def test_a_server_without_bom_ref_still_has_its_identity_checked() -> None:
    doc = load(HGX)
    del doc["metadata"]["component"]["bom-ref"]
    observed = copy.deepcopy(doc)
    for p in observed["metadata"]["component"]["properties"]:
        if p["name"] == "cdx:device:serialNumber":
            p["value"] = "ANOTHER-SERVER"
    comparison = compare(doc, observed)
    assert not comparison.identity_ok
    serial = next(f for f in comparison.identity if f.field == "serial")
    assert serial.found == "ANOTHER-SERVER"


def _verdict(path: Path) -> Verdict:
    return Verdict(file=str(path), bundle="test", ok=True, status=Status.VERIFIED,
                   identity="factory@example", roles=["manufacturer"])  # fmt: skip


def test_the_delivery_policy_check_is_check_bom() -> None:
    expected = load_bom(HGX)
    observed = _strip_ref(copy.deepcopy(expected.doc), "hw:chassis/nic1")  # an unexpected NIC
    observed["components"][0]["components"].append({"type": "device", "name": "Rogue NIC"})
    policy = load_policy(POLICY)
    today = dt.date(2026, 11, 22)
    signature = _verdict(HGX)
    result = assess("srv", expected, signature, observed, None, policy=policy, today=today)
    assert result.comparison is not None and result.policy is not None
    report = check_bom(expected, policy, as_of=today, fail_on="high", signature=signature,
                       observed=result.comparison.verified)  # fmt: skip
    assert result.policy == report.result
    assert report.result.levels == result.policy.levels
    # the parts found but not declared are checked as `sovbom check` checks an unsigned BOM
    assert result.unexpected_findings
    assert {f.name for f in result.unexpected_findings} >= {"Rogue NIC"}
