"""Dashboard benchmark: a synthetic fleet (N servers of C components) in SQLite, served by
``sovbom serve``'s application in a thread, timed over HTTP from the same machine.

    PYTHONPATH=src python benchmarks/bench_web.py --servers 100 --components 3000 [--recheck]

Figures (one JSON line): the overview cold (the fleet summary computed) and warm (cached until
the fleet changes), the server list, the server page cold (its newest BOM checked and drawn) and
warm, where-used search over bench_fleet's query mix; p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "fleet"))

from bench_fleet import QUERIES, make_fleet  # noqa: E402
from fleet_support import policy  # noqa: E402


def fetch(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as r:
        r.read()
        assert r.status == 200, url
    return time.perf_counter() - t


def stats(times: list[float]) -> dict[str, float]:
    ms = sorted(t * 1000 for t in times)
    p95 = statistics.quantiles(ms, n=20)[18] if len(ms) >= 2 else ms[0]
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1), "n": len(ms)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=100)
    ap.add_argument("--components", type=int, default=3000)
    ap.add_argument("--requests", type=int, default=20, help="requests per figure")
    ap.add_argument("--recheck", action="store_true", help="also store a recheck (slow)")
    args = ap.parse_args()
    gc.disable()  # as the sovbom command line runs (ingest)

    import uvicorn

    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy
    from sovbom.web.app import create_app
    from sovbom.web.views import Dashboard

    work = Path(tempfile.mkdtemp(prefix="sovbom-bench-web-"))
    pol = load_policy(policy(work / "policy.yaml", denied=["CN"]))
    paths = make_fleet(work, args.servers, args.components)
    store = open_store(f"sqlite:///{work / 'fleet.db'}", create=True)
    t = time.perf_counter()
    ingest(store, [IngestInput(p) for p in paths])
    ingest_s = time.perf_counter() - t
    if args.recheck:
        recheck(store, pol, as_of=dt.date(2026, 6, 1))

    gc.enable()  # as sovbom serve runs
    gc.set_threshold(50_000, 20, 20)
    dashboard = Dashboard(store, pol)
    server = uvicorn.Server(uvicorn.Config(create_app(dashboard), host="127.0.0.1",
                                           port=0, log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    n = args.requests
    rng = random.Random(7)
    out: dict[str, object] = {
        "servers": args.servers, "components": args.servers * args.components,
        "ingest_s": round(ingest_s, 1),
    }  # fmt: skip
    out["overview_cold_ms"] = round(fetch(base + "/") * 1000, 1)
    out["overview"] = stats([fetch(base + "/") for _ in range(n)])
    out["api_overview"] = stats([fetch(base + "/api/overview") for _ in range(n)])
    # sovbom serve warms in a thread at start (imports, summary): here after the cold overview
    dashboard.warm()
    offsets = [rng.randrange(0, args.servers) for _ in range(n)]
    out["server_list"] = stats([fetch(f"{base}/servers?offset={o}") for o in offsets])
    # a server page is cached once viewed (the 16 most recent): cold is a first view, warm a
    # repeated one
    keys = [f"S{i:05d}" for i in rng.sample(range(args.servers), min(n, args.servers, 16))]
    out["server_cold"] = stats([fetch(f"{base}/servers/{k}") for k in keys])
    out["server_warm"] = stats([fetch(f"{base}/servers/{k}") for k in keys])
    search = [fetch(f"{base}/search?{urllib.parse.urlencode({'q': q})}")
              for _ in range(max(1, n // len(QUERIES))) for q in QUERIES]  # fmt: skip
    out["search"] = stats(search)
    out["search_by_query_ms"] = {
        q: round(fetch(f"{base}/search?{urllib.parse.urlencode({'q': q})}") * 1000, 1)
        for q in QUERIES
    }
    if args.recheck:
        out["recheck_page"] = stats([fetch(base + "/rechecks") for _ in range(n)])
    server.should_exit = True
    thread.join(10)
    store.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
