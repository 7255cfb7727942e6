"""One self-contained HTML page per report: verdict, signatures, findings, a picture of the server.

Everything is inline (style, script, the SVG picture); a Content-Security-Policy with the hashes
of the one style and the one script forbids anything else, so the page loads nothing from the
network and an injected script would not run. Every string from a BOM is escaped: names are
written by whoever made the BOM.

The picture is the server's containment tree laid out left to right (the root at the left),
nodes coloured by the policy's verdict on their country (domestic, approved, other, denied,
unknown, out of the origin scope), unverified components outlined, and the dependency paths to
flagged components drawn. Identical sibling subtrees (eight GPUs with their VBIOS) are drawn
once with a count; a node with too many children (an operating system with thousands of
packages) is folded into a summary node, its flagged components listed below the picture.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sovbom import __version__
from sovbom.graph import CONTAINS, ProvenanceGraph
from sovbom.policy import CheckResult, Finding, Policy, Rule, Severity, effective_country

if TYPE_CHECKING:
    from sovbom.checking import CheckReport
    from sovbom.pack.inspect import InspectReport
    from sovbom.report.delivery_report import DeliveryReport, ShipmentReport

#: Most nodes drawn in one picture; beyond it, subtrees are folded.
MAX_VISIBLE = 400
#: A node with more distinct children than this is folded (its flagged children stay drawn).
MAX_CHILDREN = 40
#: Flagged children still drawn under a folded node.
MAX_FLAGGED_SHOWN = 12
#: Rows of the component table (the rest is counted, not shown).
MAX_TABLE_ROWS = 20_000
#: Dependency edges drawn on the paths to flagged components.
MAX_PATH_EDGES = 300
_DASH = "\u2013"
_ROW = 20
_INDENT = 26
_LABEL_CHARS = 60

STATUSES = ("domestic", "approved", "other", "denied", "unknown", "out-of-scope")
_STATUS_HELP = {
    "domestic": "domestic country",
    "approved": "approved, not domestic",
    "other": "neither domestic nor approved",
    "denied": "tied to a denied country",
    "unknown": "origin unknown",
    "out-of-scope": "country rules do not apply",
}

_CSS = """
:root{--domestic:#2e7d32;--approved:#1565c0;--other:#e65100;--denied:#b71c1c;--unknown:#6d6d6d;
--out-of-scope:#c7c7c7;--ink:#1b1b1b;--muted:#5f6368;--line:#d6d6d6}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);
margin:0 auto;max-width:1400px;padding:1.5rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em;word-break:break-all}
.verdict{padding:.8rem 1rem;border-radius:6px;font-size:1.15rem;font-weight:600;margin:1rem 0}
.verdict.pass{background:#e8f5e9;border:2px solid var(--domestic)}
.verdict.fail{background:#ffebee;border:2px solid var(--denied)}
.warn{background:#fff8e1;border:1px solid #f9a825;padding:.5rem .8rem;border-radius:4px;margin:.4rem 0}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border-bottom:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f4f6;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{font-weight:600;text-transform:uppercase;font-size:.8em}
.sev-critical,.sev-high{color:var(--denied)}.sev-medium{color:var(--other)}.sev-low{color:var(--approved)}
.sev-info{color:var(--muted)}
.badge{display:inline-block;padding:0 .4em;border-radius:3px;font-size:.8em;color:#fff;white-space:nowrap}
.b-domestic{background:var(--domestic)}.b-approved{background:var(--approved)}.b-other{background:var(--other)}
.b-denied{background:var(--denied)}.b-unknown{background:var(--unknown)}.b-out-of-scope{background:#9e9e9e}
.b-ok{background:var(--domestic)}.b-fail{background:var(--denied)}
.path{color:var(--muted);font-size:.9em}
.exempt{color:var(--muted)}
.graph{overflow:auto;border:1px solid var(--line);border-radius:4px;max-height:85vh;background:#fff}
.graph svg{display:block}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:var(--ink)}
svg .e{fill:none;stroke:#b0b0b0;stroke-width:1}
svg .e.hot{stroke:#c62828;stroke-width:2}
svg .dep{fill:none;stroke:#6a1b9a;stroke-width:1.6;stroke-dasharray:5 3;opacity:.85}
svg .n{stroke:#fff;stroke-width:1.5}
svg .n.unverified{stroke:#000;stroke-width:1.6;stroke-dasharray:2.5 1.5}
svg .n.domestic{fill:var(--domestic)}svg .n.approved{fill:var(--approved)}svg .n.other{fill:var(--other)}
svg .n.denied{fill:var(--denied)}svg .n.unknown{fill:var(--unknown)}svg .n.out-of-scope{fill:var(--out-of-scope)}
svg .fold{fill:#fafafa;stroke:#757575;stroke-dasharray:4 2}
svg text.flag{font-weight:700}
svg text.cnt{fill:var(--muted)}
svg text.warnt{fill:#c62828;font-weight:700}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.4rem 0;font-size:.9em}
.legend span::before{content:"";display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em;
vertical-align:-.05em;background:var(--c)}
.l-domestic{--c:var(--domestic)}.l-approved{--c:var(--approved)}.l-other{--c:var(--other)}
.l-denied{--c:var(--denied)}.l-unknown{--c:var(--unknown)}.l-out-of-scope{--c:var(--out-of-scope)}
.filter{margin:.4rem 0;padding:.3rem .5rem;width:min(30rem,100%);font:inherit}
.share{width:12rem;height:.9rem}
.s-domestic{fill:var(--domestic)}.s-approved{fill:var(--approved)}.s-other{fill:var(--other)}
.s-unknown{fill:var(--unknown)}
footer{margin-top:2rem;color:var(--muted);font-size:.85em}
@media print{
  body{max-width:none;padding:0;font-size:10.5pt}
  .graph{overflow:visible;max-height:none;border:0}
  .graph svg{max-width:100%;height:auto}
  .filter,.noprint{display:none!important}
  th{position:static}
  tr,.verdict,dl.kv{break-inside:avoid}
  h2{break-after:avoid}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

_SCRIPT = """
(function(){
  document.querySelectorAll('input.filter').forEach(function(box){
    box.hidden = false;
    var table = document.getElementById(box.getAttribute('data-table'));
    var count = document.getElementById(box.getAttribute('data-count'));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var text = rows.map(function(r){ return r.textContent.toLowerCase(); });
    box.addEventListener('input', function(){
      var q = box.value.toLowerCase().trim(), shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var hit = !q || text[i].indexOf(q) !== -1;
        rows[i].hidden = !hit;
        if (hit) { shown++; }
      }
      if (count) { count.textContent = shown + ' of ' + rows.length + ' shown'; }
    });
  });
  window.addEventListener('beforeprint', function(){
    document.querySelectorAll('details').forEach(function(d){ d.open = true; });
  });
})();
"""


def _csp_hash(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


_CSP = (
    "default-src 'none'; img-src data:; "
    f"style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)


def esc(value: object) -> str:
    """Escape anything for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str) -> str:
    """A whole, self-contained page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n"
        f"<footer>Written by sovbom {esc(__version__)}. Self-contained: this file loads nothing"
        f" from the network.</footer>\n<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def _dl(items: Iterable[tuple[str, str]]) -> str:
    """A definition list; values are already HTML."""
    return '<dl class="kv">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def signature_html(signature: Mapping[str, Any] | None) -> str:
    """Who signed, when, which log entry, against which trusted root."""
    if not signature:
        return '<p class="warn">No signature was checked: the BOM is only <em>declared</em>.</p>'
    if not signature.get("ok", True):
        return f'<p class="warn">Signature does not hold: {esc(signature.get("reason"))}</p>'
    root = signature.get("trust_root") or {}
    items = [
        ("Signed by", f"<code>{esc(signature.get('identity'))}</code>"),
        ("Issuer", f"<code>{esc(signature.get('issuer'))}</code>"),
        ("Roles", esc(", ".join(signature.get("roles") or ()) or "none")),
        ("Logged at", esc(signature.get("integrated_time") or "unknown")),
        ("Log index", esc(signature.get("log_index"))),
    ]
    if signature.get("bundle"):
        items.append(("Bundle", f"<code>{esc(signature.get('bundle'))}</code>"))
    if root:
        items.append(
            (
                "Trusted root",
                f"<code>sha256:{esc(root.get('sha256'))}</code> ({esc(root.get('source'))};"
                f" {esc(root.get('freshness'))})",
            )
        )
    return _dl(items)


# ----------------------------------------------------------------------------------------------
# Component status
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Status:
    """What the picture and the table say about each component."""

    status: dict[str, str]
    country: dict[str, str]
    findings: dict[str, list[Finding]]
    unverified: set[str]

    def flagged(self, ref: str) -> bool:
        """A counting finding of medium severity or worse (low ones are notes: approved countries)."""
        return any(f.counts and f.severity >= Severity.MEDIUM for f in self.findings.get(ref, ()))


def _statuses(pg: ProvenanceGraph, policy: Policy, findings: Sequence[Finding]) -> _Status:
    by_ref: dict[str, list[Finding]] = {}
    unverified: set[str] = set()
    for f in findings:
        if f.ref is None:
            continue
        by_ref.setdefault(f.ref, []).append(f)
        if f.rule is Rule.INSUFFICIENT_VERIFICATION and f.counts:
            unverified.add(f.ref)
    status: dict[str, str] = {}
    country: dict[str, str] = {}
    for ref, comp in pg.components.items():
        prov = pg.provenance(ref)
        c, basis = effective_country(prov)
        country[ref] = f"{c} ({basis})" if c else ""
        ctype = str(comp.get("type") or "")
        if policy.denied and set(prov.countries()) & policy.denied:
            status[ref] = "denied"
        elif not policy.in_origin_scope(ctype, prov.cls) and ref != pg.root:
            status[ref] = "out-of-scope"
        elif c is None:
            status[ref] = "unknown"
        elif c in policy.domestic:
            status[ref] = "domestic"
        elif c in policy.approved:
            status[ref] = "approved"
        else:
            status[ref] = "other"
    return _Status(status, country, by_ref, unverified)


# ----------------------------------------------------------------------------------------------
# The picture
# ----------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _VNode:
    label: str
    status: str
    refs: list[str]
    unverified: bool = False
    flagged: int = 0  # flagged components in this node's subtrees (all copies)
    folded: int = 0  # components folded into this summary node
    fold_of: str | None = None  # the ref whose children were folded
    children: list[_VNode] = field(default_factory=list)
    depth: int = 0
    y: float = 0.0

    @property
    def count(self) -> int:
        return len(self.refs)


@dataclass(slots=True)
class _Tree:
    children: dict[str, list[str]]
    size: dict[str, int]  # components in the subtree, the node included
    flagged: dict[str, int]  # flagged components in the subtree
    signature: dict[str, int]


def _tree(pg: ProvenanceGraph, st: _Status) -> _Tree:
    """The containment tree (nesting first, else the shortest path's parent) with subtree facts."""
    children: dict[str, list[str]] = {}
    root = pg.root
    order: list[str] = []
    if root is not None:
        for ref in pg.components:
            if ref == root or not pg.reachable(ref):
                continue
            parent = pg.parent_of.get(ref)
            if parent is None or not pg.reachable(parent):
                path = pg.shortest_path(ref)
                parent = path[-2] if len(path) >= 2 else root
            children.setdefault(parent, []).append(ref)
        # breadth-first order from the root, so that children come after parents
        queue = deque([root])
        seen = {root}
        while queue:
            node = queue.popleft()
            order.append(node)
            for c in children.get(node, ()):
                if c not in seen:
                    seen.add(c)
                    queue.append(c)
    size: dict[str, int] = {}
    flagged: dict[str, int] = {}
    signature: dict[str, int] = {}
    interned: dict[tuple[Any, ...], int] = {}
    for node in reversed(order):
        kids = children.get(node, ())
        size[node] = 1 + sum(size[c] for c in kids)
        flagged[node] = int(st.flagged(node)) + sum(flagged[c] for c in kids)
        key = (
            pg.label_of(node),
            st.status.get(node),
            node in st.unverified,
            st.flagged(node),
            tuple(sorted(signature[c] for c in kids)),
        )
        signature[node] = interned.setdefault(key, len(interned))
    return _Tree(children, size, flagged, signature)


def _visible_tree(pg: ProvenanceGraph, st: _Status, tree: _Tree) -> tuple[_VNode, list[_VNode]]:
    """The nodes to draw (breadth first, within MAX_VISIBLE), and the folded summary nodes."""
    assert pg.root is not None
    root = _VNode(pg.label_of(pg.root), st.status.get(pg.root, "unknown"), [pg.root])
    root.unverified = pg.root in st.unverified
    root.flagged = tree.flagged.get(pg.root, 0)
    visible = 1
    folds: list[_VNode] = []
    queue: deque[tuple[_VNode, str]] = deque([(root, pg.root)])
    while queue:
        vnode, ref = queue.popleft()
        kids = tree.children.get(ref, [])
        if not kids:
            continue
        groups: dict[int, list[str]] = {}
        for c in kids:
            groups.setdefault(tree.signature[c], []).append(c)
        members = list(groups.values())
        fold = len(members) > MAX_CHILDREN or visible + len(members) > MAX_VISIBLE
        shown = members
        if fold:
            shown = [g for g in members if any(tree.flagged[c] for c in g)][:MAX_FLAGGED_SHOWN]
            if visible + len(shown) + 1 > MAX_VISIBLE:
                shown = []
        for g in shown:
            rep = g[0]
            child = _VNode(
                pg.label_of(rep),
                st.status.get(rep, "unknown"),
                list(g),
                unverified=rep in st.unverified,
                flagged=sum(tree.flagged[c] for c in g),
                depth=vnode.depth + 1,
            )
            vnode.children.append(child)
            queue.append((child, rep))
            visible += 1
        if fold:
            drawn = {c for g in shown for c in g}
            rest = [c for c in kids if c not in drawn]
            summary = _VNode(
                "",
                "out-of-scope",
                [],
                folded=sum(tree.size[c] for c in rest) * vnode.count,
                flagged=sum(tree.flagged[c] for c in rest) * vnode.count,
                fold_of=ref,
                depth=vnode.depth + 1,
            )
            summary.label = f"{summary.folded:,} more components folded"
            vnode.children.append(summary)
            folds.append(summary)
            visible += 1
    return root, folds


def _layout(root: _VNode) -> list[_VNode]:
    """An indented tree: one row per node in pre-order, children indented under their parent."""
    nodes: list[_VNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        node.y = len(nodes) * _ROW
        nodes.append(node)
        stack.extend(reversed(node.children))
    return nodes


def _short(text: str, n: int = _LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _node_text(pg: ProvenanceGraph, st: _Status, n: _VNode) -> str:
    if n.fold_of is not None:
        return n.label + (f" \u2014 {n.flagged:,} flagged" if n.flagged else "")
    ref = n.refs[0]
    text = _short(pg.label_of(ref)) + (f" \u00d7{n.count}" if n.count > 1 else "")
    country = st.country.get(ref, "").split(" ", 1)[0]
    return text + (f"  [{country}]" if country else "")


def graph_svg(
    pg: ProvenanceGraph, policy: Policy, findings: Sequence[Finding], prefix: str = "g"
) -> str:
    """The picture of the server: an inline SVG, a legend and the list of folded flagged parts."""
    if pg.root is None:
        return '<p class="warn">The BOM has no root component: no picture.</p>'
    st = _statuses(pg, policy, findings)
    tree = _tree(pg, st)
    root, folds = _visible_tree(pg, st, tree)
    nodes = _layout(root)
    # where each component is drawn (its group, or the fold that holds it)
    where: dict[str, _VNode] = {}
    for n in nodes:
        for r in n.refs:
            where[r] = n
    for f in folds:
        assert f.fold_of is not None
        stack = [c for c in tree.children.get(f.fold_of, ()) if c not in where]
        while stack:
            r = stack.pop()
            where[r] = f
            stack.extend(c for c in tree.children.get(r, ()) if c not in where)
    mx, my = 110, 34  # room on the left for the dependency arcs

    def xy(n: _VNode) -> tuple[float, float]:
        return mx + n.depth * _INDENT, my + n.y + _ROW / 2

    texts = {id(n): _node_text(pg, st, n) for n in nodes}
    width = max(xy(n)[0] + 7.2 * len(texts[id(n)]) + 60 for n in nodes)
    width = max(width, 700)
    total_h = my + len(nodes) * _ROW + 10
    out: list[str] = []
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{esc(prefix)}-svg" class="provenance-graph"'
        f' width="{width:.0f}" height="{total_h:.0f}" viewBox="0 0 {width:.0f} {total_h:.0f}"'
        f' role="img" aria-labelledby="{esc(prefix)}-svg-title">'
        f'<title id="{esc(prefix)}-svg-title">Provenance graph of {esc(pg.label_of(pg.root))}</title>'
    )
    total = len(pg.components)
    flagged_total = sum(1 for r in pg.components if st.flagged(r))
    out.append(
        f'<text x="12" y="18">{total:,} components, {flagged_total:,} flagged (medium or worse);'
        f" {len(nodes):,} rows drawn; \u00d7N: N identical parts drawn once</text>"
    )
    # containment edges: a trunk down from each parent, a stub to each child
    for n in nodes:
        if not n.children:
            continue
        x1, y1 = xy(n)
        last_hot = max((xy(c)[1] for c in n.children if c.flagged), default=None)
        last = xy(n.children[-1])[1]
        if last_hot is not None:
            out.append(f'<path class="e hot" d="M{x1:.0f} {y1 + 6:.0f}V{last_hot:.0f}"/>')
        if last_hot is None or last > last_hot:
            start = last_hot if last_hot is not None else y1 + 6
            out.append(f'<path class="e" d="M{x1:.0f} {start:.0f}V{last:.0f}"/>')
        for c in n.children:
            x2, y2 = xy(c)
            hot = " hot" if c.flagged else ""
            out.append(f'<path class="e{hot}" d="M{x1:.0f} {y2:.0f}H{x2 - 7:.0f}"/>')
    # dependency edges on the paths to flagged components: arcs in the left margin
    drawn: set[tuple[int, int]] = set()
    deps: list[str] = []
    for finding in findings:
        if not st.flagged(finding.ref or ""):
            continue
        hops = {(u, v) for p in finding.paths for u, v in zip(p, p[1:], strict=False)}
        for u, v in sorted(hops):
            if pg.edge_kind(u, v) == CONTAINS:
                continue
            a, b = where.get(u), where.get(v)
            if a is None or b is None or a is b or b in a.children:
                continue
            key = (id(a), id(b))
            if key in drawn or len(drawn) >= MAX_PATH_EDGES:
                continue
            drawn.add(key)
            (x1, y1), (x2, y2) = xy(a), xy(b)
            bend = min(abs(y2 - y1) / 4 + 20, mx - 10)
            left = min(x1, x2) - bend
            deps.append(
                f'<path class="dep" d="M{x1 - 7:.0f} {y1:.0f}C{left:.0f} {y1:.0f}'
                f' {left:.0f} {y2:.0f} {x2 - 7:.0f} {y2:.0f}"><title>depends: '
                f"{esc(pg.label_of(u))} \u2192 {esc(pg.label_of(v))}</title></path>"
            )
    out.extend(deps)
    # nodes and labels
    for n in nodes:
        x, y = xy(n)
        if n.fold_of is not None:
            label = texts[id(n)]
            warn_cls = ' class="warnt"' if n.flagged else ""
            w = 7.4 * len(label) + 16
            out.append(
                f'<g class="folded"><rect class="fold" x="{x - 6:.0f}" y="{y - 9:.0f}" width="{w:.0f}"'
                f' height="18" rx="4"/><text x="{x + 2:.0f}" y="{y + 4:.0f}"'
                f"{warn_cls}>{esc(label)}</text>"
                f"<title>{esc(label)} (inside {esc(pg.label_of(n.fold_of))});"
                " the flagged ones are listed below the picture</title></g>"
            )
            continue
        ref = n.refs[0]
        cls = f"n {n.status}" + (" unverified" if n.unverified else "")
        mult = f" \u00d7{n.count}" if n.count > 1 else ""
        own_flag = st.flagged(ref)
        flag_cls = ' class="flag"' if own_flag else ""
        tip = [
            pg.label_of(ref) + mult,
            f"bom-ref: {ref}",
            f"status: {n.status} ({_STATUS_HELP.get(n.status, '')})",
        ]
        if st.country.get(ref):
            tip.append(f"country: {st.country[ref]}")
        if n.unverified:
            tip.append("verification below what the policy requires")
        tip.extend(
            f"{fd.severity.label}: {fd.rule.value}: {fd.message}"
            for fd in st.findings.get(ref, ())[:5]
        )
        if n.flagged and not own_flag:
            tip.append(f"{n.flagged} flagged inside")
        out.append(
            f'<g class="node" data-ref="{esc(ref)}"><circle class="{cls}" cx="{x:.0f}" cy="{y:.0f}" r="6"/>'
            f'<text x="{x + 10:.0f}" y="{y + 4:.0f}"{flag_cls}>'
            f"{esc(texts[id(n)])}"
            + (
                f'<tspan class="warnt"> \u26a0{n.flagged if n.flagged > 1 else ""}</tspan>'
                if n.flagged
                else ""
            )
            + f"</text><title>{esc(chr(10).join(tip))}</title></g>"
        )
    out.append("</svg>")
    legend = '<div class="legend">' + "".join(
        f'<span class="l-{s}">{esc(s)}: {esc(_STATUS_HELP[s])}</span>' for s in STATUSES
    )
    legend += (
        "<span>dashed black ring: unverified</span><span>red line: path to a flagged part</span>"
        "<span>purple dashed: dependency on that path</span><span>\u26a0N: flagged parts inside</span></div>"
    )
    details = []
    hidden_in: dict[int, list[str]] = {}
    for r, holder in where.items():
        if holder.fold_of is not None and st.flagged(r):
            hidden_in.setdefault(id(holder), []).append(r)
    for f in folds:
        assert f.fold_of is not None
        hidden = hidden_in.get(id(f), [])
        if not hidden:
            continue
        items = "".join(
            f"<li>{esc(pg.label_of(r))} <code>{esc(r)}</code> \u2014 "
            + esc("; ".join(fd.rule.value for fd in st.findings.get(r, ()) if fd.counts))
            + "</li>"
            for r in sorted(hidden, key=pg.label_of)[:2000]
        )
        details.append(
            f"<details><summary>{len(hidden):,} flagged components folded inside "
            f"{esc(pg.label_of(f.fold_of))}</summary><ul>{items}</ul></details>"
        )
    return legend + f'<div class="graph">{"".join(out)}</div>' + "".join(details)


# ----------------------------------------------------------------------------------------------
# Sections of a check report
# ----------------------------------------------------------------------------------------------


def findings_html(
    findings: Sequence[Finding], prefix: str, label: Callable[[str], str] | None = None
) -> str:
    """The findings table (with a filter box); ``label`` names the refs of a path."""
    if not findings:
        return "<p>No findings.</p>"
    name_of = label or (lambda ref: ref)
    rows = []
    for f in sorted(findings, key=lambda f: (-int(f.severity), f.rule.value, f.name or "")):
        sev = f.severity.label
        paths = "<br>".join(esc(" \u203a ".join(name_of(r) for r in p)) for p in f.paths[:3])
        exempt = (
            f'<div class="exempt">exempted by {esc(f.exempted_by.describe())}:'
            f" {esc(f.exempted_by.reason)}</div>"
            if f.exempted_by
            else ""
        )
        row_cls = ' class="exempt"' if not f.counts else ""
        rows.append(
            f'<tr{row_cls}><td class="sev sev-{sev}">{sev}</td>'
            f"<td>{esc(f.rule.value)}</td>"
            f"<td>{esc(f.name or '')}<br><code>{esc(f.ref or '')}</code></td>"
            f"<td>{esc(', '.join(f.countries))}</td>"
            f"<td>{esc(f.level.label if f.level is not None else '')}</td>"
            f'<td>{esc(f.message)}{exempt}<div class="path">{paths}</div></td></tr>'
        )
    tid = f"{prefix}-findings"
    return (
        f'<input class="filter" type="search" hidden placeholder="Filter findings\u2026"'
        f' data-table="{tid}" data-count="{tid}-count" aria-label="Filter findings">'
        f' <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}" class="findings"><thead><tr><th>severity</th><th>rule</th>'
        "<th>component</th><th>countries</th><th>verification</th><th>why, and the path from the"
        f" server root</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _share_bar(d: int, a: int, o: int, u: int) -> str:
    total = d + a + o + u
    if not total:
        return ""
    x = 0.0
    parts = []
    for n, var in ((d, "domestic"), (a, "approved"), (o, "other"), (u, "unknown")):
        w = 100.0 * n / total
        if w:
            parts.append(f'<rect class="s-{var}" x="{x:.2f}" y="0" width="{w:.2f}" height="10"/>')
        x += w
    return (
        f'<svg class="share" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f"{''.join(parts)}</svg>"
    )


def share_html(r: CheckResult) -> str:
    rows = []
    items = sorted(r.by_class.items()) + [("all judged components", r.total_share())]
    for name, s in items:
        pct = f"{100 * s.domestic / s.total:.1f}%" if s.total else "\u2013"
        rows.append(
            f"<tr><td>{esc(name)}</td><td class=num>{s.total:,}</td><td class=num>{s.domestic:,}</td>"
            f"<td class=num>{s.approved:,}</td><td class=num>{s.other:,}</td>"
            f"<td class=num>{s.unknown:,}</td><td class=num><b>{pct}</b></td>"
            f"<td>{_share_bar(s.domestic, s.approved, s.other, s.unknown)}</td></tr>"
        )
    return (
        '<table class="shares"><thead><tr><th>class</th><th class=num>components</th>'
        "<th class=num>domestic</th><th class=num>approved</th><th class=num>other</th>"
        "<th class=num>unknown</th><th class=num>domestic share</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def components_html(report: CheckReport, prefix: str) -> str:
    pg = report.graph
    st = _statuses(pg, report.policy, report.result.findings)
    rows = []
    refs = list(pg.components)
    for ref in refs[:MAX_TABLE_ROWS]:
        comp = pg.components[ref]
        prov = pg.provenance(ref)
        status = st.status.get(ref, "unknown")
        rules = sorted({f.rule.value for f in st.findings.get(ref, ()) if f.counts})
        rows.append(
            f"<tr><td>{esc(comp.get('name') or ref)}</td><td>{esc(comp.get('version') or '')}</td>"
            f"<td>{esc(comp.get('type') or '')}</td><td>{esc(prov.cls or '')}</td>"
            f"<td>{esc(prov.manufacturer or prov.supplier or '')}</td>"
            f"<td>{esc(st.country.get(ref, ''))}</td>"
            f'<td><span class="badge b-{status}">{status}</span>'
            + (" unverified" if ref in st.unverified else "")
            + f"</td><td>{esc(', '.join(rules))}</td>"
            f"<td><code>{esc(comp.get('purl') or ref)}</code></td></tr>"
        )
    more = ""
    if len(refs) > MAX_TABLE_ROWS:
        more = f"<p>{len(refs) - MAX_TABLE_ROWS:,} more components not listed.</p>"
    tid = f"{prefix}-components"
    return (
        f'<input class="filter" type="search" hidden placeholder="Search components (name, country,'
        f' status, purl)\u2026" data-table="{tid}" data-count="{tid}-count"'
        f' aria-label="Search components"> <span id="{tid}-count" class="path"></span>'
        f'<table id="{tid}" class="components"><thead><tr><th>name</th><th>version</th>'
        "<th>type</th><th>class</th><th>maker / supplier</th><th>country</th><th>status</th>"
        "<th>findings</th><th>purl / bom-ref</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def check_sections(report: CheckReport, prefix: str = "c", level: int = 2) -> str:
    """The body of a check report (also embedded per BOM in an inspection report)."""
    r = report.result
    fails = r.fails(Severity.parse(report.fail_on))
    counts = r.counts_by_severity()
    summary = ", ".join(f"{n} {s}" for s, n in reversed(counts.items()) if n) or "no findings"
    exempted = sum(1 for f in r.findings if not f.counts)
    h = f"h{level}"
    verdict = (
        f'<div class="verdict {"fail" if fails else "pass"}">'
        f"{'FAIL' if fails else 'PASS'} \u2014 {esc(summary)}"
        f"{f'; {exempted} exempted' if exempted else ''} (fails on {esc(report.fail_on)} and above)</div>"
    )
    total = r.total_share()
    share = f"{100 * total.domestic / total.total:.1f}%" if total.total else "\u2013"
    facts = _dl(
        [
            ("BOM", f"<code>{esc(report.bom_source)}</code>"),
            ("BOM sha256", f"<code>{esc(report.bom_sha256)}</code>"),
            ("Serial number", f"<code>{esc(report.bom_serial or '')}</code>"),
            (
                "Policy",
                f"<code>{esc(report.policy.source)}</code> sha256 <code>{esc(report.policy_sha256 or '')}</code>",
            ),
            ("Domestic", esc(", ".join(sorted(report.policy.domestic)))),
            ("Approved", esc(", ".join(sorted(report.policy.approved)) or "none")),
            ("Denied", esc(", ".join(sorted(report.policy.denied)) or "none")),
            ("Judged on", esc(report.as_of)),
            ("Components", f"{r.components:,} ({esc(share)} of judged components domestic)"),
        ]
    )
    evidence = ""
    if report.verified_evidence:
        evidence = (
            f"<{h}>Independently verified components</{h}><ul>"
            + "".join(
                f"<li><code>{esc(ref)}</code>: {esc(why)}</li>"
                for ref, why in sorted(report.verified_evidence.items())
            )
            + "</ul>"
        )
    return (
        verdict
        + facts
        + f"<{h}>Signature</{h}>"
        + signature_html(report.signature)
        + f'<{h} id="{esc(prefix)}-graph">Provenance graph</{h}>'
        + graph_svg(report.graph, report.policy, r.findings, prefix)
        + f'<{h} id="{esc(prefix)}-findings-h">Findings ({len(r.findings):,})</{h}>'
        + findings_html(r.findings, prefix, report.graph.label_of)
        + f"<{h}>Domestic share by class</{h}>"
        + share_html(r)
        + evidence
        + f"<{h}>Components ({len(report.graph.components):,})</{h}>"
        + components_html(report, prefix)
    )


def render_check_html(report: CheckReport) -> str:
    name = report.graph.label_of(report.graph.root) if report.graph.root else report.bom_source
    body = f"<h1>Provenance check: {esc(name)}</h1>" + check_sections(report)
    return page(f"sovbom check: {name}", body)


# ----------------------------------------------------------------------------------------------
# Inspection of an evidence pack
# ----------------------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "\u2013"
    return '<span class="badge b-ok">ok</span>' if value else '<span class="badge b-fail">no</span>'


def render_inspect_html(report: InspectReport) -> str:
    holds = report.holds
    failed = report.failures
    verdicts = "; ".join(
        f"{b.member.split('/', 1)[-1]}: {(b.verdict or 'not checked').upper()}" for b in report.boms
    )
    if holds:
        head = "HOLDS \u2014 every digest, signature and packed verdict checked out"
    else:
        head = f"DOES NOT HOLD \u2014 {len(failed)} of {len(report.checks)} checks failed"
    verdict = (
        f'<div class="verdict {"pass" if holds else "fail"}">{esc(head)}'
        + (f"<br><small>Policy check, re-run: {esc(verdicts)}</small>" if verdicts else "")
        + "</div>"
    )
    bom_rows = []
    for i, b in enumerate(report.boms):
        sig = b.signature or {}
        if sig.get("ok"):
            signed = (
                f"{esc(sig.get('identity'))}<br><span class=path>{esc(sig.get('integrated_time'))},"
                f" log index {esc(sig.get('log_index'))}</span>"
            )
        else:
            signed = (
                f'<span class="badge b-fail">not verified</span> {esc(sig.get("reason") or "")}'
            )
        bom_rows.append(
            f'<tr><td><a href="#bom-{i}"><code>{esc(b.member)}</code></a></td><td>{signed}</td>'
            f"<td>{_yes_no(b.schema_ok)}</td><td>{_yes_no(b.integrity_ok)}</td>"
            f"<td>{esc(b.verdict or _DASH)}</td><td>{esc(b.packed_verdict or _DASH)}</td></tr>"
        )
    bom_table = (
        "<table><thead><tr><th>BOM</th><th>signed by, logged at</th><th>schema</th>"
        "<th>integrity</th><th>check (re-run)</th><th>check (packed)</th></tr></thead>"
        f"<tbody>{''.join(bom_rows)}</tbody></table>"
    )
    root = report.trust_root or {}
    trust_items = [
        ("Archive", f"<code>{esc(report.archive)}</code>"),
        ("Archive sha256", f"<code>{esc(report.archive_sha256)}</code>"),
        ("Judged on", esc(report.index.get("as_of") or "not recorded")),
        (
            "Trust material",
            esc(
                {
                    "inspector": "the inspector's own",
                    "packed": "the pack's own (operator's)",
                    "none": "none: signatures not checked",
                }.get(report.trust_source, report.trust_source)
            ),
        ),
    ]
    if root:
        trust_items.append(
            (
                "Trusted root",
                f"<code>sha256:{esc(root.get('sha256'))}</code> ({esc(root.get('source'))})",
            )
        )
    if report.signers_source:
        trust_items.append(("Signer policy", f"<code>{esc(report.signers_source)}</code>"))
    warnings = "".join(f'<p class="warn">\u26a0 {esc(w)}</p>' for w in report.warnings)
    rows = "".join(
        f'<tr><td><span class="badge {"b-ok" if c.ok else "b-fail"}">{"ok" if c.ok else "FAIL"}</span></td>'
        f"<td>{esc(c.kind)}</td><td><code>{esc(c.subject)}</code></td><td>{esc(c.detail)}</td></tr>"
        for c in sorted(report.checks, key=lambda c: c.ok)
    )
    checks = (
        '<input class="filter" type="search" hidden placeholder="Filter checks\u2026"'
        ' data-table="i-checks" data-count="i-checks-count" aria-label="Filter checks">'
        ' <span id="i-checks-count" class="path"></span>'
        '<table id="i-checks"><thead><tr><th>result</th><th>kind</th><th>member</th><th>detail</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    boms = []
    for i, b in enumerate(report.boms):
        part = f'<h2 id="bom-{i}">BOM <code>{esc(b.member)}</code></h2>'
        if b.check is not None:
            part += (
                f"<p>The policy check, re-run on the packed BOM: <b>{esc(b.verdict)}</b>;"
                f" the packed report says <b>{esc(b.packed_verdict or 'nothing (no report)')}</b>.</p>"
                + check_sections(b.check, prefix=f"b{i}", level=3)
            )
        else:
            part += "<h3>Signature</h3>" + signature_html(b.signature)
        boms.append(part)
    reports = ""
    if report.reports:
        reports = (
            "<h2>Packed reports</h2><ul>"
            + "".join(
                f"<li><code>{esc(r.get('member'))}</code>: {esc(r.get('kind') or 'unknown kind')},"
                f" verdict {esc(r.get('verdict'))}</li>"
                for r in report.reports
            )
            + "</ul>"
        )
    body = (
        "<h1>Evidence pack inspection</h1>"
        + verdict
        + warnings
        + _dl(trust_items)
        + "<h2>Servers</h2>"
        + bom_table
        + "<h2>Checks</h2>"
        + checks
        + "".join(boms)
        + reports
    )
    return page(f"sovbom inspect: {report.archive}", body)


# ----------------------------------------------------------------------------------------------
# Delivery verification
# ----------------------------------------------------------------------------------------------

_PART_BADGE = {
    "matched": "b-ok",
    "missing": "b-fail",
    "unexpected": "b-fail",
    "substituted": "b-fail",
    "drifted": "b-other",
}


def _parts_picture(parts: Sequence[Any], prefix: str) -> str:
    """Every part as a square, one row per class, coloured by its delivery verdict."""
    by_class: dict[str, list[Any]] = {}
    for p in parts:
        by_class.setdefault(p.cls or "other", []).append(p)
    if not by_class:
        return ""
    size, gap, left, per_row = 14, 3, 150, 48
    out: list[str] = []
    y = 8
    for cls, items in sorted(by_class.items()):
        out.append(f'<text x="4" y="{y + 11}">{esc(_short(cls, 20))} ({len(items)})</text>')
        for i, p in enumerate(items):
            x = left + (i % per_row) * (size + gap)
            yy = y + (i // per_row) * (size + gap)
            status = str(p.status)
            colour = {"matched": "domestic", "drifted": "other"}.get(status, "denied")
            tip = f"{p.name} ({status})" + (f" at {p.location}" if p.location else "")
            tip += "".join(
                f"\n{f.field}: expected {f.expected!r}, found {f.found!r}" for f in p.mismatches
            )
            out.append(
                f'<rect class="part s-{colour}" x="{x}" y="{yy}" width="{size}" height="{size}"'
                f' rx="2"><title>{esc(tip)}</title></rect>'
            )
        y += ((len(items) - 1) // per_row + 1) * (size + gap) + 8
    width = left + per_row * (size + gap) + 10
    return (
        f'<div class="graph"><svg xmlns="http://www.w3.org/2000/svg" id="{esc(prefix)}-parts"'
        f' class="delivery-parts" width="{width}" height="{y + 4}" viewBox="0 0 {width} {y + 4}"'
        ' role="img" aria-label="Parts by class, coloured by delivery verdict">'
        f"{''.join(out)}</svg></div>"
        '<div class="legend"><span class="l-domestic">matched</span>'
        '<span class="l-other">drifted (within tolerance)</span>'
        '<span class="l-denied">missing, unexpected or substituted</span></div>'
    )


def delivery_sections(r: Any, prefix: str = "d", level: int = 2) -> str:
    """The body of one server's delivery report (``r`` is a sovbom.delivery.DeliveryResult)."""
    h = f"h{level}"
    ok = str(r.verdict) == "pass"
    reasons = r.reasons()
    verdict = (
        f'<div class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}'
        + (" \u2014 " + esc("; ".join(reasons)) if reasons else " \u2014 delivered as declared")
        + "</div>"
    )
    facts = [
        ("Server", esc(r.server)),
        ("Expected HBOM", f"<code>{esc(r.expected.source)}</code>"),
        ("Expected sha256", f"<code>{esc(r.expected.sha256)}</code>"),
    ]
    if r.observed is not None:
        facts.append(
            (
                "Observed",
                f"<code>{esc(r.observed.source)}</code>"
                + ("" if r.observed_complete else " <b>(incomplete)</b>"),
            )
        )
    if r.policy_source:
        facts.append(("Policy", f"<code>{esc(r.policy_source)}</code>"))
    notes = "".join(f'<p class="warn">{esc(n)}</p>' for n in r.observed_notes)
    signature = dict(r.signature or {})
    if not r.signature_ok:
        signature = {"ok": False, "reason": r.signature_reason or "not verified"}
    body = (
        verdict + _dl(facts) + notes + f"<{h}>Signature</{h}>" + signature_html(signature or None)
    )
    c = r.comparison
    if c is not None:
        ident = "".join(
            f"<tr><td>{esc(f.field)}</td><td>{esc(f.expected)}</td><td>{esc(f.found)}</td>"
            f"<td>{esc(f.status)}</td></tr>"
            for f in c.identity
        )
        body += (
            f"<{h}>Server identity</{h}><table><thead><tr><th>field</th><th>expected</th>"
            f"<th>found</th><th>status</th></tr></thead><tbody>{ident}</tbody></table>"
        )
        counts = ", ".join(f"{n} {k}" for k, n in c.counts().items() if n)
        body += (
            f"<{h}>Parts</{h}><p>{esc(counts)}; {c.ignored_unexpected} unexpected parts ignored"
            f" by policy; {len(c.verified)} components verified at delivery.</p>"
            + _parts_picture(c.parts, prefix)
        )
        rows = []
        for p in sorted(c.parts, key=lambda p: (str(p.status) == "matched", p.cls or "", p.name)):
            status = str(p.status)
            diffs = "<br>".join(
                esc(
                    f"{f.field}{f' ({f.firmware})' if f.firmware else ''}: expected"
                    f" {f.expected!r}, found {f.found!r}"
                )
                for f in p.mismatches
            )
            rows.append(
                f'<tr><td><span class="badge {_PART_BADGE.get(status, "b-fail")}">{esc(status)}'
                f"</span></td><td>{esc(p.cls or '')}</td><td>{esc(p.name)}</td>"
                f"<td>{esc(p.location or '')}</td><td>{esc(p.matched_by or '')}</td>"
                f"<td>{diffs}</td><td>{esc(', '.join(p.unverified))}</td>"
                f"<td><code>{esc(p.expected_ref or p.found_ref or '')}</code></td></tr>"
            )
        tid = f"{prefix}-parts-table"
        body += (
            f'<input class="filter" type="search" hidden placeholder="Search parts\u2026"'
            f' data-table="{tid}" data-count="{tid}-count" aria-label="Search parts">'
            f' <span id="{tid}-count" class="path"></span>'
            f'<table id="{tid}"><thead><tr><th>verdict</th><th>class</th><th>part</th>'
            "<th>location</th><th>matched by</th><th>differences</th><th>not observed</th>"
            f"<th>bom-ref</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    if r.policy is not None:
        body += (
            f"<{h}>Policy findings ({len(r.policy.findings):,})</{h}>"
            + findings_html(r.policy.findings, f"{prefix}-policy")
            + f"<{h}>Domestic share by class</{h}>"
            + share_html(r.policy)
        )
    if r.unexpected_findings:
        body += f"<{h}>Findings on unexpected parts</{h}>" + findings_html(
            r.unexpected_findings, f"{prefix}-unexpected"
        )
    return body


def render_delivery_html(report: DeliveryReport) -> str:
    r = report.result
    body = (
        f"<h1>Delivery verification: {esc(r.server)}</h1>"
        f"<p>Checked on {esc(report.as_of)}.</p>" + delivery_sections(r)
    )
    return page(f"sovbom verify-delivery: {r.server}", body)


def render_shipment_html(report: ShipmentReport) -> str:
    s = report.shipment
    ok = str(s.verdict) == "pass"
    summary = s.summary()
    head = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items())
    rows = []
    sections = []
    for i, r in enumerate(s.servers):
        passed = str(r.verdict) == "pass"
        rows.append(
            f'<tr><td><a href="#server-{i}">{esc(r.server)}</a></td><td><span class="badge'
            f' {"b-ok" if passed else "b-fail"}">{"pass" if passed else "FAIL"}</span></td>'
            f"<td>{esc((r.signature or {}).get('identity') if r.signature_ok else 'NOT VERIFIED')}</td>"
            f"<td>{esc('; '.join(r.reasons()))}</td>"
            f"<td><code>{esc(report.report_files.get(r.server, ''))}</code></td></tr>"
        )
        sections.append(
            f'<h2 id="server-{i}">{esc(r.server)}</h2>' + delivery_sections(r, f"s{i}", level=3)
        )
    table = (
        '<input class="filter" type="search" hidden placeholder="Search servers\u2026"'
        ' data-table="servers" data-count="servers-count" aria-label="Search servers">'
        ' <span id="servers-count" class="path"></span>'
        '<table id="servers"><thead><tr><th>server</th><th>verdict</th><th>signed by</th>'
        f"<th>why</th><th>report</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    body = (
        f"<h1>Shipment verification: {esc(s.directory)}</h1>"
        f'<div class="verdict {"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}'
        f" \u2014 {esc(head)}</div><p>Checked on {esc(report.as_of)}.</p>"
        + table
        + "".join(sections)
    )
    return page(f"sovbom verify-delivery: {s.directory}", body)
