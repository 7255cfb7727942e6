"""Hardware identity of a 1,000-server shipment (README "Speed"): 8 GPUs, 2 NICs, 1 BMC, 1 TPM
per server, i.e. 12,000 device chains and signed SPDM transcripts. Goal: under 30 s.

Synthetic device PKIs (one root and intermediate per vendor) are made with ``cryptography``
before the clock starts. Measured, with the garbage collector paused as the command line runs:

* ``verify_evidence`` over the 12,000 evidence records (chains cached per intermediate);
* ``verify_hardware`` over one observed shipment HBOM (CycloneDX JSON form, evidence embedded
  as sovbom writes it) bound to its factory HBOM: the path ``verify-hardware`` takes.

Both use the default worker processes (one per CPU, at most 8), as the command does.

Usage: python benchmarks/bench_identity.py [-n 1000]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "identity"))

from device_pki import NOW, Device, VendorPKI  # noqa: E402
from shipment import factory_doc, gpu, observed_doc  # noqa: E402

from sovbom.identity import (  # noqa: E402
    ChainValidator,
    DeviceEvidence,
    Status,
    store_of,
    verify_evidence,
    verify_hardware,
)

LAYOUT = (("gpu", 8, "GPU"), ("nic", 2, "NIC"), ("bmc", 1, "BMC"), ("tpm", 1, "TPM"))


def make(servers: int) -> tuple[dict[str, VendorPKI], list[list[tuple[str, Device, bytes]]]]:
    pkis = {
        "gpu": VendorPKI("Bench GPU", curve="P-384"),
        "nic": VendorPKI("Bench NIC", curve="P-256"),
        "bmc": VendorPKI("Bench BMC", curve="P-256"),
        "tpm": VendorPKI("Bench TPM", curve="P-256"),
    }
    fleet = []
    for s in range(servers):
        parts = []
        for cls, count, _ in LAYOUT:
            for i in range(count):
                d = pkis[cls].device(f"{cls.upper()}{s:04d}{i}")
                parts.append((f"{cls}{i}", d, d.transcript(os.urandom(32), version=0x12)))
        fleet.append(parts)
    return pkis, fleet


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (load on a shared machine aside)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", "--servers", type=int, default=1000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    pkis, fleet = make(args.servers)
    print(f"setup: {sum(len(p) for p in fleet)} devices in {time.perf_counter() - t0:.1f} s")
    store = store_of([(p.root, p.vendor) for p in pkis.values()])

    evidence = [
        DeviceEvidence(f"s{s}:{name}", name, chain=d.chain_der(), transcript=t, collected=NOW)
        for s, parts in enumerate(fleet)
        for name, d, t in parts
    ]
    gc.disable()
    validator = ChainValidator(store)
    t0, c0 = time.perf_counter(), _cpu()
    report = verify_evidence(evidence, store, validator=validator)
    t_mem, c_mem = time.perf_counter() - t0, _cpu() - c0
    gc.enable()
    ok = sum(r.findings == [] for r in report.results.values())
    print(
        f"verify_evidence: {len(evidence)} chains+transcripts in {t_mem:.2f} s"
        f" ({c_mem:.1f} CPU s over {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
        f" ({ok} genuine; chain cache {validator.cache_hits} hits, {validator.cache_misses} misses)"
    )

    observed_parts, factory_parts = [], []
    for parts in fleet:
        observed_parts += [(gpu(f"o:{d.serial}", d.serial, n), d, t, None) for n, d, t in parts]
        factory_parts += [(gpu(f"f:{d.serial}", d.serial, n), d) for n, d, _ in parts]
    observed, factory = observed_doc(observed_parts), factory_doc(factory_parts)
    gc.disable()
    t0, c0 = time.perf_counter(), _cpu()
    rep = verify_hardware(observed, store, expected=factory)
    t_doc, c_doc = time.perf_counter() - t0, _cpu() - c0
    gc.enable()
    verified = sum(r.status is Status.VERIFIED for r in rep.results.values())
    print(
        f"verify_hardware: one {len(observed_parts)}-part shipment HBOM bound to its factory HBOM"
        f" in {t_doc:.2f} s ({c_doc:.1f} CPU s; {verified} verified)  goal < 30 s: {'OK' if t_doc < 30 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
