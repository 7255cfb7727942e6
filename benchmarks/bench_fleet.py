"""Fleet benchmark: ingest N servers of C components into SQLite and PostgreSQL, then where-used
(p95 over a query mix) and recheck.

    PYTHONPATH=src python benchmarks/bench_fleet.py --servers 100 300 --components 3000 [--pg URL]

Without ``--pg`` a throwaway PostgreSQL cluster is started as the tests start it (when the server
binaries are installed). Figures are printed as one JSON line per (engine, size).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from fleet_support import part, policy, server_bom, write  # noqa: E402
from pg_cluster import new_pg_database, pg_bin, throwaway_cluster  # noqa: E402

QUERIES = ["part=GPU-7", "serial=S00017-M5", "name=DIMM 7", "pkg:none", "country=CN", "part=NIC-*"]


def make_fleet(directory: Path, servers: int, components: int) -> list[str]:
    paths = []
    for i in range(servers):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 10 == 0 else "US", part_number=f"GPU-{i % 50}"),
                 part("hw:nic", "NIC", "nic", "US", part_number=f"NIC-{i % 7}")]  # fmt: skip
        doc = server_bom(f"S{i:05d}", parts=parts, n_fillers=components - 4,
                         timestamp=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
                         site=f"Plant {'ABC'[i % 3]}")  # fmt: skip
        paths.append(str(write(directory / f"s{i:05d}.json", doc)))
    return paths


def run(url: str, paths: list[str], components: int, policy_path: Path) -> dict[str, object]:
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.query import where_used
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy
    from sovbom.trace import parse_query

    store = open_store(url, create=True)
    t = time.perf_counter()
    report = ingest(store, [IngestInput(p) for p in paths])
    ingest_s = time.perf_counter() - t
    times = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            where_used(store, parse_query(q))
            times.append(time.perf_counter() - t)
    t = time.perf_counter()
    recheck(store, load_policy(policy_path), as_of=dt.date(2026, 6, 1))
    recheck_s = time.perf_counter() - t
    store.close()
    n = len(paths) * components
    return {
        "engine": url.split(":", 1)[0], "servers": len(paths), "components": n,
        "ingest_s": round(ingest_s, 2), "ingest_per_s": round(report.components_added / ingest_s),
        "where_used_p50_ms": round(statistics.median(times) * 1000, 1),
        "where_used_p95_ms": round(statistics.quantiles(times, n=20)[18] * 1000, 1),
        "recheck_s": round(recheck_s, 2),
        "load_1min": round(os.getloadavg()[0], 1), "cpus": os.cpu_count(),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, nargs="+", default=[100, 300])
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--pg", help="a PostgreSQL server URL (a new database is created per run)")
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    args = ap.parse_args()
    gc.disable()  # as the sovbom command line runs
    work = Path(tempfile.mkdtemp(prefix="sovbom-bench-fleet-"))
    pol = policy(work / "policy.yaml", denied=["CN"])
    with contextlib.ExitStack() as stack:
        pg = args.pg
        if "postgresql" in args.engines and pg is None:
            bin_dir = pg_bin()
            assert bin_dir is not None, "PostgreSQL server binaries are not installed"
            pg = stack.enter_context(throwaway_cluster(bin_dir))
        for n in args.servers:
            d = work / f"n{n}"
            d.mkdir()
            paths = make_fleet(d, n, args.components)
            for engine in args.engines:
                url = f"sqlite:///{d / 'fleet.db'}" if engine == "sqlite" else new_pg_database(pg)
                print(json.dumps(run(url, paths, args.components, pol)), flush=True)


if __name__ == "__main__":
    main()
