"""Installed distributions of a Python environment (a venv, a prefix, or a site-packages folder).

Read with :func:`importlib.metadata.distributions` on the environment's ``site-packages``: nothing
of the environment is imported or run. Each distribution becomes a component (``pkg:pypi`` purl,
licence, authors); its ``Requires-Dist`` become dependencies when the required distribution is
installed there. Requirements that only apply to an extra are left out; other environment markers
are not evaluated (a requirement counts when what it names is installed).
"""

from __future__ import annotations

import importlib.metadata as md
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packageurl import PackageURL

from sovbom import taxonomy as tx
from sovbom.cyclonedx.document import DEFAULT_WRITE_VERSION, BomDocument, new_document
from sovbom.errors import InputError

PROP_MANAGER = tx.PACKAGE_MANAGER
PROP_LOCATION = tx.PACKAGE_LOCATION
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)")
_EXTRA_MARKER = re.compile(r"\bextra\s*==")


def split_email(value: str) -> tuple[str | None, str] | None:
    """``"Name" <user@host>`` -> (name or None, address); None when not of that form.

    String operations, linear in the length (the regular expression this replaces took
    quadratic time on long runs of spaces or at signs).
    """
    text = value.strip()
    start = text.find("<")
    if start == -1 or not text.endswith(">"):
        return None
    address = text[start + 1 : -1]
    if ">" in address or "@" not in address[1:-1]:
        return None
    name = text[:start].rstrip()
    if name.startswith('"'):
        name = name[1:]
    if name.endswith('"'):
        name = name[:-1]
    if '"' in name:
        return None
    return (name or None), address


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(slots=True)
class PythonEnvResult:
    doc: BomDocument
    packages: int
    site_packages: list[Path]
    notes: list[str] = field(default_factory=list)


def find_site_packages(path: str | os.PathLike[str]) -> list[Path]:
    """The ``site-packages`` folders of a venv or prefix (or ``path`` itself when it is one)."""
    p = Path(path)
    if not p.is_dir():
        raise InputError("no such directory (expected a Python environment)", source=str(path))
    if p.name in ("site-packages", "dist-packages") or any(p.glob("*.dist-info")):
        return [p]
    found = sorted(
        {
            *p.glob("lib/python3*/site-packages"),
            *p.glob("lib64/python3*/site-packages"),
            *p.glob("local/lib/python3*/dist-packages"),
            *p.glob("lib/python3*/dist-packages"),
            *p.glob("Lib/site-packages"),
        }
    )
    found = sorted({f.resolve() for f in found if f.is_dir()})  # lib64 is often a link to lib
    if not found:
        raise InputError(
            "no site-packages folder found"
            " (looked in lib/python3*/site-packages and Lib/site-packages)",
            source=str(path),
        )
    return found


def _python_version(env: Path) -> str | None:
    cfg = env / "pyvenv.cfg"
    if cfg.is_file():
        for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() in ("version", "version_info"):
                return value.strip()
    return None


def _get(meta: md.PackageMetadata | None, key: str) -> str | None:
    """One metadata field (``PackageMetadata`` promises ``get_all``, not ``get``)."""
    values = meta.get_all(key) if meta is not None else None
    return str(values[0]) if values else None


def _license(meta: md.PackageMetadata) -> list[dict[str, Any]] | None:
    expression = _get(meta, "License-Expression")
    if expression:
        return [{"expression": str(expression).strip()}]
    text = _get(meta, "License")
    if (
        text
        and "\n" not in str(text).strip()
        and len(str(text)) <= 100
        and str(text).strip() != "UNKNOWN"
    ):
        return [{"license": {"name": str(text).strip()}}]
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or ()
        if c.startswith("License ::")
    ]
    if classifiers:
        return [{"license": {"name": c}} for c in dict.fromkeys(classifiers)]
    return None


def _authors(meta: md.PackageMetadata) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for key_name, key_email in (("Author", "Author-email"), ("Maintainer", "Maintainer-email")):
        name = str(_get(meta, key_name) or "").strip()
        emails = str(_get(meta, key_email) or "").strip()
        if emails:
            for part in emails.split(","):
                parts = split_email(part)
                if parts:
                    out.append(
                        {
                            "name": (parts[0] or name or parts[1]).strip(),
                            "email": parts[1].strip(),
                        }
                    )
                elif "@" in part and " " not in part.strip():
                    out.append({"name": name or part.strip(), "email": part.strip()})
        elif name and name != "UNKNOWN":
            out.append({"name": name})
        if out:
            break
    return out


_METADATA_FILES = ("METADATA", "PKG-INFO", "requires.txt")
#: A distribution's metadata file larger than this is not read.
MAX_METADATA_BYTES = 16 * 1024**2


def _special_metadata_file(dist: md.Distribution) -> str | None:
    """Why ``dist``'s metadata must not be read (a FIFO blocks, a device never ends), or None."""
    base = getattr(dist, "_path", None)  # PathDistribution's folder (no public accessor)
    if not isinstance(base, Path):
        return None
    for name in _METADATA_FILES:
        try:
            st = (base / name).stat()
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            return f"{base / name} is not a regular file"
        if st.st_size > MAX_METADATA_BYTES:
            return f"{base / name} is too large ({st.st_size} bytes)"
    return None


def _external_references(meta: md.PackageMetadata) -> list[dict[str, str]]:
    """Project-URL and Home-page metadata as CycloneDX external references (http(s) only)."""
    refs = []
    for url in meta.get_all("Project-URL") or ():
        label, _, link = str(url).partition(",")
        link = link.strip()
        if re.match(r"^https?://\S+$", link):
            kind = (
                "vcs"
                if label.strip().lower() in ("source", "repository", "source code")
                else "website"
            )
            refs.append({"type": kind, "url": link})
    home = _get(meta, "Home-page")
    if home and re.match(r"^https?://\S+$", str(home)):
        refs.insert(0, {"type": "website", "url": str(home)})
    return refs


def _requirements(
    comps: dict[str, dict[str, Any]], requires: dict[str, list[str]]
) -> tuple[dict[str, list[str]], int]:
    """Each distribution's installed requirements (extras left out), and how many name none."""
    deps: dict[str, list[str]] = {}
    unresolved = 0
    for key, reqs in requires.items():
        targets: list[str] = []
        for req in reqs:
            _, _, marker = req.partition(";")
            if marker and _EXTRA_MARKER.search(marker):
                continue
            m = _REQ_NAME.match(req)
            if not m:
                continue
            target = comps.get(canonical_name(m.group(1)))
            if target is None:
                unresolved += 1
            elif target["bom-ref"] != comps[key]["bom-ref"]:
                targets.append(target["bom-ref"])
        deps[comps[key]["bom-ref"]] = targets
    return deps, unresolved


def collect_python_env(
    path: str | os.PathLike[str], *, spec_version: str = DEFAULT_WRITE_VERSION
) -> PythonEnvResult:
    """An SBOM (not finalised) of the distributions installed in the environment at ``path``."""
    env = Path(path)
    sites = find_site_packages(env)
    notes: list[str] = []
    comps: dict[str, dict[str, Any]] = {}
    requires: dict[str, list[str]] = {}
    for dist in md.distributions(path=[str(s) for s in sites]):
        problem = _special_metadata_file(dist)
        if problem:
            notes.append(f"{path}: {problem}; that distribution was skipped")
            continue
        meta = dist.metadata
        name = _get(meta, "Name")
        version = _get(meta, "Version")
        if not name or not version:
            notes.append(f"{path}: a distribution without Name/Version metadata was skipped")
            continue
        key = canonical_name(str(name))
        if key in comps:
            notes.append(f"{path}: {name} installed twice; the first found is kept")
            continue
        purl = PackageURL(type="pypi", name=key, version=str(version)).to_string()
        comp: dict[str, Any] = {"type": "library", "bom-ref": purl}
        authors = _authors(meta)
        if authors:
            comp["authors"] = authors
        comp["name"] = str(name)
        comp["version"] = str(version)
        summary = _get(meta, "Summary")
        if summary and str(summary).strip() and str(summary).strip() != "UNKNOWN":
            comp["description"] = str(summary).strip()
        licenses = _license(meta)
        if licenses:
            comp["licenses"] = licenses
        comp["purl"] = purl
        refs = _external_references(meta)
        if refs:
            comp["externalReferences"] = refs
        props = [{"name": PROP_MANAGER, "value": "python"}]
        location = getattr(dist, "_path", None)
        if location is not None:
            props.append({"name": PROP_LOCATION, "value": str(Path(str(location)).parent)})
        comp["properties"] = props
        comps[key] = comp
        requires[key] = list(dist.requires or ())
    deps, unresolved = _requirements(comps, requires)
    if unresolved:
        notes.append(
            f"{path}: {unresolved} requirement(s) name no installed distribution "
            "(possibly for another platform or Python version)"
        )
    root: dict[str, Any] = {
        "type": "application",
        "bom-ref": f"python-env:{env.resolve()}",
        "name": f"python environment {env.resolve().name or env.resolve()}",
    }
    pyver = _python_version(env)
    if pyver:
        root["version"] = pyver
    root["description"] = f"Python distributions installed in {env.resolve()}"
    components = [comps[k] for k in sorted(comps)]
    deps[root["bom-ref"]] = [c["bom-ref"] for c in components]
    doc = new_document(root, components, deps, spec_version=spec_version)
    return PythonEnvResult(doc=doc, packages=len(components), site_packages=sites, notes=notes)
