"""What every converter shares: the components in document order, and the fields it did not carry.

A converter names the CycloneDX fields it maps (``handled`` prefixes such as ``"supplier.name"``);
:func:`unmapped_fields` lists every other leaf of the input, so what a target format cannot hold is
reported, never silently dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Part:
    """One component with its place in the document (``parent`` is the containing bom-ref)."""

    ref: str
    data: Mapping[str, Any]
    parent: str | None
    #: JSON path of the component, e.g. ``$.components[0].components[2]``
    path: str


def walk(doc: Mapping[str, Any]) -> Iterator[Part]:
    """The root component (``metadata.component``) first, then every component depth first.

    A component without a bom-ref gets a stable one from its path, so relationships still work.
    """
    root = (doc.get("metadata") or {}).get("component")
    root_ref: str | None = None
    if isinstance(root, Mapping):
        root_ref = str(root.get("bom-ref") or "metadata.component")
        yield Part(root_ref, root, None, "$.metadata.component")
    yield from _children(doc.get("components"), root_ref, "$.components")


def _children(items: Any, parent: str | None, path: str) -> Iterator[Part]:
    if not isinstance(items, list):
        return
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        here = f"{path}[{i}]"
        ref = str(item.get("bom-ref") or here)
        yield Part(ref, item, parent, here)
        yield from _children(item.get("components"), ref, f"{here}.components")


def leaf_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of the leaves under ``value`` (list indices dropped)."""
    if isinstance(value, Mapping):
        for key, sub in value.items():
            yield from leaf_paths(sub, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list):
        for sub in value:
            yield from leaf_paths(sub, prefix)
    else:
        yield prefix


def _covered(path: str, handled: Iterable[str]) -> bool:
    return any(path == h or path.startswith(h + ".") for h in handled)


class LossLog:
    """Counts the CycloneDX fields a conversion could not carry, by field path."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._fields: Counter[str] = Counter()
        self._rewritten: Counter[str] = Counter()
        self._notes: list[str] = []

    def fields(self, where: str, value: Mapping[str, Any], handled: Iterable[str]) -> None:
        """Record every leaf of ``value`` not under a ``handled`` prefix (``where``: its place)."""
        handled = tuple(handled)
        seen = {p for p in leaf_paths(value) if not _covered(p, handled)}
        for p in seen:
            self._fields[f"{where}.{p}" if where else p] += 1

    def field(self, path: str) -> None:
        self._fields[path] += 1

    def rewritten(self, path: str) -> None:
        """A value written in another (normalised) spelling, e.g. a purl's qualifiers sorted."""
        self._rewritten[path] += 1

    def note(self, message: str) -> None:
        """A mapping the reader should know about (e.g. hardware written as another type)."""
        if message not in self._notes:
            self._notes.append(message)

    def notes(self) -> list[str]:
        return list(self._notes)

    def messages(self) -> list[str]:
        """One line per field not carried, or carried in another spelling."""
        out = []
        for path, n in sorted(self._fields.items()):
            times = f" ({n} occurrences)" if n > 1 else ""
            out.append(f"{self.target} cannot carry {path}{times}: not written")
        for path, n in sorted(self._rewritten.items()):
            times = f" ({n} occurrences)" if n > 1 else ""
            out.append(f"{self.target}: {path}{times} written in normalised form, not verbatim")
        return out


def names_of(entity: Any) -> str | None:
    """The name of a CycloneDX organizational entity or contact."""
    if isinstance(entity, Mapping):
        name = entity.get("name")
        return str(name) if name else None
    return None


def authors_of(component: Mapping[str, Any]) -> list[str]:
    """Author names: ``authors[].name`` (1.6+) or the legacy ``author`` string."""
    out: list[str] = []
    for a in component.get("authors") or []:
        name = names_of(a)
        if name:
            out.append(name)
    if isinstance(component.get("author"), str) and component["author"]:
        out.append(component["author"])
    return out


def properties_of(value: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(p["name"]), str(p.get("value", "")))
        for p in value.get("properties") or []
        if isinstance(p, Mapping) and p.get("name")
    ]


def dependencies_of(doc: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (str(d["ref"]), [str(x) for x in d.get("dependsOn") or []])
        for d in doc.get("dependencies") or []
        if isinstance(d, Mapping) and d.get("ref")
    ]


def is_hardware(component: Mapping[str, Any]) -> bool:
    return component.get("type") == "device"
