"""The page every HTML report is: self-contained, with a Content-Security-Policy, escaped text.

Everything is inline (one style, one script, SVG pictures); the Content-Security-Policy carries the
hashes of the style and the script and forbids anything else, so the page loads nothing from the
network and an injected script would not run. Every string from input goes through :func:`esc`.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Mapping
from typing import Any

from sovbom import __version__

DASH = "\u2013"
#: Longest label drawn in a picture (longer ones end with an ellipsis).
LABEL_CHARS = 60

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


#: Control characters HTML does not allow (C0 but tab, line feed and carriage return; DEL; C1).
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)])


def esc(value: object) -> str:
    """Escape anything for HTML text and attribute values (control characters removed)."""
    return html.escape("" if value is None else str(value).translate(_CONTROLS), quote=True)


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


def dl(items: Iterable[tuple[str, str]]) -> str:
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
    return dl(items)


def short(text: str, n: int = LABEL_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"
