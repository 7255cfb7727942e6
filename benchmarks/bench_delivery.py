"""Benchmark: ``sovbom verify-delivery --shipment`` against the floor of reading its inputs.

Generates one shipment (``DIR/<server>/expected.cdx.json`` + its Sigstore bundle +
``observed.cdx.json``): each server's factory HBOM has its own serials (152 hardware parts and ~60
firmware components), signed with the local, test-only Sigstore instance of the test suite on
127.0.0.1; its observed HBOM is what a Redfish collection gives (other bom-refs, no firmware
hashes, no revisions). One server in 50 has a swapped DIMM, so every run exits 3 and names them.
The signed shipment is kept in a cache directory (``--cache``) and reused by later runs; smaller
shipments are hard-linked subsets of the largest.

For each size it runs, as whole processes, medians of ``--runs``:

* the floor: ``orjson.loads`` of every expected and observed file, garbage collector paused as
  sovbom pauses it, by the same number of forked worker processes;
* ``python -m sovbom verify-delivery --shipment DIR --report-dir OUT`` (signatures verified
  offline, matching, a JSON report per server and for the shipment), with that number of workers;

and prints wall time, CPU seconds (the process and its workers), the ratio to the floor, and the
peak memory: the largest sum of proportional set sizes of the process and its workers (sampled
from /proc every 0.2 s, shared pages counted once), the largest single process (``ru_maxrss`` of
the tree) and the parent process alone (its own ``ru_maxrss``, which it reports as it exits: the
one process whose memory could grow with the shipment, as it collects every server's result;
the workers' is bounded by the server each holds). Goals: 1,000 servers in under 10 s and within
5x the floor; 10,000 servers in under 100 s with a peak under 500 MB, whatever the shipment's
size.

    python benchmarks/bench_delivery.py [--sizes 100,1000] [--with-10000] [--runs 3]
                                        [--cache DIR] [-j N] [--policy] [--quick] [--stages N]
                                        [--parse-every-file]

``--parse-every-file``: the same runs with no file known by its bytes (byte templates off, see
``sovbom.delivery.byte_templates``): every expected and observed file is parsed, as it is in a
shipment whose files differ beyond their serials, or with ``--policy``.

``--stages N``: where the time goes, per server, on the first N servers in one process (one
worker): CPU milliseconds per server of each step (nested steps are part of their parent's
figure), against the floor measured in the same process (read and ``orjson.loads`` of the same
files, garbage collector paused).

``--quick``: 100 servers, one run. The goals are checked on both ratios, wall time and CPU
seconds (the process and its workers): on a machine shared with other work, wall time stretches
with the load average (printed), CPU seconds much less.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "src"))

from sovbom.cyclonedx.writer import render_bom  # noqa: E402
from sovbom.hbom import link_firmware, tree_document  # noqa: E402
from sovbom.model import Component, Organization  # noqa: E402

IDENTITY = "bench-factory@acme-servers.example"
JP = Organization("Yamato Compute Systems K.K.", "JP")
#: Serial prefix of the template server, replaced by each server's own.
MARKER = "BXXXXX"
#: Bumped when the generated shipment changes (a cache of an older one is rebuilt).
CACHE_VERSION = "2"


def _part(ref: str, cls: str, name: str, maker: str, pn: str, serial: str, slot: str | None,
          rev: str | None = None) -> Component:  # fmt: skip
    return Component(ref=ref, name=name, cls=cls, manufacturer=Organization(maker),
                     part_number=pn, serial=serial, slot=slot, version=rev, origin_country="JP")  # fmt: skip


def _fw(part: Component, name: str, version: str, i: int) -> None:
    fw = Component(ref=f"fw:{part.ref[3:]}/fw", name=name, type="firmware", version=version,
                   hashes={"SHA-256": f"{i:064x}"})  # fmt: skip
    link_firmware(part, fw)


def server_tree(s: str) -> Component:
    """A server of ~150 parts whose serials all begin with ``s``."""
    root = Component(ref="hw:server", name="YCS AIX-8B", cls="server", manufacturer=JP,
                     serial=f"{s}-SRV", part_number="AIX-8B-JP-001", version="A",
                     properties=[("sovbom:model", "AIX-8B-JP")])  # fmt: skip
    chassis = _part("hw:chassis", "chassis", "8U chassis", JP.name, "YCS-CH-8U-02", f"{s}-CH", None)
    board = _part("hw:chassis/baseboard", "baseboard", "X13 baseboard", JP.name, "YCS-MB-X13-01",
                  f"{s}-MB", None, "1.02")  # fmt: skip
    _fw(board, "UEFI BIOS", "X13.2.1.7", 1)
    root.children.append(chassis)
    chassis.children.append(board)
    n = 0
    for c in range(2):
        cpu = _part(f"hw:chassis/baseboard/cpu{c}", "cpu", "Xeon 6960P", "Intel Corporation",
                    "PK8072205512900", f"{s}-CPU{c}", f"CPU{c}")  # fmt: skip
        _fw(cpu, "Intel microcode", "0x10002b0", 2)
        board.children.append(cpu)
    for d in range(64):
        board.children.append(_part(f"hw:chassis/baseboard/dimm{d}", "memory", "64GB RDIMM",
                                    "Samsung Electronics Co., Ltd.", "M321R8GA0PB2-CCP",
                                    f"{s}-DIMM{d:02d}", f"DIMM_{d:02d}", "B2"))  # fmt: skip
    bmc = _part("hw:chassis/baseboard/bmc", "bmc", "AST2600", "ASPEED Technology Inc.", "AST2600A3-GP",
                f"{s}-BMC", None)  # fmt: skip
    _fw(bmc, "OpenBMC firmware", "2.16.0-ycs3", 3)
    tpm = _part("hw:chassis/baseboard/tpm", "tpm", "TPM 2.0", "Infineon Technologies AG",
                "SLB9672AU20FW1613XTMA1", f"{s}-TPM", None)  # fmt: skip
    _fw(tpm, "TPM firmware", "16.13.0", 4)
    board.children.extend([bmc, tpm])
    hgx = _part("hw:chassis/hgx", "gpu-baseboard", "HGX B200", "NVIDIA Corporation",
                "935-24287-0000-000", f"{s}-HGX", None)  # fmt: skip
    _fw(hgx, "HGX firmware", "1.3.2", 5)
    chassis.children.append(hgx)
    for g in range(8):
        gpu = _part(f"hw:chassis/hgx/gpu{g}", "gpu", "B200", "NVIDIA Corporation", "699-2G525-0200-000",
                    f"{s}-GPU{g}", f"SXM{g + 1}", "A1")  # fmt: skip
        _fw(gpu, "GPU VBIOS", "97.00.8A.00.1F", 6)
        hgx.children.append(gpu)
    groups = (("nic", 10, "ConnectX-7", "NVIDIA Corporation", "MCX75310AAS-NEAT", "NIC fw", "28.43.1014"),
              ("storage", 24, "CM7-R NVMe", "KIOXIA Corporation", "KCMYXRUG7T68", "SSD fw", "0104"),
              ("psu", 6, "3200W PSU", "Delta Electronics, Inc.", "DPS-3200AB-1", "PSU fw", "1.2.4"),
              ("fan", 16, "Fan", "Nidec Corporation", "FAN-80", None, None),
              ("riser", 10, "Riser", JP.name, "RSR-2", None, None),
              ("cable", 6, "Cable", JP.name, "CBL-1", None, None))  # fmt: skip
    for cls, count, name, maker, pn, fw_name, fw_version in groups:
        for k in range(count):
            n += 1
            part = _part(f"hw:chassis/{cls}{k}", cls, name, maker, pn, f"{s}-{cls.upper()}{k:02d}",
                         f"{cls.upper()}{k}")  # fmt: skip
            if fw_name and fw_version:
                _fw(part, fw_name, fw_version, 7 + n)
            chassis.children.append(part)
    return root


def observed_of(expected: dict[str, Any]) -> dict[str, Any]:
    """What a Redfish collection of the server gives: other refs, no hashes, no revisions."""
    text = json.dumps(expected).replace('"hw:', '"hw:redfish:').replace('"fw:', '"fw:redfish:')
    doc: dict[str, Any] = json.loads(text)
    stack = [doc["metadata"]["component"], *doc["components"]]
    while stack:
        c = stack.pop()
        c.pop("hashes", None)
        if c.get("type") == "device" and c.get("bom-ref") != "hw:redfish:server":
            c.pop("version", None)
        stack.extend(c.get("components", []))
    doc["metadata"]["properties"] = [{"name": "sovbom:bom:kind", "value": "observed"}]
    return doc


def server_name(i: int) -> str:
    return f"server-{i:05d}"


def is_swapped(i: int) -> bool:
    return i % 50 == 7


def _serial_number(i: int) -> bytes:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'bench-server-{i}')}".encode()


def _templates() -> tuple[bytes, bytes, bytes]:
    """The template server's expected and observed HBOM, and its BOM serial number."""
    expected = render_bom(tree_document(server_tree(MARKER), kind="factory"), reproducible=True)
    serial = json.loads(expected)["serialNumber"].encode()
    observed = json.dumps(observed_of(json.loads(expected)), indent=2).encode()
    return expected, observed, serial


def _generate(ship: Path, n: int) -> list[Path]:
    """``n`` servers from the template: only their serials (and BOM serial number) differ."""
    expected, observed, serial = _templates()
    files = []
    for i in range(n):
        d = ship / server_name(i)
        d.mkdir(parents=True)
        s = f"B{i:05d}".encode()
        e = expected.replace(MARKER.encode(), s).replace(serial, _serial_number(i))
        o = observed.replace(MARKER.encode(), s)
        if is_swapped(i):
            dimm = s + b"-DIMM07"
            o = o.replace(b'"' + dimm + b'"', b'"' + dimm + b'-SWAPPED"')
        (d / "expected.cdx.json").write_bytes(e)
        (d / "observed.cdx.json").write_bytes(o)
        files.append(d / "expected.cdx.json")
    return files


def _sign(files: list[Path], trust_config: Path, token: str) -> None:
    """One ``sovbom sign`` per chunk of files, two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    chunks = [files[k : k + 500] for k in range(0, len(files), 500)]

    def sign(chunk: list[Path]) -> None:
        argv = [sys.executable, "-m", "sovbom", "sign", *map(str, chunk),
                "--trust-config", str(trust_config), "--identity-token", token]  # fmt: skip
        subprocess.run(argv, check=True, env=_env(), stdout=subprocess.DEVNULL)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(sign, chunks))


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


def prepare(cache: Path, n: int) -> Path:
    """The cache directory holding a signed shipment of at least ``n`` servers (built once)."""
    done = cache / "complete"
    if done.is_file():
        version, size = done.read_text().split()
        if version == CACHE_VERSION and int(size) >= n:
            return cache
    from sigstore_local import DEFAULT_ISSUER, LocalSigstore

    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    t0 = time.perf_counter()
    with LocalSigstore() as inst:
        trust_config = inst.write_trust_config(cache / "trust_config.json")
        (cache / "signers.yaml").write_text(
            "version: 1\nroles:\n  manufacturer:\n    signers:\n"
            f"      - {{identity: {IDENTITY}, issuer: '{DEFAULT_ISSUER}'}}\n"
        )
        files = _generate(cache / "servers", n)
        gen_s = time.perf_counter() - t0
        _sign(files, trust_config, inst.mint_token(IDENTITY, DEFAULT_ISSUER, lifetime=7200))
    print(f"generated {n} servers in {gen_s:.1f} s, signed in {time.perf_counter() - t0 - gen_s:.1f} s"
          f" (cached in {cache})")  # fmt: skip
    done.write_text(f"{CACHE_VERSION} {n}\n")
    return cache


def subset(cache: Path, n: int) -> Path:
    """A shipment of the first ``n`` servers (hard links to the cached files)."""
    ship = cache / f"shipment-{n}"
    if ship.is_dir() and len(os.listdir(ship)) == n:
        return ship
    shutil.rmtree(ship, ignore_errors=True)
    for i in range(n):
        src, dst = cache / "servers" / server_name(i), ship / server_name(i)
        dst.mkdir(parents=True)
        for f in os.listdir(src):
            os.link(src / f, dst / f)
    return ship


FLOOR = """
import gc, multiprocessing, os, sys, orjson
gc.disable()
root, jobs = sys.argv[1], int(sys.argv[2])
def load(name):
    d = os.path.join(root, name)
    for f in ("expected.cdx.json", "observed.cdx.json"):
        with open(os.path.join(d, f), "rb") as fh:
            orjson.loads(fh.read())
    return name
names = sorted(os.listdir(root))
if jobs > 1:
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for _ in pool.imap(load, names, chunksize=max(1, min(16, len(names) // (jobs * 8)))):
            pass
else:
    for n in names:
        load(n)
"""


#: Runs ``python -m sovbom`` (arguments after the first) and writes the peak resident set of
#: that process alone, not its workers, to the file named by the first argument as it exits.
PARENT_PEAK = """
import atexit, os, resource, runpy, sys
out, parse_all, parent = sys.argv[1], sys.argv[2] == "parse-all", os.getpid()
if parse_all:  # no file known by its bytes: every file parsed, as when they differ beyond serials
    import sovbom.delivery.shipment as shipment
    shipment.known_bytes = lambda data: None
def peak():
    if os.getpid() == parent:  # not a forked worker
        with open(out, "w") as f:
            f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
atexit.register(peak)
sys.argv = ["sovbom", *sys.argv[3:]]
runpy.run_module("sovbom", run_name="__main__", alter_sys=True)
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_pss: int  # bytes: largest sum over the process tree
    max_rss: int  # bytes: largest single process
    parent_rss: int = 0  # bytes: the parent process alone (sovbom runs only)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return out


def _pss(pid: int) -> int:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def measure(argv: list[str]) -> Run:
    """Run ``argv`` as a process: wall time, CPU of it and its children, peak memory."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _pss(proc.pid))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{argv[:4]} failed ({proc.returncode}): {err}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, peak, usage.ru_maxrss * 1024)


STAGES = """
import atexit, gc, importlib, sys, time
import orjson
steps = [("_work", "sovbom.delivery.shipment"), ("verify_server", "sovbom.delivery.shipment"),
         ("read_bytes", "sovbom.delivery.shipment"), ("known_bytes", "sovbom.delivery.shipment"),
         ("parse_bom", "sovbom.delivery.shipment"),
         ("check_signature", "sovbom.delivery.shipment"), ("assess", "sovbom.delivery.shipment"),
         ("extract_shared", "sovbom.delivery.shipment"), ("compare_parts", "sovbom.delivery.assess"),
         ("fingerprint", "sovbom.delivery.assess"), ("delivery_result_dict",
         "sovbom.report.json_format"), ("_dump", "sovbom.report.json_format"),
         ("write_staged", "sovbom.delivery.shipment"), ("keys_of", "sovbom.delivery.shipment")]
spent = dict.fromkeys((n for n, _ in steps), 0.0)
def timed(name, fn):
    def run(*a, **k):
        t0 = time.process_time()
        try:
            return fn(*a, **k)
        finally:
            spent[name] += time.process_time() - t0
    return run
for name, module in steps:
    m = importlib.import_module(module)
    setattr(m, name, timed(name, getattr(m, name)))
root, n = sys.argv[1], int(sys.argv[2])
def show():
    gc.disable()
    names = sorted(os.listdir(root))
    t0 = time.process_time()
    for s in names:
        for f in ("expected.cdx.json", "observed.cdx.json"):
            with open(os.path.join(root, s, f), "rb") as fh:
                orjson.loads(fh.read())
    floor = (time.process_time() - t0) / len(names)
    print(f"| step | CPU ms per server | x floor |")
    print("|---|---|---|")
    print(f"| floor (read + orjson.loads, same files) | {floor * 1e3:.2f} | 1.00 |")
    for name, _ in steps:
        print(f"| {name} | {spent[name] / n * 1e3:.2f} | {spent[name] / n / floor:.2f} |")
import os
atexit.register(show)
from sovbom.cli import main
sys.argv = ["sovbom", *sys.argv[3:]]
main()
"""


def stages(cache: Path, n: int) -> None:
    """Where a server's time goes (``--stages``): one process, one worker, ``n`` servers."""
    ship = subset(cache, n)
    with tempfile.TemporaryDirectory(prefix="sovbom-bench-delivery-") as tmp:
        argv = [sys.executable, "-c", STAGES, str(ship), str(n), "verify-delivery", "--shipment",
                str(ship), "--signers", str(cache / "signers.yaml"), "--trust-config",
                str(cache / "trust_config.json"), "--offline", "--report-dir",
                str(Path(tmp) / "reports"), "-f", "json", "-o", str(Path(tmp) / "summary.json"),
                "--jobs", "1"]  # fmt: skip
        out = subprocess.run(argv, env=_env(), capture_output=True, text=True, check=False)
    if out.returncode not in (0, 3):
        raise SystemExit(f"--stages failed ({out.returncode}): {out.stderr}")
    print(f"per server, {n} servers, one process (load average {os.getloadavg()[0]:.1f}):")
    print(out.stdout, end="")


def _check(summary: Path, n: int, policy: bool) -> None:
    doc = json.loads(summary.read_text())
    expected_bad = [server_name(i) for i in range(n) if is_swapped(i)]
    swapped = [s["server"] for s in doc["servers"] if s["counts"] and s["counts"]["substituted"]]
    if swapped != expected_bad or (doc["failed_servers"] != expected_bad and not policy):
        raise SystemExit(f"unexpected outcome: failed {doc['failed_servers'][:5]}")
    if len(doc["servers"]) != n:
        raise SystemExit(f"{len(doc['servers'])} servers in the summary, not {n}")


def default_jobs(n: int) -> int:
    from sovbom.delivery.shipment import _default_jobs

    return _default_jobs(n)


def bench(
    cache: Path, n: int, runs: int, jobs: int | None, policy: bool, parse_all: bool = False
) -> dict[str, Any]:
    ship = subset(cache, n)
    j = jobs or default_jobs(n)
    floors, sovboms = [], []
    with tempfile.TemporaryDirectory(prefix="sovbom-bench-delivery-") as tmp:
        for _ in range(runs):
            floors.append(measure([sys.executable, "-c", FLOOR, str(ship), str(j)]))
            out = Path(tmp) / "reports"
            shutil.rmtree(out, ignore_errors=True)
            peak_file = Path(tmp) / "parent-peak"
            mode = "parse-all" if parse_all else "as-is"
            argv = [sys.executable, "-c", PARENT_PEAK, str(peak_file), mode, "verify-delivery",
                    "--shipment", str(ship), "--signers", str(cache / "signers.yaml"), "--trust-config",
                    str(cache / "trust_config.json"), "--offline", "--report-dir", str(out),
                    "-f", "json", "-o", str(Path(tmp) / "summary.json"), "--jobs", str(j)]  # fmt: skip
            if policy:
                argv += ["--policy", str(REPO / "samples" / "policy.yaml"), "--as-of", "2026-11-22"]
            run = measure(argv)
            run.parent_rss = int(peak_file.read_text())
            sovboms.append(run)
            _check(Path(tmp) / "summary.json", n, policy)
            if len(os.listdir(out)) != n + 1:
                raise SystemExit(f"{len(os.listdir(out))} reports written, not {n + 1}")

    def med(values: list[Run], attr: str) -> float:
        return float(statistics.median(getattr(r, attr) for r in values))

    return {
        "n": n,
        "jobs": j,
        "floor_wall": med(floors, "wall"),
        "floor_cpu": med(floors, "cpu"),
        "floor_pss": med(floors, "peak_pss"),
        "wall": med(sovboms, "wall"),
        "cpu": med(sovboms, "cpu"),
        "pss": med(sovboms, "peak_pss"),
        "max_rss": med(sovboms, "max_rss"),
        "parent_rss": med(sovboms, "parent_rss"),
        "walls": [r.wall for r in sovboms],
        "load": os.getloadavg()[0],
    }


def _mb(b: float) -> str:
    return f"{b / 1e6:.0f} MB"


def report(rows: list[dict[str, Any]]) -> None:
    print("| servers | workers | floor wall / CPU | sovbom wall / CPU | ratio wall / CPU"
          " | sovbom peak (sum PSS / largest process / parent) | floor peak | per server"
          " | load |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['jobs']} | {r['floor_wall']:.2f} s / {r['floor_cpu']:.2f} s"
              f" | {r['wall']:.2f} s / {r['cpu']:.2f} s"
              f" | {r['wall'] / r['floor_wall']:.2f}x / {r['cpu'] / r['floor_cpu']:.2f}x"
              f" | {_mb(r['pss'])} / {_mb(r['max_rss'])} / {_mb(r['parent_rss'])}"
              f" | {_mb(r['floor_pss'])}"
              f" | {r['cpu'] / r['n'] * 1000:.1f} ms CPU | {r['load']:.1f} |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="servers, comma-separated")
    parser.add_argument("--with-10000", action="store_true", help="also 10,000 servers")
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "sovbom-bench-delivery")  # fmt: skip
    parser.add_argument("-j", "--jobs", type=int, help="worker processes (default: sovbom's)")
    parser.add_argument("--policy", action="store_true", help="with samples/policy.yaml")
    parser.add_argument("--max-seconds-1000", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="100 servers, one run")
    parser.add_argument("--stages", type=int, metavar="N", help="per-step costs on N servers")
    parser.add_argument(
        "--parse-every-file",
        action="store_true",
        help="no file known by its bytes (byte templates off): every file parsed, as in a"
        " shipment whose files differ beyond their serials",
    )
    args = parser.parse_args()
    if args.stages:
        stages(prepare(args.cache, args.stages), args.stages)
        return 0
    if args.quick:
        args.sizes, args.runs = "100", 1
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.with_10000 and 10_000 not in sizes:
        sizes.append(10_000)
    cache = prepare(args.cache, max(sizes))
    rows = [bench(cache, n, args.runs, args.jobs, args.policy, args.parse_every_file)
            for n in sizes]  # fmt: skip
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    every = ", every file parsed (byte templates off)" if args.parse_every_file else ""
    print(f"verify-delivery --shipment{' --policy' if args.policy else ''}{every}, {cpus} CPUs,"
          f" medians of {args.runs} runs; the floor is orjson.loads of every expected and observed"
          f" file, gc paused, same workers")  # fmt: skip
    report(rows)
    ok = True
    for r in rows:
        ratio, cpu_ratio = r["wall"] / r["floor_wall"], r["cpu"] / r["floor_cpu"]
        if r["n"] == 1000:
            met = r["wall"] < args.max_seconds_1000 and ratio <= 5 and cpu_ratio <= 5
            print(f"1,000 servers: {r['wall']:.2f} s, {ratio:.2f}x the floor's wall time,"
                  f" {cpu_ratio:.2f}x its CPU seconds: goal {'met' if met else 'MISSED'}")  # fmt: skip
            ok = ok and met
        if r["n"] == 10_000:
            met = r["wall"] < 100 and r["pss"] < 500e6
            print(f"10,000 servers: {r['wall']:.1f} s ({r['cpu']:.1f} CPU seconds), peak"
                  f" {_mb(r['pss'])}: goal {'met' if met else 'MISSED'}")  # fmt: skip
            ok = ok and met
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        growth = (b["cpu"] / b["n"]) / (a["cpu"] / a["n"])
        print(f"CPU per server at {b['n']:,} vs {a['n']:,} servers: {growth:.2f}x (1.00 = linear)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
