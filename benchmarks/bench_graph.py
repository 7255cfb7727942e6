"""The server picture (``graph_svg``) and the stored view of a check (``build_view``), per server.

    PYTHONPATH=src python benchmarks/bench_graph.py            # a 3,000-component fleet server
    PYTHONPATH=src python benchmarks/bench_graph.py --quick    # 300 components
    ... [--components 3000] [--repeat 30] [--profile]

The server is the fleet benchmark's server 0 (a denied GPU: findings, a flagged path), checked
under the fleet benchmark's policy (CN denied) as ``fleet recheck`` checks it. Figures: CPU
milliseconds (user+sys) and wall milliseconds per call, the median of 5 batches of ``--repeat`` calls, for the
picture alone, the whole stored view and, as the floor, the check itself (the same input, the same
gc setting: paused, as sovbom's commands run); the ratios to the floor; the load average at the
time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import json
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from bench_fleet import server_doc  # noqa: E402
from fleet_support import policy  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _time(fn: Callable[[], Any], repeat: int, batches: int = 5) -> tuple[float, float]:
    """CPU and wall milliseconds per call: the median over ``batches`` batches of ``repeat``
    calls each (a batch is timed whole: the CPU clock's ticks are coarse for one call)."""
    fn()  # warm: templates compiled, caches filled
    cpu, wall = [], []
    for _ in range(batches):
        c0, w0 = _cpu(), time.perf_counter()
        for _ in range(repeat):
            fn()
        cpu.append((_cpu() - c0) / repeat)
        wall.append((time.perf_counter() - w0) / repeat)
        gc.collect()
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=10, help="calls per batch (5 batches)")
    ap.add_argument("--quick", action="store_true", help="300 components, 3 calls a batch")
    ap.add_argument("--profile", action="store_true", help="print a profile of graph_svg")
    args = ap.parse_args()
    if args.quick:
        args.components, args.repeat = 300, 3

    from sovbom.checking import check_bom
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.fleet.checkviews import build_view
    from sovbom.policy.config import load_policy
    from sovbom.report.html.graph import graph_svg

    with tempfile.TemporaryDirectory() as tmp:
        pol = load_policy(policy(Path(tmp) / "policy.yaml", denied=["CN"]))
    data = orjson.dumps(server_doc(0, args.components))

    def check() -> Any:
        return check_bom(parse_bom(data, "s00000.json"), pol, as_of=dt.date(2026, 6, 1),
                         fail_on="high", validate=False)  # fmt: skip

    report = check()

    def picture() -> str:
        return graph_svg(report.graph, report.policy, report.result.findings, "g")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.repeat):
            picture()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    gc.disable()  # as sovbom's commands run (cli/_common.py)
    figures = {
        "check": _time(check, args.repeat),
        "graph_svg": _time(picture, args.repeat),
        "build_view": _time(lambda: build_view(report), args.repeat),
    }
    floor = figures["check"][0]
    out: dict[str, Any] = {"components": args.components, "repeat": args.repeat}
    for name, (cpu, wall) in figures.items():
        out[f"{name}_cpu_ms"] = round(cpu, 2)
        out[f"{name}_wall_ms"] = round(wall, 2)
        out[f"{name}_to_check"] = round(cpu / floor, 3)
    out["load_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
