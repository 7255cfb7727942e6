"""SARIF 2.1.0 delivery results, for code-scanning and ticketing tools.

One result per part that is not as declared (rule ``delivery-<verdict>``), per server identity
mismatch (``delivery-identity``), per failed signature (``delivery-signature``) and per policy
finding (the policy rule's id); the location is the expected HBOM with the part's bom-ref as a
logical location, and expected / found values go into the result's properties.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from sovbom import __version__
from sovbom.delivery import DeliveryResult, FieldStatus, PartStatus
from sovbom.policy import RULE_HELP, Rule, Severity
from sovbom.report.sarif import _LEVEL, SARIF_SCHEMA

_RULES: dict[str, str] = {
    "delivery-signature": "The signed factory HBOM's signature did not verify (unsigned, altered, or an untrusted signer).",
    "delivery-identity": "The server on the dock is not the server the factory HBOM describes (serial, model, maker).",
    "delivery-substituted": "Another unit holds the declared part's place (serial, part number, maker or model differ).",
    "delivery-missing": "A declared part was not found.",
    "delivery-unexpected": "A part was found that the factory HBOM does not declare.",
    "delivery-drifted": "A declared part's revision or firmware (version or hash) differs.",
    "delivery-duplicate": "Another server of the shipment has the same signed HBOM, observed HBOM or serial numbers.",
    **{f"policy-{r.value}": RULE_HELP[r] for r in Rule},
}  # fmt: skip
_RULE_INDEX = {rule: i for i, rule in enumerate(_RULES)}


def _location(uri: str, index: int, ref: str | None, name: str | None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}
    if ref:
        loc["logicalLocations"] = [
            {"name": name or ref, "fullyQualifiedName": ref, "kind": "object"}
        ]
    return loc


def _result(
    rule: str, level: str, text: str, loc: dict[str, Any], props: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "ruleIndex": _RULE_INDEX[rule],
        "level": level,
        "message": {"text": text},
        "locations": [loc],
        "properties": props,
    }


def sarif_dict(results: Sequence[DeliveryResult]) -> dict[str, Any]:
    artifacts = []
    out: list[dict[str, Any]] = []
    for index, r in enumerate(results):
        uri = r.expected.source
        artifacts.append({"location": {"uri": uri}, "hashes": {"sha-256": r.expected.sha256 or ""}})
        base = {"server": r.server}
        if not r.signature_ok:
            out.append(_result("delivery-signature", "error", f"{r.server}: {r.signature_reason}",
                               _location(uri, index, None, None), dict(base)))  # fmt: skip
            continue
        out.extend(_result("delivery-duplicate", "error", f"{r.server}: {reason}",
                           _location(uri, index, None, None), dict(base))
                   for reason in r.duplicates)  # fmt: skip
        c = r.comparison
        if c is None:
            continue
        out.extend(
            _result(
                "delivery-identity", "error",
                f"{r.server}: server {f.field}: expected {f.expected!r}, found {f.found!r}",
                _location(uri, index, None, None),
                {**base, "field": f.field, "expected": f.expected, "found": f.found},
            )
            for f in c.identity
            if f.status is FieldStatus.MISMATCH
            or (f.field == "serial" and f.status is FieldStatus.NOT_OBSERVED)
        )  # fmt: skip
        for p in c.parts:
            if p.status is PartStatus.MATCHED:
                continue
            diffs = [f for f in p.fields if f.status in (FieldStatus.MISMATCH, FieldStatus.ABSENT)]
            detail = "; ".join(
                f"{f.field}{f' ({f.firmware})' if f.firmware else ''}: expected {f.expected!r}, found {f.found!r}"
                for f in diffs
                if f.status is FieldStatus.MISMATCH
            )
            text = f"{r.server}: {p.status} {p.cls or 'part'} {p.name}" + (
                f" at {p.location}" if p.location else ""
            )
            out.append(_result(
                f"delivery-{p.status}",
                "warning" if p.status is PartStatus.DRIFTED else "error",
                text + (f": {detail}" if detail else ""),
                _location(uri, index, p.expected_ref or p.found_ref, p.name),
                {**base, "fields": [f.to_dict() for f in diffs], "expectedRef": p.expected_ref,
                 "foundRef": p.found_ref},
            ))  # fmt: skip
        findings = [*(r.policy.findings if r.policy is not None else ()), *r.unexpected_findings]
        for finding in findings:
            sev: Severity = finding.severity
            res = _result(
                f"policy-{finding.rule.value}", _LEVEL[sev],
                f"{r.server}: {finding.name or finding.ref or 'BOM'}: {finding.message}",
                _location(uri, index, finding.ref, finding.name),
                {**base, "severity": sev.label},
            )  # fmt: skip
            if finding.exempted_by is not None:
                res["suppressions"] = [{"kind": "external", "status": "accepted",
                                        "justification": finding.exempted_by.reason}]  # fmt: skip
            out.append(res)
    rules = [
        {"id": rule, "name": rule.title().replace("-", ""), "shortDescription": {"text": text},
         "fullDescription": {"text": text}, "properties": {"tags": ["supply-chain", "delivery"]}}
        for rule, text in _RULES.items()
    ]  # fmt: skip
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "sovbom", "version": __version__,
                                    "informationUri": "https://sovbom.invalid/", "rules": rules}},
                "artifacts": artifacts,
                "results": out,
            }
        ],
    }  # fmt: skip


def render_delivery_sarif(results: Sequence[DeliveryResult]) -> bytes:
    return orjson.dumps(sarif_dict(results), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
