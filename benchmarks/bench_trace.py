"""`sovbom trace` queries on a loaded 100k-component server BOM (README "Speed").

The BOM is loaded, its graph built and its trace index (value -> components tables, one pass each)
built once; then each query is timed (``--repeat`` runs, median) with ``trace_graph``: matching,
every path from the root to each match, path labels. Each query is also timed without the index
(one pass over the components: what a single ``sovbom trace`` command does). Every timed query matches something (the script fails otherwise: a
query that matches nothing would time a failed scan), and its match count is printed.

The floor, under the same conditions (same loaded document, garbage collector paused as during a
command, same process): one plain Python pass over the components comparing one field,
``[ref for ref, c in components.items() if c.get("name") == NAME]``. Target: each targeted query
under 100 ms.

Usage: PYTHONPATH=src python benchmarks/bench_trace.py [-n 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_synthetic  # noqa: E402

from sovbom.cyclonedx.reader import load_bom  # noqa: E402
from sovbom.graph import build_graph  # noqa: E402
from sovbom.trace import TraceIndex, parse_query, trace_graph  # noqa: E402

TARGET_S = 0.100


def _median(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    k = min(4242, args.n - 3)  # a package that exists at every size
    version = f"1.{k % 97}.{k % 13}"
    # (query, has a target): every query matches at least one component
    queries = [
        (f"pkg:deb/debian/pkg{k}@*", True),  # purl glob
        (f"pkg:deb/debian/pkg{k}@{version}?arch=amd64", True),  # exact purl
        (f"name=pkg{k}", True),
        (f"name=PKG{k}*", True),  # name glob (case-insensitive): pkg4242, pkg42420...
        (f"pkg{k}", True),  # free text: purl, name, part number, serial
        ("serial=BENCH-SRV", True),
        ("country=KR", False),  # one in seven packages, each with its paths: shown for scale
    ]
    print(
        f"machine: {os.cpu_count()} CPUs; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        bom = write_synthetic(args.n, Path(tmp))
        gc.disable()  # as during a command
        try:
            t0 = time.perf_counter()
            loaded = load_bom(bom)
            pg = build_graph(loaded.doc, source=loaded.source)
            load_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            index = TraceIndex(pg)
            for table in ("purl", "name", "name_folded", "part", "serial", "country"):
                index.table(table)
            index.in_order(())
            index_s = time.perf_counter() - t0
            components = pg.components
            name = f"pkg{k}"
            floor_s, floor = _median(
                lambda: [r for r, c in components.items() if c.get("name") == name], args.repeat
            )
            print(
                f"BOM: {args.n} components, {bom.stat().st_size / 1e6:.1f} MB; load + graph"
                f" {load_s:.2f} s, trace index {index_s:.2f} s (loading: not counted below);"
                f" {args.repeat} runs per query, medians"
            )
            print(
                f"floor: one Python pass over the components comparing a name:"
                f" {floor_s * 1000:.1f} ms ({len(floor)} match)"  # type: ignore[arg-type]
            )
            print(f"{'query':46} {'matches':>7} {'indexed':>9} {'x floor':>8} {'scan':>9}  target")
            for text, targeted in queries:
                query = parse_query(text)
                t, result = _median(
                    lambda q=query: trace_graph(pg, q, max_paths=10, index=index), args.repeat
                )  # type: ignore[misc]
                fresh_s, _ = _median(lambda q=query: trace_graph(pg, q, max_paths=10), args.repeat)  # type: ignore[misc]
                matches = len(result.matches)  # type: ignore[attr-defined]
                if matches == 0:
                    print(
                        f"{text!r}: matched nothing, a benchmark query must match", file=sys.stderr
                    )
                    return 1
                verdict = "no target (broad)"
                if targeted:
                    met = t < TARGET_S
                    ok &= met
                    verdict = f"< {TARGET_S * 1000:.0f} ms: {'met' if met else 'NOT met'}"
                print(
                    f"{text!r:46} {matches:7} {t * 1000:6.1f} ms {t / floor_s:7.2f}x"
                    f" {fresh_s * 1000:6.0f} ms  {verdict}"
                )
        finally:
            gc.enable()
    print("\nresult:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
