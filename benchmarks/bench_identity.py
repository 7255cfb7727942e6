"""Hardware identity of a 1,000-server shipment (README "Speed"): 8 GPUs, 2 NICs, 1 BMC, 1 TPM
per server, i.e. 12,000 device chains and signed SPDM transcripts. Goal: under 30 s wall.

Synthetic device PKIs (one root and intermediate per vendor; GPUs P-384, the others P-256) are
made with ``cryptography`` before the clock starts. Measured, with the garbage collector paused
as the command line runs, each with the default worker processes (one per CPU, at most 8, from
2,000 parts on), as ``verify-hardware`` runs:

* **sovbom**: ``verify_hardware`` over one observed shipment HBOM (CycloneDX JSON form, evidence
  embedded as sovbom writes it) bound to its factory HBOM: the path ``verify-hardware``,
  ``check --hardware-roots`` and ``verify-delivery --hardware-roots`` take;
* **floor**: the signature checks that cannot be avoided, alone: per part, the leaf certificate's
  signature by its intermediate and the transcript's signature by the leaf key (keys and
  certificates already loaded), over the same worker processes;
* ``verify_evidence`` over the same evidence already in memory (no HBOM reading), for reference.

Printed: wall and CPU seconds (this process and its workers), the load average, the cost per
part, the ratio to the floor, and the growth from the small to the large size.

Usage: python benchmarks/bench_identity.py [--quick] [-n SERVERS]
  (default sizes 100 and 1,000 servers; --quick: 10 and 100)
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "identity"))

from device_pki import NOW, Device, VendorPKI  # noqa: E402
from shipment import factory_doc, gpu, observed_doc  # noqa: E402

from sovbom.identity import (  # noqa: E402
    ChainValidator,
    DeviceEvidence,
    Status,
    TrustStore,
    store_of,
    verify_evidence,
    verify_hardware,
)
from sovbom.identity.spdm import parse_transcript, verify_signature  # noqa: E402
from sovbom.identity.workers import default_jobs  # noqa: E402

LAYOUT = (("gpu", 8), ("nic", 2), ("bmc", 1), ("tpm", 1))
GOAL_S = 30.0

Fleet = list[list[tuple[str, Device, bytes]]]


def make_pkis() -> dict[str, VendorPKI]:
    return {
        "gpu": VendorPKI("Bench GPU", curve="P-384"),
        "nic": VendorPKI("Bench NIC", curve="P-256"),
        "bmc": VendorPKI("Bench BMC", curve="P-256"),
        "tpm": VendorPKI("Bench TPM", curve="P-256"),
    }


def make(pkis: dict[str, VendorPKI], servers: int) -> Fleet:
    fleet = []
    for s in range(servers):
        parts = []
        for cls, count in LAYOUT:
            for i in range(count):
                d = pkis[cls].device(f"{cls.upper()}{s:05d}{i}")
                parts.append((f"{cls}{i}", d, d.transcript(os.urandom(32), version=0x12)))
        fleet.append(parts)
    return fleet


def _cpu() -> float:
    """CPU seconds of this process and its finished workers."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """``fn()`` with the gc paused (as the command runs): result, wall s, CPU s."""
    gc.collect()
    gc.disable()
    try:
        t0, c0 = time.perf_counter(), _cpu()
        out = fn()
        return out, time.perf_counter() - t0, _cpu() - c0
    finally:
        gc.enable()


_FLOOR: list[tuple[Device, bytes]] = []


def _floor_chunk(bounds: tuple[int, int]) -> int:
    done = 0
    for d, t in _FLOOR[bounds[0] : bounds[1]]:
        issuer = d.chain[1].public_key()
        leaf = d.leaf
        issuer.verify(  # type: ignore[call-arg, union-attr]
            leaf.signature, leaf.tbs_certificate_bytes, leaf.signature_algorithm_parameters
        )
        verify_signature(parse_transcript(t), d.key.public_key())
        done += 1
    return done


def floor(fleet: Fleet, jobs: int) -> int:
    """The two signature checks per part, alone, over ``jobs`` forked processes."""
    global _FLOOR
    _FLOOR = [(d, t) for parts in fleet for _, d, t in parts]
    n = len(_FLOOR)
    if jobs <= 1:
        return _floor_chunk((0, n))
    size = max(1, min(200, n // (jobs * 4)))
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return sum(pool.imap(_floor_chunk, [(i, min(n, i + size)) for i in range(0, n, size)]))


def docs(fleet: Fleet) -> tuple[dict[str, Any], dict[str, Any]]:
    observed_parts, factory_parts = [], []
    for parts in fleet:
        observed_parts += [(gpu(f"o:{d.serial}", d.serial, n), d, t, None) for n, d, t in parts]
        factory_parts += [(gpu(f"f:{d.serial}", d.serial, n), d) for n, d, _ in parts]
    return observed_doc(observed_parts), factory_doc(factory_parts)


def run(pkis: dict[str, VendorPKI], store: TrustStore, servers: int) -> dict[str, float]:
    t0 = time.perf_counter()
    fleet = make(pkis, servers)
    observed, factory = docs(fleet)
    parts = sum(len(p) for p in fleet)
    jobs = default_jobs(parts)
    print(f"\n{servers} servers, {parts} parts: setup {time.perf_counter() - t0:.1f} s;"
          f" {jobs} worker process(es)")  # fmt: skip

    done, f_wall, f_cpu = timed(lambda: floor(fleet, jobs))
    assert done == parts
    rep, wall, cpu = timed(lambda: verify_hardware(observed, store, expected=factory))
    load = os.getloadavg()[0]
    verified = sum(r.status is Status.VERIFIED for r in rep.results.values())
    assert verified == parts, f"{verified} of {parts} verified"
    evidence = [
        DeviceEvidence(f"s{s}:{n}", n, chain=d.chain_der(), transcript=t, collected=NOW)
        for s, ps in enumerate(fleet)
        for n, d, t in ps
    ]
    validator = ChainValidator(store)
    mem, m_wall, m_cpu = timed(lambda: verify_evidence(evidence, store, validator=validator))
    assert all(r.findings == [] for r in mem.results.values())

    print(f"  floor (2 signature checks per part):   {f_wall:6.2f} s wall, {f_cpu:6.2f} CPU s"
          f"  ({f_cpu / parts * 1e3:.2f} ms CPU per part)")  # fmt: skip
    print(f"  verify_hardware (HBOM + factory HBOM): {wall:6.2f} s wall, {cpu:6.2f} CPU s"
          f"  ({cpu / parts * 1e3:.2f} ms CPU per part; {verified} verified)")  # fmt: skip
    print(f"  verify_evidence (in memory):           {m_wall:6.2f} s wall, {m_cpu:6.2f} CPU s"
          f"  (chain cache: {validator.cache_hits} hits, {validator.cache_misses} misses)")  # fmt: skip
    print(f"  ratio to the floor: {wall / f_wall:.2f}x wall, {cpu / f_cpu:.2f}x CPU;"
          f" load average {load:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    return {"parts": parts, "wall": wall, "cpu": cpu, "floor_cpu": f_cpu, "load": load}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 and 100 servers")
    ap.add_argument("-n", "--servers", type=int, help="one size only")
    args = ap.parse_args()
    sizes = [args.servers] if args.servers else ([10, 100] if args.quick else [100, 1000])
    pkis = make_pkis()
    store = store_of([(p.root, p.vendor) for p in pkis.values()])
    results = [run(pkis, store, n) for n in sizes]
    if len(results) == 2:
        small, large = results
        x = large["parts"] / small["parts"]
        print(f"\ngrowth {sizes[0]} -> {sizes[1]} servers ({x:.0f}x the parts):"
              f" {large['wall'] / small['wall']:.1f}x wall, {large['cpu'] / small['cpu']:.1f}x CPU"
              f" (per part: {small['cpu'] / small['parts'] * 1e3:.2f} ->"
              f" {large['cpu'] / large['parts'] * 1e3:.2f} ms CPU)")  # fmt: skip
    last = results[-1]
    if sizes[-1] >= 1000:
        met = "OK" if last["wall"] < GOAL_S else "MISSED"
        print(f"goal: {last['parts']} parts under {GOAL_S:.0f} s wall: {last['wall']:.1f} s {met}"
              f" (load {last['load']:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
