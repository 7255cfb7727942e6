"""Matching the software of two BOMs: by package URL, else by name and version.

In this order, each component matched once:

1. ``purl``: the same package URL (qualifiers and subpath aside: tools add their own, such as
   ``?arch=`` or ``?package-id=``; the type is case folded, the rest percent-decoded);
2. ``purl-name``: the same package URL but for its version: the same package, another version;
3. ``name-version``: the same group, name and version, unless both have a purl (then their
   purls differ: not the same package); then ``name``: the same group and name, likewise.

Within a pass, among several candidates (one package found at several places), the one with
the same bom-ref is taken first, else the first in document order. Pure: components in, pairs out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class Software:
    """What identifies a software component (firmware of no matched part included)."""

    ref: str
    name: str
    group: str | None
    version: str | None
    purl: str | None


def purl_key(purl: str) -> tuple[str, str | None] | None:
    """``(type/namespace/name, version)`` of a package URL, or None when it is not one."""
    text = purl.strip()
    if not text.casefold().startswith("pkg:"):
        return None
    text = text[4:].lstrip("/").split("#", 1)[0].split("?", 1)[0]
    head, _, last = text.rpartition("/")
    version: str | None = None
    if "@" in last:
        last, _, version = last.partition("@")
    if not head or not last:
        return None
    kind, _, namespace = head.partition("/")
    path = "/".join(unquote(p) for p in (namespace.split("/") if namespace else []))
    name = f"{kind.casefold()}/{path + '/' if path else ''}{unquote(last)}"
    return name, unquote(version) if version else None


def canonical_purl(purl: str) -> str:
    """A package URL as compared: its qualifiers sorted by key, every part percent-decoded, the
    type case folded (``?b=2&a=1`` and ``?a=1&b=2`` are one purl). Not a purl: as given."""
    text = purl.strip()
    key = purl_key(text)
    if key is None:
        return text
    rest = text.split("#", 1)
    subpath = unquote(rest[1]).strip("/") if len(rest) > 1 else ""
    query = rest[0].split("?", 1)
    pairs = sorted(
        (k.casefold(), unquote(v))
        for k, _, v in (q.partition("=") for q in (query[1].split("&") if len(query) > 1 else []))
        if k
    )
    out = "pkg:" + key[0] + (f"@{key[1]}" if key[1] else "")
    if pairs:
        out += "?" + "&".join(f"{k}={v}" for k, v in pairs)
    return out + (f"#{subpath}" if subpath else "")


@dataclass(slots=True)
class SoftwareMatching:
    """Pairs of (index in A, index in B, how), and the indices left on each side."""

    pairs: list[tuple[int, int, str]]
    left_a: list[int]
    left_b: list[int]


Key = Callable[[Software], object]


def _pass(
    a: Sequence[Software],
    b: Sequence[Software],
    m: SoftwareMatching,
    how: str,
    key: Key,
    *,
    by_name: bool = False,
) -> None:
    """Pair leftovers with equal keys; ``by_name``: never two components that both have a
    purl (their purls differ: two packages of the same name in different ecosystems)."""
    index: dict[object, list[int]] = {}
    for jb in m.left_b:
        kb = key(b[jb])
        if kb is not None:
            index.setdefault(kb, []).append(jb)
    still: list[int] = []
    taken: set[int] = set()
    for i in m.left_a:
        k = key(a[i])
        hits = index.get(k) if k is not None else None
        j: int | None = None
        if hits:
            allowed = [h for h in hits if not (by_name and a[i].purl and b[h].purl)]
            # several candidates (one package found in several places): the same bom-ref first
            j = next((h for h in allowed if b[h].ref == a[i].ref), allowed[0] if allowed else None)
        if j is not None and hits is not None:
            hits.remove(j)
            taken.add(j)
            m.pairs.append((i, j, how))
        else:
            still.append(i)
    m.left_a = still
    m.left_b = [j for j in m.left_b if j not in taken]


def _full(s: Software) -> object:
    return purl_key(s.purl) if s.purl else None


def _versionless(s: Software) -> object:
    key = purl_key(s.purl) if s.purl else None
    return key[0] if key else None


def _name_version(s: Software) -> object:
    return (s.group or "", s.name.casefold(), s.version or "")


def _name(s: Software) -> object:
    return (s.group or "", s.name.casefold())


def match_software(a: Sequence[Software], b: Sequence[Software]) -> SoftwareMatching:
    """Match the software of A with that of B (see the module's documentation)."""
    m = SoftwareMatching([], list(range(len(a))), list(range(len(b))))
    _pass(a, b, m, "purl", _full)
    _pass(a, b, m, "purl-name", _versionless)
    _pass(a, b, m, "name-version", _name_version, by_name=True)
    _pass(a, b, m, "name", _name, by_name=True)
    return m


__all__ = ["Software", "SoftwareMatching", "canonical_purl", "match_software", "purl_key"]
