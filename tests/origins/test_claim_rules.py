"""``check --claim`` reads only the rules a claim's conditions read (:mod:`sovbom.claim_rules`):
its answer is the one the whole claim policy gives (``sovbom claim``), finding for finding."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import yaml
from claim_support import CLAIM, MANIFEST, SAMPLES, abroad, denied, no_site

from sovbom.checking import check_bom
from sovbom.claim_rules import CLAIM_RULES, claim_rules_result
from sovbom.claims import claim_result, evaluate_claim, load_claim
from sovbom.cyclonedx.reader import load_bom, parse_bom
from sovbom.cyclonedx.writer import render_bom
from sovbom.hbom import tree_document
from sovbom.manifest import manifest_to_tree
from sovbom.policy import VerificationContext, evaluate, load_policy

AS_OF = dt.date(2026, 11, 22)


def _late(m: dict[str, Any]) -> None:
    """The baseboard's fabrication dated after its assembly (dates out of order)."""
    board = next(p for p in m["parts"][0]["parts"] if p["id"] == "baseboard")
    board["production"][0]["date"] = "2026-12-30"


def _bom(change: Any) -> Any:
    if change is None:
        return load_bom(SAMPLES / "hgx-b200-jp.hbom.cdx.json")
    raw = yaml.safe_load(MANIFEST.read_text())
    change(raw)
    data = render_bom(tree_document(manifest_to_tree(raw)), reproducible=True)
    return parse_bom(data, "changed.cdx.json")


@pytest.mark.parametrize("change", [None, abroad, no_site, denied, _late])
@pytest.mark.parametrize("level", ["declared", "attested"])
@pytest.mark.parametrize("attested", [False, True])
def test_claim_rules_give_the_whole_policys_answer(change: Any, level: str, attested: bool) -> None:
    claim = dataclasses.replace(load_claim(CLAIM), critical_level=level)
    bom = _bom(change)
    report = check_bom(bom, load_policy(SAMPLES / "policy.yaml"), as_of=AS_OF, fail_on="high")
    context = VerificationContext(
        attested_by=frozenset({"manufacturer"}) if attested else frozenset()
    )
    policy = claim.policy()
    whole = evaluate(report.graph, policy, context, today=AS_OF)
    lean = claim_rules_result(report.graph, policy, context)
    picked = [f for f in whole.findings if f.rule in CLAIM_RULES]
    assert [(f.rule, f.severity, f.ref, f.message, f.paths[:1]) for f in picked] == [
        (f.rule, f.severity, f.ref, f.message, f.paths) for f in lean.findings
    ]
    assert whole.stages is not None and lean.stages is not None
    assert whole.stages.to_dict() == lean.stages.to_dict()
    # and so the claim result, condition by condition
    results = []
    for result in (whole, lean):
        judged = dataclasses.replace(report, result=result, policy=policy)
        results.append(claim_result(claim, judged, evaluate_claim(claim, judged)))
    assert results[0] == results[1]
    if change is not None or level == "attested" and not attested:
        assert results[1]["holds"] is False
