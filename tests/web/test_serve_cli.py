"""``sovbom serve`` as a user runs it: a subprocess on a free port, the warning off loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import Fleet, free_port, get

REPO = Path(__file__).resolve().parents[2]


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sovbom", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                if get(url + "/api").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "sovbom serve did not start"
            time.sleep(0.2)
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(20)


def stderr_of(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stderr is not None
    return proc.stderr.read().decode()


def test_serves_on_loopback_without_a_warning(fleet: Fleet) -> None:
    with serving("--db", fleet.db, "--policy", str(fleet.policy)) as (proc, url):
        assert get(url + "/api/overview").json()["servers"] == 26
    err = stderr_of(proc)
    assert "serving" in err and "warning" not in err


def test_warns_when_bound_beyond_loopback(fleet: Fleet) -> None:
    with serving("--db", fleet.db, "--policy", str(fleet.policy), "--host", "0.0.0.0") as (
        proc,
        url,
    ):
        assert get(url + "/").status == 200
    err = stderr_of(proc)
    assert "warning" in err and "no authentication" in err


def test_policy_defaults_to_the_newest_recheck(fleet: Fleet) -> None:
    with serving("--db", fleet.db) as (_proc, url):
        assert get(url + "/api/overview").json()["policy"] == str(fleet.strict)


def test_without_a_policy_it_says_what_to_give(tmp_path: Path) -> None:
    from sovbom.fleet.store import open_store

    db = tmp_path / "empty.db"
    open_store(str(db), create=True).close()
    result = subprocess.run(
        [sys.executable, "-m", "sovbom", "serve", "--db", str(db), "--port", str(free_port())],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    assert result.returncode == 4
    assert "--policy" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.0.2.7", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    from sovbom.web.server import is_loopback

    assert is_loopback(host) is loopback
