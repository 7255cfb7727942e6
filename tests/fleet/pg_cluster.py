"""A throwaway PostgreSQL cluster (Debian's ``postgresql`` package) for tests and benchmarks.

``initdb`` into a temporary directory, ``pg_ctl start`` on 127.0.0.1 at a free port; the server
refuses to run as root, so as root it runs as the ``postgres`` user. ``-A trust`` (no password)
is only for this throwaway cluster listening on loopback.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


class ClusterError(Exception):
    """The cluster could not be created or started (the message has the tool's output)."""


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise ClusterError(
            f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )


@contextlib.contextmanager
def throwaway_cluster(bin_dir: Path) -> Iterator[str]:
    """The base URL (``postgresql://sovbom@127.0.0.1:PORT``) of a new cluster, stopped after."""
    base = Path(tempfile.mkdtemp(prefix="sovbom-pg-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, port = base / "data", _free_port()
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        _run(
            _as_server_user(
                [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sovbom"]
            )
        )
        options = f"-k {base} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off"
        _run(_as_server_user([*ctl, "-o", options, "-l", str(base / "log"), "-w", "start"]))
        yield f"postgresql://sovbom@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([*ctl, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def new_pg_database(base_url: str) -> str:
    """A new, empty database on the cluster; its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base_url}/{name}"
