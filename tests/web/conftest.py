"""A seeded fleet (the sample HBOMs and generated servers, two rechecks) served by the dashboard
on a free loopback port in a thread, and Debian's Chromium for the browser tests."""

from __future__ import annotations

import datetime as dt
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
for _p in (TESTS / "fleet", TESTS / "html"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from fleet_support import SAMPLES, part, server_bom, write  # noqa: E402
from fleet_support import policy as write_policy  # noqa: E402

from browser_support import chromium  # noqa: E402

#: A component name with markup: every page must show it as text.
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
GENERATED = 24


@dataclass
class Fleet:
    db: str
    policy: Path
    strict: Path
    hostile_server: str


def _generated(directory: Path) -> list[str]:
    paths = []
    for i in range(GENERATED):
        parts = [part("hw:gpu", "GPU", "gpu", "CN" if i % 4 == 0 else "US", part_number=f"GPU-{i % 5}"),
                 part("hw:nic", "NIC", "nic", "US", part_number="NIC-1")]  # fmt: skip
        if i == 3:
            parts.append(part("hw:odd", HOSTILE, "nic", "US", part_number="ODD-1"))
        doc = server_bom(f"W{i:03d}", parts=parts, n_fillers=10,
                         timestamp=f"2026-0{1 + i % 3}-0{1 + i % 9}T00:00:00Z",
                         site=f"Plant {'AB'[i % 2]}")  # fmt: skip
        paths.append(str(write(directory / f"w{i:03d}.json", doc)))
    # a second version of one server, a month later
    later = server_bom("W001", parts=[part("hw:gpu", "GPU", "gpu", "JP", part_number="GPU-9")],
                       n_fillers=10, timestamp="2026-04-01T00:00:00Z", site="Plant B")  # fmt: skip
    paths.append(str(write(directory / "w001-v2.json", later)))
    return paths


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    from sovbom.fleet.ingest import IngestInput, ingest
    from sovbom.fleet.recheck import recheck
    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy

    d = tmp_path_factory.mktemp("web-fleet")
    db = f"sqlite:///{d / 'fleet.db'}"
    paths = [str(p) for p in sorted(SAMPLES.glob("*.hbom.cdx.json"))] + _generated(d)
    store = open_store(db, create=True)
    try:
        report = ingest(store, [IngestInput(p) for p in paths])
        assert not report.skipped, report.skipped
        lenient = write_policy(d / "policy.yaml")
        strict = write_policy(d / "strict.yaml", denied=["CN"])
        recheck(store, load_policy(lenient), as_of=dt.date(2026, 6, 1), jobs=1)
        recheck(store, load_policy(strict), as_of=dt.date(2026, 6, 1), jobs=1)
    finally:
        store.close()
    return Fleet(db, lenient, strict, "W003")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def base_url(fleet: Fleet) -> Iterator[str]:
    """The dashboard over the seeded fleet (judged by the strict policy), in a thread."""
    import uvicorn

    from sovbom.fleet.store import open_store
    from sovbom.policy import load_policy
    from sovbom.web.app import create_app
    from sovbom.web.views import Dashboard

    store = open_store(fleet.db)
    dashboard = Dashboard(store, load_policy(fleet.strict), as_of=dt.date(2026, 6, 1))
    port = free_port()
    config = uvicorn.Config(create_app(dashboard), host="127.0.0.1", port=port,
                            log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def get(url: str) -> Reply:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - loopback test server
            return Reply(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, dict(e.headers), e.read())


@pytest.fixture(scope="session")
def browser(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """Chromium online only so that it can reach the loopback dashboard (tests check requests)."""
    with chromium(request, tmp_path_factory.mktemp("chromium-profile-web"), offline=False) as c:
        yield c
