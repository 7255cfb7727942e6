"""Referential integrity of a CycloneDX document, beyond what its schema can say."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sovbom._io import json_pointer
from sovbom.cyclonedx.document import iter_components, iter_services
from sovbom.cyclonedx.schema import Problem
from sovbom.model import properties_of
from sovbom.placeholders import is_placeholder
from sovbom.taxonomy import BOM_LINK_PREFIX, CDX_SERIAL

#: References to other BOMs (BOM-Link) are allowed in dependencies.
_BOM_LINK = BOM_LINK_PREFIX


def integrity_problems(doc: Mapping[str, Any]) -> list[Problem]:
    """Unique bom-refs, dependencies naming existing refs, no self-dependency, no duplicate
    dependency entries, and no serial number shared by two parts of the same server."""
    problems: list[Problem] = []
    # JSON paths are rendered only for problems: this runs on 100k-component documents
    refs: dict[str, tuple[str | int, ...]] = {}
    serials: dict[str, tuple[str | int, ...]] = {}
    for path, item in [*iter_components(doc), *iter_services(doc)]:
        ref = item.get("bom-ref")
        if not isinstance(ref, str):
            continue
        if ref in refs:
            problems.append(
                Problem(
                    f"{json_pointer(path)}.bom-ref",
                    f"duplicate bom-ref {ref!r} (first at {json_pointer(refs[ref])})",
                    "integrity",
                )
            )
        else:
            refs[ref] = path
    for path, component in iter_components(doc):
        if component.get("type", "device") != "device":
            continue
        serial = _serial(component)
        if serial is None:
            continue
        if serial in serials:
            problems.append(
                Problem(
                    json_pointer(path),
                    f"duplicate serial number {serial!r} (also at {json_pointer(serials[serial])})",
                    "integrity",
                )
            )
        else:
            serials[serial] = path
    deps = doc.get("dependencies")
    if isinstance(deps, list):
        seen: dict[str, int] = {}
        for i, dep in enumerate(deps):
            if not isinstance(dep, Mapping):
                continue
            ref = dep.get("ref")
            base = f"$.dependencies[{i}]"
            if not isinstance(ref, str):
                continue
            if ref in seen:
                problems.append(
                    Problem(
                        f"{base}.ref",
                        f"dependencies of {ref!r} listed twice"
                        f" (first at $.dependencies[{seen[ref]}])",
                        "integrity",
                    )
                )
            else:
                seen[ref] = i
            if ref not in refs and not ref.startswith(_BOM_LINK):
                problems.append(
                    Problem(f"{base}.ref", f"dependency names unknown bom-ref {ref!r}", "integrity")
                )
            for j, target in enumerate(dep.get("dependsOn") or ()):
                if target == ref:
                    problems.append(
                        Problem(f"{base}.dependsOn[{j}]", f"{ref!r} depends on itself", "integrity")
                    )
                elif (
                    isinstance(target, str)
                    and target not in refs
                    and not target.startswith(_BOM_LINK)
                ):
                    problems.append(
                        Problem(
                            f"{base}.dependsOn[{j}]",
                            f"dependsOn names unknown bom-ref {target!r}",
                            "integrity",
                        )
                    )
    return problems


def _serial(component: Mapping[str, Any]) -> str | None:
    values = properties_of(component).get(CDX_SERIAL)
    if not values:
        return None
    value = values[0].strip()
    return None if is_placeholder(value) else value
