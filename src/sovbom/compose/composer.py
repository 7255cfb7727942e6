"""The composer: places each input's components beneath the server (or the part they run on),
merges each with its twin (:mod:`sovbom.compose.twins`), remaps references and keeps the
dependency graph connected from the server root. The entry points are in :mod:`sovbom.compose`.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sovbom import taxonomy as tx
from sovbom.collect.sbom_import import SPDX_FORMAT
from sovbom.compose.twins import Twins, serial_of
from sovbom.cyclonedx.document import BomDocument, new_document
from sovbom.cyclonedx.reader import LoadedBom
from sovbom.errors import InputError

#: purl types of operating-system package managers: such packages go beneath the OS.
OS_PURL_TYPES = frozenset({"deb", "rpm", "apk", "alpine", "alpm", "ebuild", "opkg", "qpkg"})
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


def counted(lines: list[str]) -> list[str]:
    """Each distinct line once, in first-seen order, with how many times it occurred."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line if n == 1 else f"{line} ({n} times)" for line, n in counts.items()]


def _describes_server(server: dict[str, Any], root: dict[str, Any]) -> bool:
    """Whether a hardware BOM's root ``root`` is the server itself rather than one of its parts."""
    ours, theirs = serial_of(server), serial_of(root)
    if ours and theirs and ours == theirs:
        return True
    cls = _property(root, tx.CLASS)
    if cls is not None:
        return cls == "server"
    name = str(root.get("name") or "").strip().lower()
    return not theirs and bool(name) and name == str(server.get("name") or "").strip().lower()


def synthetic_anchor(bom: LoadedBom) -> dict[str, Any]:
    name = Path(bom.source).name or "sbom"
    return {
        "type": "application",
        "bom-ref": f"{tx.SBOM_REF_PREFIX}{name}",
        "name": name,
        "description": f"the software described by {bom.source}",
    }


def bom_link(bom: LoadedBom) -> str:
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


def _property(comp: dict[str, Any], name: str) -> str | None:
    for p in comp.get("properties") or ():
        if isinstance(p, dict) and p.get("name") == name and isinstance(p.get("value"), str):
            return str(p["value"])
    return None


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


class Composer:
    """Places the inputs' components beneath the server, merging twins (see :mod:`sovbom.compose`)."""

    def __init__(self, spec_version: str) -> None:
        self.spec_version = spec_version
        self.doc: BomDocument = {}
        self.root: dict[str, Any] = {}
        self.root_ref = ""
        self.refs: set[str] = set()
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.origin: dict[str, str] = {}
        self.deps: dict[str, dict[str, None]] = {}
        self.conflicts: list[str] = []
        self.notes: list[str] = []
        self.sub_boms: list[str] = []
        self.merged = 0
        self.inputs: list[tuple[str, str]] = []
        self.twins = Twins(self.conflicts, self.origin)

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
        self.twins.index(comp, parent_ref)

    # -- building ------------------------------------------------------------------------------

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
        match = self.twins.match(comp, parent_ref)
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
            target.setdefault("properties", []).append({"name": tx.VOUCHED_BY, "value": inp.tag})
        return ref

    def _merge(self, dst: dict[str, Any], src: dict[str, Any], source: str) -> None:
        self.merged += 1
        self.twins.merge(dst, src, source)

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
        self.twins.current = bom.source
        self.twins.input_id += 1
        self._record_input(bom.source, bom.raw)
        name = Path(bom.source).name or "input"
        runs_on = not bom.raw or tx.RUNS_ON.encode() in bom.raw
        return _Input(source=bom.source, prefix=f"{name}:", tag=tag, runs_on=runs_on)

    def add_hardware(self, bom: LoadedBom, tag: str | None) -> str:
        """Merge a hardware BOM into the tree; returns the ref of what it describes.

        A BOM of this server (same serial number, or a root classed ``server``, or of the
        server's name) has its server merged into the server and its parts merged beneath it.
        Any other hardware BOM describes a part (a supplier's board): its root is nested as a
        part, keeping its tree - see :meth:`_add_part_bom`."""
        inp = self._input(bom, tag)
        doc = bom.doc
        self._dropped_sections(doc, bom.source)
        server = doc["metadata"]["component"]
        if not _describes_server(self.root, server):
            return self._add_part_bom(bom, server, inp)
        tops = list(doc.get("components") or [])
        nested = server.pop("components", None)
        if nested:
            tops[:0] = nested
        ours, theirs = serial_of(self.root), serial_of(server)
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

    def _add_part_bom(self, bom: LoadedBom, part: dict[str, Any], inp: _Input) -> str:
        """A part's own HBOM: its root is the part the manifest declares for it (same serial
        number, or an external reference of type ``bom`` naming this BOM or its file), else a
        new part beneath the server; the root's tree stays beneath it."""
        doc = bom.doc
        tops = [c for c in doc.get("components") or () if isinstance(c, dict)]
        nested = part.pop("components", None)
        if nested:
            tops[:0] = [c for c in nested if isinstance(c, dict)]
        declared = self._declared_part(bom, part)
        if declared is not None:
            ref: str = declared["bom-ref"]
            old = part.get("bom-ref")
            self._merge(declared, part, bom.source)
            self.merged -= 1  # the part declared by the manifest, described in detail
            if isinstance(old, str):
                inp.ref_map[old] = ref
            if inp.tag is not None:
                declared.setdefault("properties", []).append(
                    {"name": tx.VOUCHED_BY, "value": inp.tag}
                )
        else:
            if not isinstance(part.get("bom-ref"), str) or not part["bom-ref"]:
                part["bom-ref"] = Path(bom.source).name or "part"
            ref = self._place_one(part, self.root_ref, inp)
            self.notes.append(
                f"{bom.source}: a part's HBOM ({part.get('name')!r}) that no part of the server "
                "declares: placed beneath the server"
            )
        for comp in tops:
            self._place(comp, ref, inp)
        self._import_dependencies(doc, inp)
        return ref

    def _declared_part(self, bom: LoadedBom, part: dict[str, Any]) -> dict[str, Any] | None:
        serial = serial_of(part)
        if serial and serial in self.twins.by_serial:
            return self.twins.by_serial[serial]
        names = {Path(bom.source).name}
        with contextlib.suppress(InputError):  # without a serial number, the file name alone
            names.add(bom_link(bom))
        for comp in self.by_ref.values():
            for ext in comp.get("externalReferences") or ():
                if not isinstance(ext, dict) or ext.get("type") != "bom":
                    continue
                url = str(ext.get("url", ""))
                if url in names or url.rsplit("/", 1)[-1] in names:
                    return comp
        return None

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
                anchor = synthetic_anchor(bom)
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
        part = self.twins.by_serial.get(value)
        if part is not None:
            return str(part["bom-ref"])
        self.notes.append(
            f"{self.twins.current}: {tx.RUNS_ON} names {value!r}, no part of this server: "
            "placed beneath the server"
        )
        return None

    def link_sub_bom(self, bom: LoadedBom, anchor_ref: str) -> None:
        link = bom_link(bom)
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
                {"name": tx.COMPOSED_FROM, "value": f"{n} sha256:{h}"} for n, h in self.inputs
            )
        return ComposeResult(
            doc=self.doc,
            conflicts=counted(self.conflicts),
            merged=self.merged,
            notes=self.notes,
            sub_boms=self.sub_boms,
        )
