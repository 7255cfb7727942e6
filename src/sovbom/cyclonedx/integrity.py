"""Referential integrity of a CycloneDX document, beyond what its schema can say."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
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
    # One walk over the components and services; each is known by its number in the walk and
    # its JSON path is found again only for a problem (this runs on 100k-component documents).
    refs: dict[str, int] = {}
    serials: dict[str, int] = {}
    twice: list[tuple[int, int, str]] = []  # (where, where first, bom-ref)
    shared: list[tuple[int, int, str]] = []  # (where, where first, serial number)
    k = -1
    for k, component in enumerate(_components(doc)):  # noqa: B007 (the services count on)
        ref = component.get("bom-ref")
        if isinstance(ref, str) and refs.setdefault(ref, k) != k:
            twice.append((k, refs[ref], ref))
        if component.get("type", "device") == "device":
            serial = _serial(component)
            if serial is not None and serials.setdefault(serial, k) != k:
                shared.append((k, serials[serial], serial))
    first_service = k + 1
    for at, service in enumerate(_services(doc), start=first_service):
        ref = service.get("bom-ref")
        if isinstance(ref, str) and refs.setdefault(ref, at) != at:
            twice.append((at, refs[ref], ref))
    problems: list[Problem] = []
    if twice or shared:
        paths = [p for p, _ in iter_components(doc)] + [p for p, _ in iter_services(doc)]
        problems.extend(
            Problem(
                f"{json_pointer(paths[at])}.bom-ref",
                f"duplicate bom-ref {ref!r} (first at {json_pointer(paths[first])})",
                "integrity",
            )
            for at, first, ref in twice
        )
        problems.extend(
            Problem(
                json_pointer(paths[at]),
                f"duplicate serial number {serial!r} (also at {json_pointer(paths[first])})",
                "integrity",
            )
            for at, first, serial in shared
        )
    _dependency_problems(doc, refs, problems)
    return problems


def _components(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """:func:`~sovbom.cyclonedx.document.iter_components` without the paths."""
    stack: list[Any] = []
    components = doc.get("components")
    if isinstance(components, list):
        stack.extend(reversed(components))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append(metadata["component"])
    pop, extend = stack.pop, stack.extend
    while stack:
        comp = pop()
        if type(comp) is dict or isinstance(comp, dict):
            yield comp
            children = comp.get("components")
            if children and isinstance(children, list):
                extend(reversed(children))


def _services(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """:func:`~sovbom.cyclonedx.document.iter_services` without the paths."""
    stack: list[Any] = []
    services = doc.get("services")
    if isinstance(services, list):
        stack.extend(reversed(services))
    while stack:
        svc = stack.pop()
        if isinstance(svc, dict):
            yield svc
            children = svc.get("services")
            if isinstance(children, list):
                stack.extend(reversed(children))


def _dependency_problems(
    doc: Mapping[str, Any], refs: Mapping[str, int], problems: list[Problem]
) -> None:
    deps = doc.get("dependencies")
    if not isinstance(deps, list):
        return
    known = refs.__contains__
    seen: dict[str, int] = {}
    for i, dep in enumerate(deps):
        # ``type(...) is dict`` first: parsed documents hold dicts, and the Mapping check is slow
        if type(dep) is not dict and not isinstance(dep, Mapping):
            continue
        ref = dep.get("ref")
        if not isinstance(ref, str):
            continue
        first = seen.setdefault(ref, i)
        if first != i:
            problems.append(
                Problem(
                    f"$.dependencies[{i}].ref",
                    f"dependencies of {ref!r} listed twice (first at $.dependencies[{first}])",
                    "integrity",
                )
            )
        if ref not in refs and not ref.startswith(_BOM_LINK):
            problems.append(
                Problem(
                    f"$.dependencies[{i}].ref",
                    f"dependency names unknown bom-ref {ref!r}",
                    "integrity",
                )
            )
        on = dep.get("dependsOn") or ()
        if type(on) is list and ref not in on and _all_known(known, on):
            continue  # the common case: every target a component, none the entry's own ref
        base = f"$.dependencies[{i}]"
        for j, target in enumerate(on):
            if target == ref:
                problems.append(
                    Problem(f"{base}.dependsOn[{j}]", f"{ref!r} depends on itself", "integrity")
                )
            elif (
                isinstance(target, str) and target not in refs and not target.startswith(_BOM_LINK)
            ):
                problems.append(
                    Problem(
                        f"{base}.dependsOn[{j}]",
                        f"dependsOn names unknown bom-ref {target!r}",
                        "integrity",
                    )
                )


def _all_known(known: Callable[[Any], bool], targets: list[Any]) -> bool:
    try:
        return all(map(known, targets))
    except TypeError:  # an unhashable target: the entry is looked at target by target
        return False


def _serial(component: Mapping[str, Any]) -> str | None:
    values = properties_of(component).get(CDX_SERIAL)
    if not values:
        return None
    value = values[0].strip()
    return None if is_placeholder(value) else value
