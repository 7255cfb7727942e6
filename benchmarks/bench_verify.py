"""Benchmark: batch ``sovbom verify`` against sigstore-python's own batch verification.

Like with like: both tools get the same signed files in ONE process each, whole process timed
(interpreter start-up and imports included), the same offline trust material (the local instance's
client trust config), the same identity policy, the same machine load (the runs alternate):

* ``sovbom verify FILE... --offline --trust-config TC --cert-identity ID --cert-oidc-issuer ISS``
* ``sigstore --trust-config TC verify identity --offline FILE... --cert-identity ID
  --cert-oidc-issuer ISS`` (sigstore-python's CLI verifies every file it is given in one run)

Each is run ``--repeat`` times per size; medians are printed with both absolute figures (seconds,
files per second) and the ratio of files per second, and the CPU time each used (user + system,
worker processes included), which other load on a shared machine disturbs less than wall time. Target: sovbom at least ``--min-ratio``
(default 2) times the peer's files per second at every size.

Everything runs against the local, test-only Sigstore instance of the test suite on 127.0.0.1 (CA,
transparency log, OIDC token minting); verification itself uses no network.

sovbom verifies the bundles it signs with its lean verifier (``sovbom.signing.lean``, on
``cryptography`` alone) and imports sigstore-python only for a bundle the lean verifier declines;
the peer imports sigstore-python (about a second of start-up) and verifies every bundle with it.
Growth from 300 to 1,000 files is printed as the time per file at each size (linear: the same).

    PYTHONPATH=src python benchmarks/bench_verify.py [-n 300 -n 1000] [--repeat 5] [--jobs N]
    PYTHONPATH=src python benchmarks/bench_verify.py --quick   # 300 files, 3 runs
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from sigstore_local import DEFAULT_ISSUER, LocalSigstore  # noqa: E402

IDENTITY = "bench-signer@factory.example"
VENV_BIN = Path(sys.executable).parent


def _bom(i: int) -> dict[str, object]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "version": 1,
        "metadata": {"component": {"type": "device", "name": f"server-{i:04d}", "bom-ref": "srv"}},
        "components": [
            {"type": "firmware", "name": f"bmc-{j}", "version": f"1.{j}.{i}", "bom-ref": f"c{j}"}
            for j in range(40)
        ],
    }


def _timed(
    cmd: list[str], env: dict[str, str]
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds, CPU seconds (user + system, the process and its workers), the result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu, done


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, action="append", help="files per run (repeatable; 300)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each tool per size")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="sovbom verify's --jobs (default 1: one process, like the peer)",
    )
    parser.add_argument("--min-ratio", type=float, default=2.0, help="required speed ratio")
    parser.add_argument("--quick", action="store_true", help="300 files, 3 runs")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeat = args.n or [300], min(args.repeat, 3)
    sizes = sorted(set(args.n or [300, 1000]))

    with tempfile.TemporaryDirectory(prefix="sovbom-bench-") as tmp, LocalSigstore() as inst:
        work = Path(tmp)
        env = dict(os.environ)
        env.update(
            HOME=str(work / "home"),
            XDG_CACHE_HOME=str(work / "home" / ".cache"),
            XDG_DATA_HOME=str(work / "home" / ".local" / "share"),
            PYTHONPATH=str(REPO / "src"),
        )
        env.pop("SOVBOM_IDENTITY_TOKEN", None)
        trust_config = str(inst.write_trust_config(work / "trust_config.json"))
        boms = work / "boms"
        boms.mkdir()
        files = []
        for i in range(max(sizes)):
            f = boms / f"server-{i:04d}.cdx.json"
            f.write_text(json.dumps(_bom(i), indent=2))
            files.append(str(f))
        signed = subprocess.run(
            [sys.executable, "-m", "sovbom", "sign", *files, "--trust-config", trust_config,
             "--identity-token", inst.mint_token(IDENTITY, DEFAULT_ISSUER, lifetime=3600)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if signed.returncode != 0:
            print(signed.stderr, file=sys.stderr)
            return 1
        policy = ["--cert-identity", IDENTITY, "--cert-oidc-issuer", DEFAULT_ISSUER]
        jobs = ["--jobs", str(args.jobs)]
        report = work / "verdicts.json"

        print(f"machine: {os.cpu_count()} CPUs; load average before: {_load()}")
        print(f"{args.repeat} runs per tool and size, alternating; medians; whole processes;"
              f" sovbom --jobs {args.jobs}, the peer one process")  # fmt: skip
        ok = True
        per_file: dict[int, tuple[float, float]] = {}
        for n in sizes:
            batch = files[:n]
            sovbom_cmd = [sys.executable, "-m", "sovbom", "verify", *batch, "--offline",
                          "--trust-config", trust_config, *policy, *jobs,
                          "--format", "json", "-o", str(report)]  # fmt: skip
            peer_cmd = [str(VENV_BIN / "sigstore"), "--trust-config", trust_config,
                        "verify", "identity", "--offline", *batch, *policy]  # fmt: skip
            ours: list[float] = []
            peer: list[float] = []
            ours_cpu: list[float] = []
            peer_cpu: list[float] = []
            for _ in range(args.repeat):
                s, cpu, done = _timed(sovbom_cmd, env)
                summary = json.loads(report.read_text())["summary"] if report.exists() else {}
                if done.returncode != 0 or summary.get("verified") != n:
                    print(done.stderr, file=sys.stderr)
                    return 1
                report.unlink()
                ours.append(s)
                ours_cpu.append(cpu)
                s, cpu, done = _timed(peer_cmd, env)
                if done.returncode != 0 or done.stderr.count("OK: ") != n:
                    print(done.stderr[-2000:], file=sys.stderr)
                    return 1
                peer.append(s)
                peer_cpu.append(cpu)
            ours_s, peer_s = statistics.median(ours), statistics.median(peer)
            ratio = peer_s / ours_s  # files per second of sovbom / files per second of the peer
            met = ratio >= args.min_ratio
            ok &= met
            print(f"\n{n} files (offline, same trust config, same identity policy)")
            print(f"  sovbom verify            {ours_s:6.2f} s = {n / ours_s:6.0f} files/s"
                  f"  (runs: {', '.join(f'{t:.2f}' for t in ours)})")  # fmt: skip
            print(f"  sigstore verify identity {peer_s:6.2f} s = {n / peer_s:6.0f} files/s"
                  f"  (runs: {', '.join(f'{t:.2f}' for t in peer)})")  # fmt: skip
            oc, pc = statistics.median(ours_cpu), statistics.median(peer_cpu)
            print(f"  CPU time (user + system, all processes): sovbom {oc:.2f} s,"
                  f" sigstore {pc:.2f} s (the peer uses {pc / oc:.2f}x the CPU time)")  # fmt: skip
            print(f"  ratio: {ratio:.2f}x the peer's files per second"
                  f" (target >= {args.min_ratio:g}x: {'met' if met else 'NOT met'})")  # fmt: skip
            per_file[n] = (ours_s / n, peer_s / n)
        if len(per_file) > 1:
            print(
                "\ngrowth (ms per file, start-up included; linear growth keeps it flat or falling):"
            )
            for n, (o, p) in per_file.items():
                print(
                    f"  {n:6d} files: sovbom {o * 1000:6.2f} ms/file, sigstore {p * 1000:6.2f} ms/file"
                )
        print(f"\nload average after: {_load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
