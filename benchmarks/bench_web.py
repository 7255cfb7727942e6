"""Dashboard benchmark: ``sovbom serve`` over a synthetic fleet, timed over HTTP from this machine.

    PYTHONPATH=src python benchmarks/bench_web.py                # 1,000 servers x 3,000 components
    PYTHONPATH=src python benchmarks/bench_web.py --quick        # 100 servers x 3,000 components

The fleet is bench_fleet's generator (the same servers, sites and parts), ingested into SQLite in
batches and rechecked once; the database is cached on disk (``--cache``, by size), so a second run
starts at once. The server is the real command (``sovbom serve`` in a subprocess, started fresh,
so every figure marked *first* is a first view: nothing computed or cached before it).

Figures (one JSON line, milliseconds): per page, the first views and the repeated views (p50,
p95, n), where-used search (``country=``, wildcards, exact), and the floor: ``/api``, an endpoint
that only routes and answers (no database), measured in the same run; each page's p95 is also given
as a ratio of the floor's p50. With wall time, the server's CPU seconds (user+sys, over the
whole run), this script's own, and the load average before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from bench_fleet import QUERIES, make_fleet  # noqa: E402
from fleet_support import part, policy, server_bom, write  # noqa: E402

#: Servers generated and ingested at a time (their files are deleted after each batch).
BATCH = 50
SEARCHES = [*QUERIES, "country=US", "part=GPU-1?"]
#: A wildcard matching about 1,100 parts on every server (``--broad``): counted up to 10,000 matches,
#: then paged by walking the newest BOMs in server order (it no longer reads every match).
BROAD = "name=DIMM 1*"


def make_servers(directory: Path, start: int, stop: int, components: int) -> list[str]:
    """Servers ``start`` to ``stop - 1`` of bench_fleet's :func:`make_fleet` (the same files)."""
    paths = []
    for i in range(start, stop):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 10 == 0 else "US", part_number=f"GPU-{i % 50}"),
                 part("hw:nic", "NIC", "nic", "US", part_number=f"NIC-{i % 7}")]  # fmt: skip
        doc = server_bom(f"S{i:05d}", parts=parts, n_fillers=components - 4,
                         timestamp=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
                         site=f"Plant {'ABC'[i % 3]}")  # fmt: skip
        paths.append(str(write(directory / f"s{i:05d}.json", doc)))
    return paths


def _same_generator(work: Path) -> None:
    """This batch generator writes what bench_fleet's does (checked on a small fleet)."""
    (work / "a").mkdir()
    (work / "b").mkdir()
    mine = make_servers(work / "a", 0, 12, 20)
    theirs = make_fleet(work / "b", 12, 20)
    assert [Path(p).read_bytes() for p in mine] == [Path(p).read_bytes() for p in theirs]


def seed(db: Path, pol: Path, servers: int, components: int) -> dict[str, float]:
    """Generate and ingest the fleet in batches, then store one recheck (cached by the caller)."""
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy

    tmp = db.with_suffix(".partial")
    tmp.unlink(missing_ok=True)
    store = open_store(f"sqlite:///{tmp}", create=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sovbom-bench-web-") as work:
        _same_generator(Path(work))
        for first in range(0, servers, BATCH):
            batch = Path(work) / f"b{first}"
            batch.mkdir()
            paths = make_servers(batch, first, min(servers, first + BATCH), components)
            ingest(store, [IngestInput(p) for p in paths])
            shutil.rmtree(batch)
            print(f"ingested {first + len(paths)} of {servers} servers", file=sys.stderr)
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    recheck(store, load_policy(pol), as_of=dt.date(2026, 6, 1))
    recheck_s = time.perf_counter() - started
    store.close()
    tmp.rename(db)
    return {"ingest_s": round(ingest_s, 1), "recheck_s": round(recheck_s, 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as r:  # noqa: S310 - the loopback server
        r.read()
        assert r.status == 200, url
    return time.perf_counter() - t


def stats(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) >= 2 else ms[0]
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1), "n": len(ms)}


def serve(db: Path, pol: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    cmd = [sys.executable, "-m", "sovbom", "serve", "--db", f"sqlite:///{db}", "--policy",
           str(pol), "--port", str(port), "--as-of", "2026-06-01"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE)  # noqa: S603 - our own command
    deadline = time.monotonic() + 120
    while True:
        try:
            fetch(f"http://127.0.0.1:{port}/api")
            return proc
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.05)


def measure(base: str, servers: int, n: int, searches: list[str]) -> dict[str, object]:
    """First views (the server just started) and repeated views of every page."""
    rng = random.Random(7)
    keys = [
        f"S{i:05d}" for i in rng.sample(range(1, servers), min(n, servers - 1))
    ]  # S00000: warmed
    out: dict[str, object] = {}
    first = {"overview": [fetch(base + "/")], "api_overview": [fetch(base + "/api/overview")]}
    first["server"] = [fetch(f"{base}/servers/{k}") for k in keys]
    first["server_list"] = [fetch(f"{base}/servers?offset={rng.randrange(servers)}")]
    first["search"] = [fetch(f"{base}/search?{urllib.parse.urlencode({'q': q})}")
                       for q in searches]  # fmt: skip
    first["rechecks"] = [fetch(base + "/rechecks")]
    out["first"] = {k: stats(v) for k, v in first.items()}
    again = {
        "floor_api_index": [fetch(base + "/api") for _ in range(n)],
        "overview": [fetch(base + "/") for _ in range(n)],
        "api_overview": [fetch(base + "/api/overview") for _ in range(n)],
        "server": [fetch(f"{base}/servers/{k}") for k in keys],
        "server_list": [fetch(f"{base}/servers?offset={rng.randrange(servers)}")
                        for _ in range(n)],
        "server_list_filtered": [fetch(f"{base}/servers?site=Plant+B&verdict=fail&q=S00")
                                 for _ in range(n)],
        "search": [fetch(f"{base}/search?{urllib.parse.urlencode({'q': q})}")
                   for _ in range(max(1, n // len(searches))) for q in searches],
        "rechecks": [fetch(base + "/rechecks") for _ in range(n)],
    }  # fmt: skip
    out["repeat"] = {k: stats(v) for k, v in again.items()}
    # every view of a page, first and repeated, for the targets (p95 < 300 ms; search < 500 ms)
    out["all_views"] = {k: stats(first[k] + again[k]) for k in ("overview", "server", "search")}
    out["search_first_by_query_ms"] = {
        q: round(t * 1000, 1) for q, t in zip(searches, first["search"], strict=True)
    }
    floor = again["floor_api_index"]
    out["ratio_p95_to_floor_p50"] = {
        k: round(v["p95_ms"] / max(stats(floor)["p50_ms"], 0.1), 1)  # type: ignore[index]
        for k, v in out["all_views"].items()  # type: ignore[attr-defined]
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--quick", action="store_true", help="100 servers (same components)")
    ap.add_argument("--requests", type=int, default=30, help="views per figure")
    ap.add_argument("--broad", action="store_true", help=f"also search {BROAD!r}")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sovbom-bench-web",
                    help="where the seeded fleet databases are kept between runs")  # fmt: skip
    args = ap.parse_args()
    servers = 100 if args.quick else args.servers
    args.cache.mkdir(parents=True, exist_ok=True)
    pol = policy(args.cache / "policy.yaml", denied=["CN"])
    db = args.cache / f"fleet-{servers}x{args.components}.db"
    out: dict[str, object] = {"servers": servers, "components": servers * args.components}
    if not db.exists():
        out["seeded"] = seed(db, pol, servers, args.components)
    load_before = os.getloadavg()
    started = time.perf_counter()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    port = free_port()
    proc = serve(db, pol, port)
    try:
        searches = [*SEARCHES, BROAD] if args.broad else SEARCHES
        out.update(measure(f"http://127.0.0.1:{port}", servers, args.requests, searches))
    finally:
        proc.terminate()
        proc.wait(30)
    wall = time.perf_counter() - started
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = resource.getrusage(resource.RUSAGE_SELF)
    out["wall_s"] = round(wall, 1)
    out["server_cpu_s"] = round(child.ru_utime + child.ru_stime - children.ru_utime
                                - children.ru_stime, 1)  # fmt: skip
    out["client_cpu_s"] = round(after.ru_utime + after.ru_stime - mine.ru_utime - mine.ru_stime, 1)
    out["load_avg_1m"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    out["cpus"] = os.cpu_count()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
