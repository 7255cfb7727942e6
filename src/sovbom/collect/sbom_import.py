"""Importing third-party SBOMs: CycloneDX (JSON or XML, 1.2 to 1.7) and SPDX 2.x JSON.

Everything is brought to the CycloneDX JSON form of the version sovbom writes (1.6 or 1.7):

* CycloneDX documents are kept as they are where they are valid in the output version. What is not
  (a field the output version does not know, an external reference URL that is not an IRI, a hash
  that is not hex, a licence list mixing expressions and licences ...) is converted where a
  conversion exists and dropped otherwise; every change is reported in :attr:`ImportedSbom.notes`.
  Missing bom-refs are generated, duplicated ones renamed, dangling dependency edges dropped
  (noted).
* SPDX packages become components: ``SPDXID`` is the bom-ref, the ``purl`` external reference the
  purl, ``checksums`` the hashes, ``licenseConcluded`` (else ``licenseDeclared``) one licence
  expression, ``supplier``/``originator`` the supplier / manufacturer or authors. Relationships:
  ``DESCRIBES`` gives ``metadata.component``; ``DEPENDS_ON`` / ``*DEPENDENCY_OF`` / ``*_TOOL_OF``
  give dependencies; ``CONTAINS`` / ``CONTAINED_BY`` nest a package under its single container and
  add the same edge to the dependencies. SPDX ``files`` are not imported (counted in the notes).

Nothing is printed: the notes are for the caller to show.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from typing import Any
from urllib.parse import quote

import orjson

from sovbom import taxonomy as tx
from sovbom._io import display_name, json_pointer, parse_json, read_bytes
from sovbom.collect.spdx_import import spdx_to_cyclonedx, split_entity  # noqa: F401  (re-exported)
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, WRITE_VERSIONS, iter_components
from sovbom.cyclonedx.reader import LoadedBom, parse_bom
from sovbom.cyclonedx.schema import schema_file, validator
from sovbom.errors import InputError

#: ``LoadedBom.format`` of a document converted from SPDX JSON.
SPDX_FORMAT = "spdx-json"

_BOM_LINK = tx.BOM_LINK_PREFIX
#: Top-level sections kept as they are (when valid); others are reported and dropped.
_SIGNATURE_KEYS = ("signature",)
#: Component fields that cannot be dropped to make a component valid.
_REQUIRED = frozenset({"type", "name"})
_MAX_FIX_PASSES = 6


@dataclass(slots=True)
class ImportedSbom:
    """A third-party SBOM in CycloneDX JSON form, with what had to change to get there."""

    bom: LoadedBom
    notes: list[str] = field(default_factory=list)

    @property
    def doc(self) -> dict[str, Any]:
        return self.bom.doc


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def load_sbom(
    path: str | os.PathLike[str], *, spec_version: str = DEFAULT_WRITE_VERSION
) -> ImportedSbom:
    """Read a CycloneDX (JSON/XML) or SPDX 2.x JSON file and bring it to ``spec_version``."""
    return parse_sbom(read_bytes(path), display_name(path), spec_version=spec_version)


def read_sbom(data: bytes, source: str) -> LoadedBom:
    """Parse CycloneDX or SPDX bytes without normalising CycloneDX (SPDX is converted to 1.6)."""
    head = data.lstrip()[:1]
    if head == b"{":
        parsed = parse_json(data, source)
        if isinstance(parsed, dict) and "spdxVersion" in parsed:
            doc, _notes = spdx_to_cyclonedx(parsed, source)
            return LoadedBom(
                doc=doc,
                spec_version=DEFAULT_WRITE_VERSION,
                source=source,
                format=SPDX_FORMAT,
                raw=data,
            )
    return parse_bom(data, source)


def parse_sbom(
    data: bytes, source: str, *, spec_version: str = DEFAULT_WRITE_VERSION
) -> ImportedSbom:
    """Parse CycloneDX or SPDX bytes and bring the document to ``spec_version``."""
    _check_version(spec_version)
    head = data.lstrip()[:1]
    if head == b"{":
        parsed = parse_json(data, source)
        if isinstance(parsed, dict) and "spdxVersion" in parsed:
            doc, notes = spdx_to_cyclonedx(parsed, source, spec_version=spec_version)
            notes += normalize_cyclonedx(doc, source, spec_version=spec_version)
            bom = LoadedBom(
                doc=doc, spec_version=spec_version, source=source, format=SPDX_FORMAT, raw=data
            )
            return ImportedSbom(bom, notes)
    bom = parse_bom(data, source)
    notes = normalize_cyclonedx(bom.doc, source, spec_version=spec_version)
    bom.spec_version = spec_version
    return ImportedSbom(bom, notes)


def normalize_bom(bom: LoadedBom, *, spec_version: str = DEFAULT_WRITE_VERSION) -> list[str]:
    """Bring a loaded document (CycloneDX of any read version, or converted SPDX) to
    ``spec_version`` in place; returns the notes."""
    notes = normalize_cyclonedx(bom.doc, bom.source, spec_version=spec_version)
    bom.spec_version = spec_version
    return notes


def _check_version(spec_version: str) -> None:
    if spec_version not in WRITE_VERSIONS:
        raise ValueError(f"cannot write CycloneDX {spec_version}")


# --------------------------------------------------------------------------------------------
# CycloneDX: upgrade / downgrade to the output version
# --------------------------------------------------------------------------------------------


def normalize_cyclonedx(
    doc: dict[str, Any], source: str, *, spec_version: str = DEFAULT_WRITE_VERSION
) -> list[str]:
    """Make ``doc`` (CycloneDX JSON form) a valid, consistent ``spec_version`` document in place.

    Raises :class:`InputError` (naming the JSON path) when a problem cannot be fixed by converting
    or dropping an optional field.
    """
    _check_version(spec_version)
    notes: list[str] = []
    original = doc.get("specVersion")
    doc["specVersion"] = spec_version
    if "$schema" in doc:
        doc["$schema"] = f"http://cyclonedx.org/schema/bom-{spec_version}.schema.json"
    if original != spec_version:
        notes.append(f"{source}: converted from CycloneDX {original} to {spec_version}")
    for key in _SIGNATURE_KEYS:
        if key in doc:
            del doc[key]
            notes.append(
                f"{source}: $.{key}: dropped (a signature over the original document "
                "does not cover the converted one)"
            )
    if not _refs_consistent(doc):
        _fix_refs(doc, source, notes)
    _fix_schema(doc, source, spec_version, notes)
    return notes


def _refs_consistent(doc: dict[str, Any]) -> bool:
    """Fast check (no JSON paths) that every component has a unique bom-ref and that the
    dependencies are unique per ref and name only known refs; :func:`_fix_refs` says what is not."""
    try:
        refs: list[Any] = []
        stack: list[Any] = list(doc.get("components") or ())
        component = (doc.get("metadata") or {}).get("component")
        if component is not None:
            stack.append(component)
        while stack:
            comp = stack.pop()
            refs.append(comp["bom-ref"])
            children = comp.get("components")
            if children:
                stack.extend(children)
        for svc in doc.get("services") or ():
            refs.append(svc["bom-ref"])
            if svc.get("services"):
                return False
        known = set(refs)
        if len(known) != len(refs) or not all(isinstance(r, str) and r for r in known):
            return False
        deps = doc.get("dependencies")
        if deps is None:
            return True
        dep_refs = [d["ref"] for d in deps]
        if len(set(dep_refs)) != len(dep_refs) or not known.issuperset(dep_refs):
            return False
        lists = [d.get("dependsOn", ()) for d in deps]
        if not all(isinstance(on, list) for on in lists):
            return False
        if not known.issuperset(chain.from_iterable(lists)):
            return False
        return not any(r in on for r, on in zip(dep_refs, lists, strict=True))
    except (KeyError, TypeError, AttributeError):
        return False


def _fix_refs(doc: dict[str, Any], source: str, notes: list[str]) -> None:
    """Give every component a unique bom-ref; drop dependency edges that name nothing."""
    refs: set[str] = set()
    generated = renamed = 0
    for path, comp in iter_components(doc):
        ref = comp.get("bom-ref")
        if not isinstance(ref, str) or not ref:
            new = _unique(f"{tx.GENERATED_REF_PREFIX}{json_pointer(path)}", refs)
            comp["bom-ref"] = new
            generated += 1
        elif ref in refs:
            new = _unique(ref, refs)
            notes.append(
                f"{source}: {json_pointer(path)}.bom-ref: duplicate {ref!r} renamed {new!r}"
            )
            comp["bom-ref"] = new
            renamed += 1
        else:
            new = ref
        refs.add(new)
    if generated:
        notes.append(f"{source}: {generated} component(s) without bom-ref given a generated one")
    for path, svc in _iter_services(doc):
        ref = svc.get("bom-ref")
        if isinstance(ref, str) and ref:
            if ref in refs:
                new = _unique(ref, refs)
                notes.append(
                    f"{source}: {json_pointer(path)}.bom-ref: duplicate {ref!r} renamed {new!r}"
                )
                svc["bom-ref"] = new
                ref = new
            refs.add(ref)
    deps = doc.get("dependencies")
    if deps is None:
        return
    if not isinstance(deps, list):
        raise InputError("expected an array", source=source, location="$.dependencies")
    merged: dict[str, dict[str, None]] = {}
    dangling = 0
    for i, dep in enumerate(deps):
        if not isinstance(dep, dict) or not isinstance(dep.get("ref"), str):
            raise InputError(
                "a dependency needs a string 'ref'", source=source, location=f"$.dependencies[{i}]"
            )
        ref = dep["ref"]
        if ref not in refs and not ref.startswith(_BOM_LINK):
            dangling += 1 + len(dep.get("dependsOn") or ())
            continue
        targets = merged.setdefault(ref, {})
        on = dep.get("dependsOn", [])
        if not isinstance(on, list):
            raise InputError(
                "expected an array", source=source, location=f"$.dependencies[{i}].dependsOn"
            )
        for t in on:
            if (
                not isinstance(t, str)
                or t == ref
                or (t not in refs and not t.startswith(_BOM_LINK))
            ):
                dangling += 1
                continue
            targets[t] = None
    if dangling:
        notes.append(
            f"{source}: $.dependencies: {dangling} edge(s) naming no component in the "
            "document dropped"
        )
    if len(merged) != len(deps):
        notes.append(
            f"{source}: $.dependencies: {len(deps) - len(merged)} repeated or dangling "
            "entr(y/ies) merged or dropped"
        )
    if dangling or len(merged) != len(deps):
        doc["dependencies"] = [
            {"ref": r, "dependsOn": list(on)} if on else {"ref": r} for r, on in merged.items()
        ]


def _iter_services(doc: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    stack: list[tuple[tuple[str | int, ...], Any]] = []
    services = doc.get("services")
    if isinstance(services, list):
        stack.extend((("services", i), s) for i, s in enumerate(services))
    while stack:
        path, svc = stack.pop()
        if isinstance(svc, dict):
            yield path, svc
            children = svc.get("services")
            if isinstance(children, list):
                stack.extend(((*path, "services", i), s) for i, s in enumerate(children))


def _unique(ref: str, taken: set[str]) -> str:
    if ref not in taken:
        return ref
    n = 2
    while f"{ref}#{n}" in taken:
        n += 1
    return f"{ref}#{n}"


def _fix_schema(doc: dict[str, Any], source: str, spec_version: str, notes: list[str]) -> None:
    """Validate; convert or drop what is invalid, a few passes at most; refuse what remains."""
    v = validator(spec_version)
    for _ in range(_MAX_FIX_PASSES):
        if v.is_valid(doc):
            return
        errors = sorted(
            ((list(e.instance_path), e) for e in v.iter_errors(doc)),
            key=lambda pe: len(pe[0]),
            reverse=True,  # deepest first: fixing a child does not move its parent
        )
        changed = False
        pending: list[list[Any]] = []
        for path, err in errors:
            changed |= _fix_one(doc, path, err, source, notes, pending)
        for items in pending:
            items[:] = [i for i in items if i is not None]
        if not changed:
            break
    problems = [f"{json_pointer(list(e.instance_path))}: {e.message}" for e in v.iter_errors(doc)]
    if problems:
        first = problems[0]
        raise InputError(
            f"cannot be made a valid CycloneDX {spec_version} document: {first}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            source=source,
        )


def _resolve(doc: Any, path: list[Any]) -> Any:
    node = doc
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _fix_one(
    doc: dict[str, Any],
    path: list[Any],
    err: Any,
    source: str,
    notes: list[str],
    pending: list[list[Any]],
) -> bool:
    where = json_pointer(path)
    node = _resolve(doc, path)
    kind = err.kind
    unexpected = getattr(kind, "unexpected", None)
    if unexpected and isinstance(node, dict) and type(kind).__name__ == "AdditionalProperties":
        for key in unexpected:
            if key in node:
                del node[key]
                notes.append(
                    f"{source}: {where}.{key}: dropped (not in the output CycloneDX version)"
                )
        return True
    if not path:
        return False
    parent = _resolve(doc, path[:-1])
    last = path[-1]
    # External reference URL that is not an IRI: percent-encode what is not allowed.
    if last == "url" and isinstance(node, str) and isinstance(parent, dict):
        fixed = quote(node, safe=":/?#[]@!$&'()*+,;=%~-._")
        if fixed != node:
            parent["url"] = fixed
            notes.append(f"{source}: {where}: {node!r} percent-encoded to {fixed!r}")
            return True
    if last == "licenses" and isinstance(node, list) and isinstance(parent, dict):
        fixed_licenses = _fix_licenses(node)
        if fixed_licenses != node:
            if fixed_licenses:
                parent["licenses"] = fixed_licenses
            else:
                del parent["licenses"]
            notes.append(f"{source}: {where}: licences rewritten as {fixed_licenses!r}")
            return True
    # License id not in the output version's SPDX list: keep it as a name.
    if last == "id" and len(path) >= 2 and path[-2] == "license" and isinstance(parent, dict):
        parent["name"] = parent.pop("id")
        notes.append(f"{source}: {where}: unknown SPDX licence id {node!r} kept as a name")
        return True
    return _drop_innermost(doc, path, err, source, notes, pending)


def _drop_innermost(
    doc: dict[str, Any],
    path: list[Any],
    err: Any,
    source: str,
    notes: list[str],
    pending: list[list[Any]],
) -> bool:
    """Drop the innermost optional member that holds the problem, if there is one."""
    for cut in range(len(path), 0, -1):
        container = _resolve(doc, path[: cut - 1])
        key = path[cut - 1]
        if isinstance(container, dict) and isinstance(key, str):
            if key in _REQUIRED or cut <= 1 or key in ("ref", "bom-ref", "dependsOn"):
                return False
            if key in container:
                del container[key]
                notes.append(
                    f"{source}: {json_pointer(path[:cut])}: dropped, invalid in the output"
                    f" version ({err.message[:160]})"
                )
                return True
            return False
        if (
            isinstance(container, list)
            and isinstance(key, int)
            and path[cut - 2]
            in (
                "hashes",
                "externalReferences",
                "properties",
                "tags",
            )
        ):
            if key < len(container) and container[key] is not None:
                container[key] = None  # removed after the pass: other errors' indexes stay valid
                pending.append(container)
                notes.append(
                    f"{source}: {json_pointer(path[:cut])}: dropped, invalid in the output"
                    f" version ({err.message[:160]})"
                )
                return True
            return False
    return False


def _fix_licenses(items: list[Any]) -> list[Any]:
    """A licence list valid in 1.6/1.7: either licences only, or exactly one expression."""
    expressions = [i.get("expression") for i in items if isinstance(i, dict) and "expression" in i]
    licenses = [i for i in items if isinstance(i, dict) and isinstance(i.get("license"), dict)]
    expressions = [e for e in expressions if isinstance(e, str) and e]
    if expressions and not licenses:
        joined = (
            expressions[0] if len(expressions) == 1 else " AND ".join(f"({e})" for e in expressions)
        )
        return [{"expression": joined}]
    out: list[Any] = [{"license": dict(lic["license"])} for lic in licenses]
    out.extend({"license": {"name": e}} for e in expressions)
    known = _spdx_ids()
    for entry in out:
        lic = entry["license"]
        if "id" in lic and lic["id"] not in known:
            lic["name"] = str(lic.pop("id"))  # not on the output version's SPDX list
        if "id" not in lic and "name" not in lic:
            lic["name"] = "unknown"
    return out


@cache
def _spdx_ids() -> frozenset[str]:
    """The SPDX licence ids the bundled CycloneDX schemas accept."""
    schema = schema_file("spdx.SNAPSHOT.schema.json")
    return frozenset(orjson.loads(schema.read_bytes()).get("enum", ()))


# --------------------------------------------------------------------------------------------
# SPDX 2.x JSON
# --------------------------------------------------------------------------------------------
