"""Installed Debian packages from a dpkg status file (``/var/lib/dpkg/status``).

Each installed package (``Status: ... installed``) becomes a CycloneDX component with its version,
architecture, source package, the maintainer as supplier and a ``pkg:deb`` purl. ``Depends`` and
``Pre-Depends`` become dependencies, resolved against what is installed: for ``a | b`` the first
alternative that is installed (at a satisfying version) wins; a name no package has is looked up
among the ``Provides`` of installed packages (a versioned dependency is only satisfied by a
versioned provide, as dpkg does). Unresolved relations are counted in the notes.

The operating system (from ``os-release`` when known) is ``metadata.component``; it depends on every
package it holds, so the graph is connected from it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packageurl import PackageURL
from packageurl import quote as purl_quote

from sovbom import taxonomy as tx
from sovbom._io import display_name, read_bytes
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument, new_document
from sovbom.errors import InputError

DEFAULT_STATUS = "/var/lib/dpkg/status"
DEFAULT_OS_RELEASE = "/etc/os-release"

PROP_SOURCE = tx.PACKAGE_SOURCE
PROP_SOURCE_VERSION = tx.PACKAGE_SOURCE_VERSION
PROP_ARCH = tx.PACKAGE_ARCH
PROP_MULTI_ARCH = tx.PACKAGE_MULTI_ARCH
PROP_MANAGER = tx.PACKAGE_MANAGER


@dataclass(slots=True)
class OsInfo:
    """The operating system a package database belongs to (from ``os-release``)."""

    id: str = "debian"
    version_id: str | None = None
    pretty_name: str | None = None
    codename: str | None = None

    @property
    def ref(self) -> str:
        return f"os:{self.id}" + (f"@{self.version_id}" if self.version_id else "")

    def to_cdx(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "operating-system", "bom-ref": self.ref, "name": self.id}
        if self.version_id:
            out["version"] = self.version_id
        if self.pretty_name:
            out["description"] = self.pretty_name
        return out


def parse_os_release(text: str) -> OsInfo:
    values: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return OsInfo(
        id=values.get("ID", "linux").lower() or "linux",
        version_id=values.get("VERSION_ID") or None,
        pretty_name=values.get("PRETTY_NAME") or None,
        codename=values.get("VERSION_CODENAME") or None,
    )


def read_os_release(path: str | os.PathLike[str] = DEFAULT_OS_RELEASE) -> OsInfo | None:
    try:
        return parse_os_release(read_bytes(path).decode("utf-8", errors="replace"))
    except InputError:
        return None


@dataclass(slots=True)
class Package:
    name: str
    version: str
    arch: str
    line: int
    fields: dict[str, str]
    lines: dict[str, int]
    ref: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.arch


@dataclass(slots=True)
class DpkgResult:
    doc: BomDocument
    packages: int
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Parsing the status file
# --------------------------------------------------------------------------------------------


def iter_stanzas(text: str, source: str) -> Iterator[tuple[int, dict[str, str], dict[str, int]]]:
    """``(first line number, fields, line of each field)`` of each stanza; continuation lines are
    joined with ``\\n``."""
    fields: dict[str, str] = {}
    lines: dict[str, int] = {}
    start = 0
    last: str | None = None
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if fields:
                yield start, fields, lines
            fields, lines, last = {}, {}, None
            continue
        if line[0] in " \t":
            if last is None:
                raise InputError(
                    "continuation line outside a field", source=source, location=f"line {lineno}"
                )
            fields[last] += "\n" + line[1:]
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or " " in name:
            raise InputError(
                f"expected 'Field: value', found {line[:60]!r}",
                source=source,
                location=f"line {lineno}",
            )
        if not fields:
            start = lineno
        last = name
        fields[name] = value.strip()
        lines[name] = lineno
    if fields:
        yield start, fields, lines


# --------------------------------------------------------------------------------------------
# Debian version comparison (deb-version(7))
# --------------------------------------------------------------------------------------------

_VERSION_PART = re.compile(r"(\D*)(\d*)")


def _order(c: str) -> int:
    if c == "~":
        return -1
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _compare_part(a: str, b: str) -> int:
    ia = ib = 0
    while ia < len(a) or ib < len(b):
        while (ia < len(a) and not a[ia].isdigit()) or (ib < len(b) and not b[ib].isdigit()):
            ac = _order(a[ia]) if ia < len(a) and not a[ia].isdigit() else 0
            bc = _order(b[ib]) if ib < len(b) and not b[ib].isdigit() else 0
            if ac != bc:
                return -1 if ac < bc else 1
            if ia < len(a) and not a[ia].isdigit():
                ia += 1
            if ib < len(b) and not b[ib].isdigit():
                ib += 1
        ja = ia
        while ja < len(a) and a[ja].isdigit():
            ja += 1
        jb = ib
        while jb < len(b) and b[jb].isdigit():
            jb += 1
        na = int(a[ia:ja] or 0)
        nb = int(b[ib:jb] or 0)
        if na != nb:
            return -1 if na < nb else 1
        ia, ib = ja, jb
    return 0


def _split_version(v: str) -> tuple[int, str, str]:
    epoch = 0
    if ":" in v:
        e, _, v = v.partition(":")
        epoch = int(e) if e.isdigit() else 0
    upstream, sep, revision = v.rpartition("-")
    if not sep:
        upstream, revision = v, ""
    return epoch, upstream, revision


def compare_versions(a: str, b: str) -> int:
    """Compare two Debian versions: -1, 0 or 1."""
    ea, ua, ra = _split_version(a)
    eb, ub, rb = _split_version(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return _compare_part(ua, ub) or _compare_part(ra, rb)


@lru_cache(maxsize=65536)
def satisfies(version: str, op: str, wanted: str) -> bool:
    c = compare_versions(version, wanted)
    if op in ("<<", "<"):
        return c < 0
    if op == "<=":
        return c <= 0
    if op == "=":
        return c == 0
    if op == ">=":
        return c >= 0
    if op in (">>", ">"):
        return c > 0
    return False


# --------------------------------------------------------------------------------------------
# Relations
# --------------------------------------------------------------------------------------------

_RELATION = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9+.\-]*)(?::(?P<arch>[A-Za-z0-9\-]+))?\s*"
    r"(?:\(\s*(?P<op><<|<=|=|>=|>>|<|>)\s*(?P<ver>[^)\s]+)\s*\))?\s*(?:\[[^\]]*\])?\s*"
    r"(?:<[^>]*>\s*)*$"
)

Relation = tuple[str, str | None, str | None, str | None]  # name, arch qualifier, op, version


def parse_relations(value: str, source: str, line: int) -> list[list[Relation]]:
    """``a (>= 1) | b, c`` -> ``[[a>=1, b], [c]]``."""
    clauses: list[list[Relation]] = []
    for clause in value.replace("\n", " ").split(","):
        if not clause.strip():
            continue
        alternatives: list[Relation] = []
        for alt in clause.split("|"):
            # One space per run of white space: the pattern's successive optional spaces then
            # cannot split a long run in quadratically many ways (no group captures spaces).
            m = _RELATION.match(" ".join(alt.split()))
            if not m:
                raise InputError(
                    f"cannot parse package relation {alt.strip()!r}",
                    source=source,
                    location=f"line {line}",
                )
            alternatives.append((m["name"], m["arch"], m["op"], m["ver"]))
        clauses.append(alternatives)
    return clauses


def _provides(value: str, source: str, line: int) -> list[tuple[str, str | None]]:
    out = []
    for clause in parse_relations(value, source, line):
        for name, _arch, op, ver in clause:
            out.append((name, ver if op == "=" else None))
    return out


class _Resolver:
    def __init__(self, packages: list[Package], source: str) -> None:
        self.by_name: dict[str, list[Package]] = {}
        self.providers: dict[str, list[tuple[Package, str | None]]] = {}
        for pkg in packages:
            self.by_name.setdefault(pkg.name, []).append(pkg)
        for pkg in packages:
            provides = pkg.fields.get("Provides")
            if provides:
                for name, ver in _provides(provides, source, pkg.lines.get("Provides", pkg.line)):
                    self.providers.setdefault(name, []).append((pkg, ver))

    @staticmethod
    def _pick(candidates: list[Package], arch: str, qualifier: str | None) -> Package | None:
        if qualifier and qualifier != "any":
            candidates = [c for c in candidates if c.arch == qualifier]
        for c in candidates:
            if c.arch in (arch, "all"):
                return c
        if arch == "all" and candidates:  # an arch-independent package counts as native
            return candidates[0]
        # Another architecture only as dpkg allows it: Multi-Arch foreign, or allowed with ':any'.
        for c in candidates:
            multi = c.fields.get("Multi-Arch")
            if multi == "foreign" or (multi == "allowed" and qualifier == "any"):
                return c
        return None

    def resolve(self, rel: Relation, arch: str) -> Package | None:
        name, qualifier, op, ver = rel
        real = self.by_name.get(name)
        if real:
            ok = [p for p in real if op is None or ver is None or satisfies(p.version, op, ver)]
            hit = self._pick(ok, arch, qualifier)
            if hit:
                return hit
        provided = self.providers.get(name)
        if provided:
            ok = [
                p
                for p, pver in provided
                if op is None or ver is None or (pver is not None and satisfies(pver, op, ver))
            ]
            return self._pick(ok, arch, qualifier)
        return None


# --------------------------------------------------------------------------------------------
# Building the SBOM
# --------------------------------------------------------------------------------------------

_SOURCE = re.compile(r"^\s*(?P<name>\S+)(?:\s*\((?P<ver>[^)]+)\))?\s*$")


def split_maintainer(value: str) -> tuple[str, str | None] | None:
    """``Name <email>`` -> (name, email); (value, None) without a trailing ``<...>``.

    String operations, linear in the length (a regular expression with a lazy name between
    optional white space took cubic time on a field of spaces). None for a name spanning lines.
    """
    text = value.strip()
    name, email = text, None
    if text.endswith(">"):
        start = text.find("<", text.rfind(">", 0, len(text) - 1) + 1)
        if start != -1:
            name, email = text[:start].rstrip(), text[start + 1 : -1]
    if "\n" in name:
        return None
    return name, email


def _supplier(maintainer: str) -> dict[str, Any] | None:
    parts = split_maintainer(maintainer)
    if parts is None or not parts[0]:
        return None
    name, email = parts[0], (parts[1] or "").strip()
    out: dict[str, Any] = {"name": name}
    if email and "@" in email and " " not in email:
        out["contact"] = [{"name": name, "email": email}]
    return out


class _PurlMaker:
    """``pkg:deb`` purls. packageurl-python builds the namespace and qualifiers once per
    architecture; names and versions use its own quoting (building a whole PackageURL per package
    costs most of the time of a large status file). Tested equal to ``PackageURL.to_string``."""

    def __init__(self, namespace: str, distro: str | None) -> None:
        self.namespace = namespace
        self.distro = distro
        self._prefix: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str, version: str, arch: str) -> str:
        parts = self._prefix.get(arch)
        if parts is None:
            qualifiers = {"arch": arch}
            if self.distro:
                qualifiers["distro"] = self.distro
            template = str(
                PackageURL(
                    type="deb",
                    namespace=self.namespace,
                    name="n",
                    version="v",
                    qualifiers=qualifiers,
                ).to_string()
            )
            head, _, tail = template.partition("/n@v")
            parts = self._prefix[arch] = (head + "/", tail)
        return f"{parts[0]}{_quote(name)}@{_quote(version)}{parts[1]}"


_PURL_SAFE = re.compile(r"[A-Za-z0-9._~:\-]*")


def _quote(value: str) -> str:
    """packageurl-python's quoting, skipped for strings it would leave as they are."""
    return value if _PURL_SAFE.fullmatch(value) else str(purl_quote(value))


def _component(pkg: Package, purl: str) -> dict[str, Any]:
    f = pkg.fields
    comp: dict[str, Any] = {"type": "library", "bom-ref": purl}
    supplier = _supplier(f.get("Maintainer", ""))
    if supplier:
        comp["supplier"] = supplier
    comp["name"] = pkg.name
    comp["version"] = pkg.version
    description = f.get("Description")
    if description:
        comp["description"] = description.split("\n", 1)[0]
    comp["purl"] = purl
    homepage = f.get("Homepage")
    if homepage and re.match(r"^[a-z][a-z0-9+.\-]*://\S+$", homepage):
        comp["externalReferences"] = [{"type": "website", "url": homepage}]
    props = [{"name": PROP_MANAGER, "value": "dpkg"}, {"name": PROP_ARCH, "value": pkg.arch}]
    src = f.get("Source")
    if src:
        m = _SOURCE.match(src)
        if m:
            props.append({"name": PROP_SOURCE, "value": m["name"]})
            if m["ver"]:
                props.append({"name": PROP_SOURCE_VERSION, "value": m["ver"].strip()})
    else:
        props.append({"name": PROP_SOURCE, "value": pkg.name})
    multi = f.get("Multi-Arch")
    if multi:
        props.append({"name": PROP_MULTI_ARCH, "value": multi})
    comp["properties"] = props
    return comp


def _installed_packages(text: str, source: str) -> tuple[list[Package], int]:
    """The installed packages of a status file, and how many stanzas were left out."""
    packages: list[Package] = []
    skipped = 0
    seen: dict[tuple[str, str], int] = {}
    for line, fields, lines in iter_stanzas(text, source):
        name = fields.get("Package")
        if not name:
            raise InputError(
                "stanza without a Package field", source=source, location=f"line {line}"
            )
        status = fields.get("Status", "")
        if not status.endswith(" installed") or len(status.split()) != 3:
            skipped += 1
            continue
        version = fields.get("Version")
        arch = fields.get("Architecture")
        if not version or not arch:
            missing = "Version" if not version else "Architecture"
            raise InputError(
                f"installed package {name!r} has no {missing} field",
                source=source,
                location=f"line {line}",
            )
        pkg = Package(name, version, arch, line, fields, lines)
        if pkg.key in seen:
            raise InputError(
                f"package {name}:{arch} listed twice (first at line {seen[pkg.key]})",
                source=source,
                location=f"line {line}",
            )
        seen[pkg.key] = line
        packages.append(pkg)
    return packages, skipped


def _dependencies(packages: list[Package], source: str) -> tuple[dict[str, list[str]], int]:
    """Each package's resolved Pre-Depends/Depends targets, and how many resolved to nothing."""
    resolver = _Resolver(packages, source)
    deps: dict[str, list[str]] = {}
    unresolved = 0
    for pkg in packages:
        targets: dict[str, None] = {}
        for field_name in ("Pre-Depends", "Depends"):
            value = pkg.fields.get(field_name)
            if not value:
                continue
            for clause in parse_relations(value, source, pkg.lines.get(field_name, pkg.line)):
                hit = None
                for rel in clause:
                    hit = resolver.resolve(rel, pkg.arch)
                    if hit is not None:
                        break
                if hit is None:
                    unresolved += 1
                elif hit.ref != pkg.ref:
                    targets[hit.ref] = None
        deps[pkg.ref] = list(targets)
    return deps, unresolved


def parse_status(
    data: bytes,
    source: str,
    *,
    os_info: OsInfo | None = None,
    spec_version: str = DEFAULT_WRITE_VERSION,
) -> DpkgResult:
    """An SBOM (not finalised) of the installed packages of a dpkg status file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError("not UTF-8 text", source=source, location=f"line {line}") from e
    os_info = os_info or OsInfo()
    notes: list[str] = []
    packages, skipped = _installed_packages(text, source)
    if skipped:
        notes.append(f"{source}: {skipped} package stanza(s) not in state 'installed' left out")

    distro = f"{os_info.id}-{os_info.version_id}" if os_info.version_id else None
    make_purl = _PurlMaker(os_info.id, distro)
    components: list[dict[str, Any]] = []
    for pkg in packages:
        purl = make_purl(pkg.name, pkg.version, pkg.arch)
        pkg.ref = purl
        components.append(_component(pkg, purl))

    deps, unresolved = _dependencies(packages, source)
    if unresolved:
        notes.append(
            f"{source}: {unresolved} Depends/Pre-Depends relation(s) satisfied by no "
            "installed package"
        )
    root = os_info.to_cdx()
    deps[root["bom-ref"]] = [p.ref for p in packages]
    doc = new_document(root, components, deps, spec_version=spec_version)
    return DpkgResult(doc=doc, packages=len(packages), notes=notes)


def collect_dpkg(
    path: str | os.PathLike[str] = DEFAULT_STATUS,
    *,
    os_info: OsInfo | None = None,
    spec_version: str = DEFAULT_WRITE_VERSION,
) -> DpkgResult:
    """Read a dpkg status file and build its SBOM."""
    return parse_status(
        read_bytes(path), display_name(path), os_info=os_info, spec_version=spec_version
    )
