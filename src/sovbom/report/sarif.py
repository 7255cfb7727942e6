"""SARIF 2.1.0 reports of every kind, for code-scanning and ticketing tools.

One rule-id scheme for every command (see :data:`RULES` and the README's reports section):

* a policy finding's rule is the policy rule itself (``non-domestic``, ``denied-country``, ...),
  from ``check``, ``verify-delivery`` (the expected HBOM's and the unexpected parts' findings)
  and ``inspect`` alike;
* a delivery mismatch is ``delivery-<status>`` (``delivery-missing``, ``delivery-substituted``,
  ...), a server that is not the one described ``delivery-identity``;
* a signature that does not hold is ``signature`` (the factory HBOM's, a packed BOM's);
* another evidence-pack check that does not hold is ``pack-<kind>`` (``pack-digest``, ...);
* a component matching a ``trace`` query is ``trace-match``.

A check's results are located at the line of the component's ``bom-ref`` in the BOM file (line 1
when it cannot be found, e.g. an XML BOM), with the JSON path as a logical location; provenance
paths go into the result's properties, and an exemption becomes a suppression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from sovbom import __version__
from sovbom.policy import RULE_HELP, Finding, Rule, Severity
from sovbom.report.fleet import FleetSarifMixin
from sovbom.report.text import match_title
from sovbom.units import UnitNames

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.conformance import ConformanceReport
    from sovbom.delivery import DeliveryResult
    from sovbom.diff import DiffReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.report.interface import DeliveryReport, ShipmentReport, TraceReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL = {
    Severity.INFO: "note",
    Severity.LOW: "note",
    Severity.MEDIUM: "warning",
    Severity.HIGH: "error",
    Severity.CRITICAL: "error",
}
_SECURITY_SEVERITY = {
    Severity.INFO: "0.0",
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}


@dataclass(frozen=True, slots=True)
class RuleInfo:
    help: str
    tag: str
    level: str


SIGNATURE = "signature"
TRACE_MATCH = "trace-match"
FLEET_FAIL = "fleet-fail"
FLEET_CHANGED = "fleet-verdict-changed"
FLEET_WHERE_USED = "fleet-where-used"
FLEET_SKIPPED = "fleet-skipped"
#: Every rule sovbom reports, by id.
RULES: dict[str, RuleInfo] = {
    **{r.value: RuleInfo(RULE_HELP[r], "provenance", "warning") for r in Rule},
    SIGNATURE: RuleInfo("A signature did not verify (unsigned, altered, or an untrusted signer).", "signature", "error"),
    "delivery-identity": RuleInfo("The server on the dock is not the server the factory HBOM describes (serial, model, maker).", "delivery", "error"),
    "delivery-substituted": RuleInfo("Another unit holds the declared part's place (serial, part number, maker or model differ).", "delivery", "error"),
    "delivery-missing": RuleInfo("A declared part was not found.", "delivery", "error"),
    "delivery-unexpected": RuleInfo("A part was found that the factory HBOM does not declare.", "delivery", "error"),
    "delivery-drifted": RuleInfo("A declared part's revision or firmware (version or hash) differs.", "delivery", "warning"),
    "delivery-duplicate": RuleInfo("Another server of the shipment has the same signed HBOM, observed HBOM or serial numbers.", "delivery", "error"),
    "pack-index": RuleInfo("The evidence pack's index is missing, malformed or lists a member twice.", "evidence-pack", "error"),
    "pack-digest": RuleInfo("A member is missing, added, or its SHA-256 differs from the index.", "evidence-pack", "error"),
    "pack-trust": RuleInfo("The trust material or signer policy needed to check signatures is missing or not intact.", "evidence-pack", "error"),
    "pack-schema": RuleInfo("A packed BOM is not a valid CycloneDX document.", "evidence-pack", "error"),
    "pack-integrity": RuleInfo("A packed BOM's graph is inconsistent.", "evidence-pack", "error"),
    "pack-evidence": RuleInfo("A packed evidence document's signature does not hold.", "evidence-pack", "error"),
    "pack-policy": RuleInfo("The re-run policy check disagrees with the packed report, or the packed policy is unreadable.", "evidence-pack", "error"),
    "pack-claim": RuleInfo("A packed origin claim is unreadable, or a signed claim result does not verify or disagrees with the claim re-evaluated offline.", "evidence-pack", "error"),
    TRACE_MATCH: RuleInfo("A component matching the trace query, with its paths from the server root.", "trace", "note"),
    FLEET_FAIL: RuleInfo("A server of the fleet fails the policy (its newest BOM, rechecked).", "fleet", "error"),
    FLEET_CHANGED: RuleInfo("A server's verdict changed since the previous recheck of the fleet.", "fleet", "warning"),
    FLEET_SKIPPED: RuleInfo("A file was not ingested into the fleet (unreadable, invalid or not signed as required).", "fleet", "error"),
    FLEET_WHERE_USED: RuleInfo("A server of the fleet carries a component matching the where-used query.", "fleet", "note"),
}  # fmt: skip
_DELIVERY_RULES = (
    SIGNATURE,
    *(k for k in RULES if k.startswith("delivery-")),
    *(r.value for r in Rule),
)


def pack_rule(kind: str) -> str:
    """The rule of an evidence-pack check that does not hold."""
    return SIGNATURE if kind == SIGNATURE else f"pack-{kind}"


def _descriptor(rule_id: str, extra: dict[str, RuleInfo] | None = None) -> dict[str, Any]:
    info = (
        (extra or {}).get(rule_id)
        or RULES.get(rule_id)
        or RuleInfo("An evidence pack check did not hold.", "evidence-pack", "error")
    )
    return {
        "id": rule_id,
        "name": rule_id.title().replace("-", ""),
        "shortDescription": {"text": info.help},
        "fullDescription": {"text": info.help},
        "defaultConfiguration": {"level": info.level},
        "properties": {"tags": ["supply-chain", info.tag]},
    }


class _Run:
    """One SARIF run: the rules it declares (in order), its artifacts and results."""

    def __init__(self, rule_ids: Iterable[str], extra: dict[str, RuleInfo] | None = None) -> None:
        #: rules of this run only (a conformance profile's elements), beside :data:`RULES`
        self.extra = extra or {}
        self.rule_ids = list(dict.fromkeys(rule_ids))
        self.index = {rule: i for i, rule in enumerate(self.rule_ids)}
        self.artifacts: list[dict[str, Any]] = []
        self._artifact_index: dict[tuple[str, str], int] = {}
        self.results: list[dict[str, Any]] = []

    def artifact(self, uri: str, sha256: str | None) -> int:
        """The index of an artifact (listed once: SARIF requires unique artifacts)."""
        key = (uri, sha256 or "")
        if key not in self._artifact_index:
            self._artifact_index[key] = len(self.artifacts)
            self.artifacts.append({"location": {"uri": uri}, "hashes": {"sha-256": key[1]}})
        return self._artifact_index[key]

    def result(
        self, rule: str, level: str, text: str, loc: dict[str, Any], props: dict[str, Any]
    ) -> dict[str, Any]:
        if rule not in self.index:
            self.index[rule] = len(self.rule_ids)
            self.rule_ids.append(rule)
        res = {"ruleId": rule, "ruleIndex": self.index[rule], "level": level,
               "message": {"text": text}, "locations": [loc], "properties": props}  # fmt: skip
        self.results.append(res)
        return res

    def render(self, properties: dict[str, Any] | None = None) -> bytes:
        run: dict[str, Any] = {
            "tool": {"driver": {"name": "sovbom", "version": __version__,
                                "informationUri": "https://sovbom.invalid/",
                                "rules": [_descriptor(r, self.extra) for r in self.rule_ids]}},
            "artifacts": self.artifacts,
            "results": self.results,
        }  # fmt: skip
        if properties is not None:
            run["properties"] = properties
        doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _location(uri: str, index: int, ref: str | None, name: str | None) -> dict[str, Any]:
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": uri, "index": index}}}
    if ref:
        loc["logicalLocations"] = [
            {"name": name or ref, "fullyQualifiedName": ref, "kind": "object"}
        ]
    return loc


def _suppression(f: Finding) -> list[dict[str, Any]]:
    assert f.exempted_by is not None
    text = f"{f.exempted_by.reason} (approved by {f.exempted_by.approved_by})"
    return [{"kind": "external", "status": "accepted", "justification": text}]


def _finding(
    run: _Run,
    index: int,
    f: Finding,
    report: CheckReport,
    lines: dict[str, int],
    units: UnitNames,
) -> None:
    """A check's finding, at the line of its component's bom-ref in the BOM."""
    who = units(f.ref) if f.ref else (f.name or "")
    physical: dict[str, Any] = {"artifactLocation": {"uri": report.bom_source, "index": index}}
    physical["region"] = {"startLine": (lines.get(f.ref) if f.ref else None) or 1}
    location: dict[str, Any] = {"physicalLocation": physical}
    json_path = f.json_path or (report.graph.json_path(f.ref) if f.ref else None)
    if json_path or f.ref:
        location["logicalLocations"] = [
            {
                "name": who or f.ref or "",
                "fullyQualifiedName": json_path or f.ref or "",
                "kind": "object",
            }
        ]
    paths = [" > ".join(units.path(p)) for p in f.paths]
    props: dict[str, Any] = {
        "severity": f.severity.label,
        "security-severity": _SECURITY_SEVERITY[f.severity],
        **({"bom-ref": f.ref} if f.ref else {}),
        **({"countries": list(f.countries)} if f.countries else {}),
        **({"verification": f.level.label} if f.level is not None else {}),
        **({"provenancePaths": paths} if paths else {}),
    }
    text = f"{who or 'BOM'}: {f.message}"
    out = run.result(f.rule.value, _LEVEL[f.severity], text, location, props)
    if f.ref:
        out["partialFingerprints"] = {"sovbomComponent/v1": f"{f.rule.value}:{f.ref}"}
    if f.exempted_by is not None:
        out["suppressions"] = _suppression(f)


def origin_properties(report: CheckReport) -> dict[str, Any]:
    """Run properties of origins by stage: the domestic share per stage (by count and declared
    cost, as ``summary.by_stage`` of the JSON report) and the claim evaluated with the check."""
    out: dict[str, Any] = {}
    if report.result.stages:
        out["domesticShareByStage"] = report.result.stages.to_dict()
    if report.claim is not None:
        c = report.claim
        out["claim"] = {
            "name": c["claim"]["name"],
            "country": c["claim"]["country"],
            "holds": c["holds"],
            "conditions": c["conditions"],
        }
    return out


class SarifRenderer(FleetSarifMixin):
    """SARIF 2.1.0: one run per report, one result per thing that does not hold."""

    def check(self, report: CheckReport) -> bytes:
        run = _Run(r.value for r in Rule)
        index = run.artifact(report.bom_source, report.bom_sha256)
        lines = ref_lines(report.bom_raw) if report.bom_raw[:1] != b"<" else {}
        units = UnitNames.of(report.graph)
        for f in report.result.findings:
            _finding(run, index, f, report, lines, units)
        from sovbom.report.hardware_views import sarif_properties

        return run.render(
            {
                "policy": report.policy.source,
                "asOf": report.as_of,
                "domesticShare": report.result.total_share().to_dict(),
                **origin_properties(report),
                **sarif_properties(report),
            }
        )

    def delivery(self, report: DeliveryReport) -> bytes:
        return _delivery([report.result])

    def shipment(self, report: ShipmentReport) -> bytes:
        return _delivery(report.shipment.servers)

    def inspect(self, report: InspectReport) -> bytes:
        run = _Run(pack_rule(c.kind) for c in report.failures)
        index = run.artifact(report.archive, report.archive_sha256)
        for c in report.failures:
            run.result(
                pack_rule(c.kind), "error", f"{c.subject}: {c.detail}",
                _location(report.archive, index, c.subject, None),
                {"kind": c.kind, "member": c.subject},
            )  # fmt: skip
        return run.render({"verdict": "holds" if report.holds else "does-not-hold"})

    def trace(self, report: TraceReport) -> bytes:
        run = _Run([TRACE_MATCH])
        for r in report.results:
            index = run.artifact(r.source, None)
            for m in r.matches:
                shown = (
                    " > ".join(m.path_names[0]) if m.path_names else "not reachable from the root"
                )
                run.result(
                    TRACE_MATCH, "note", f"{match_title(m)}: {shown}",
                    _location(r.source, index, m.ref, m.name),
                    {"bom-ref": m.ref, "countries": list(m.countries),
                     "provenancePaths": [" > ".join(p) for p in m.path_names],
                     "pathsTruncated": m.truncated},
                )  # fmt: skip
        return run.render({"query": report.query.describe()})

    def conformance(self, report: ConformanceReport) -> bytes:
        return _conformance(report)

    def diff(self, report: DiffReport) -> bytes:
        from sovbom.report.sarif_diff import render_diff

        return render_diff(report)


def conformance_rule(profile: str, element: str) -> str:
    """The rule of a minimum element: ``<profile>/<element>`` (``ntia-2021/supplier``)."""
    return f"{profile}/{element}"


def _conformance(report: ConformanceReport) -> bytes:
    """A result per element missing (error; warning when additional) or explicitly unknown (note),
    at the line of the component's bom-ref (the document's: line 1)."""
    from sovbom.conformance import Status

    p = report.profile
    rules = {
        conformance_rule(p.id, e.id): RuleInfo(
            f"{e.name} ({p.title}, section {e.section}): {e.definition}",
            "conformance",
            "error" if e.required else "warning",
        )
        for e in p.elements
    }
    run = _Run(rules, rules)
    index = run.artifact(report.bom_source, report.bom_sha256)
    lines = ref_lines(report.bom_raw) if report.bom_raw[:1] != b"<" else {}
    rows: list[tuple[str | None, str, str, list[Any]]] = [(None, "document", "$", report.document)]
    rows += [(c.ref, c.name, c.json_path, c.verdicts) for c in report.components]
    for ref, name, path, verdicts in rows:
        for v in verdicts:
            if v.status not in (Status.MISSING, Status.UNKNOWN):
                continue
            level = (
                "note"
                if v.status is Status.UNKNOWN
                else rules[conformance_rule(p.id, v.element.id)].level
            )
            physical = {
                "artifactLocation": {"uri": report.bom_source, "index": index},
                "region": {"startLine": (lines.get(ref) if ref else None) or 1},
            }
            loc = {
                "physicalLocation": physical,
                "logicalLocations": [{"name": name, "fullyQualifiedName": path, "kind": "object"}],
            }
            rule = conformance_rule(p.id, v.element.id)
            res = run.result(
                rule,
                level,
                f"{name}: {v.element.name} {v.status.value} ({v.detail})",
                loc,
                {"status": v.status.value, **({"bom-ref": ref} if ref else {})},
            )
            res["partialFingerprints"] = {"sovbomComponent/v1": f"{rule}:{ref or '$'}"}
    return run.render({"profile": p.id, "verdict": report.verdict})  # fmt: skip


def _delivery(results: Sequence[DeliveryResult]) -> bytes:
    run = _Run(_DELIVERY_RULES)
    for r in results:
        _server(run, r)
    return run.render()


def _server(run: _Run, r: DeliveryResult) -> None:
    from sovbom.delivery import FieldStatus, PartStatus

    uri = r.expected.source
    index = run.artifact(uri, r.expected.sha256)
    base = {"server": r.server}
    here = _location(uri, index, None, None)
    if not r.signature_ok:
        run.result(SIGNATURE, "error", f"{r.server}: {r.signature_reason}", here, dict(base))
        return
    for reason in r.duplicates:
        run.result("delivery-duplicate", "error", f"{r.server}: {reason}", here, dict(base))
    c = r.comparison
    if c is None:
        return
    for f in c.identity:
        if f.status is FieldStatus.MISMATCH or (
            f.field == "serial" and f.status is FieldStatus.NOT_OBSERVED
        ):
            run.result("delivery-identity", "error",
                       f"{r.server}: server {f.field}: expected {f.expected!r}, found {f.found!r}",
                       here, {**base, "field": f.field, "expected": f.expected, "found": f.found})  # fmt: skip
    for p in c.parts:
        if p.status in (PartStatus.MATCHED, PartStatus.NOT_OBSERVED):
            continue  # (a part found but not observed is no finding: the JSON report lists it)
        diffs = [f for f in p.fields if f.status in (FieldStatus.MISMATCH, FieldStatus.ABSENT)]
        detail = "; ".join(
            f"{f.field}{f' ({f.firmware})' if f.firmware else ''}: expected {f.expected!r}, found {f.found!r}"
            for f in diffs
            if f.status is FieldStatus.MISMATCH
        )
        text = f"{r.server}: {p.status} {p.cls or 'part'} {p.name}" + (
            f" at {p.location}" if p.location else ""
        )
        run.result(
            f"delivery-{p.status}", "warning" if p.status is PartStatus.DRIFTED else "error",
            text + (f": {detail}" if detail else ""),
            _location(uri, index, p.expected_ref or p.found_ref, p.name),
            {**base, "fields": [f.to_dict() for f in diffs], "expectedRef": p.expected_ref,
             "foundRef": p.found_ref},
        )  # fmt: skip
    findings = [*(r.policy.findings if r.policy is not None else ()), *r.unexpected_findings]
    for finding in findings:
        res = run.result(
            finding.rule.value, _LEVEL[finding.severity],
            f"{r.server}: {finding.name or finding.ref or 'BOM'}: {finding.message}",
            _location(uri, index, finding.ref, finding.name),
            {**base, "severity": finding.severity.label},
        )  # fmt: skip
        if finding.exempted_by is not None:
            res["suppressions"] = _suppression(finding)


_BOM_REF = re.compile(rb'"bom-ref"\s*:\s*"((?:[^"\\]|\\.)*)"')


def ref_lines(raw: bytes) -> dict[str, int]:
    """The line of each ``"bom-ref": "..."`` in a JSON BOM (first occurrence), for SARIF regions."""
    out: dict[str, int] = {}
    line, pos = 1, 0
    for m in _BOM_REF.finditer(raw):
        line += raw.count(b"\n", pos, m.start())
        pos = m.start()
        try:
            ref = orjson.loads(b'"' + m.group(1) + b'"')
        except orjson.JSONDecodeError:
            continue
        out.setdefault(ref, line)
    return out
