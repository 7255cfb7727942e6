"""One walk over a CycloneDX document's components, naming each one the same way everywhere.

The provenance graph (:mod:`sovbom.graph`) and the delivery comparison (:mod:`sovbom.delivery`)
both need every component with its bom-ref and its parent. A component without a usable
bom-ref gets :func:`anonymous_ref`, numbered in walk order, so that the graph and a delivery
comparison of the same document give it the same name (a part observed at delivery is then
counted as verified in the policy check of that document).

Order: ``metadata.component`` first, then ``components`` depth first, nested components
included; entries that are not objects are skipped (and not numbered). The walk uses an explicit
stack: no recursion limit, whatever the nesting depth.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

JsonPath = tuple[str | int, ...]


#: One component of a walk: ``(ref, component, parent, path, is_root)``: its bom-ref (or
#: :func:`anonymous_ref`), the component, the ref of the component it is nested in (None at the
#: top and for ``metadata.component``), its JSON path (empty unless the walk was asked for
#: paths), and whether it is ``metadata.component`` (the BOM's subject). A plain tuple: the walk
#: is on the hot path of large shipments.
Walked = tuple[str, dict[str, Any], str | None, JsonPath, bool]


def anonymous_ref(number: int, component: Mapping[str, Any]) -> str:
    """The name of the ``number``-th component without a bom-ref (1-based, in walk order)."""
    return f"<anonymous {number}: {component.get('name', '?')}>"


def walk_components(doc: Mapping[str, Any], *, paths: bool = False) -> Iterator[Walked]:
    """Every component of ``doc`` in walk order (see the module's documentation).

    With ``paths`` each component carries its JSON path (``("components", 0, "components", 3)``);
    without, the walk does not build them (faster).
    """
    stack: list[tuple[Any, str | None, JsonPath]] = []
    top = doc.get("components")
    if isinstance(top, list):
        if paths:
            stack.extend((c, None, ("components", i)) for i, c in reversed(list(enumerate(top))))
        else:
            stack.extend((c, None, ()) for c in reversed(top))
    metadata = doc.get("metadata")
    root: Any = metadata.get("component") if isinstance(metadata, Mapping) else None
    if not isinstance(root, dict):
        root = None
    else:
        stack.append((root, None, ("metadata", "component") if paths else ()))
    anonymous = 0
    while stack:
        comp, parent, path = stack.pop()
        if not isinstance(comp, dict):
            continue
        ref = comp.get("bom-ref")
        if not isinstance(ref, str) or not ref:
            anonymous += 1
            ref = anonymous_ref(anonymous, comp)
        yield ref, comp, parent, path, comp is root and parent is None
        children = comp.get("components")
        if isinstance(children, list) and children:
            if paths:
                stack.extend(
                    (c, ref, (*path, "components", i))
                    for i, c in reversed(list(enumerate(children)))
                )
            else:
                stack.extend((c, ref, ()) for c in reversed(children))


__all__ = ["JsonPath", "Walked", "anonymous_ref", "walk_components"]
