"""Stage rules and origin claims on a server BOM (README "Speed"): ``sovbom check`` with a
policy's ``stages:`` table, and with ``--claim`` as well, against the same check without either,
in the same run, on the same BOM, under the same garbage-collector setting (target: at most
+20% at 100k components). Every 10th package is a baseboard with three stages (with a cost), so
the stage rules, the chain rule, the shares and every claim condition have work to do.

The three variants run interleaved (plain, stages, stages + claim; ``--repeat`` rounds, each
starting with another variant) so that a change in the machine's load touches all three alike;
each figure is the best round, in wall seconds and in CPU seconds (user + system) of this
process. The load average is printed.

Usage: python benchmarks/bench_origins.py [--sizes 10000,100000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import POLICY  # noqa: E402
from bench_core import synthetic_tree  # noqa: E402

from sovbom.cli import cli  # noqa: E402
from sovbom.cyclonedx.writer import write_bom  # noqa: E402
from sovbom.hbom import tree_document  # noqa: E402
from sovbom.model import ProductionStep  # noqa: E402

STAGES = """\
stages:
  server: {final-assembly: domestic}
  baseboard: {pcb-fabrication: domestic, pcb-assembly: approved}
"""
CLAIM = """\
sovbom_claim: 1
name: Made in Japan (benchmark)
country: JP
approved_countries: [US, TW, DE, KR]
denied_countries: [CN]
conditions:
  stages:
    server: {final-assembly: domestic}
    baseboard: {pcb-fabrication: domestic, pcb-assembly: approved}
  min_domestic_value_share: 0.5
  critical: [baseboard]
  critical_level: declared
"""
TARGET = 1.2


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    w0, c0 = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - w0, _cpu() - c0


def _bom(d: Path, n: int) -> Path:
    root = synthetic_tree(n)
    root.production = [ProductionStep("final-assembly", "Plant", "JP", "2026-10-01")]
    for i, c in enumerate(root.walk()):
        if i % 10 == 0 and c.type == "library":
            c.properties = [("sovbom:class", "baseboard")]
            c.production = [
                ProductionStep(
                    "pcb-fabrication", "Fab", "JP", "2026-08-01", value="100", basis="cost"
                ),
                ProductionStep("pcb-assembly", "SMT", "TW", "2026-09-01", value="50", basis="cost"),
                ProductionStep("test", "Lab", "JP", "2026-09-02"),
            ]
    bom = d / f"bom-{n}.cdx.json"
    write_bom(bom, tree_document(root), reproducible=True)
    return bom


def measure(d: Path, n: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) seconds of each variant over ``repeat`` interleaved rounds."""
    bom = _bom(d, n)
    plain, staged, claim = d / "plain.yaml", d / "staged.yaml", d / "claim.yaml"
    plain.write_text(POLICY)
    staged.write_text(POLICY + STAGES)
    claim.write_text(CLAIM)
    variants = {
        "plain": ["--policy", str(plain)],
        "stages": ["--policy", str(staged)],
        "stages + claim": ["--policy", str(staged), "--claim", str(claim)],
    }
    best: dict[str, tuple[float, float]] = {}
    names = list(variants)
    for round_ in range(repeat):
        # each round starts with another variant: none always runs on a warmer heap
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            extra = variants[name]

            def once(extra: list[str] = extra) -> None:
                argv = ["check", str(bom), *extra, "-f", "json", "-o", str(d / "r.json")]
                try:
                    cli.main(argv, standalone_mode=False)
                except SystemExit as e:
                    assert e.code in (0, 1), e.code

            wall, cpu = _timed(once)
            old = best.get(name)
            best[name] = (min(wall, old[0]), min(cpu, old[1])) if old else (wall, cpu)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10k components, 2 rounds")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 2 if args.quick else args.repeat
    ok = True
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            best = measure(Path(tmp), n, repeat)
            base_wall, base_cpu = best["plain"]
            print(f"\nBOM: {n:,} components, every 10th package a baseboard with 3 stages")
            print(f"{'check':<24}{'wall s':>9}{'CPU s':>9}{'x wall':>9}{'x CPU':>9}")
            for name, (wall, cpu) in best.items():
                print(
                    f"{name:<24}{wall:9.3f}{cpu:9.3f}{wall / base_wall:9.2f}{cpu / base_cpu:9.2f}"
                )
            ratio = best["stages + claim"][1] / base_cpu
            print(f"stages + claim: +{(ratio - 1) * 100:.1f}% CPU (target <= +20% at 100k)")
            if n >= 100_000:
                ok = ok and ratio <= TARGET
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
