"""What SPDX 2.3 and 3.0 share for one component: hashes, identifiers, licences, carried fields.

Each function returns the format-neutral facts (an algorithm's two SPDX names, an identifier's
kind); the format modules spell them in their own shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sovbom.convert._spdx import spdx_id_text
from sovbom.convert._walk import LossLog, Part

#: CycloneDX hash algorithm -> (SPDX 2.3 name, SPDX 3.0 name)
HASHES: dict[str, tuple[str, str]] = {
    "MD5": ("MD5", "md5"),
    "SHA-1": ("SHA1", "sha1"),
    "SHA-256": ("SHA256", "sha256"),
    "SHA-384": ("SHA384", "sha384"),
    "SHA-512": ("SHA512", "sha512"),
    "SHA3-256": ("SHA3-256", "sha3_256"),
    "SHA3-384": ("SHA3-384", "sha3_384"),
    "SHA3-512": ("SHA3-512", "sha3_512"),
    "BLAKE2b-256": ("BLAKE2b-256", "blake2b256"),
    "BLAKE2b-384": ("BLAKE2b-384", "blake2b384"),
    "BLAKE2b-512": ("BLAKE2b-512", "blake2b512"),
    "BLAKE3": ("BLAKE3", "blake3"),
}


def known_hashes(
    c: Mapping[str, Any], log: LossLog
) -> list[tuple[tuple[str, str], Mapping[str, Any]]]:
    """The component's hashes with their (SPDX 2.3, SPDX 3.0) algorithm names; others are logged."""
    out = []
    for h in c.get("hashes") or []:
        alg = HASHES.get(str(h.get("alg")))
        if alg is None:
            log.field(f"component.hashes with algorithm {h.get('alg')}")
            continue
        out.append((alg, h))
    return out


IdentifierKind = Literal["purl", "cpe23", "cpe22"]


def identifiers_of(c: Mapping[str, Any]) -> list[tuple[IdentifierKind, str]]:
    """The component's package URL and CPE (with its CPE version), in that order."""
    out: list[tuple[IdentifierKind, str]] = []
    if c.get("purl"):
        out.append(("purl", str(c["purl"])))
    if c.get("cpe"):
        cpe = str(c["cpe"])
        out.append(("cpe23" if cpe.startswith("cpe:2.3:") else "cpe22", cpe))
    return out


def license_expression(part: Part, log: LossLog, refs: dict[str, str]) -> str | None:
    """One SPDX licence expression for the component's ``licenses`` (AND of several).

    A licence given by name only becomes a ``LicenseRef-`` whose text is that name (``refs``
    collects them for the document).
    """
    terms: list[str] = []
    for entry in part.data.get("licenses") or []:
        if not isinstance(entry, Mapping):
            continue
        if entry.get("expression"):
            terms.append(str(entry["expression"]))
            continue
        lic = entry.get("license")
        if not isinstance(lic, Mapping):
            continue
        if lic.get("id"):
            terms.append(str(lic["id"]))
        elif lic.get("name"):
            ref = "LicenseRef-" + (spdx_id_text(str(lic["name"])) or "unnamed")
            refs[ref] = str(lic["name"])
            terms.append(ref)
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    return " AND ".join(f"({t})" if " " in t else t for t in terms)


#: component fields every SPDX mapping carries (see spdx2 and spdx3 for where each goes)
CARRIED_FIELDS = (
    "type",
    "bom-ref",
    "name",
    "version",
    "description",
    "supplier.name",
    "manufacturer.name",
    "authors.name",
    "author",
    "purl",
    "cpe",
    "hashes",
    "licenses.license.id",
    "licenses.license.name",
    "licenses.expression",
    "copyright",
    "properties",
    "components",
    "externalReferences.url",
    "externalReferences.type",
)
