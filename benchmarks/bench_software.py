"""Software collection and composition speed.

1. A synthetic 10,000-package dpkg status file to a written SBOM (parse, resolve the
   Depends/Pre-Depends graph, build, validate, write): must take under 1 s.
2. A synthetic 100,000-component CycloneDX SBOM imported, composed with a small HBOM and the server
   BOM written (validated), against ``orjson.loads`` + ``orjson.dumps`` of the same file in the same
   run: must be within 3x.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_software.py [--packages N] [--components N]``
Times are the best of ``--repeat`` runs (shared machines drift; compare ratios within one run).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from sovbom.collect.dpkg import OsInfo, collect_dpkg
from sovbom.compose import compose_server_bom
from sovbom.cyclonedx.document import iter_components
from sovbom.cyclonedx.reader import load_bom
from sovbom.cyclonedx.writer import write_bom
from sovbom.hbom import link_firmware, tree_document
from sovbom.model import Component, Organization

DPKG_LIMIT_S = 1.0
RATIO_LIMIT = 3.0


def synthetic_status(n: int) -> str:
    """``n`` installed packages; relations with versions, alternatives and virtual packages."""
    out = []
    for i in range(n):
        deps = []
        if i:
            deps.append(f"pkg{i // 2} (>= 1.{i // 2 % 10})")
        if i > 3:
            deps.append(f"missing{i} | pkg{i // 3}")
            deps.append("virtual-awk")
        if i > 10:
            deps.append(f"pkg{i - 7}:any")
        stanza = [
            f"Package: pkg{i}",
            "Status: install ok installed",
            "Priority: optional",
            "Section: libs",
            f"Installed-Size: {100 + i % 5000}",
            f"Maintainer: Team {i % 50} <team{i % 50}@lists.example.org>",
            "Architecture: amd64" if i % 7 else "Architecture: all",
            "Multi-Arch: same" if i % 3 == 0 else "Multi-Arch: foreign",
            f"Source: src{i // 4} (1.{i % 10}-{i % 3})",
            f"Version: 1.{i % 10}.{i}-{i % 3}+deb12u1",
        ]
        if i == 0:
            stanza.append("Provides: virtual-awk")
        if deps:
            stanza.append(f"Pre-Depends: {deps[0]}")
            if len(deps) > 1:
                stanza.append("Depends: " + ", ".join(deps[1:]))
        stanza += [
            f"Description: synthetic package number {i}",
            " A longer description that spans lines,",
            " as real ones do.",
            f"Homepage: https://example.org/pkg{i}",
        ]
        out.append("\n".join(stanza))
    return "\n\n".join(out) + "\n"


def synthetic_sbom(n: int) -> dict[str, Any]:
    """A CycloneDX 1.6 SBOM of ``n`` library components with a binary-tree dependency graph."""
    comps = []
    for i in range(n):
        purl = f"pkg:npm/%40scope{i % 100}/lib{i}@1.{i % 10}.{i % 7}"
        comps.append(
            {
                "type": "library",
                "bom-ref": purl,
                "supplier": {"name": f"Vendor {i % 97}"},
                "group": f"@scope{i % 100}",
                "name": f"lib{i}",
                "version": f"1.{i % 10}.{i % 7}",
                "hashes": [
                    {"alg": "SHA-256", "content": hashlib.sha256(str(i).encode()).hexdigest()}
                ],
                "licenses": [{"license": {"id": "MIT"}}],
                "purl": purl,
                "properties": [{"name": "cdx:npm:package:path", "value": f"node_modules/lib{i}"}],
            }
        )
    deps = [{"ref": "app", "dependsOn": [comps[0]["bom-ref"]]}]
    for i, c in enumerate(comps):
        kids = [comps[k]["bom-ref"] for k in (2 * i + 1, 2 * i + 2) if k < n]
        deps.append({"ref": c["bom-ref"], "dependsOn": kids})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "synthetic"}]},
            "component": {
                "type": "application",
                "bom-ref": "app",
                "name": "big-app",
                "version": "1",
            },
        },
        "components": comps,
        "dependencies": deps,
    }


def small_hbom() -> dict[str, Any]:
    server = Component(
        ref="srv",
        name="EX-2U",
        cls="server",
        serial="SRV-1",
        manufacturer=Organization("Example Servers KK", "JP"),
    )
    for g in range(8):
        gpu = Component(ref=f"srv/gpu{g}", name="Accelerator", cls="gpu", serial=f"GPU-{g}")
        link_firmware(
            gpu, Component(ref=f"srv/gpu{g}/fw", name="VBIOS", type="firmware", version="1")
        )
        server.children.append(gpu)
    return tree_document(server, kind="factory")


def best(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packages", type=int, default=10_000)
    ap.add_argument("--components", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows: list[tuple[str, str, str, str]] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="sovbom-bench-") as tmp:
        d = Path(tmp)
        status = d / "status"
        status.write_text(synthetic_status(args.packages))
        out = d / "os.cdx.json"

        def dpkg_run() -> None:
            result = collect_dpkg(status, os_info=OsInfo(id="debian", version_id="12"))
            write_bom(out, result.doc, reproducible=False)

        t_dpkg = best(dpkg_run, args.repeat)
        written = orjson.loads(out.read_bytes())
        assert len(written["components"]) == args.packages
        passed = t_dpkg < DPKG_LIMIT_S
        ok &= passed
        rows.append(
            (
                f"dpkg status, {args.packages:,} packages -> SBOM written",
                f"{t_dpkg:.3f} s",
                f"< {DPKG_LIMIT_S:.0f} s",
                "PASS" if passed else "FAIL",
            )
        )

        big = d / "big.cdx.json"
        big.write_bytes(orjson.dumps(synthetic_sbom(args.components)))
        data = big.read_bytes()

        def baseline() -> None:
            orjson.dumps(orjson.loads(data))

        def ours() -> None:
            bom = load_bom(big)
            result = compose_server_bom(small_hbom(), [bom])
            write_bom(d / "server.cdx.json", result.doc, reproducible=False)

        t_base = best(baseline, args.repeat)
        t_ours = best(ours, args.repeat)
        server = orjson.loads((d / "server.cdx.json").read_bytes())
        n_out = sum(1 for _ in iter_components(server))
        assert n_out >= args.components, n_out
        ratio = t_ours / t_base
        passed = ratio <= RATIO_LIMIT
        ok &= passed
        size = len(data) / 1e6
        rows.append((f"orjson.loads + orjson.dumps, {size:.0f} MB", f"{t_base:.3f} s", "", ""))
        rows.append(
            (
                f"import {args.components:,} components + compose + write",
                f"{t_ours:.3f} s",
                f"<= {RATIO_LIMIT:.0f}x",
                "",
            )
        )
        rows.append(
            ("  ratio", f"{ratio:.2f}x", f"<= {RATIO_LIMIT:.0f}x", "PASS" if passed else "FAIL")
        )

    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measurement", "time", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
