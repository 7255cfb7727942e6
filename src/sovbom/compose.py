"""Composing one BOM per server: hardware, firmware, the operating system and its software.

The server is ``metadata.component``; it comes from the factory declaration (``base``, built from a
manifest) or, without one, from the first hardware BOM among the additions. Then each addition:

* **hardware BOM** (``metadata.component`` of type ``device``): its server is the server (fields
  merged, differences reported); its parts are merged into the tree under the same parent.
* **software BOM** (anything else, CycloneDX or converted SPDX): its anchor - ``metadata.component``
  (an operating system, a container, an application, a firmware image), else its only
  ``operating-system`` component, else a component named after the file - goes beneath the server
  (or beneath the part named by its ``sovbom:runs-on`` property, by bom-ref or serial number).
  An ``operating-system`` component found beside the anchor goes beneath it with the OS packages
  (``pkg:deb``, ``rpm``, ``apk``, ... or what the OS depends on); everything else goes beneath the
  anchor. The document's own dependencies are kept, their refs remapped.

Every placement adds the edge parent -> child to the dependencies, so the graph is connected from
the server root (the house convention: dependencies repeat the nesting).

**Same component, merged:** same purl; same serial number (``cdx:device:serialNumber``); for an
operating system without purl the same name and version beneath the same parent; for firmware
without purl the same name on the same part; for a part without serial on one side the same
``sovbom:slot`` under the same parent. The first occurrence stays where it is and keeps its
bom-ref; fields it lacks are filled in, list fields (hashes, external references, properties,
tags) are united, and a field with two different values
keeps the first and is reported in :attr:`ComposeResult.conflicts`, naming both sources. Within one
input, two entries with different bom-refs stay two (a producer's own duplicates are its choice:
the same Go module found in two binaries). Colliding bom-refs of different components are prefixed
with the name of the input they come from.

**Sub-BOMs:** an input signed separately by its supplier (a ``FILE.sigstore.json`` bundle beside
it, or named in ``sub_boms``) is linked: the component it describes gets an external reference
``{type: bom, url: urn:cdx:<serial>/<version>, hashes: [SHA-256 of the file]}``. Its components
are merged too, so the server BOM stays complete for analysis, and each of them carries a
``sovbom:vouched-by`` property holding that BOM-Link: verification can tell which parts of the
graph the supplier's signature covers.

The inputs' documents are consumed (their component dicts are moved into the result).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom.collect.sbom_import import SPDX_FORMAT, normalize_bom
from sovbom.cyclonedx.document import (
    DEFAULT_WRITE_VERSION,
    BomDocument,
    iter_components,
    new_document,
)
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.errors import InputError
from sovbom.placeholders import is_placeholder

#: Each component that came from a separately signed sub-BOM names it (its BOM-Link).
VOUCHED_BY = tx.VOUCHED_BY
#: One per input of the composition: ``<file name> sha256:<hex>``.
COMPOSED_FROM = tx.COMPOSED_FROM
SIGNATURE_SUFFIX = ".sigstore.json"

#: purl types of operating-system package managers: such packages go beneath the OS.
OS_PURL_TYPES = frozenset({"deb", "rpm", "apk", "alpine", "alpm", "ebuild", "opkg", "qpkg"})
_UNION_FIELDS = frozenset({"externalReferences", "properties", "tags", "omniborId", "swhid"})
_KEPT_SECTIONS = frozenset(
    {
        "$schema",
        "bomFormat",
        "specVersion",
        "serialNumber",
        "version",
        "metadata",
        "components",
        "dependencies",
    }
)


@dataclass(slots=True)
class ComposeResult:
    """The composed document (not finalised: pass it to :func:`sovbom.cyclonedx.writer.write_bom`),
    the conflicts found while merging, how many components were merged, and notes."""

    doc: BomDocument
    conflicts: list[str] = field(default_factory=list)
    merged: int = 0
    notes: list[str] = field(default_factory=list)
    sub_boms: list[str] = field(default_factory=list)


def is_hardware_bom(doc: BomDocument) -> bool:
    metadata = doc.get("metadata")
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("component"), dict)
        and metadata["component"].get("type") == "device"
    )


def is_signed_separately(bom: LoadedBom, sub_boms: Collection[str] = ()) -> bool:
    """Whether ``bom`` is a sub-BOM: named in ``sub_boms`` or with a Sigstore bundle beside it."""
    if bom.source in sub_boms:
        return True
    return bom.source != "<stdin>" and Path(bom.source + SIGNATURE_SUFFIX).is_file()


def compose_server_bom(
    base: dict[str, Any] | None,
    additions: Sequence[LoadedBom],
    *,
    spec_version: str = DEFAULT_WRITE_VERSION,
    sub_boms: Collection[str] = (),
    base_source: str = "manifest",
) -> ComposeResult:
    """One server BOM from a factory HBOM (``base``, or None) and hardware/software BOMs."""
    notes: list[str] = []
    for bom in additions:
        notes.extend(normalize_bom(bom, spec_version=spec_version))
    pending = list(additions)
    composer = _Composer(spec_version)
    if base is not None:
        if not is_hardware_bom(base):
            raise InputError(
                "the base document has no server (metadata.component of type device)",
                source=base_source,
                location="$.metadata.component",
            )
        composer.start(base, base_source)
    else:
        first = next((b for b in pending if is_hardware_bom(b.doc)), None)
        if first is None:
            raise InputError(
                "no server root: none of the inputs is a hardware BOM",
                source=", ".join(b.source for b in additions) or None,
                hint="give --manifest, or --add a hardware BOM (metadata.component of type device)",
            )
        pending.remove(first)
        composer.start(first.doc, first.source, raw=first.raw)
        if is_signed_separately(first, sub_boms):
            composer.link_sub_bom(first, composer.root_ref)
    for bom in pending:
        linked = is_signed_separately(bom, sub_boms)
        tag = _bom_link(bom) if linked else None
        if is_hardware_bom(bom.doc):
            anchor = composer.add_hardware(bom, tag)
        else:
            anchor = composer.add_software(bom, tag)
        if linked:
            composer.link_sub_bom(bom, anchor)
    result = composer.finish()
    result.notes[:0] = notes
    return result


def compose_software(
    boms: Sequence[LoadedBom], *, spec_version: str = DEFAULT_WRITE_VERSION
) -> ComposeResult:
    """One software BOM from several (``collect software`` with several sources): the first one's
    anchor (e.g. the operating system) is the root; the others go beneath it."""
    if not boms:
        raise InputError("no software source given")
    notes: list[str] = []
    for bom in boms:
        notes.extend(normalize_bom(bom, spec_version=spec_version))
    composer = _Composer(spec_version)
    first, *rest = boms
    composer.start(_rooted(first, notes), first.source, raw=first.raw)
    for bom in rest:
        composer.add_software(bom, None)
    result = composer.finish()
    result.notes[:0] = notes
    return result


def _rooted(bom: LoadedBom, notes: list[str]) -> BomDocument:
    """``bom``'s document with an anchor as ``metadata.component``."""
    doc = bom.doc
    metadata = doc.setdefault("metadata", {})
    if not isinstance(metadata.get("component"), dict):
        tops = doc.get("components") or []
        os_comps = [c for c in tops if isinstance(c, dict) and c.get("type") == "operating-system"]
        if len(os_comps) == 1:
            metadata["component"] = os_comps[0]
            doc["components"] = [c for c in tops if c is not os_comps[0]]
        else:
            metadata["component"] = _synthetic_anchor(bom)
            notes.append(
                f"{bom.source}: no metadata.component: a component named after the file "
                "stands for what it describes"
            )
    return doc


def _synthetic_anchor(bom: LoadedBom) -> dict[str, Any]:
    name = Path(bom.source).name or "sbom"
    return {
        "type": "application",
        "bom-ref": f"{tx.SBOM_REF_PREFIX}{name}",
        "name": name,
        "description": f"the software described by {bom.source}",
    }


def _bom_link(bom: LoadedBom) -> str:
    doc = bom.doc
    if bom.format == SPDX_FORMAT:
        for prop in (doc.get("metadata") or {}).get("properties") or ():
            if prop.get("name") == "spdx:documentNamespace":
                return str(prop["value"])
        raise InputError(
            "an SPDX sub-BOM needs a documentNamespace to be linked",
            source=bom.source,
            location="$.documentNamespace",
        )
    serial = doc.get("serialNumber")
    if not isinstance(serial, str) or not serial.startswith("urn:uuid:"):
        raise InputError(
            "a sub-BOM needs a serialNumber (urn:uuid:...) to be linked with a BOM-Link",
            source=bom.source,
            location="$.serialNumber",
        )
    version = doc.get("version", 1)
    return f"{tx.BOM_LINK_PREFIX}{serial[len('urn:uuid:') :]}/{version}"


def _describe(comp: dict[str, Any]) -> str:
    if comp.get("purl"):
        return str(comp["purl"])
    name = f"{comp.get('name')}" + (f"@{comp['version']}" if comp.get("version") else "")
    return f"{comp.get('type', 'component')} {name!r} ({comp.get('bom-ref')})"


def _serial(comp: dict[str, Any]) -> str | None:
    props = comp.get("properties")
    if not props:
        return None
    for p in props:
        if isinstance(p, dict) and p.get("name") == tx.CDX_SERIAL:
            value = p.get("value")
            if isinstance(value, str) and not is_placeholder(value.strip()):
                return value.strip()
    return None


def _slot(comp: dict[str, Any]) -> str | None:
    props = comp.get("properties")
    if not props:
        return None
    for p in props:
        if isinstance(p, dict) and p.get("name") == tx.SLOT:
            value = p.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _property(comp: dict[str, Any], name: str) -> str | None:
    for p in comp.get("properties") or ():
        if isinstance(p, dict) and p.get("name") == name and isinstance(p.get("value"), str):
            return str(p["value"])
    return None


def _os_key(comp: dict[str, Any], parent_ref: str) -> tuple[str, str, str]:
    return parent_ref, str(comp.get("name", "")).lower(), str(comp.get("version", ""))


def _remap_runs_on(comp: dict[str, Any], ref_map: dict[str, str]) -> None:
    for p in comp.get("properties") or ():
        if isinstance(p, dict) and p.get("name") == tx.RUNS_ON and p.get("value") in ref_map:
            p["value"] = ref_map[p["value"]]


def _purl_type(purl: Any) -> str | None:
    if isinstance(purl, str) and purl.startswith("pkg:"):
        return purl[4:].split("/", 1)[0].lower()
    return None


@dataclass(slots=True)
class _Input:
    source: str
    prefix: str
    ref_map: dict[str, str] = field(default_factory=dict)
    tag: str | None = None
    runs_on: bool = True  # whether the input mentions sovbom:runs-on at all


class _Composer:
    def __init__(self, spec_version: str) -> None:
        self.spec_version = spec_version
        self.doc: BomDocument = {}
        self.root: dict[str, Any] = {}
        self.root_ref = ""
        self.refs: set[str] = set()
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.origin: dict[str, str] = {}
        self.deps: dict[str, dict[str, None]] = {}
        self.by_purl: dict[str, dict[str, Any]] = {}
        self.by_serial: dict[str, dict[str, Any]] = {}
        self.by_os: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.by_firmware: dict[tuple[str, str], dict[str, Any]] = {}
        self.by_slot: dict[tuple[str, str], dict[str, Any]] = {}
        self.conflicts: list[str] = []
        self.notes: list[str] = []
        self.sub_boms: list[str] = []
        self.merged = 0
        self.inputs: list[tuple[str, str]] = []
        self.input_id = 0
        self.input_of: dict[str, int] = {}

    # -- starting point ------------------------------------------------------------------------

    def start(self, base: BomDocument, source: str, *, raw: bytes | None = None) -> None:
        metadata = base.get("metadata") or {}
        root = metadata.get("component")
        if not isinstance(root, dict):
            raise InputError(
                "no metadata.component to use as the root",
                source=source,
                location="$.metadata.component",
            )
        components = list(base.get("components") or [])
        nested = root.pop("components", None)
        if nested:
            components[:0] = nested
        props = [
            (p["name"], p["value"])
            for p in metadata.get("properties") or ()
            if isinstance(p, dict)
            and isinstance(p.get("name"), str)
            and isinstance(p.get("value"), str)
        ]
        self.doc = new_document(
            root, components, {}, spec_version=self.spec_version, properties=props
        )
        self.root = root
        if not isinstance(root.get("bom-ref"), str) or not root["bom-ref"]:
            root["bom-ref"] = "server"
        self.root_ref = root["bom-ref"]
        self._record_input(source, raw)
        self._index(root, None, source)
        stack: list[tuple[dict[str, Any], str]] = [(c, self.root_ref) for c in components]
        while stack:
            comp, parent = stack.pop()
            if not isinstance(comp, dict):
                continue
            if not isinstance(comp.get("bom-ref"), str) or not comp["bom-ref"]:
                comp["bom-ref"] = self._new_ref(f"{parent}/{comp.get('name', 'component')}", "")
            self._index(comp, parent, source)
            stack.extend((c, comp["bom-ref"]) for c in comp.get("components") or ())
        dropped = 0
        for dep in base.get("dependencies") or ():
            ref = dep.get("ref")
            if isinstance(ref, str) and self._known(ref):
                targets = self.deps.setdefault(ref, {})
                for t in dep.get("dependsOn") or ():
                    if isinstance(t, str) and t != ref and self._known(t):
                        targets[t] = None
                    else:
                        dropped += 1
            else:
                dropped += 1
        if dropped:
            self.notes.append(
                f"{source}: $.dependencies: {dropped} entr(y/ies) or edge(s) naming "
                "no component dropped"
            )
        # The tree is the assembly: make sure each parent depends on what it contains.
        for parent_ref, comp in self._walk_with_parents():
            self._edge(parent_ref, comp["bom-ref"])

    def _walk_with_parents(self) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        stack: list[tuple[str, Any]] = [(self.root_ref, c) for c in self.doc["components"]]
        while stack:
            parent, comp = stack.pop()
            if isinstance(comp, dict):
                out.append((parent, comp))
                stack.extend((comp["bom-ref"], c) for c in comp.get("components") or ())
        return out

    def _record_input(self, source: str, raw: bytes | None) -> None:
        if raw:  # inputs collected in this run (dpkg, rpm ...) have no file bytes to digest
            self.inputs.append((Path(source).name, hashlib.sha256(raw).hexdigest()))

    # -- indexes -------------------------------------------------------------------------------

    def _index(self, comp: dict[str, Any], parent_ref: str | None, source: str) -> None:
        ref = comp["bom-ref"]
        self.refs.add(ref)
        self.by_ref[ref] = comp
        self.origin[ref] = source
        self.input_of[ref] = self.input_id
        purl = comp.get("purl")
        if isinstance(purl, str) and purl:
            self.by_purl.setdefault(purl, comp)
            return
        ctype = comp.get("type")
        if ctype == "device":
            serial = _serial(comp)
            if serial:
                self.by_serial.setdefault(serial, comp)
            slot = _slot(comp)
            if slot and parent_ref is not None:
                self.by_slot.setdefault((parent_ref, slot), comp)
        elif ctype == "operating-system" and parent_ref is not None:
            self.by_os.setdefault(_os_key(comp, parent_ref), comp)
        elif ctype == "firmware" and parent_ref is not None:
            self.by_firmware.setdefault((parent_ref, str(comp.get("name", ""))), comp)

    def _match(self, comp: dict[str, Any], parent_ref: str) -> dict[str, Any] | None:
        """The component already placed that ``comp`` is the same as. By purl, operating system
        or firmware name only across inputs (within one, the producer's entries are kept as
        they are); by serial number also within one input (a serial is one unit)."""
        purl = comp.get("purl")
        if isinstance(purl, str) and purl:
            return self._other_input(self.by_purl.get(purl))
        ctype = comp.get("type")
        if ctype == "device":
            serial = _serial(comp)
            if serial and serial in self.by_serial:
                return self.by_serial[serial]
            slot = _slot(comp)
            if slot:
                other = self._other_input(self.by_slot.get((parent_ref, slot)))
                if other is not None:
                    other_serial = _serial(other)
                    if serial and other_serial and serial != other_serial:
                        self.conflicts.append(
                            f"slot {slot!r} under {parent_ref!r}: serial {other_serial!r} in "
                            f"{self.origin.get(other['bom-ref'])} but {serial!r} in "
                            f"{self._current}; both parts kept"
                        )
                        return None
                    return other
        elif ctype == "operating-system":
            return self._other_input(self.by_os.get(_os_key(comp, parent_ref)))
        elif ctype == "firmware":
            return self._other_input(self.by_firmware.get((parent_ref, str(comp.get("name", "")))))
        return None

    def _other_input(self, comp: dict[str, Any] | None) -> dict[str, Any] | None:
        if comp is None or self.input_of.get(comp["bom-ref"]) == self.input_id:
            return None
        return comp

    # -- building ------------------------------------------------------------------------------

    _current = ""

    def _new_ref(self, ref: str, prefix: str) -> str:
        if ref not in self.refs:
            return ref
        candidate = f"{prefix}{ref}" if prefix else ref
        n = 2
        while candidate in self.refs:
            candidate = f"{prefix}{ref}#{n}"
            n += 1
        return candidate

    def _edge(self, parent: str, child: str) -> None:
        if parent != child:
            self.deps.setdefault(parent, {})[child] = None

    def _children(self, parent_ref: str) -> list[Any]:
        if parent_ref == self.root_ref:
            components: list[Any] = self.doc["components"]
            return components
        children: list[Any] = self.by_ref[parent_ref].setdefault("components", [])
        return children

    def _place(self, comp: dict[str, Any], parent_ref: str, inp: _Input) -> str:
        """Put ``comp`` (and what it nests) beneath ``parent_ref``, merging with its twin."""
        if not comp.get("components"):
            return self._place_one(comp, parent_ref, inp)
        stack: list[tuple[dict[str, Any], str]] = [(comp, parent_ref)]
        first_ref = ""
        while stack:
            item, parent = stack.pop()
            children = item.pop("components", None)
            ref = self._place_one(item, parent, inp)
            if not first_ref:
                first_ref = ref
            if children:
                stack.extend((c, ref) for c in reversed(children) if isinstance(c, dict))
        return first_ref

    def _place_one(self, comp: dict[str, Any], parent_ref: str, inp: _Input) -> str:
        old = comp["bom-ref"]
        match = self._match(comp, parent_ref)
        if match is not None:
            ref: str = match["bom-ref"]
            self._merge(match, comp, inp.source)
            target = match
        else:
            ref = self._new_ref(old, inp.prefix)
            comp["bom-ref"] = ref
            self._children(parent_ref).append(comp)
            self._index(comp, parent_ref, inp.source)
            target = comp
        inp.ref_map[old] = ref
        if match is None and inp.runs_on:
            _remap_runs_on(comp, inp.ref_map)
        if parent_ref != ref:
            self.deps.setdefault(parent_ref, {})[ref] = None
        if inp.tag is not None:
            target.setdefault("properties", []).append({"name": VOUCHED_BY, "value": inp.tag})
        return ref

    def _merge(self, dst: dict[str, Any], src: dict[str, Any], source: str) -> None:
        self.merged += 1
        first = self.origin.get(dst["bom-ref"], "?")
        what = _describe(dst)
        for key, value in src.items():
            if key in ("bom-ref", "components"):
                continue
            if key not in dst:
                dst[key] = value
                continue
            current = dst[key]
            if current == value:
                continue
            if key == "hashes" and isinstance(current, list) and isinstance(value, list):
                known = {h.get("alg"): h.get("content") for h in current if isinstance(h, dict)}
                for h in value:
                    if not isinstance(h, dict):
                        continue
                    alg, content = h.get("alg"), h.get("content")
                    if alg not in known:
                        current.append(h)
                        known[alg] = content
                    elif str(known[alg]).lower() != str(content).lower():
                        self.conflicts.append(
                            f"{what}: hash {alg} differs: {known[alg]} in {first} vs {content} in "
                            f"{source}; kept the first"
                        )
            elif key == "properties" and isinstance(current, list) and isinstance(value, list):
                # a part runs on one thing: the first input's sovbom:runs-on stays
                has_runs_on = any(isinstance(p, dict) and p.get("name") == tx.RUNS_ON for p in current)
                current.extend(
                    v
                    for v in value
                    if v not in current
                    and not (has_runs_on and isinstance(v, dict) and v.get("name") == tx.RUNS_ON)
                )
            elif key in _UNION_FIELDS and isinstance(current, list) and isinstance(value, list):
                current.extend(v for v in value if v not in current)
            else:
                self.conflicts.append(
                    f"{what}: field {key!r} differs: {_short(current)} in {first} vs "
                    f"{_short(value)} in {source}; kept the first"
                )

    def _import_dependencies(self, doc: BomDocument, inp: _Input) -> None:
        ref_map = inp.ref_map
        deps = self.deps
        for dep in doc.get("dependencies") or ():
            ref = dep.get("ref")
            mapped = ref_map.get(ref)
            if mapped is None:
                if not (isinstance(ref, str) and ref.startswith(tx.BOM_LINK_PREFIX)):
                    continue
                mapped = ref
            targets = deps.setdefault(mapped, {})
            for t in dep.get("dependsOn") or ():
                m = ref_map.get(t)
                if m is None:
                    if not (isinstance(t, str) and t.startswith(tx.BOM_LINK_PREFIX)):
                        continue
                    m = t
                if m != mapped:
                    targets[m] = None

    def _dropped_sections(self, doc: BomDocument, source: str) -> None:
        extra = sorted(k for k in doc if k not in _KEPT_SECTIONS)
        if extra:
            self.notes.append(f"{source}: not carried into the server BOM: {', '.join(extra)}")

    def _input(self, bom: LoadedBom, tag: str | None) -> _Input:
        self._current = bom.source
        self.input_id += 1
        self._record_input(bom.source, bom.raw)
        name = Path(bom.source).name or "input"
        runs_on = not bom.raw or tx.RUNS_ON.encode() in bom.raw
        return _Input(source=bom.source, prefix=f"{name}:", tag=tag, runs_on=runs_on)

    def add_hardware(self, bom: LoadedBom, tag: str | None) -> str:
        """Merge a hardware BOM's server and parts into the tree; returns the server's ref."""
        inp = self._input(bom, tag)
        doc = bom.doc
        self._dropped_sections(doc, bom.source)
        server = doc["metadata"]["component"]
        tops = list(doc.get("components") or [])
        nested = server.pop("components", None)
        if nested:
            tops[:0] = nested
        ours, theirs = _serial(self.root), _serial(server)
        if ours and theirs and ours != theirs:
            self.conflicts.append(
                f"server: serial number {ours!r} in {self.origin.get(self.root_ref)} but "
                f"{theirs!r} in {bom.source}: its parts are merged into this server anyway"
            )
        old = server.get("bom-ref")
        self._merge(self.root, server, bom.source)
        self.merged -= 1  # the server itself is not a merged duplicate
        if isinstance(old, str):
            inp.ref_map[old] = self.root_ref
        for comp in tops:
            if isinstance(comp, dict):
                self._place(comp, self.root_ref, inp)
        self._import_dependencies(doc, inp)
        return self.root_ref

    def add_software(self, bom: LoadedBom, tag: str | None) -> str:
        """Put a software BOM beneath the server (or the part it runs on); returns its anchor."""
        inp = self._input(bom, tag)
        doc = bom.doc
        self._dropped_sections(doc, bom.source)
        metadata = doc.get("metadata") or {}
        tops = [c for c in doc.get("components") or () if isinstance(c, dict)]
        anchor = metadata.get("component")
        os_comps = [c for c in tops if c.get("type") == "operating-system"]
        if not isinstance(anchor, dict):
            if len(os_comps) == 1:
                anchor = os_comps.pop()
                tops.remove(anchor)
            else:
                anchor = _synthetic_anchor(bom)
                self.notes.append(
                    f"{bom.source}: no metadata.component: a component named after the"
                    " file stands for what it describes"
                )
        parent = self._runs_on(anchor) or self.root_ref
        anchor_ref = self._place(anchor, parent, inp)
        os_refs: list[str] = []
        os_old = ""
        for os_comp in os_comps:
            tops.remove(os_comp)
            os_old = os_comp["bom-ref"]
            os_refs.append(self._place(os_comp, anchor_ref, inp))
        os_children: set[str] = set()
        if len(os_refs) == 1:
            for dep in doc.get("dependencies") or ():
                if dep.get("ref") == os_old:
                    os_children.update(t for t in dep.get("dependsOn") or () if isinstance(t, str))
        for comp in tops:
            target = anchor_ref
            if len(os_refs) == 1 and (
                _purl_type(comp.get("purl")) in OS_PURL_TYPES or comp.get("bom-ref") in os_children
            ):
                target = os_refs[0]
            self._place(comp, target, inp)
        self._import_dependencies(doc, inp)
        return anchor_ref

    def _runs_on(self, anchor: dict[str, Any]) -> str | None:
        value = _property(anchor, tx.RUNS_ON)
        if not value:
            return None
        if value in self.by_ref:
            return value
        part = self.by_serial.get(value)
        if part is not None:
            return str(part["bom-ref"])
        self.notes.append(
            f"{self._current}: {tx.RUNS_ON} names {value!r}, no part of this server: "
            "placed beneath the server"
        )
        return None

    def link_sub_bom(self, bom: LoadedBom, anchor_ref: str) -> None:
        link = _bom_link(bom)
        comp = self.by_ref.get(anchor_ref, self.root)
        ref = {
            "type": "bom",
            "url": link,
            "comment": f"sub-BOM {Path(bom.source).name}, signed separately by its supplier",
            "hashes": [{"alg": "SHA-256", "content": hashlib.sha256(bom.raw).hexdigest()}],
        }
        existing = comp.setdefault("externalReferences", [])
        if ref not in existing:
            existing.append(ref)
        self.sub_boms.append(f"{bom.source} -> {anchor_ref} ({link})")

    # -- result --------------------------------------------------------------------------------

    def _known(self, ref: str) -> bool:
        return ref in self.refs or ref.startswith(tx.BOM_LINK_PREFIX)

    def finish(self) -> ComposeResult:
        # Every edge names known refs (inputs are normalised, the base is filtered in start());
        # the order is the order of the inputs: deterministic, so --reproducible holds.
        self.doc["dependencies"] = [
            {"ref": ref, "dependsOn": list(targets)} if targets else {"ref": ref}
            for ref, targets in self.deps.items()
        ]
        if self.inputs:
            props = self.doc["metadata"].setdefault("properties", [])
            props.extend(
                {"name": COMPOSED_FROM, "value": f"{n} sha256:{h}"} for n, h in self.inputs
            )
        return ComposeResult(
            doc=self.doc,
            conflicts=self.conflicts,
            merged=self.merged,
            notes=self.notes,
            sub_boms=self.sub_boms,
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def components_count(doc: BomDocument) -> int:
    """Components of a document, ``metadata.component`` and nested ones included."""
    return sum(1 for _ in iter_components(doc))
