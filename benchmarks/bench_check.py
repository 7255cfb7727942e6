"""`sovbom check` and `sovbom trace` on a 100k-component server BOM (README "Speed").

* ``check`` end to end (read, parse, graph, policy, JSON report written to a file), in-process
  through the command line, against ``orjson.loads`` of the same file, in the same run: target
  at most 2.5x.
* ``trace`` queries: see ``bench_trace.py``.

Usage: python benchmarks/bench_check.py [-n 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import best_of, write_synthetic  # noqa: E402

from sovbom.cli import cli  # noqa: E402

POLICY = """\
domestic_countries: [JP]
approved_countries: [US, TW, DE, KR]
denied_countries: [CN]
critical_types: [firmware, device]
require_origin: true
verification: {critical: verified, default: declared}
exemptions:
  - match: {purl: "pkg:deb/debian/pkg1?@*"}
    reason: benchmark
    approved_by: nobody
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        bom = write_synthetic(args.n, d)
        policy = d / "policy.yaml"
        policy.write_text(POLICY)
        report = d / "report.json"
        data = bom.read_bytes()

        def run_check() -> None:
            try:
                cli.main(
                    ["check", str(bom), "--policy", str(policy), "-f", "json", "-o", str(report)],
                    standalone_mode=False,
                )
            except SystemExit as e:  # exit 1: findings
                assert e.code in (0, 1), e.code

        base = best_of(lambda: orjson.loads(data), args.repeat)

        def loads_without_gc() -> None:
            gc.disable()
            try:
                orjson.loads(data)
            finally:
                gc.enable()

        base_nogc = best_of(loads_without_gc, args.repeat)
        check_s = best_of(run_check, args.repeat)
        findings = len(orjson.loads(report.read_bytes())["findings"])
        ratio = check_s / base
        print(
            f"BOM: {args.n} components, {len(data) / 1e6:.1f} MB; report: {findings} findings, {report.stat().st_size / 1e6:.1f} MB"
        )
        print(f"orjson.loads            {base:8.3f} s   (default garbage collector settings)")
        print(
            f"orjson.loads, gc paused {base_nogc:8.3f} s   (for comparison: sovbom pauses it during a command)"
        )
        print(
            f"sovbom check (json)     {check_s:8.3f} s   {ratio:.2f}x   (target <= 2.5x; {check_s / base_nogc:.2f}x the gc-paused loads)"
        )
        if ratio > 2.5:
            ok = False
            print("  FAIL")

    print("\nresult:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
