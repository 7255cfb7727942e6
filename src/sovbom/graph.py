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

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sovbom import taxonomy as tx
from sovbom.cyclonedx.walk import anonymous_ref
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


@dataclass(slots=True)
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
    parent_of: dict[str, str] = field(default_factory=dict)

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

        location = self.json_locations.get(ref)
        return json_pointer(location) if location is not None else None

    def label_of(self, ref: str) -> str:
        text = self._labels.get(ref)
        if text is None:
            text = self._labels[ref] = label(self.components.get(ref), ref)
        return text

    # ------------------------------------------------------------------ paths

    def _bfs_parents(self) -> dict[str, str | None]:
        """Shortest-path tree from the root (computed once; O(nodes + edges))."""
        if self._parents is None:
            parents: dict[str, str | None] = {}
            if self.root is not None:
                parents[self.root] = None
                queue = deque([self.root])
                succ = self.graph._succ  # plain dicts: networkx's views cost a wrapper per lookup
                while queue:
                    node = queue.popleft()
                    for nxt in succ[node]:
                        if nxt not in parents:
                            parents[nxt] = node
                            queue.append(nxt)
            self._parents = parents
        return self._parents

    def reachable(self, ref: str) -> bool:
        return ref in self._bfs_parents()

    def shortest_path(self, ref: str) -> list[str]:
        """The shortest path from the root to ``ref`` (empty when unreachable)."""
        route = self.route(ref)
        return [] if route is None else route_refs(route)

    def route(self, ref: str) -> Route | None:
        """The shortest path from the root to ``ref`` as a shared :data:`Route` (None when
        unreachable). Each node's route is made once and reused by everything below it."""
        routes = self._routes
        found = routes.get(ref)
        if found is not None:
            return found
        parents = self._parents if self._parents is not None else self._bfs_parents()
        if ref not in parents:
            return None
        chain = []
        node: str | None = ref
        while node is not None and node not in routes:
            chain.append(node)
            node = parents[node]
        up = routes[node] if node is not None else None
        for n in reversed(chain):
            up = routes[n] = (n, up, 1 if up is None else up[2] + 1)
        return up

    def _reachable_preds(self) -> dict[str, list[str]]:
        """Each reachable node's reachable predecessors, sorted (computed once)."""
        if self._rpred is None:
            parents = self._bfs_parents()
            pred = self.graph._pred  # plain dicts: much faster than networkx's views
            self._rpred = {n: sorted(p for p in pred[n] if p in parents) for n in parents}
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
        parents = self._parents
        assert parents is not None  # made by route()
        first_parent = first[1][0]
        others = [p for p in pred if p != first_parent and p in parents]
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

    def _tree_routes(self) -> dict[str, Route]:
        """Every reachable node's :meth:`route`, made in one pass over the shortest-path tree
        (the BFS order puts each node after its parent)."""
        parents = self._parents if self._parents is not None else self._bfs_parents()
        routes = self._routes
        if len(routes) < len(parents):
            for n, p in parents.items():
                if n not in routes:
                    up = None if p is None else routes[p]
                    routes[n] = (n, up, 1 if up is None else up[2] + 1)
        return routes

    def parent_routes_of(self, refs: Iterable[str], *, limit: int = 3) -> list[list[Route]]:
        """:meth:`parent_routes` of each of ``refs``, in one pass (the routes of the whole
        shortest-path tree made once): what a check needs for every component with a finding."""
        if self.root is None:
            return [[] for _ in refs]
        routes = self._tree_routes()
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
            first_parent = up[0]
            if len(pred) == 2:  # common in package graphs: one other part uses it
                a, b = pred
                other_parent = b if a == first_parent else a
                if other_parent not in routes:
                    append([first])
                    continue
                other = routes[other_parent]
                if _passes(other, first):
                    append([first])
                elif other[2] + 1 < first[2]:
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


def _dependency_entries(doc: Mapping[str, Any]) -> Iterator[tuple[int, str, list[Any]]]:
    deps = doc.get("dependencies")
    if not isinstance(deps, list):
        return
    for i, dep in enumerate(deps):
        # ``type(...) is dict`` first: parsed documents hold dicts, and the Mapping check is slow
        if type(dep) is not dict and not isinstance(dep, Mapping):
            continue
        ref = dep.get("ref")
        if isinstance(ref, str):
            on = dep.get("dependsOn")
            yield i, ref, on if type(on) is list or isinstance(on, list) else []


@dataclass(slots=True)
class _Walk:
    """What one walk over a document's components finds."""

    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    json_locations: dict[str, tuple[str | int, ...]] = field(default_factory=dict)
    contains: list[tuple[str, str]] = field(default_factory=list)
    parent_of: dict[str, str] = field(default_factory=dict)
    sub_boms: list[tuple[str, str]] = field(default_factory=list)


def _walk(doc: Mapping[str, Any], problems: list[GraphProblem]) -> _Walk:
    """Nodes and containment edges, in document order (an explicit stack: no recursion limit).

    The stack holds one iterator per open ``components`` list (its JSON path and the ref of the
    component holding it): a child list is walked in place, not copied onto the stack."""
    w = _Walk()
    components, json_locations = w.components, w.json_locations
    contains, parent_of = w.contains, w.parent_of
    anonymous = 0
    Frame = tuple[Iterator[tuple[Any, Any]], tuple[str | int, ...], str | None]
    stack: list[Frame] = []
    top = doc.get("components")
    if isinstance(top, list):
        stack.append((enumerate(top), ("components",), None))
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), dict):
        stack.append((iter([("component", metadata["component"])]), ("metadata",), None))
    while stack:
        items, base, parent = stack[-1]
        for key, comp in items:
            if type(comp) is not dict and not isinstance(comp, dict):
                continue
            path = (*base, key)
            ref = comp.get("bom-ref")
            if not ref or not isinstance(ref, str):
                anonymous += 1
                ref = anonymous_ref(anonymous, comp)
            if ref in components:
                from sovbom._io import json_pointer

                problems.append(
                    GraphProblem(
                        "duplicate-bom-ref",
                        f"bom-ref {ref!r} is used twice",
                        ref,
                        json_pointer(path),
                    )
                )
            else:
                components[ref] = comp
                json_locations[ref] = path
            if parent is not None and parent != ref:
                contains.append((parent, ref))
                parent_of[ref] = parent
            xrefs = comp.get("externalReferences")
            if xrefs:
                _sub_boms(ref, xrefs, w.sub_boms)
            children = comp.get("components")
            if children:
                stack.append((enumerate(children), (*path, "components"), ref))
                break  # walk the children first (document order), then come back
        else:
            stack.pop()
    return w


def _sub_boms(ref: str, xrefs: Iterable[Any], out: list[tuple[str, str]]) -> None:
    for xref in xrefs:
        if isinstance(xref, Mapping) and xref.get("type") == "bom":
            url = xref.get("url")
            if isinstance(url, str) and url.startswith(_BOM_LINK):
                out.append((ref, url))


def _dependency_edges(
    doc: Mapping[str, Any], w: _Walk, external: dict[str, None], problems: list[GraphProblem]
) -> list[tuple[str, list[str]]]:
    """``depends`` edges, as (ref, the refs it depends on); a BOM-Link to another BOM becomes
    an external node (in ``external``)."""
    components = w.components
    keys = components.keys()
    get = w.parent_of.get
    depends: list[tuple[str, list[str]]] = []
    for i, ref, on in _dependency_entries(doc):
        if ref not in components and ref not in external:
            if not ref.startswith(_BOM_LINK):
                problems.append(
                    GraphProblem(
                        "dangling-reference",
                        f"dependencies name {ref!r}, which no component has",
                        ref,
                        f"$.dependencies[{i}].ref",
                    )
                )
                continue
            external[ref] = None
        if not on:
            continue
        try:
            targets: set[Any] | None = set(on)
        except TypeError:  # an unhashable entry: the slow path says what is wrong
            targets = None
        if targets is not None and ref not in targets and keys >= targets:
            # the common case: every target a component (nesting repeated in dependencies
            # stays "contains")
            depends.append((ref, [t for t in on if get(t) != ref]))
        else:
            depends.append((ref, _checked_targets(i, ref, on, w, external, problems)))
    return depends


def _checked_targets(
    i: int,
    ref: str,
    on: list[Any],
    w: _Walk,
    external: dict[str, None],
    problems: list[GraphProblem],
) -> list[str]:
    """The targets of one dependency entry, each checked: self-dependencies, dangling refs."""
    out = []
    for j, target in enumerate(on):
        if not isinstance(target, str):
            continue
        if target == ref:
            problems.append(
                GraphProblem(
                    "cycle",
                    f"{ref!r} depends on itself",
                    ref,
                    f"$.dependencies[{i}].dependsOn[{j}]",
                )
            )
            continue
        if target not in w.components and target not in external:
            if not target.startswith(_BOM_LINK):
                problems.append(
                    GraphProblem(
                        "dangling-reference",
                        f"{ref!r} depends on {target!r}, which no component has",
                        ref,
                        f"$.dependencies[{i}].dependsOn[{j}]",
                    )
                )
                continue
            external[target] = None
        if w.parent_of.get(target) != ref:  # nesting repeated in dependencies stays "contains"
            out.append(target)
    return out


def _bulk_digraph(
    nodes: Iterable[str],
    external: Iterable[str],
    edge_lists: Iterable[list[tuple[str, str]]],
    grouped: list[tuple[str, list[str]]],
) -> Any:
    """A networkx DiGraph filled in bulk: its adjacency dicts written directly, in the order
    ``add_nodes_from``/``add_edges_from`` would give (several times faster on 100k nodes).

    ``external`` nodes carry ``external=True``; edges (``edge_lists`` of pairs, then
    ``grouped``: a node and its successors) carry no attributes (an empty dict each, shared
    by the successor and predecessor views, as networkx does)."""
    import networkx as nx  # only where a graph is built: the command line starts without it

    g: Any = nx.DiGraph()
    node, succ, pred = g._node, g._succ, g._pred
    node.update({n: {} for n in nodes})
    for n in external:
        if n in node:
            node[n]["external"] = True
        else:
            node[n] = {"external": True}
    succ.update({n: {} for n in node})
    pred.update({n: {} for n in node})
    for edges in edge_lists:
        for u, v in edges:
            succ[u][v] = pred[v][u] = {}
    for u, targets in grouped:
        out = succ[u]
        for v in targets:
            out[v] = pred[v][u] = {}
    clear_cache = getattr(nx, "_clear_cache", None)  # networkx 3.3+ caches per graph
    if clear_cache is not None:
        clear_cache(g)
    return g


def _acyclic(succ: Mapping[str, Mapping[str, Any]], pred: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the graph has no cycle: sources peeled off in turn (Kahn) over the nodes that
    have successors (a node without one cannot be on a cycle). One pass over the edges."""
    indegree = {n: len(pred[n]) for n, out in succ.items() if out}
    ready = [n for n, d in indegree.items() if not d]
    for n in ready:
        for m in succ[n]:
            d = indegree.get(m)
            if d is not None:
                d -= 1
                indegree[m] = d
                if not d:
                    ready.append(m)
    return len(ready) == len(indegree)


def _cycles(g: Any, problems: list[GraphProblem]) -> None:
    """One problem per strongly connected component of more than one node."""
    import networkx as nx

    for scc in nx.strongly_connected_components(g):
        if len(scc) > 1:
            members = sorted(scc)
            shown = ", ".join(members[:5]) + (" ..." if len(members) > 5 else "")
            problems.append(
                GraphProblem(
                    "cycle",
                    f"dependency cycle among {len(members)} components: {shown}",
                    members[0],
                )
            )


def build_graph(doc: Mapping[str, Any], *, source: str = "") -> ProvenanceGraph:
    """Build the provenance graph of a CycloneDX document (JSON form)."""
    problems: list[GraphProblem] = []
    w = _walk(doc, problems)
    components = w.components
    external: dict[str, None] = dict.fromkeys(url for _, url in w.sub_boms)
    depends = _dependency_edges(doc, w, external, problems)
    g = _bulk_digraph(components, external, (w.contains, w.sub_boms), depends)
    root: str | None = None
    metadata = doc.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        root_ref = metadata["component"].get("bom-ref")
        root = root_ref if isinstance(root_ref, str) and root_ref in components else None

    pg = ProvenanceGraph(
        g, root, components, w.json_locations, problems, source, parent_of=w.parent_of
    )
    if root is None:
        pred = g._pred
        tops = [n for n in components if not pred[n]]
        if len(tops) == 1:
            pg.root = tops[0]
        else:
            problems.append(
                GraphProblem(
                    "no-root",
                    "the BOM has no metadata.component to trace from"
                    + (f" and {len(tops)} top-level components" if tops else ""),
                )
            )
    # cycles (beyond self-dependencies): strongly connected components of more than one node
    if not _acyclic(g._succ, g._pred):
        _cycles(g, problems)
    if pg.root is not None:
        reach = pg._bfs_parents()
        problems.extend(
            GraphProblem(
                "unreachable",
                f"{label(components[ref], ref)!r} is not reachable from the server root",
                ref,
                pg.json_path(ref),
            )
            for ref in components
            if ref not in reach
        )
    return pg
