"""A test-only TUF repository on 127.0.0.1 that publishes a local Sigstore instance's trust files.

Sigstore instances distribute their trusted root and signing config as TUF targets
(``trusted_root.json``, ``signing_config.v0.2.json``); clients bootstrap from the instance's
``root.json`` obtained out of band. This builds such a repository with python-tuf's metadata
API (one ECDSA key for every role, consistent snapshots off) and serves it over HTTP.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class TufRepository:
    """A TUF repository in ``directory`` publishing ``targets`` (name -> JSON document)."""

    def __init__(self, directory: Path, targets: dict[str, Any]) -> None:
        self.directory = directory
        self.signer = CryptoSigner.generate_ecdsa()
        self._httpd: ThreadingHTTPServer | None = None
        self.url = ""
        self._build(targets)

    def _sign_write(self, md: Metadata[Any], name: str) -> None:
        md.sign(self.signer)
        md.to_file(str(self.directory / name), JSONSerializer(compact=False))

    def _build(self, targets: dict[str, Any]) -> None:
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=7)
        (self.directory / "targets").mkdir(parents=True, exist_ok=True)
        key = self.signer.public_key
        root = Root(expires=expires, consistent_snapshot=False)
        for role in ("root", "targets", "snapshot", "timestamp"):
            root.add_key(key, role)
        tgt = Targets(expires=expires)
        for name, doc in targets.items():
            path = self.directory / "targets" / name
            path.write_text(json.dumps(doc, indent=2))
            tgt.targets[name] = TargetFile.from_file(name, str(path))
        snapshot = Snapshot(expires=expires)
        snapshot.meta["targets.json"] = MetaFile(version=tgt.version)
        timestamp = Timestamp(expires=expires)
        timestamp.snapshot_meta = MetaFile(version=snapshot.version)
        self._sign_write(Metadata(root), "1.root.json")
        self._sign_write(Metadata(tgt), "targets.json")
        self._sign_write(Metadata(snapshot), "snapshot.json")
        self._sign_write(Metadata(timestamp), "timestamp.json")

    @property
    def root_file(self) -> Path:
        """The initial root metadata a client is given out of band."""
        return self.directory / "1.root.json"

    def start(self) -> TufRepository:
        handler = partial(_Quiet, directory=str(self.directory))
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, name="tuf-repo", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
