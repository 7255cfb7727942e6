"""CycloneDX (JSON form) to SPDX 3.0.1 JSON-LD (Core, Software and SimpleLicensing profiles).

SPDX 3.0.1 has no Hardware profile (one is being drafted for a later version), so a hardware
component (CycloneDX ``device``) becomes a ``software_Package`` whose ``software_primaryPurpose`` is
``device``, the purpose SPDX 3.0.1 defines for "a chipset, processor, or electronic board"; its
serial and part numbers stay as annotations. Each such mapping is said on stderr.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sovbom.convert._spdx import (
    DOC_FIELDS,
    TOOL,
    IdMaker,
    created_time,
    document_name,
    document_uuid,
)
from sovbom.convert._spdx_component import (
    CARRIED_FIELDS,
    identifiers_of,
    known_hashes,
    license_expression,
)
from sovbom.convert._walk import (
    LossLog,
    Part,
    authors_of,
    dependencies_of,
    is_hardware,
    names_of,
    properties_of,
    walk,
)

CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
_CI = "_:creationinfo"

_PURPOSES = {
    "application": "application",
    "framework": "framework",
    "library": "library",
    "container": "container",
    "operating-system": "operatingSystem",
    "device": "device",
    "device-driver": "deviceDriver",
    "firmware": "firmware",
    "file": "file",
    "platform": "platform",
    "machine-learning-model": "model",
    "data": "data",
    "cryptographic-asset": "other",
}


class _Graph:
    """The JSON-LD ``@graph`` under construction, with the agents it already holds."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.items: list[dict[str, Any]] = []
        self.ids = IdMaker("")
        self._agents: dict[tuple[str, str], str] = {}
        self._n = 0

    def iri(self, local: str) -> str:
        return f"{self.base}#{local}"

    def new_id(self, kind: str) -> str:
        self._n += 1
        return self.iri(f"{kind}-{self._n}")

    def add(self, kind: str, spdx_id: str, **fields: Any) -> str:
        self.items.append({"type": kind, "spdxId": spdx_id, "creationInfo": _CI, **fields})
        return spdx_id

    def agent(self, kind: str, name: str) -> str:
        key = (kind, name)
        if key not in self._agents:
            self._agents[key] = self.add(kind, self.new_id(kind), name=name)
        return self._agents[key]


def _package(g: _Graph, part: Part, log: LossLog, licence_refs: dict[str, str]) -> str:
    c = part.data
    pid = g.iri(g.ids(part.ref))
    fields: dict[str, Any] = {"name": str(c.get("name") or part.ref)}
    if c.get("version"):
        fields["software_packageVersion"] = str(c["version"])
    if c.get("description"):
        fields["description"] = str(c["description"])
    supplier = names_of(c.get("supplier"))
    if supplier:
        fields["suppliedBy"] = g.agent("Organization", supplier)
    originators = []
    maker = names_of(c.get("manufacturer"))
    if maker:
        originators.append(g.agent("Organization", maker))
    originators.extend(g.agent("Person", a) for a in authors_of(c))
    if originators:
        fields["originatedBy"] = originators
    purpose = _PURPOSES.get(str(c.get("type")))
    if purpose:
        fields["software_primaryPurpose"] = purpose
    hashes = [
        {"type": "Hash", "algorithm": alg[1], "hashValue": str(h.get("content"))}
        for alg, h in known_hashes(c, log)
    ]
    if hashes:
        fields["verifiedUsing"] = hashes
    identifiers = _identifiers(c)
    if identifiers:
        fields["externalIdentifier"] = identifiers
    if c.get("purl"):
        fields["software_packageUrl"] = str(c["purl"])
    if c.get("copyright"):
        fields["software_copyrightText"] = str(c["copyright"])
    refs = _external_refs(c, fields)
    if refs:
        fields["externalRef"] = refs
    g.add("software_Package", pid, **fields)
    expression = license_expression(part, log, licence_refs)
    if expression:
        lic = g.add(
            "simplelicensing_LicenseExpression",
            g.new_id("license"),
            simplelicensing_licenseExpression=expression,
        )
        _relationship(g, pid, "hasDeclaredLicense", [lic])
    for name, value in properties_of(c):
        g.add(
            "Annotation",
            g.new_id("annotation"),
            annotationType="other",
            subject=pid,
            statement=f"{name}={value}",
        )
    log.fields("component", c, CARRIED_FIELDS)
    return pid


#: identifier kind -> SPDX 3.0.1 ExternalIdentifierType
_IDENTIFIER_TYPES = {"purl": "packageUrl", "cpe23": "cpe23", "cpe22": "cpe22"}


def _identifiers(c: Mapping[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "type": "ExternalIdentifier",
            "externalIdentifierType": _IDENTIFIER_TYPES[kind],
            "identifier": value,
        }
        for kind, value in identifiers_of(c)
    ]


#: CycloneDX externalReference type -> SPDX 3.0.1 ExternalRefType (others: "other" + a comment)
_REF_TYPES = {
    "vcs": "vcs",
    "issue-tracker": "issueTracker",
    "documentation": "documentation",
    "license": "license",
    "release-notes": "releaseNotes",
    "advisories": "securityAdvisory",
    "build-system": "buildSystem",
    "build-meta": "buildMeta",
    "support": "support",
    "social": "socialMedia",
    "chat": "chat",
    "mailing-list": "mailingList",
    "security-contact": "securityOther",
    "vulnerability-assertion": "vulnerabilityExploitabilityAssessment",
    "exploitability-statement": "vulnerabilityExploitabilityAssessment",
    "pentest-report": "securityPenTestReport",
    "static-analysis-report": "staticAnalysisReport",
    "dynamic-analysis-report": "dynamicAnalysisReport",
    "runtime-analysis-report": "runtimeAnalysisReport",
    "component-analysis-report": "componentAnalysisReport",
    "threat-model": "securityThreatModel",
    "adversary-model": "securityAdversaryModel",
    "risk-assessment": "riskAssessment",
    "quality-metrics": "qualityAssessmentReport",
    "certification-report": "certificationReport",
    "source-distribution": "sourceArtifact",
    "release-history": "releaseHistory",
}


def _external_refs(c: Mapping[str, Any], fields: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ext in c.get("externalReferences") or []:
        url = ext.get("url")
        if not url:
            continue
        kind = ext.get("type")
        if kind == "website" and "software_homePage" not in fields:
            fields["software_homePage"] = str(url)
        elif kind == "distribution" and "software_downloadLocation" not in fields:
            fields["software_downloadLocation"] = str(url)
        else:
            ref: dict[str, Any] = {
                "type": "ExternalRef",
                "externalRefType": _REF_TYPES.get(str(kind), "other"),
                "locator": [str(url)],
            }
            if str(kind) not in _REF_TYPES:
                ref["comment"] = f"CycloneDX externalReference type {kind}"
            out.append(ref)
    return out


def _relationship(g: _Graph, source: str, kind: str, targets: list[str]) -> None:
    g.add(
        "Relationship",
        g.new_id("relationship"),
        to=targets,
        relationshipType=kind,
        **{"from": source},
    )


def to_spdx3(doc: Mapping[str, Any], raw: bytes, log: LossLog) -> dict[str, Any]:
    """The SPDX 3.0.1 JSON-LD document for a CycloneDX document."""
    created = created_time(doc, log)
    g = _Graph(f"urn:uuid:{document_uuid(doc, raw)}")
    tool = g.add("Tool", g.iri("tool-sovbom"), name=TOOL)
    creator = g.agent("SoftwareAgent", TOOL)
    creation: dict[str, Any] = {
        "type": "CreationInfo",
        "@id": _CI,
        "specVersion": "3.0.1",
        "created": created,
        "createdBy": [creator],
        "createdUsing": [tool],
    }
    meta = doc.get("metadata") or {}
    creation["createdBy"].extend(g.agent("Person", a) for a in authors_of(meta))
    licence_refs: dict[str, str] = {}
    roots: list[str] = []
    children: dict[str, list[str]] = {}
    hardware = 0
    for part in walk(doc):
        pid = _package(g, part, log, licence_refs)
        hardware += is_hardware(part.data)
        if part.parent is None:
            roots.append(pid)
        else:
            children.setdefault(g.iri(g.ids(part.parent)), []).append(pid)
    for parent, kids in children.items():
        _relationship(g, parent, "contains", kids)
    for ref, on in dependencies_of(doc):
        targets = [g.iri(g.ids(t)) for t in on if g.ids.get(t) is not None]
        if len(targets) < len(on):
            log.field("dependencies.dependsOn to a ref that is not a component")
        if g.ids.get(ref) is not None and targets:
            _relationship(g, g.iri(g.ids(ref)), "dependsOn", targets)
    if properties_of(meta):
        log.note("SPDX 3.0: the BOM's metadata.properties are written as the document's comment")
    if licence_refs:
        log.note(
            f"SPDX 3.0: {len(licence_refs)} licence(s) given by name only are written as"
            " LicenseRef- identifiers (e.g. " + ", ".join(sorted(licence_refs)[:3]) + ")"
        )
    if hardware:
        log.note(
            f"SPDX 3.0.1 has no Hardware profile: {hardware} hardware component(s) written as"
            " software_Package with software_primaryPurpose 'device'; serial and part numbers"
            " kept as annotations"
        )
    elements = [item["spdxId"] for item in g.items]
    sbom = g.add(
        "software_Sbom",
        g.iri("sbom"),
        name=document_name(doc),
        rootElement=roots,
        element=elements,
    )
    comment = "; ".join(f"{n}={v}" for n, v in properties_of(meta))
    extra = {"comment": comment} if comment else {}
    g.add(
        "SpdxDocument",
        g.iri("document"),
        name=document_name(doc),
        rootElement=[sbom],
        element=[*elements, sbom],
        profileConformance=["core", "software", "simpleLicensing"],
        **extra,
    )
    log.fields("", doc, DOC_FIELDS)
    return {"@context": CONTEXT, "@graph": [creation, *g.items]}
