"""A small, test-only Redfish service on 127.0.0.1 that serves a mockup directory tree.

It answers like a BMC: the service root without authentication, everything else with HTTP basic
authentication or a session token (``POST /redfish/v1/SessionService/Sessions`` -> ``X-Auth-Token``,
``DELETE`` the session to log out). It can misbehave on chosen paths (``faults``):

* ``slow``: answers after ``slow_seconds`` (beyond the client's timeout);
* ``500`` / ``503``: always that status; ``500-once``: a 500 the first time, then the resource;
* ``broken``: truncated JSON; ``null``: JSON that is not an object;
* ``redirect-loop``: 302 back and forth between two URLs; ``redirect-offsite``: 302 to another host;
* ``401`` / ``403`` / ``404``: that status;
* ``drip-body``: the headers at once, then the body one byte every ``drip_seconds``;
* ``drip-headers``: a status line and then headers without end, one byte every ``drip_seconds``;
* ``huge-announced``: a Content-Length of 10 GB, then silence until the client hangs up;
* ``huge-body``: no Content-Length, then blanks as fast as the client reads, up to 10 GB
  (``body_bytes_sent`` counts what went out);
* ``deep``: a JSON object nested 200 levels deep.

Actions: ``actions`` maps a POST path to a handler called with the JSON body; ``routes`` maps a
GET path to a handler called with nothing (task monitors, results). A handler returns
``(status, body, headers)``; ``body`` is bytes or a JSON-able object. Both need authentication.
Each action's body is kept in ``posted`` (path, JSON).

A drip stops when the client hangs up, when the server stops, or after ``drip_limit`` seconds
(so that a client that never gives up cannot hang a test run).

It can add a fixed ``latency`` to every answer (what a BMC costs), and serve HTTPS with a given
certificate. It binds to 127.0.0.1 only, on a port the system picks. Nothing here is used outside
the tests and the benchmark.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import secrets
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ROOT = "/redfish/v1"
#: What an action or route handler returns: status, body (bytes or JSON-able), headers.
Answer = tuple[int, Any, dict[str, str]]
SESSIONS = ROOT + "/SessionService/Sessions"
HUGE_BYTES = 10 * 1000**3


def mockup_base(directory: Path) -> Path:
    """The directory that holds the service root's ``index.json``."""
    for candidate in (directory / "redfish" / "v1", directory):
        if (candidate / "index.json").is_file():
            return candidate
    raise FileNotFoundError(f"no index.json in {directory}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms stalls between the headers and the body

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    # -- helpers -----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        body = json.dumps({"error": {"code": f"Base.1.0.{status}", "message": message}})
        self._send(status, body.encode())

    def _authorised(self) -> bool:
        rf = self.server.rf
        token = self.headers.get("X-Auth-Token")
        if token and token in rf.tokens.values():
            return True
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic ") and rf.basic:
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, password) == (rf.username, rf.password)
        return False

    def _drip(self, data: bytes) -> None:
        """Send ``data`` one byte at a time, then hang up."""
        rf = self.server.rf
        self.close_connection = True
        until = time.monotonic() + rf.drip_limit
        for i in range(len(data)):
            if time.monotonic() > until or rf.stopping.is_set():
                return
            try:
                self.wfile.write(data[i : i + 1])
            except OSError:
                return  # the client gave up
            rf.stopping.wait(rf.drip_seconds)

    def _drip_body(self, path: str) -> None:
        file = self.server.rf.file_for(path)
        body = file.read_bytes() if file else b'{"Name": "dripped"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._drip(body)

    def _drip_headers(self) -> None:
        lines = b"".join(b"X-Drip-%d: %s\r\n" % (i, b"a" * 40) for i in range(90))
        self._drip(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + lines)

    def _huge(self, announce: bool) -> None:
        """Announce 10 GB, or send blanks without a length until the client hangs up."""
        rf = self.server.rf
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if announce:
            self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        if announce:
            rf.stopping.wait(rf.drip_limit)
            return
        chunk = b" " * 65536
        until = time.monotonic() + rf.drip_limit
        while rf.body_bytes_sent < HUGE_BYTES and time.monotonic() < until:
            try:
                self.wfile.write(chunk)
            except OSError:
                return  # the client gave up
            with rf.lock:
                rf.body_bytes_sent += len(chunk)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # -- methods -----------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        rf = self.server.rf
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        rf.count(path, "GET")
        if rf.latency:
            time.sleep(rf.latency)
        fault = rf.faults.get(path)
        if fault and fault.endswith("-once"):
            if path in rf.fault_done:
                fault = None
            else:
                rf.fault_done.add(path)
                fault = fault[: -len("-once")]
        if fault == "slow":
            time.sleep(rf.slow_seconds)
        elif fault == "drip-body":
            self._drip_body(path)
            return
        elif fault == "drip-headers":
            self._drip_headers()
            return
        elif fault in ("huge-announced", "huge-body"):
            self._huge(announce=fault == "huge-announced")
            return
        elif fault in ("401", "403", "404", "500", "503"):
            self._error(int(fault), f"fault injected at {path}")
            return
        elif fault == "redirect-loop":
            target = path if split.query else path + "?loop=1"
            self._send(302, b"", {"Location": target})
            return
        elif fault == "redirect-offsite":
            self._send(302, b"", {"Location": "http://redfish.invalid" + path})
            return
        if path != ROOT and not self._authorised():
            self._error(401, "authentication required")
            return
        if path == ROOT and rf.auth_root and not self._authorised():
            self._error(401, "authentication required")
            return
        if fault == "broken":
            self._send(200, b'{"@odata.id": "' + path.encode() + b'", "Members": [{"@odata.id": ')
            return
        if fault == "null":
            self._send(200, b"null")
            return
        if fault == "deep":
            self._send(200, b'{"a":' * 200 + b"1" + b"}" * 200)
            return
        route = rf.routes.get(path)
        if route is not None:
            self._answer(route())
            return
        file = rf.file_for(path)
        if file is None:
            self._error(404, f"no resource at {path}")
            return
        self._send(200, file.read_bytes())

    def _answer(self, answer: Answer) -> None:
        status, body, headers = answer
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self._send(status, data, headers)

    def do_POST(self) -> None:  # noqa: N802
        rf = self.server.rf
        path = urlsplit(self.path).path.rstrip("/")
        rf.count(path, "POST")
        body = self._body()
        action = rf.actions.get(path)
        if action is not None:
            if not self._authorised():
                self._error(401, "authentication required")
                return
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                self._error(400, "malformed JSON")
                return
            with rf.lock:
                rf.posted.append((path, params))
            self._answer(action(params))
            return
        if path != SESSIONS:
            self._error(405, "not allowed")
            return
        if not rf.sessions:
            self._error(405, "sessions are not supported here")
            return
        try:
            creds = json.loads(body or b"{}")
        except ValueError:
            self._error(400, "malformed JSON")
            return
        if (creds.get("UserName"), creds.get("Password")) != (rf.username, rf.password):
            self._error(401, "bad credentials")
            return
        with rf.lock:
            rf.session_counter += 1
            session_id = str(rf.session_counter)
            token = secrets.token_hex(16)
            rf.tokens[session_id] = token
            rf.issued_tokens.append(token)
        location = f"{SESSIONS}/{session_id}"
        body_out = json.dumps({"@odata.id": location, "Id": session_id, "UserName": rf.username})
        self._send(201, body_out.encode(), {"X-Auth-Token": token, "Location": location})

    def do_DELETE(self) -> None:  # noqa: N802
        rf = self.server.rf
        path = urlsplit(self.path).path.rstrip("/")
        rf.count(path, "DELETE")
        if not self._authorised():
            self._error(401, "authentication required")
            return
        session_id = path.rsplit("/", 1)[-1]
        with rf.lock:
            if path.startswith(SESSIONS + "/") and session_id in rf.tokens:
                del rf.tokens[session_id]
                rf.sessions_deleted += 1
                found = True
            else:
                found = False
        if found:
            self._send(204, b"")
        else:
            self._error(404, "no such session")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    rf: RedfishServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed TLS handshakes and clients that hang up are part of the tests

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs in the connection's own thread: done in accept(), it would
        # make every client wait for the slowest handshake in progress.
        if self.rf.tls is None:
            super().finish_request(request, client_address)
            return
        with self.rf.tls.wrap_socket(request, server_side=True) as tls_request:
            super().finish_request(tls_request, client_address)


class RedfishServer:
    """A threaded Redfish service over a mockup tree; use as a context manager."""

    def __init__(
        self,
        mockup: Path,
        *,
        username: str = "root",
        password: str = "calvin-Test-1",  # noqa: S107 - a test-only fake BMC
        sessions: bool = True,
        basic: bool = True,
        auth_root: bool = False,
        latency: float = 0.0,
        slow_seconds: float = 2.0,
        drip_seconds: float = 0.1,
        drip_limit: float = 30.0,
        faults: dict[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        actions: dict[str, Callable[[Any], Answer]] | None = None,
        routes: dict[str, Callable[[], Answer]] | None = None,
    ) -> None:
        self.base = mockup_base(mockup)
        self.actions = dict(actions or {})
        self.routes = dict(routes or {})
        self.posted: list[tuple[str, Any]] = []
        self.username = username
        self.password = password
        self.sessions = sessions
        self.basic = basic
        self.auth_root = auth_root
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.drip_seconds = drip_seconds
        self.drip_limit = drip_limit
        self.stopping = threading.Event()
        self.faults = {k.rstrip("/"): v for k, v in (faults or {}).items()}
        self.fault_done: set[str] = set()
        self.tls = tls
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}
        #: every session token handed out, including those of closed sessions
        self.issued_tokens: list[str] = []
        self.session_counter = 0
        self.sessions_deleted = 0
        self.body_bytes_sent = 0
        self.hits: Counter[tuple[str, str]] = Counter()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def count(self, path: str, method: str) -> None:
        with self.lock:
            self.hits[(method, path)] += 1

    @property
    def requests(self) -> int:
        return sum(self.hits.values())

    def get_count(self, path: str) -> int:
        return self.hits[("GET", path.rstrip("/"))]

    def file_for(self, path: str) -> Path | None:
        if not path.startswith(ROOT):
            return None
        parts = [unquote(p) for p in path[len(ROOT) :].split("/") if p]
        if any(p in ("..", ".") for p in parts):
            return None
        file = self.base.joinpath(*parts, "index.json")
        return file if file.is_file() else None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> RedfishServer:
        httpd = _Server(("127.0.0.1", 0), _Handler)
        httpd.rf = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="redfish-server"
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RedfishServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# A throw-away certificate authority for the HTTPS tests
# --------------------------------------------------------------------------------------------


@dataclass
class TestPKI:
    ca_pem: Path
    server_context: ssl.SSLContext

    __test__ = False  # not a pytest test class


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_pki(directory: Path, name: str = "sovbom-test") -> TestPKI:
    """A CA and a server certificate for 127.0.0.1, written under ``directory``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{name} CA"))
        .issuer_name(_name(f"{name} CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("bmc.test"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_pem = directory / f"{name}-ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem = directory / f"{name}-server.pem"
    key_pem = directory / f"{name}-server.key"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_pem, key_pem)
    return TestPKI(ca_pem=ca_pem, server_context=context)
