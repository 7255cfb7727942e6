"""Benchmark: verify 1,000 signed BOMs offline in one ``sovbom verify`` run.

Compared, in the same run, with one ``sigstore verify identity`` process per file (sigstore-python's
own CLI, the way a shell loop over a shipment would call it). The per-process baseline is timed on
a sample of processes (``--baseline-sample``, default 50) and extrapolated to all files; the output
says so.

Everything runs against the local, test-only Sigstore instance of the test suite on 127.0.0.1 (CA,
transparency log, OIDC token minting); verification itself uses no network (``--offline`` and the
instance's trust config).

    .venv/bin/python benchmarks/bench_verify.py [-n 1000] [--baseline-sample 50] [--min-rate 300]
"""

from __future__ import annotations

import argparse
import json
import os
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


def _sovbom(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "sovbom", *map(str, args)]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of BOMs (default 1000)")
    parser.add_argument("--baseline-sample", type=int, default=50)
    parser.add_argument("--min-rate", type=float, default=300.0, help="required files/s")
    args = parser.parse_args()

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
        trust_config = inst.write_trust_config(work / "trust_config.json")
        boms = work / "boms"
        boms.mkdir()
        files = []
        for i in range(args.n):
            f = boms / f"server-{i:04d}.cdx.json"
            f.write_text(json.dumps(_bom(i), indent=2))
            files.append(f)
        size = sum(f.stat().st_size for f in files) / len(files)

        t0 = time.perf_counter()
        signed = _sovbom(
            "sign", *files, "--trust-config", trust_config,
            "--identity-token", inst.mint_token(IDENTITY, DEFAULT_ISSUER, lifetime=3600),
            env=env,
        )  # fmt: skip
        sign_s = time.perf_counter() - t0
        if signed.returncode != 0:
            print(signed.stderr, file=sys.stderr)
            return 1
        print(
            f"signed {args.n} BOMs (~{size / 1024:.1f} KiB each) in one `sovbom sign`:"
            f" {sign_s:.2f} s"
        )

        # --- sovbom: one process for the whole shipment --------------------------------------
        report = work / "verdicts.json"
        t0 = time.perf_counter()
        verified = _sovbom(
            "verify", *files, "--offline", "--trust-config", trust_config,
            "--cert-identity", IDENTITY, "--cert-oidc-issuer", DEFAULT_ISSUER,
            "--format", "json", "-o", report,
            env=env,
        )  # fmt: skip
        sovbom_s = time.perf_counter() - t0
        summary = json.loads(report.read_text())["summary"] if report.exists() else {}
        if verified.returncode != 0 or summary.get("verified") != args.n:
            print(verified.stderr, file=sys.stderr)
            return 1
        sovbom_rate = args.n / sovbom_s

        t0 = time.perf_counter()
        serial = _sovbom(
            "verify", *files, "--offline", "--trust-config", trust_config, "--jobs", "1",
            "--cert-identity", IDENTITY, "--cert-oidc-issuer", DEFAULT_ISSUER,
            "--format", "json", "-o", report,
            env=env,
        )  # fmt: skip
        serial_s = time.perf_counter() - t0
        if serial.returncode != 0:
            print(serial.stderr, file=sys.stderr)
            return 1

        # --- baseline: one `sigstore verify identity` process per file ----------------------
        sample = files[: args.baseline_sample]
        times = []
        for f in sample:
            t0 = time.perf_counter()
            r = subprocess.run(
                [
                    str(VENV_BIN / "sigstore"), "--trust-config", str(trust_config),
                    "verify", "identity", "--offline", "--bundle", f"{f}.sigstore.json",
                    "--cert-identity", IDENTITY, "--cert-oidc-issuer", DEFAULT_ISSUER, str(f),
                ],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            times.append(time.perf_counter() - t0)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
                return 1
        per_proc = statistics.fmean(times)
        baseline_total = per_proc * args.n
        baseline_rate = 1 / per_proc

    print(
        f"sovbom verify, one process, {args.n} files (offline, incl. interpreter start-up): "
        f"{sovbom_s:.2f} s = {sovbom_rate:.0f} files/s"
    )
    print(
        f"  same, --jobs 1 (a single process, no workers): {serial_s:.2f} s = "
        f"{args.n / serial_s:.0f} files/s"
    )
    print(
        f"sigstore verify identity, one process per file: {per_proc * 1000:.0f} ms/file "
        f"(mean of {len(sample)} processes, median {statistics.median(times) * 1000:.0f} ms), "
        f"extrapolated to {args.n} files: {baseline_total:.1f} s = {baseline_rate:.1f} files/s"
    )
    print(f"speed-up: {sovbom_rate / baseline_rate:.0f}x")
    ok = sovbom_rate >= args.min_rate
    print(f"target >= {args.min_rate:.0f} files/s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
