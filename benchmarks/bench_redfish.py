"""Redfish collection cost: requests and wall time against a local BMC with latency.

Serves a mockup tree (by default the DMTF public-rackmount1 mockup of the corpus) from a
test-only Redfish service on 127.0.0.1 that adds a fixed latency to every answer, as a BMC does,
and collects it with ``collect_redfish`` at several concurrency levels (session authentication,
plain HTTP). Prints a table: requests made, resources, median wall time, speed-up over
concurrency 1.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_redfish.py [--latency 0.008] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests" / "redfish")]

from redfish_server import RedfishServer  # noqa: E402

from sovbom.collect.redfish import collect_redfish_with_stats  # noqa: E402

CORPUS = (REPO / ".." / "shared" / "corpus" / "hardware" / "redfish").resolve()
USER, PASSWORD = "bench", "bench-only-password"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mockup", type=Path, action="append", help="mockup tree(s)")
    parser.add_argument("--latency", type=float, action="append", help="seconds per answer")
    parser.add_argument("--concurrency", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    mockups = args.mockup or [CORPUS / "dmtf-public-rackmount1", CORPUS / "dmtf-public-tower"]
    latencies = args.latency or [0.005, 0.010]
    levels = args.concurrency or [1, 2, 4, 8]
    missing = [m for m in mockups if not m.is_dir()]
    if missing:
        for m in missing:
            print(f"bench_redfish: error: mockup tree not found: {m}", file=sys.stderr)
        print(
            "bench_redfish: the DMTF mockups come from the third-party corpus (or give --mockup DIR);"
            " nothing was measured",
            file=sys.stderr,
        )
        return 2
    for mockup in mockups:
        for latency in latencies:
            print(f"\n{mockup.name}, {latency * 1000:.0f} ms per answer, {args.repeat} runs each")
            print(
                f"{'concurrency':>11} {'requests':>8} {'resources':>9} {'median s':>9} "
                f"{'min s':>7} {'speed-up':>8}"
            )
            base: float | None = None
            with RedfishServer(mockup, username=USER, password=PASSWORD, latency=latency) as srv:
                for level in levels:
                    times: list[float] = []
                    requests = resources = 0
                    for _ in range(args.repeat):
                        started = time.perf_counter()
                        inv, stats = collect_redfish_with_stats(
                            srv.url, username=USER, password=PASSWORD, concurrency=level
                        )
                        times.append(time.perf_counter() - started)
                        assert inv.complete, inv.notes
                        requests, resources = stats.requests, stats.resources
                    median = statistics.median(times)
                    base = base or median
                    print(
                        f"{level:>11} {requests:>8} {resources:>9} {median:>9.3f} "
                        f"{min(times):>7.3f} {base / median:>7.1f}x"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
