"""`sovbom check` against parsing the same file, like for like (README "Speed").

For each size (synthetic server BOMs: a few parts, the rest Debian packages with a binary-tree
dependency graph, most of them non-domestic so nearly every component has a finding):

* **floor**: read the file and ``orjson.loads`` it, in this process, with the cyclic garbage
  collector paused, as ``sovbom`` pauses it for the length of a command;
* **check**: ``sovbom check BOM --policy P -f json -o REPORT`` through the command line, in this
  process (read, parse, depth and schema validation, graph, policy, JSON report written);

both the best of ``--repeat`` runs, taken alternately (floor, check, floor, check ...: a host
whose speed drifts slows both alike), as wall time and CPU time (user + sys of this process), and
the ratios check / floor (target: both at most 4x), with the spread of each alternated pair's CPU
ratio. Peak memory is the high-water mark (``VmHWM``) of a fresh process doing only the one or the
other (target: at most 1.4x). A dependency chain (c(i) depends on c(i+1)) shows time and report
size growing linearly with its length.

``--phases`` adds, per size, where one run's time goes: the command's steps taken one by one
(read, parse with its depth check, schema, SHA-256, graph, policy, report objects, serialisation,
write, and letting it all go), each as user and system CPU seconds and minor page faults, next to
the floor's. System time is mostly the kernel handing out fresh pages: on some hosts it is half
of the floor itself, so a step that allocates costs more than its Python work suggests.

Usage: python benchmarks/bench_check.py [--quick] [--with-1m] [--repeat 3] [--sizes ...] [--phases]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_synthetic  # noqa: E402

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

CHECK_TARGET = 4.0
MEMORY_TARGET = 1.4
SRC = Path(__file__).resolve().parents[1] / "src"

_PEAK = """
import sys
from pathlib import Path

def hwm_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("no VmHWM")

bom, policy, report, mode = sys.argv[1:5]
if mode == "floor":
    import gc, orjson
    gc.disable()
    doc = orjson.loads(Path(bom).read_bytes())
else:
    from sovbom.cli import cli
    try:
        cli.main(["check", bom, "--policy", policy, "-f", "json", "-o", report],
                 standalone_mode=False)
    except SystemExit as e:
        assert e.code in (0, 1), e.code
print(hwm_kib())
"""


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeat`` runs, the garbage collector paused.

    A collection of what the run left is timed too: cyclic garbage that a paused collector
    leaves is still paid for, at exit. What existed before the run (the interpreter, the imported
    modules) is frozen out of it, so neither side is charged for scanning those.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            gc.collect()
            cpus.append(time.process_time() - c0)
            walls.append(time.perf_counter() - w0)
        finally:
            gc.unfreeze()
            gc.enable()
    return min(walls), min(cpus)


def timed_pairs(
    floor: Callable[[], object], check: Callable[[], object], repeat: int
) -> tuple[tuple[float, float], tuple[float, float], list[float]]:
    """:func:`timed` of the floor and of the check, their runs alternating (floor, check, floor,
    check ...) so that a host whose speed drifts during the benchmark slows both alike: the best
    (wall, CPU) of each, and each pair's CPU ratio (how far one run's figure can move)."""
    floors: list[tuple[float, float]] = []
    checks: list[tuple[float, float]] = []
    for _ in range(repeat):
        floors.append(timed(floor, 1))
        checks.append(timed(check, 1))
    best_floor = (min(w for w, _ in floors), min(c for _, c in floors))
    best_check = (min(w for w, _ in checks), min(c for _, c in checks))
    return best_floor, best_check, [c / f for (_, f), (_, c) in zip(floors, checks, strict=True)]


class _Steps:
    """User and system CPU seconds and minor page faults of each step, in order."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, int]] = []

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        out = fn(*args, **kwargs)
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        self.rows.append(
            (
                name,
                r1.ru_utime - r0.ru_utime,
                r1.ru_stime - r0.ru_stime,
                r1.ru_minflt - r0.ru_minflt,
            )
        )
        return out


class _Held:
    """What a step made, let go of as a step of its own (its deallocation is part of a run)."""

    def __init__(self, *values: Any) -> None:
        self.values: list[Any] = list(values)

    def let_go(self) -> None:
        self.values.clear()


def floor_steps(bom: Path) -> _Steps:
    """The floor's steps: read, parse, let the document go."""
    step = _Steps()
    data = step("read", bom.read_bytes)
    held = _Held(step("orjson.loads", orjson.loads, data))
    del data
    step("let go", held.let_go)
    return step


def check_steps(bom: Path, policy_path: Path, report_path: Path) -> _Steps:
    """The steps of ``sovbom check BOM --policy P -f json -o REPORT`` (no signature, evidence or
    hardware identity), one by one, as :func:`sovbom.checking.check_bom` and the command take
    them."""
    from sovbom._io import read_bytes, write_bytes
    from sovbom.checking import CheckReport, ensure_valid
    from sovbom.cyclonedx.reader import parse_bom
    from sovbom.graph import build_graph
    from sovbom.policy import VerificationContext, evaluate, load_policy
    from sovbom.report.json_format import _dump, check_report_dict

    policy = load_policy(policy_path)
    today = dt.datetime.now(dt.UTC).date()
    step = _Steps()
    data = step("read", read_bytes, bom)
    loaded = step("parse + depth", parse_bom, data, str(bom))
    del data
    step("schema", ensure_valid, loaded)
    digest = step("sha256", lambda raw: hashlib.sha256(raw).hexdigest(), loaded.raw)
    graph = step("graph", build_graph, loaded.doc, source=loaded.source)
    context = VerificationContext()
    result = step("policy", evaluate, graph, policy, context, today=today, max_paths=5)
    report = CheckReport(
        result=result,
        graph=graph,
        policy=policy,
        bom_source=loaded.source,
        bom_sha256=digest,
        bom_serial=loaded.doc.get("serialNumber"),
        policy_sha256=policy.sha256,
        as_of=today.isoformat(),
        fail_on="high",
    )
    del loaded, graph, result
    doc = step("report objects", check_report_dict, report)
    data = step("serialise", _dump, doc)  # the JSON renderer's own serialisation
    step("write", write_bytes, report_path, data)
    held = _Held(report, doc, data)
    del report, doc, data
    step("let go", held.let_go)
    return step


def print_steps(n: int, floor: _Steps, check: _Steps) -> None:
    print(f"\n{n} components, one run, gc paused: seconds of CPU (user + sys) and page faults")
    print(f"  {'step':<16} {'user':>7} {'sys':>7} {'faults':>8}")
    for title, steps in (("floor", floor), ("check", check)):
        print(f"  {title}")
        for name, user, system, faults in steps.rows:
            print(f"  {name:<16} {user:>7.3f} {system:>7.3f} {faults:>8}")
        user = sum(r[1] for r in steps.rows)
        system = sum(r[2] for r in steps.rows)
        faults = sum(r[3] for r in steps.rows)
        print(f"  {'total':<16} {user:>7.3f} {system:>7.3f} {faults:>8}")


def paused(fn: Callable[[], _Steps]) -> _Steps:
    """``fn()`` with the collector paused and what existed before frozen out, as :func:`timed`."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        return fn()
    finally:
        gc.collect()
        gc.unfreeze()
        gc.enable()


def run_check(bom: Path, policy: Path, report: Path) -> None:
    try:
        cli.main(
            ["check", str(bom), "--policy", str(policy), "-f", "json", "-o", str(report)],
            standalone_mode=False,
        )
    except SystemExit as e:  # exit 1: findings
        assert e.code in (0, 1), e.code


def peak_mib(bom: Path, policy: Path, report: Path, mode: str) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(bom), str(policy), str(report), mode],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def chain_bom(n: int, directory: Path) -> Path:
    """A server whose part c(i) depends on c(i+1), every part non-domestic."""
    refs = [f"c{i}" for i in range(n)]
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "device", "bom-ref": "root", "name": "server"}},
        "components": [
            {
                "type": "library",
                "bom-ref": ref,
                "name": f"part{i}",
                "supplier": {"name": "S", "address": {"country": "US"}},
            }
            for i, ref in enumerate(refs)
        ],
        "dependencies": [
            {"ref": "root", "dependsOn": refs[:1]},
            *({"ref": a, "dependsOn": [b]} for a, b in zip(refs, refs[1:], strict=False)),
            {"ref": refs[-1], "dependsOn": []},
        ],
    }
    path = directory / f"chain-{n}.cdx.json"
    path.write_bytes(orjson.dumps(doc))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--with-1m", action="store_true", help="add 1,000,000 components (slow)")
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, one run each")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory runs")
    parser.add_argument("--chain", default="1000,4000,8000", help="dependency chain lengths")
    parser.add_argument(
        "--phases", action="store_true", help="per size, CPU and page faults of each step"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    chains = [int(s) for s in args.chain.split(",")]
    if args.quick:
        sizes, args.repeat, chains = [1000, 10000], 1, [1000, 4000]
    if args.with_1m:
        sizes.append(1_000_000)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")
    print(
        "floor: read + orjson.loads, gc paused; check: the command, gc paused;"
        f" runs alternating, best of {args.repeat} each"
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        policy = d / "policy.yaml"
        policy.write_text(POLICY)
        report = d / "report.json"
        # warm up as a long-running process would be: the command's imports, the schema compiled
        run_check(chain_bom(10, d), policy, report)
        print(
            f"\n{'N':>9} {'MB':>6} | {'floor wall':>10} {'cpu':>7} | {'check wall':>10} {'cpu':>7}"
            f" | {'ratio wall':>10} {'cpu':>5} | {'us/comp':>7} | {'peak MiB':>15} {'ratio':>5}"
        )
        for n in sizes:
            bom = write_synthetic(n, d)
            size = bom.stat().st_size
            (floor_w, floor_c), (check_w, check_c), pairs = timed_pairs(
                lambda bom=bom: orjson.loads(bom.read_bytes()),
                lambda bom=bom: run_check(bom, policy, report),
                args.repeat,
            )
            mem = ""
            if not args.no_memory and n >= 10_000:
                base = peak_mib(bom, policy, report, "floor")
                ours = peak_mib(bom, policy, report, "check")
                mem = f"{ours:>7.0f}/{base:<7.0f} {ours / base:>5.2f}"
                if n >= 100_000 and ours / base > MEMORY_TARGET:
                    ok = False
                    mem += " FAIL"
            ratio_w, ratio_c = check_w / floor_w, check_c / floor_c
            print(
                f"{n:>9} {size / 1e6:>6.1f} | {floor_w:>9.3f}s {floor_c:>6.3f}s |"
                f" {check_w:>9.3f}s {check_c:>6.3f}s | {ratio_w:>9.2f}x {ratio_c:>4.2f}x |"
                f" {check_c / n * 1e6:>7.1f} | {mem}"
            )
            if len(pairs) > 1:
                spread = sorted(pairs)
                print(
                    f"{'':>17} CPU ratio of each alternated pair: {spread[0]:.2f}x to"
                    f" {spread[-1]:.2f}x, median {statistics.median(spread):.2f}x"
                )
            # both ratios must hold: on a busy host one of them can flatter (a floor whose wall
            # time stretches while it waits for pages looks slower than it is)
            if n >= 100_000 and max(ratio_w, ratio_c) > CHECK_TARGET:
                ok = False
                print(f"  FAIL: check over {CHECK_TARGET}x parsing")
            if args.phases:
                floor_rows = paused(lambda bom=bom: floor_steps(bom))
                check_rows = paused(lambda bom=bom: check_steps(bom, policy, report))
                print_steps(n, floor_rows, check_rows)
            bom.unlink()
        print(f"\nreport of the last run: {report.stat().st_size / 1e6:.1f} MB")

        print(
            f"\ndependency chain (c(i) depends on c(i+1)): {'N':>6} {'check wall':>10} {'cpu':>7}"
            f" {'us/comp':>7} {'report MB':>9}"
        )
        first = None
        for n in chains:
            bom = chain_bom(n, d)
            wall, cpu = timed(lambda bom=bom: run_check(bom, policy, report), args.repeat)
            size = report.stat().st_size
            print(
                f"{'':>43} {n:>6} {wall:>9.3f}s {cpu:>6.3f}s {cpu / n * 1e6:>7.1f} {size / 1e6:>9.2f}"
            )
            if first is None:
                first = (n, cpu, size)
        if first is not None and len(chains) > 1:
            n0, cpu0, size0 = first
            grow = chains[-1] / n0
            size_growth = size / size0
            print(f"{'':>43} x{grow:.0f} parts: report x{size_growth:.1f}, CPU x{cpu / cpu0:.1f}")
            if size_growth > grow * 1.25:
                ok = False
                print("  FAIL: the report grows faster than the chain")
    print("\nresult:", "all targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
