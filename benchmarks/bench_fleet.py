"""Fleet benchmark: ingest N servers of C components into SQLite and PostgreSQL, then where-used
(p50/p95 over a query mix that matches something) and recheck.

    PYTHONPATH=src python benchmarks/bench_fleet.py              # 100 and 300 servers
    PYTHONPATH=src python benchmarks/bench_fleet.py --full       # also 1,000 (3 million rows)
    PYTHONPATH=src python benchmarks/bench_fleet.py --quick      # 10 and 40 servers
    PYTHONPATH=src python benchmarks/bench_fleet.py --full --ingest-only   # ingest figures only
    ... [--servers 100 300] [--components 3000] [--engines sqlite postgresql] [--pg URL]

The generated BOMs are cached on disk (``--cache``, default under the system's temporary
directory): server i's BOM is the same file whatever the fleet size. Without ``--pg`` a throwaway
PostgreSQL cluster is started as the tests start it.

Each ingest is compared with its floor, measured in the same run on the same rows: the same
database writes sovbom issues (a server and a BOM row per file, the component rows by
``executemany`` on SQLite, by ``COPY`` of the precomputed tuples on PostgreSQL, SQLite's index
deferral alike), the rows computed beforehand and untimed. Figures: wall seconds, CPU seconds of
this process and its workers (user+sys) and, on PostgreSQL, of the server processes; the load
average at the time. One JSON line per (engine, size), then a table.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from fleet_support import part, policy, server_bom, write  # noqa: E402
from pg_cluster import new_pg_database, pg_bin, throwaway_cluster  # noqa: E402

#: Each matches something in a generated fleet: a part on 2% of the servers, one serial, one slot
#: on every server, the denied country (10%), a part-number prefix and a serial prefix.
QUERIES = ["part=GPU-7", "serial=S00007-M5", "name=DIMM 7", "country=CN", "part=NIC-*",
           "serial=S0000*-M1"]  # fmt: skip
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "sovbom-bench-fleet"


def server_doc(i: int, components: int) -> dict[str, Any]:
    """Server ``i`` of a generated fleet (``components`` components in all)."""
    parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 10 == 0 else "US", part_number=f"GPU-{i % 50}"),
             part("hw:nic", "NIC", "nic", "US", part_number=f"NIC-{i % 7}")]  # fmt: skip
    return server_bom(f"S{i:05d}", parts=parts, n_fillers=components - 4,
                      timestamp=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
                      site=f"Plant {'ABC'[i % 3]}")  # fmt: skip


def make_fleet(directory: Path, servers: int, components: int) -> list[str]:
    """The BOM files of ``servers`` servers in ``directory`` (a file already there is kept)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(servers):
        path = directory / f"s{i:05d}.json"
        if not path.exists():
            tmp = directory / f".s{i:05d}.json.tmp"
            write(tmp, server_doc(i, components))
            os.replace(tmp, path)
        paths.append(str(path))
    return paths


def cached_fleet(cache: Path, servers: int, components: int) -> list[str]:
    """``make_fleet`` into the cache directory for ``components`` (generated once)."""
    return make_fleet(cache / f"c{components}", servers, components)


def _cpu_self_and_children() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _pg_server_cpu(store: Any) -> float:
    """CPU seconds of the cluster's processes (children of the postmaster), from /proc."""
    from sqlalchemy import text

    if not store.is_postgres:
        return 0.0
    with store.engine.connect() as conn:
        backend = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    postmaster = stats.get(backend, (0, 0))[0]
    return sum(cpu for ppid, cpu in stats.values() if ppid == postmaster) / tick


@contextlib.contextmanager
def measured(store: Any = None) -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    pg0 = _pg_server_cpu(store) if store is not None else 0.0
    cpu0, t0 = _cpu_self_and_children(), time.perf_counter()
    yield out
    out["wall_s"] = time.perf_counter() - t0
    out["cpu_s"] = _cpu_self_and_children() - cpu0
    if store is not None and store.is_postgres:
        out["server_cpu_s"] = _pg_server_cpu(store) - pg0


def floor(url: str, paths: list[str]) -> dict[str, float]:
    """The same writes as ingest, of rows computed beforehand (untimed)."""
    import orjson
    from sqlalchemy import text

    from sovbom.fleet.bulk import deferred_indexes, should_defer
    from sovbom.fleet.extract import COMPONENT_COLUMNS, flatten
    from sovbom.fleet.store import open_store

    store = open_store(url, create=True)
    now = dt.datetime.now(dt.UTC)
    cols = ("bom_id", *COMPONENT_COLUMNS)
    wall = cpu = 0.0
    rows = 0
    with store.engine.begin() as conn, contextlib.ExitStack() as stack:
        dbapi: Any = conn.connection.driver_connection
        pg0 = _pg_server_cpu(store)
        defer = should_defer(conn, len(paths))
        if store.is_postgres:
            stack.enter_context(deferred_indexes(conn, defer))
        for i, path in enumerate(paths, 1):
            raw = Path(path).read_bytes()
            flat = flatten(orjson.loads(raw), path)
            doc, tuples = zlib.compress(raw, 1), [(i, *r) for r in flat.rows]
            extras = [(i, ref, c) for ref, c in flat.extra_countries]
            rows += len(tuples)
            t0, c0 = time.perf_counter(), time.process_time()
            conn.execute(text("INSERT INTO servers (id, key, first_seen) VALUES (:i, :k, :t)"),
                         {"i": i, "k": flat.server_key, "t": now})  # fmt: skip
            conn.execute(
                text("INSERT INTO boms (id, sha256, server_id, source, spec_version, produced_at,"
                     " ingested_at, components, signature, document) VALUES (:i, :sha, :i, :src,"
                     " '1.6', :t, :t, :n, 'unsigned', :doc)"),
                {"i": i, "sha": f"{i:064x}", "src": path, "t": now, "n": len(tuples), "doc": doc},
            )  # fmt: skip
            if i == 1 and defer and not store.is_postgres:
                stack.enter_context(deferred_indexes(conn, True))
            if store.is_postgres:
                with dbapi.cursor() as cur:
                    with cur.copy(f"COPY components ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in tuples:
                            copy.write_row(row)
                    with cur.copy(
                        "COPY component_countries (bom_id, ref, country) FROM STDIN"
                    ) as copy:
                        for row in extras:
                            copy.write_row(row)
            else:
                marks = ", ".join("?" * len(cols))
                dbapi.executemany(f"INSERT INTO components ({', '.join(cols)}) VALUES ({marks})",
                                  tuples)  # fmt: skip
                dbapi.executemany("INSERT INTO component_countries VALUES (?, ?, ?)", extras)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
    # the index builds (SQLite) and the commit
    wall += time.perf_counter() - t0
    cpu += time.process_time() - c0
    out = {"rows": rows, "wall_s": wall, "cpu_s": cpu}
    if store.is_postgres:
        out["server_cpu_s"] = _pg_server_cpu(store) - pg0
    store.close()
    return out


def run_ingest(
    url: str, floor_url: str, paths: list[str], with_floor: bool = True
) -> dict[str, object]:
    """Ingest only (``--ingest-only``): the floor (unless ``--no-floor``), then the ingest, with
    the CPU split between this process (its threads), the worker processes and, on PostgreSQL,
    the server."""
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.store import open_store

    base = floor(floor_url, paths) if with_floor else {}
    store = open_store(url, create=True)
    load0 = os.getloadavg()[0]
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    with measured(store) as ing:
        report = ingest(store, [IngestInput(p) for p in paths])
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    store.close()
    n = report.components_added
    assert n == base.get("rows", n), (n, base["rows"])
    own = own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
    server = ing.get("server_cpu_s", 0.0)
    us = lambda x: round(x / n * 1e6, 1)  # noqa: E731
    out: dict[str, object] = {
        "engine": url.split(":", 1)[0], "servers": len(paths), "components": n,
        "ingest_per_s": round(n / ing["wall_s"]), "ingest_wall_s": round(ing["wall_s"], 2),
        "ingest_cpu_s": round(ing["cpu_s"], 2), "ingest_server_cpu_s": round(server, 2),
        "ingest_us_per_component": us(ing["cpu_s"] + server),
        "us_parent": us(own), "us_workers": us(ing["cpu_s"] - own), "us_server": us(server),
        "load_1min": [round(load0, 1), round(os.getloadavg()[0], 1)], "cpus": os.cpu_count(),
    }  # fmt: skip
    if base:
        out.update({
            "floor_per_s": round(n / base["wall_s"]), "floor_wall_s": round(base["wall_s"], 2),
            "floor_us_per_row": us(base["cpu_s"] + base.get("server_cpu_s", 0.0)),
            "ingest_over_floor_wall": round(ing["wall_s"] / base["wall_s"], 2),
        })  # fmt: skip
    return out


def run(url: str, floor_url: str, paths: list[str], policy_path: Path) -> dict[str, object]:
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.query import where_used
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy
    from sovbom.trace import parse_query

    base = floor(floor_url, paths)
    store = open_store(url, create=True)
    with measured(store) as ing:
        report = ingest(store, [IngestInput(p) for p in paths])
    n = report.components_added
    assert n == base["rows"], (n, base["rows"])
    times, cpu_times = [], []
    for _ in range(5):
        for q in QUERIES:
            t, c = time.perf_counter(), time.process_time()
            found = where_used(store, parse_query(q))
            times.append(time.perf_counter() - t)
            cpu_times.append(time.process_time() - c)
            assert found.matches, q
    with measured() as rc:
        recheck(store, load_policy(policy_path), as_of=dt.date(2026, 6, 1))
    size = _size(store, url)
    store.close()
    r1 = lambda x: round(x, 1)  # noqa: E731
    out: dict[str, object] = {
        "engine": url.split(":", 1)[0], "servers": len(paths), "components": n,
        "ingest_wall_s": round(ing["wall_s"], 2), "ingest_cpu_s": round(ing["cpu_s"], 2),
        "ingest_per_s": round(n / ing["wall_s"]),
        "ingest_per_cpu_s": round(n / (ing["cpu_s"] + ing.get("server_cpu_s", 0.0))),
        "floor_wall_s": round(base["wall_s"], 2), "floor_cpu_s": round(base["cpu_s"], 2),
        "floor_per_s": round(n / base["wall_s"]),
        "ingest_over_floor_wall": round(ing["wall_s"] / base["wall_s"], 2),
        "where_used_p50_ms": r1(statistics.median(times) * 1000),
        "where_used_p95_ms": r1(statistics.quantiles(times, n=20)[18] * 1000),
        "where_used_cpu_p95_ms": r1(statistics.quantiles(cpu_times, n=20)[18] * 1000),
        "recheck_wall_s": round(rc["wall_s"], 2), "recheck_cpu_s": round(rc["cpu_s"], 2),
        "db_bytes_per_component": round(size / n),
        "load_1min": r1(os.getloadavg()[0]), "cpus": os.cpu_count(),
    }  # fmt: skip
    if "server_cpu_s" in ing:
        out["ingest_server_cpu_s"] = round(ing["server_cpu_s"], 2)
        out["floor_server_cpu_s"] = round(base.get("server_cpu_s", 0.0), 2)
    return out


def _size(store: Any, url: str) -> int:
    """The database's size on disk (SQLite file and its WAL; PostgreSQL's database)."""
    from sqlalchemy import text

    if store.is_postgres:
        with store.engine.connect() as conn:
            return int(
                conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            )
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _table(results: list[dict[str, object]]) -> str:
    cols = ["engine", "servers", "components", "ingest_per_s", "ingest_wall_s", "ingest_cpu_s",
            "floor_per_s", "ingest_over_floor_wall", "where_used_p50_ms", "where_used_p95_ms",
            "where_used_cpu_p95_ms",
            "recheck_wall_s", "recheck_cpu_s", "load_1min"]  # fmt: skip
    lines = [" | ".join(cols), " | ".join("---" for _ in cols)]
    lines += [" | ".join(f"{r.get(c, '')}" for c in cols) for r in results]
    return "\n".join(lines)


def _ingest_table(results: list[dict[str, object]]) -> str:
    cols = ["engine", "servers", "components", "ingest_per_s", "ingest_wall_s",
            "ingest_us_per_component", "us_parent", "us_workers", "us_server", "floor_per_s",
            "floor_us_per_row", "load_1min"]  # fmt: skip
    lines = [" | ".join(cols), " | ".join("---" for _ in cols)]
    lines += [" | ".join(f"{r.get(c, '')}" for c in cols) for r in results]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", type=int, nargs="+")
    ap.add_argument("--full", action="store_true", help="also 1,000 servers (3 million rows)")
    ap.add_argument("--quick", action="store_true", help="10 and 40 servers")
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--pg", help="a PostgreSQL server URL (a new database is created per run)")
    ap.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="generated BOMs")
    ap.add_argument("--ingest-only", action="store_true",
                    help="ingest and its floor only (no where-used, no recheck)")  # fmt: skip
    ap.add_argument("--no-floor", action="store_true",
                    help="with --ingest-only: no floor (it reads every BOM once more, untimed)")  # fmt: skip
    args = ap.parse_args()
    sizes = args.servers or ([10, 40] if args.quick else [100, 300, *([1000] if args.full else [])])
    gc.disable()  # as the sovbom command line runs
    work = Path(tempfile.mkdtemp(prefix="sovbom-bench-fleet-"))
    pol = policy(work / "policy.yaml", denied=["CN"])
    results = []
    with contextlib.ExitStack() as stack:
        pg = args.pg
        if "postgresql" in args.engines and pg is None:
            bin_dir = pg_bin()
            assert bin_dir is not None, "PostgreSQL server binaries are not installed"
            pg = stack.enter_context(throwaway_cluster(bin_dir))
        for n in sizes:
            paths = cached_fleet(args.cache, n, args.components)
            for engine in args.engines:
                if engine == "sqlite":
                    url, floor_url = (
                        f"sqlite:///{work / f'{name}-{n}.db'}" for name in ("fleet", "floor")
                    )
                else:
                    url, floor_url = new_pg_database(pg), new_pg_database(pg)
                if args.ingest_only:
                    results.append(run_ingest(url, floor_url, paths, not args.no_floor))
                else:
                    results.append(run(url, floor_url, paths, pol))
                print(json.dumps(results[-1]), flush=True)
                for leftover in work.glob("*.db*"):
                    leftover.unlink()
    print(_table(results) if not args.ingest_only else _ingest_table(results))


if __name__ == "__main__":
    main()
