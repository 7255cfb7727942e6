"""Fleet query benchmark: where-used (p50/p95 per query) and recheck against an existing fleet.

    PYTHONPATH=src python benchmarks/bench_fleet_query.py build --db URL --servers 1000
    PYTHONPATH=src python benchmarks/bench_fleet_query.py measure --db URL [--db URL2 ...]
    PYTHONPATH=src python benchmarks/bench_fleet_query.py --quick     # builds 40 servers, measures

``build`` ingests bench_fleet's generated fleet (the same server files, cached in ``--cache``)
and a second, newer BOM for every tenth server (a new GPU, a BMC firmware with a purl), so that
``--as-of`` has history to choose from. ``measure`` times, on a fleet already built:

* where-used, as ``sovbom fleet where-used`` runs it (its default page), per query: the first
  run's wall milliseconds (it may read the query's index pages from a cold cache), then p50 and
  p95 over the ``--repeat`` - 1 runs after it (the 95th percentile of 9 runs is their slowest),
  CPU milliseconds (this process; the database server's own CPU on PostgreSQL is counted
  separately), with and without ``--as-of``; every query matches something (checked), from one
  serial to every component of the fleet;
* the floor: the same engine answering ``SELECT count(*)`` of the newest BOMs (the smallest
  query every where-used runs), in the same run;
* recheck of the whole fleet (wall, CPU of this process and its workers, server CPU), with and
  without the dashboard's stored checks, and whether it flipped the servers it should.

One JSON line per (database, measure), then a table; with the load average at the time.
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
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from bench_fleet import DEFAULT_CACHE, _pg_server_cpu, cached_fleet, measured  # noqa: E402
from fleet_support import part, policy, server_bom, write  # noqa: E402

from sovbom.fleet.query import DEFAULT_LIMIT  # noqa: E402

#: Servers that get a second, newer BOM (every tenth, from server 5 on).
SECOND_EVERY, SECOND_FROM = 10, 5
SECOND_DATE = "2026-02-15T00:00:00Z"
#: A day before any second BOM: ``--as-of`` then picks the first BOMs.
AS_OF = dt.date(2026, 2, 1)
#: Each matches something in the built fleet; the broad ones match on every server.
QUERIES = [
    "serial=S00007-M5",  # one part of one server
    "part=GPU-7",  # a part on 2% of the servers
    "part=NIC-*",  # a part-number prefix, one per server
    "country=CN",  # the denied country, 10% of the servers
    "pkg:generic/acme/bmc-firmware*",  # a purl prefix (the second BOMs' firmware)
    "serial=S0000*-M1",  # a serial prefix
    "name=DIMM 1*",  # a class of parts: a third of every server
    "part=MEM-32G",  # a supplier's part on every server: nearly every component
    "country=JP",  # the domestic country: every component of the fleet
    "Chassis",  # a bare value: purl, name, part number or serial
]  # fmt: skip


def second_doc(i: int, components: int) -> dict[str, Any]:
    """Server ``i``'s second BOM: a new GPU (from the denied country) and a BMC firmware."""
    parts = [part("hw:gpu", "GPU", "gpu", "CN", part_number=f"GPU-N{i % 5}"),
             part("hw:nic", "NIC", "nic", "US", part_number=f"NIC-{i % 7}")]  # fmt: skip
    doc = server_bom(f"S{i:05d}", parts=parts, n_fillers=components - 5, timestamp=SECOND_DATE,
                     site=f"Plant {'ABC'[i % 3]}")  # fmt: skip
    firmware = {"type": "firmware", "bom-ref": "fw:bmc", "name": "BMC firmware",
                "version": f"2.{i % 4}", "purl": f"pkg:generic/acme/bmc-firmware@2.{i % 4}",
                "supplier": {"name": "Acme", "address": {"country": "US"}}}  # fmt: skip
    doc["components"][0]["components"].append(firmware)
    return doc


def second_fleet(cache: Path, servers: int, components: int) -> list[str]:
    directory = cache / f"c{components}-v2"
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(SECOND_FROM, servers, SECOND_EVERY):
        path = directory / f"s{i:05d}.json"
        if not path.exists():
            tmp = directory / f".s{i:05d}.json.tmp"
            write(tmp, second_doc(i, components))
            os.replace(tmp, path)
        paths.append(str(path))
    return paths


def build(url: str, servers: int, components: int, cache: Path, batch: int) -> dict[str, Any]:
    """Ingest the fleet (in batches, as an operator would) and the second BOMs."""
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.store import open_store

    paths = cached_fleet(cache, servers, components)
    later = second_fleet(cache, servers, components)
    store = open_store(url, create=True)
    rows = 0
    with measured(store) as m:
        for start in range(0, len(paths), batch):
            report = ingest(store, [IngestInput(p) for p in paths[start : start + batch]])
            rows += report.components_added
            print(f"  {start + batch} servers ingested", file=sys.stderr, flush=True)
        rows += ingest(store, [IngestInput(p) for p in later]).components_added
    store.close()
    return {"db": _short(url), "measure": "build", "servers": servers, "boms": len(paths) +
            len(later), "components": rows, **{k: round(v, 1) for k, v in m.items()}}  # fmt: skip


def _short(url: str) -> str:
    return url.split("://", 1)[0] + ":" + url.rsplit("/", 1)[-1]


def _percentiles(values: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]
    return statistics.median(values) * 1000, p95 * 1000


def where_used_figures(url: str, repeat: int, limit: int) -> list[dict[str, Any]]:
    from sqlalchemy import func, select

    from sovbom.fleet.query import latest_boms, where_used
    from sovbom.fleet.store import open_store
    from sovbom.trace import parse_query

    store = open_store(url)
    out = []
    with store.engine.connect() as conn:  # the floor: the fleet's size, counted
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            conn.execute(select(func.count()).select_from(latest_boms(None))).scalar()
            times.append(time.perf_counter() - t)
    floor_p50, _ = _percentiles(times)
    for as_of in (None, AS_OF):
        for text in QUERIES:
            if as_of is not None and text.startswith("pkg:"):
                continue  # the firmware came with the second BOMs
            q = parse_query(text)
            times, cpu = [], []
            pg0 = _pg_server_cpu(store)
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                found = where_used(store, q, as_of=as_of, limit=limit)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            server_cpu = (_pg_server_cpu(store) - pg0) / repeat * 1000
            assert found.matches, (text, as_of)
            # the first run may find the query's index pages cold: shown on its own
            first, times = times[0], times[1:] or times
            p50, p95 = _percentiles(times)
            out.append({
                "db": _short(url), "measure": "where-used", "query": text, "limit": limit,
                "as_of": as_of.isoformat() if as_of else None,
                "total": found.total if found.more_than is None else f">{found.more_than}",
                "listed": len(found.matches), "servers": found.servers_matched,
                "first_ms": round(first * 1000, 1), "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1), "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1),
                "server_cpu_ms": round(server_cpu, 1),
                "floor_p50_ms": round(floor_p50, 2), "p95_over_floor": round(p95 / floor_p50, 1),
                "load_1min": round(os.getloadavg()[0], 1),
            })  # fmt: skip
            print(json.dumps(out[-1]), flush=True)
    store.close()
    return out


def recheck_figures(url: str, work: Path, with_views: bool = True) -> list[dict[str, Any]]:
    """Three rechecks of the fleet: under a policy denying nothing, then one denying CN (the
    flips are checked: exactly the servers carrying a CN part), then the same storing the
    dashboard's views. Each: wall, CPU of this process and its workers, database server CPU."""
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy

    store = open_store(url)
    allow = load_policy(policy(work / "allow.yaml", denied=["KP"]))
    deny = load_policy(policy(work / "deny.yaml", denied=["CN"]))
    when = dt.date(2026, 6, 1)
    out = []
    runs = [("recheck --no-views (first)", allow, False), ("recheck --no-views", deny, False)]
    for name, pol, views in runs + ([("recheck", deny, True)] if with_views else []):
        load0 = os.getloadavg()[0]
        with measured(store) as m:
            report = recheck(store, pol, as_of=when, views=views)
        n = len(report.servers)
        if pol is deny and not views:
            flipped = sorted(s.server for s in report.changed)
            expected = sorted(s.server for s in report.servers if s.verdict == "fail")
            assert flipped == expected and flipped, (len(flipped), len(expected))
        out.append({"db": _short(url), "measure": name, "servers": n,
                    "failing": len(report.failing), "changed": len(report.changed),
                    "wall_s": round(m["wall_s"], 1), "cpu_s": round(m["cpu_s"], 1),
                    "server_cpu_s": round(m.get("server_cpu_s", 0.0), 1),
                    "cpu_ms_per_server": round(m["cpu_s"] / n * 1000),
                    "load_1min": f"{load0:.1f}-{os.getloadavg()[0]:.1f}"})  # fmt: skip
        print(json.dumps(out[-1]), flush=True)
    store.close()
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    wu = [r for r in rows if r["measure"] == "where-used"]
    lines = []
    if wu:
        cols = ["db", "query", "as_of", "limit", "total", "listed", "servers", "first_ms", "p50_ms",
                "p95_ms", "cpu_p50_ms",
                "server_cpu_ms", "p95_over_floor", "load_1min"]  # fmt: skip
        lines += [" | ".join(cols), " | ".join("---" for _ in cols)]
        lines += [" | ".join(str(r.get(c, "")) for c in cols) for r in wu]
    for r in rows:
        if r["measure"] != "where-used":
            lines.append(json.dumps(r))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", nargs="?", choices=["build", "measure"])
    ap.add_argument("--db", nargs="+", default=[], help="database URLs")
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated BOMs")
    ap.add_argument("--batch", type=int, default=100, help="BOMs per ingest")
    ap.add_argument("--repeat", type=int, default=10, help="runs of each query")
    ap.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help="matches listed (the command's default page; the dashboard's is 50)",
    )
    ap.add_argument("--skip", nargs="*", default=[], choices=["where-used", "recheck", "views"])
    ap.add_argument("--quick", action="store_true", help="build 40 servers in SQLite, measure")
    args = ap.parse_args()
    gc.disable()  # as the sovbom command line runs
    work = Path(tempfile.mkdtemp(prefix="sovbom-bench-fleet-query-"))
    if args.quick:
        args.db = [f"sqlite:///{work / 'quick.db'}"]
        args.servers, args.repeat = 40, 5
    rows: list[dict[str, Any]] = []
    if args.mode == "build" or args.quick:
        for url in args.db:
            rows.append(build(url, args.servers, args.components, args.cache, args.batch))
            print(json.dumps(rows[-1]), flush=True)
    if args.mode == "measure" or args.quick:
        for url in args.db:
            if "where-used" not in args.skip:
                rows += where_used_figures(url, args.repeat, args.limit)
            if "recheck" not in args.skip:
                rows += recheck_figures(url, work, "views" not in args.skip)
    with contextlib.suppress(OSError):
        for leftover in work.iterdir():
            leftover.unlink()
        work.rmdir()
    print(_table(rows))


if __name__ == "__main__":
    main()
