"""An HTTP server on 127.0.0.1 that speaks Fulcio v2 (CA) and Rekor v1 (log), test-only."""

from __future__ import annotations

import base64
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from .log import EntryRejected, TransparencyLog
from .pki import DEFAULT_ISSUER, InstanceKeys, TokenRejected

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"

_logger = logging.getLogger("sigstore_local")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        _logger.debug(format, *args)

    def _reply(self, status: int, obj: Any) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self.server.instance.errors.append(f"{self.path}: {status} {message}")
        _logger.warning("local sigstore: %s -> %d %s", self.path, status, message)
        self._reply(status, {"code": status, "message": message})

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:  # noqa: N802
        inst = self.server.instance
        if self.path.rstrip("/") == "/.well-known/openid-configuration":
            self._reply(200, {"issuer": inst.base_url})
        elif self.path.startswith("/github-actions/token"):
            # stands in for GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (ambient credentials)
            if self.headers.get("Authorization", "") != f"bearer {inst.gha_request_token}":
                self._error(401, "bad GitHub Actions request token")
                return
            token = inst.mint_token(inst.gha_identity, GITHUB_ACTIONS_ISSUER)
            self._reply(200, {"value": token})
        elif self.path == "/trusted_root.json":
            self._reply(200, inst.keys.trusted_root(inst.base_url))
        else:
            self._error(404, "not found")

    def do_POST(self) -> None:  # noqa: N802
        inst = self.server.instance
        try:
            body = self._body()
        except ValueError:
            self._error(400, "malformed JSON")
            return
        if self.path == "/api/v2/signingCert":
            self._signing_cert(inst, body)
        elif self.path == "/api/v1/log/entries":
            try:
                reply = inst.log.add(body)
            except (EntryRejected, KeyError, TypeError, ValueError) as e:
                self._error(400, f"entry rejected: {e}")
                return
            self._reply(201, reply)
        else:
            self._error(404, "not found")

    def _signing_cert(self, inst: LocalSigstore, body: Any) -> None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            self._error(401, "missing bearer token")
            return
        try:
            identity, issuer = inst.keys.check_token(auth.removeprefix("Bearer "))
        except TokenRejected as e:
            self._error(401, str(e))
            return
        try:
            csr = x509.load_pem_x509_csr(base64.b64decode(body["certificateSigningRequest"]))
        except (KeyError, TypeError, ValueError) as e:
            self._error(400, f"bad CSR: {e}")
            return
        if not csr.is_signature_valid:
            self._error(400, "CSR signature (proof of possession) does not verify")
            return
        pub = csr.public_key()
        if not isinstance(pub, ec.EllipticCurvePublicKey):
            self._error(400, "only ECDSA keys are supported")
            return
        leaf = inst.keys.issue_leaf(pub, identity, issuer)
        inst.issued += 1
        self._reply(
            201,
            {
                "signedCertificateEmbeddedSct": {
                    "chain": {"certificates": inst.keys.chain_pem(leaf)}
                }
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    instance: LocalSigstore


class LocalSigstore:
    """A local Sigstore-compatible instance: CA + transparency log + OIDC token minting.

    ``start()`` binds 127.0.0.1 on a free port and serves from a daemon thread.
    """

    def __init__(self, name: str = "sigstore-local") -> None:
        self.keys = InstanceKeys(name=name)
        self.log = TransparencyLog(self.keys, origin=f"{name}.test")
        self.errors: list[str] = []
        self.gha_request_token = "local-actions-request-token"
        self.gha_identity = (
            "https://github.com/acme-servers/bom/.github/workflows/release.yml@refs/heads/main"
        )
        self.issued = 0
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = "http://127.0.0.1:0"

    def start(self) -> LocalSigstore:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.instance = self
        self._httpd = httpd
        self.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, name="sigstore-local", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LocalSigstore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- material for clients ----------------------------------------------------------------

    def mint_token(self, identity: str, issuer: str = DEFAULT_ISSUER, **kw: Any) -> str:
        return self.keys.mint_token(identity, issuer, **kw)

    def github_actions_env(self) -> dict[str, str]:
        """Environment under which sigstore-python finds an ambient GitHub credential here."""
        return {
            "GITHUB_ACTIONS": "true",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.gha_request_token,
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.base_url}/github-actions/token?api-version=2.0",
        }

    def trusted_root(self) -> dict[str, Any]:
        return self.keys.trusted_root(self.base_url)

    def trust_config(self) -> dict[str, Any]:
        return self.keys.trust_config(self.base_url)

    def write_trusted_root(self, path: Path) -> Path:
        path.write_text(json.dumps(self.trusted_root(), indent=2))
        return path

    def write_trust_config(self, path: Path) -> Path:
        path.write_text(json.dumps(self.trust_config(), indent=2))
        return path
