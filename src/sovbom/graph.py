"""The provenance graph of a BOM (networkx): build it, find paths, answer where a part is used.

Nodes are bom-refs. Edges:

* ``contains``: a component to each component nested in it (assembly);
* ``depends``: a ``dependencies`` entry to each ref it depends on (including firmware links);
* ``sub-bom``: a component to the BOM-Link (``urn:cdx:...``) of a separately signed sub-BOM.

(:meth:`ProvenanceGraph.edge_kind` tells them apart; edges carry no attributes, for speed.)

Dangling references, cycles, duplicate bom-refs and components unreachable from the root are
recorded as :class:`GraphProblem` instead of raising: a broken BOM still gets a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.model import Provenance, provenance_of

#: A path from the root, stored once and shared: ``(bom-ref, the route to the node before it,
#: number of nodes)``; ``None`` ends it. Paths to siblings share their parent's route, so a
#: chain of n parts costs n routes, not n * n refs (:func:`route_refs` spells one out).
Route = tuple[str, "Route | None", int]

CONTAINS = "contains"
DEPENDS = "depends"
SUB_BOM = "sub-bom"
_BOM_LINK = tx.BOM_LINK_PREFIX


@dataclass(frozen=True, slots=True)
class GraphProblem:
    kind: str  # dangling-reference | duplicate-bom-ref | cycle | unreachable | no-root
    message: str
    ref: str | None = None
    path: str | None = None


@dataclass(slots=True, weakref_slot=True)
class ProvenanceGraph:
    """A BOM's graph plus what is needed to explain it."""

    graph: Any  # nx.DiGraph
    root: str | None
    components: dict[str, dict[str, Any]]
    json_locations: dict[str, tuple[str | int, ...]]
    problems: list[GraphProblem] = field(default_factory=list)
    source: str = ""
    _parents: dict[str, str | None] | None = None
    _labels: dict[str, str] = field(default_factory=dict)
    _rpred: dict[str, list[str]] | None = None
    _provenance: dict[str, Provenance] = field(default_factory=dict)
    _routes: dict[str, Route] = field(default_factory=dict)
    #: :attr:`parent_of`; None until first asked for (then found from the document)
    _parent_of: dict[str, str] | None = None
    #: what :attr:`json_locations` is found from on first use (the document's ``metadata`` and
    #: ``components``): one walk when a place is asked for, not a path per component up front
    _walked: Mapping[str, Any] | None = None
    #: the same, for :attr:`parent_of`
    _nested: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self._nested is None:
            self._nested = self._walked

    @property
    def parent_of(self) -> dict[str, str]:
        """Nested component -> the bom-ref of the component it is nested in (a well-formed
        document's found on first use: most checks never ask)."""
        found = self._parent_of
        if found is None:
            from sovbom.graph_build import nesting

            found = self._parent_of = nesting(self._nested or {})
        return found

    def edge_kind(self, u: str, v: str) -> str:
        """``contains`` (nesting), ``sub-bom`` (a BOM-Link) or ``depends``."""
        if self.parent_of.get(v) == u:
            return CONTAINS
        if v.startswith(_BOM_LINK) and self.graph.nodes[v].get("external"):
            return SUB_BOM
        return DEPENDS

    def provenance(self, ref: str) -> Provenance:
        """The provenance of a component (read once, then kept)."""
        prov = self._provenance.get(ref)
        if prov is None:
            prov = self._provenance[ref] = provenance_of(self.components[ref])
        return prov

    def json_path(self, ref: str) -> str | None:
        """Where a component sits in the document (``$.components[0].components[3]``)."""
        from sovbom._io import json_pointer

        if self._walked is not None:
            from sovbom.cyclonedx.walk import walk_components

            locations = self.json_locations
            for found, _, _, path, _ in walk_components(self._walked, paths=True):
                locations.setdefault(found, path)  # a bom-ref used twice: its first place
            self._walked = None
        location = self.json_locations.get(ref)
        return json_pointer(location) if location is not None else None

    def label_of(self, ref: str) -> str:
        """A component's name and version (its ref when it has no name, or is no component)."""
        text = self._labels.get(ref)
        if text is None:
            labels = self.labels()
            text = labels.get(ref)
            if text is None:
                text = labels[ref] = label(self.components.get(ref), ref)
        return text

    def labels(self) -> dict[str, str]:
        """:meth:`label_of` of every component (and of any other ref asked for so far), made in
        one pass when first asked: a report's unit names group all of them by label."""
        labels = self._labels
        if not labels and self.components:
            labels.update(_labels(self.components))
        return labels

    # ------------------------------------------------------------------ paths

    def _tree(self) -> dict[str, Route]:
        """The shortest path from the root to every reachable node, as shared routes
        (:data:`Route`) made by one breadth-first walk (computed once; O(nodes + edges)): each
        route extends the one of the node it was reached from."""
        routes = self._routes
        if not routes and self.root is not None:
            top: Route = (self.root, None, 1)
            routes[self.root] = top
            succ = self.graph._succ  # plain dicts: networkx's views cost a wrapper per lookup
            queue = [top]
            for up in queue:  # grows as it is read: breadth first
                depth = up[2] + 1
                for nxt in succ[up[0]]:
                    if nxt not in routes:
                        routes[nxt] = route = (nxt, up, depth)
                        queue.append(route)
        return routes

    def _bfs_parents(self) -> dict[str, str | None]:
        """Each reachable node's parent in the shortest-path tree (None at the root), in
        breadth-first order."""
        if self._parents is None:
            self._parents = {
                n: None if route[1] is None else route[1][0] for n, route in self._tree().items()
            }
        return self._parents

    def reachable(self, ref: str) -> bool:
        return ref in self._tree()

    def shortest_path(self, ref: str) -> list[str]:
        """The shortest path from the root to ``ref`` (empty when unreachable)."""
        route = self.route(ref)
        return [] if route is None else route_refs(route)

    def route(self, ref: str) -> Route | None:
        """The shortest path from the root to ``ref`` as a shared :data:`Route` (None when
        unreachable), reused by everything below it."""
        return self._tree().get(ref)

    def _reachable_preds(self) -> dict[str, list[str]]:
        """Each reachable node's reachable predecessors, sorted (computed once)."""
        if self._rpred is None:
            tree = self._tree()
            pred = self.graph._pred  # plain dicts: much faster than networkx's views
            self._rpred = {n: sorted(p for p in pred[n] if p in tree) for n in tree}
        return self._rpred

    def parent_paths(self, ref: str, *, limit: int = 3) -> list[list[str]]:
        """A shortest path from the root through each part that contains or uses ``ref``.

        One path per direct parent (at most ``limit``, shortest first): a package needed by two
        parts shows both. Linear in the depth; :meth:`all_paths` enumerates every simple path.
        """
        return [route_refs(r) for r in self.parent_routes(ref, limit=limit)]

    def parent_routes(self, ref: str, *, limit: int = 3) -> list[Route]:
        """:meth:`parent_paths` as shared routes: the first is ``ref``'s own :meth:`route`, each
        other one the route of another part containing or using ``ref``, plus ``ref``."""
        first = self.route(ref)
        if first is None:
            return []
        out = [first]
        if limit <= 1 or first[1] is None:  # the root
            return out
        pred = self.graph._pred[ref]  # plain dicts: much faster than networkx's views
        if len(pred) == 1:  # the one part that contains or uses it is on the shortest path
            return out
        tree = self._tree()
        first_parent = first[1][0]
        others = [p for p in pred if p != first_parent and p in tree]
        if len(others) > 1:
            others.sort()
        for p in others:
            if len(out) >= limit:
                break
            up = self.route(p)
            if up is not None and not _passes(up, first):
                out.append((ref, up, up[2] + 1))
        if len(out) == 2:
            if out[1][2] < out[0][2]:
                out.reverse()
        elif len(out) > 2:
            out.sort(key=_route_length)
        return out

    def parent_routes_of(self, refs: Iterable[str], *, limit: int = 3) -> list[list[Route]]:
        """:meth:`parent_routes` of each of ``refs``, in one pass (the routes of the whole
        shortest-path tree made once): what a check needs for every component with a finding."""
        if self.root is None:
            return [[] for _ in refs]
        routes = self._tree()
        pred_of = self.graph._pred  # plain dicts: much faster than networkx's views
        out: list[list[Route]] = []
        append = out.append
        for ref in refs:
            first = routes.get(ref)
            if first is None:
                append([])
                continue
            up = first[1]
            if limit <= 1 or up is None:
                append([first])
                continue
            pred = pred_of[ref]
            if len(pred) == 1:  # the one part that contains or uses it is on the shortest path
                append([first])
                continue
            if len(pred) == 2:  # common in package graphs: one other part uses it
                a, b = pred
                other = routes.get(b if a == up[0] else a)
                if other is None:
                    append([first])
                    continue
                # :func:`_passes` inline: whether the other part's route goes through ``ref``
                depth = first[2]
                node: Route | None = other
                while node is not None and node[2] > depth:
                    node = node[1]
                if node is not None and node[0] == ref:
                    append([first])
                elif other[2] + 1 < depth:
                    append([(ref, other, other[2] + 1), first])
                else:
                    append([first, (ref, other, other[2] + 1)])
                continue
            append(self.parent_routes(ref, limit=limit))  # used by three or more
        return out

    def all_paths(self, ref: str, *, limit: int = 20) -> list[list[str]]:
        """Every simple path from the root to ``ref``, shortest first, at most ``limit``.

        Walks backwards from ``ref`` over predecessors that are reachable from the root, so a
        part used in two places (a package needed by two parts) shows both paths.
        """
        if self.root is None or not self.reachable(ref):
            return []
        if ref == self.root:
            return [[ref]]
        rpred = self._reachable_preds()
        root = self.root
        if len(rpred[ref]) == 1 and limit >= 1:
            # a tree-shaped neighbourhood is the common case: one way up, if it stays single
            path = self.shortest_path(ref)
            if all(len(rpred[n]) == 1 for n in path[1:]):
                return [path]
        out: list[list[str]] = []
        stack: list[tuple[str, list[str]]] = [(ref, [ref])]
        while stack and len(out) < limit:
            node, rev_path = stack.pop()
            for p in reversed(rpred[node]):
                if p in rev_path:
                    continue
                if p == root:
                    out.append([p, *reversed(rev_path)])
                    if len(out) >= limit:
                        break
                else:
                    stack.append((p, [*rev_path, p]))
        out.sort(key=len)
        return out

    # ---------------------------------------------------------------- queries

    def names(self, path: Iterable[str]) -> list[str]:
        """Human-readable labels of a path's nodes."""
        return [self.label_of(ref) for ref in path]

    def find(self, predicate: Callable[[str, dict[str, Any]], bool]) -> list[str]:
        return [ref for ref, comp in self.components.items() if predicate(ref, comp)]


def route_refs(route: Route | None) -> list[str]:
    """The bom-refs of a route, from the root."""
    out = []
    while route is not None:
        out.append(route[0])
        route = route[1]
    out.reverse()
    return out


def _route_length(route: Route) -> int:
    return route[2]


def _passes(route: Route, through: Route) -> bool:
    """Whether ``route`` goes through the node that ``through`` ends at (both from the root's
    shortest-path tree: the node is where the route has ``through``'s length)."""
    node: Route | None = route
    while node is not None and node[2] > through[2]:
        node = node[1]
    return node is not None and node[0] == through[0]


def label(component: Mapping[str, Any] | None, ref: str) -> str:
    if component is None:
        return ref
    name = component.get("name") or ref
    version = component.get("version")
    return f"{name} {version}" if version else str(name)


def _labels(components: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """:func:`label` of every component (inline: this runs once per component of a BOM)."""
    out = {}
    for ref, component in components.items():
        name = component.get("name") or ref
        version = component.get("version")
        out[ref] = f"{name} {version}" if version else str(name)
    return out


def build_graph(doc: Mapping[str, Any], *, source: str = "") -> ProvenanceGraph:
    """Build the provenance graph of a CycloneDX document (JSON form), in bulk: see
    :mod:`sovbom.graph_build`."""
    from sovbom.graph_build import build_graph as build

    return build(doc, source=source)
