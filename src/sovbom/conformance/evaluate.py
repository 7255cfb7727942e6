"""Checking one CycloneDX document against a minimum-elements profile."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sovbom.conformance.model import (
    ComponentVerdicts,
    ConformanceReport,
    FailOn,
    Profile,
    Scope,
    Status,
    Verdict,
)
from sovbom.conformance.probes import COMPONENT_PROBES, DOCUMENT_PROBES, Context
from sovbom.convert._walk import walk

if TYPE_CHECKING:
    from sovbom.cyclonedx.reader import LoadedBom


def _context(doc: Mapping[str, Any], bundle: str | None) -> Context:
    ctx = Context(doc=doc, bundle=bundle)
    for part in walk(doc):
        # a top-level component's parent is the root by position, not by nesting
        if part.parent is not None and part.path.count(".components[") > 1:
            ctx.nested.add(part.ref)
    for d in doc.get("dependencies") or []:
        if isinstance(d, Mapping):
            ctx.in_graph.add(str(d.get("ref")))
            ctx.in_graph.update(str(x) for x in d.get("dependsOn") or [])
    for comp in doc.get("compositions") or []:
        if not isinstance(comp, Mapping):
            continue
        aggregate = str(comp.get("aggregate") or "not_specified")
        for ref in [*(comp.get("assemblies") or []), *(comp.get("dependencies") or [])]:
            ctx.completeness.setdefault(str(ref), aggregate)
    return ctx


def check_conformance(
    bom: LoadedBom,
    profile: Profile,
    *,
    bundle: str | None = None,
    fail_on: FailOn = FailOn.MISSING,
) -> ConformanceReport:
    """Which of ``profile``'s elements the document and each component have.

    ``bundle``: a detached Sigstore bundle found for the BOM (counts as its signature; it is not
    verified here).
    """
    ctx = _context(bom.doc, bundle)
    document = []
    for e in profile.of_scope(Scope.DOCUMENT):
        status, detail = DOCUMENT_PROBES[e.probe](ctx)
        document.append(Verdict(e, status, detail))
    elements = profile.of_scope(Scope.COMPONENT)
    components = []
    for part in walk(bom.doc):
        c = part.data
        ctype = str(c.get("type") or "")
        row = ComponentVerdicts(part.ref, str(c.get("name") or part.ref), ctype, part.path)
        for e in elements:
            if e.software_only and ctype == "device":
                row.verdicts.append(Verdict(e, Status.NOT_APPLICABLE, "hardware (device)"))
                continue
            status, detail = COMPONENT_PROBES[e.probe](ctx, c)
            row.verdicts.append(Verdict(e, status, detail))
        components.append(row)
    return ConformanceReport(
        profile=profile,
        bom_source=bom.source,
        bom_sha256=hashlib.sha256(bom.raw).hexdigest(),
        bom_raw=bom.raw,
        document=document,
        components=components,
        fail_on=fail_on,
    )
