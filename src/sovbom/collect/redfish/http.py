"""Resources from a live BMC: one ``requests`` session, TLS verified, bounded in time.

Authentication: a Redfish session when the BMC offers one (closed at the end), else HTTP basic
authentication. Retries (``retries``) cover connection failures, read failures and 5xx answers
of GETs, with a short backoff. Redirects are followed by hand, on the BMC only.

Time: every attempt of a request must be over within ``timeout`` seconds, from connecting to the
last byte of the body (:mod:`.deadline`), so one GET takes at most about
``(retries + 1) * timeout`` seconds; the whole collection must be over within ``deadline``
seconds (by default :data:`DEADLINE_TIMEOUTS` times ``timeout``), or it fails.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from urllib3.util.retry import Retry
from urllib3.util.ssl_ import create_urllib3_context

from sovbom._io import parse_json
from sovbom.collect.redfish.base import (
    MAX_RESOURCE_BYTES,
    ROOT,
    RedfishStats,
    Resource,
    Unavailable,
    link,
)
from sovbom.collect.redfish.credentials import (
    ENV_PASSWORD,
    ENV_USERNAME,
    find_credentials,
    parse_endpoint,
)
from sovbom.collect.redfish.deadline import Guard, GuardedAdapter, OutOfTime, Watchdog
from sovbom.errors import InputError, OperationalError

log = logging.getLogger("sovbom")

#: A response body larger than this is refused: by its Content-Length before anything is read,
#: else after reading one byte more than this (the body is never read to its end).
MAX_RESPONSE_BYTES = MAX_RESOURCE_BYTES
MAX_REDIRECTS = 5
#: The default budget of a whole collection, in multiples of the per-request ``timeout``.
DEADLINE_TIMEOUTS = 60


class AuthError(OperationalError):
    """The BMC refused the credentials (401/403)."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _reason(e: Exception) -> str:
    text = str(e)
    match = re.search(
        r"\[Errno -?\d+\] [^'\")]+|Connection refused|Name or service not known", text
    )
    if match:
        return match.group(0)
    return text if len(text) < 200 else text[:197] + "..."


def _declared_length(resp: requests.Response) -> int | None:
    """The body size a response announces (Content-Length), if it announces one."""
    value = (resp.headers.get("Content-Length") or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= 18 else 10**18  # never int() on a hostile digit run


def _unverified_context() -> ssl.SSLContext:
    """A TLS context that checks nothing (``--insecure``), built once for all connections."""
    context = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
    context.check_hostname = False
    return context


def _session(retries: int, pool: int, ca_bundle: str | None, insecure: bool) -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        redirect=0,
        backoff_factor=0.1,
        backoff_max=2.0,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        raise_on_redirect=False,
        respect_retry_after_header=False,
    )
    adapter = GuardedAdapter(
        max_retries=retry,
        pool_connections=1,
        pool_maxsize=max(1, pool),
        ssl_context=_unverified_context() if insecure else None,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    # identity: a compressed body cannot expand past what its Content-Length announced
    session.headers.update(
        {"Accept": "application/json", "Accept-Encoding": "identity", "OData-Version": "4.0"}
    )
    session.trust_env = False  # no proxies (nor netrc) from the environment for a BMC
    if insecure:
        session.verify = False
    elif ca_bundle:
        if not Path(ca_bundle).is_file():
            raise InputError("CA bundle not found", source=ca_bundle)
        session.verify = ca_bundle
    else:
        session.verify = True
    return session


class HttpFetcher:
    """GET Redfish resources from a BMC: bounded retries, deadlines, manual redirects."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None,
        password: str | None,
        ca_bundle: str | None,
        insecure: bool,
        timeout: float,
        retries: int,
        pool: int,
        deadline: float,
    ) -> None:
        endpoint = parse_endpoint(url)
        self.base = endpoint.base
        self.timeout = timeout
        self.retries = retries
        self.deadline = deadline
        self.budget_end = time.monotonic() + deadline
        self.stats = RedfishStats()
        self._lock = threading.Lock()
        self.credentials = find_credentials(endpoint.host, username, password)
        self._session_uri: str | None = None
        self.session = _session(retries, pool, ca_bundle, insecure)
        if insecure:
            log.warning(
                "TLS certificate verification is disabled for %s (--insecure): the BMC's identity "
                "is not checked",
                self.base,
            )
        self._watchdog = Watchdog()

    # -- the service root and authentication ---------------------------------------------------

    def open(self) -> dict[str, Any]:
        """Read the service root and authenticate as the BMC asks; every failure is fatal."""
        try:
            try:
                root = self.get(ROOT)
            except AuthError:
                if not self.credentials.user:
                    raise
                self._use_basic()
                root = self.get(ROOT)
        except Unavailable as e:
            raise OperationalError(
                f"cannot read the Redfish service root {self.describe(ROOT)}: {e.reason}",
                hint="check the URL, that the BMC is reachable, and --timeout",
            ) from e
        if self.stats.auth == "none":
            self.login(root)
        return root

    def _use_basic(self) -> None:
        self.session.auth = (self.credentials.user or "", self.credentials.password or "")
        self.stats.auth = "basic"

    def login(self, root: Resource) -> None:
        """Session authentication when the BMC offers it, otherwise basic authentication."""
        creds = self.credentials
        if not creds.user:
            log.debug("redfish: no credentials found (arguments, %s, netrc)", ENV_USERNAME)
            return
        links = root.get("Links")
        sessions = (link(links.get("Sessions")) if isinstance(links, Mapping) else None) or (
            ROOT + "/SessionService/Sessions"
        )
        resp = self._post_session(sessions)
        token = resp.headers.get("X-Auth-Token") if resp is not None else None
        if resp is not None and resp.status_code in (200, 201, 204) and token:
            self.session.headers["X-Auth-Token"] = token
            location = resp.headers.get("Location")
            if location:
                absolute = urljoin(self.base + sessions + "/", location)
                if _origin(absolute) == _origin(self.base):
                    self._session_uri = absolute
            self.stats.auth = "session"
            log.debug("redfish: logged in with a session (credentials from %s)", creds.source)
            return
        status = resp.status_code if resp is not None else "no answer"
        log.debug("redfish: no session (%s); using basic authentication", status)
        self._use_basic()

    def _post_session(self, sessions: str) -> requests.Response | None:
        body = {"UserName": self.credentials.user, "Password": self.credentials.password or ""}
        with self._watchdog.guard(self.timeout, self.budget_end) as guard:
            try:
                resp = self.session.post(
                    self.base + sessions,
                    json=body,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except OutOfTime as e:
                raise self._out_of_budget(sessions) from e
            except requests.exceptions.SSLError as e:
                if guard.expired:
                    raise self._late(sessions, guard) from e
                raise self._tls_error(e) from e
            except requests.RequestException as e:
                if guard.expired and guard.by_budget:
                    raise self._out_of_budget(sessions) from e
                log.debug(
                    "redfish: session login failed (%s); using basic authentication",
                    type(e).__name__,
                )
                return None
            with self._lock:
                self.stats.requests += 1
            resp.close()
            return resp

    def logout(self) -> None:
        if not self._session_uri:
            return
        uri, self._session_uri = self._session_uri, None
        # Its own short deadline: a session is closed even after the budget is spent.
        with self._watchdog.guard(self.timeout, time.monotonic() + self.timeout):
            try:
                resp = self.session.delete(uri, timeout=self.timeout, allow_redirects=False)
                with self._lock:
                    self.stats.requests += 1
                resp.close()
                if resp.status_code >= 400:
                    log.warning("redfish: could not close the session (HTTP %s)", resp.status_code)
            except (requests.RequestException, OutOfTime) as e:
                log.warning("redfish: could not close the session (%s)", type(e).__name__)
            finally:
                self.session.headers.pop("X-Auth-Token", None)

    def close(self) -> None:
        try:
            self.logout()
        finally:
            self.session.close()
            self._watchdog.close()

    # -- errors ---------------------------------------------------------------------------------

    def describe(self, uri: str) -> str:
        return self.base + uri

    def _tls_error(self, e: Exception) -> OperationalError:
        text = str(e)
        match = re.search(r"\[SSL: [A-Z_]+\] ([^(]+?)(?: \(_ssl|'|\)|$)", text)
        reason = match.group(1).strip() if match else _reason(e)
        return OperationalError(
            f"TLS verification failed for {self.base}: {reason}",
            hint="pass the BMC's CA certificate with --ca-bundle FILE (or, only if you accept an "
            "unauthenticated BMC, --insecure)",
        )

    def _out_of_budget(self, uri: str) -> OperationalError:
        return OperationalError(
            f"the Redfish collection from {self.base} did not finish within its deadline of "
            f"{self.deadline:g} s (stopped at {uri})",
            hint="the BMC answers too slowly for the collection's deadline (by default "
            f"{DEADLINE_TIMEOUTS} times --timeout)",
        )

    def _late(self, uri: str, guard: Guard) -> Exception:
        """What a request cut short by its deadline (or the collection's) becomes."""
        if guard.by_budget:
            return self._out_of_budget(uri)
        return Unavailable(uri, f"timed out after {self.timeout:g} s (no complete answer)")

    def _failed(self, uri: str, e: requests.RequestException) -> Unavailable:
        if isinstance(e, requests.exceptions.ConnectTimeout):
            return Unavailable(uri, f"connection timed out after {self.timeout:g} s")
        if isinstance(e, requests.exceptions.Timeout):
            return Unavailable(uri, f"timed out after {self.timeout:g} s")
        if isinstance(e, requests.exceptions.RetryError):
            return Unavailable(uri, f"gave up after retries: {e}")
        if isinstance(e, requests.exceptions.ConnectionError):
            if "timed out" in str(e).lower():
                return Unavailable(
                    uri, f"timed out after {self.timeout:g} s ({self.retries} retries)"
                )
            return Unavailable(uri, f"connection failed: {_reason(e)}")
        return Unavailable(uri, f"request failed: {_reason(e)}")

    # -- fetching -------------------------------------------------------------------------------

    def get(self, uri: str) -> dict[str, Any]:
        url = self.base + uri
        seen: set[str] = set()
        for _ in range(MAX_REDIRECTS + 1):
            seen.add(url)
            with self._watchdog.guard(self.timeout, self.budget_end) as guard:
                resp = self._send(uri, url, guard)
                try:
                    with self._lock:
                        self.stats.requests += 1
                        history = getattr(getattr(resp.raw, "retries", None), "history", ()) or ()
                        self.stats.retries += len(history)
                    if not resp.is_redirect:
                        return self._decode(uri, resp, guard)
                    url = self._redirect(uri, url, resp, seen)
                finally:
                    resp.close()
        raise Unavailable(uri, f"more than {MAX_REDIRECTS} redirects")

    def _send(
        self,
        uri: str,
        url: str,
        guard: Guard,
        method: str = "GET",
        body: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                json=body,
                timeout=(self.timeout, self.timeout),
                allow_redirects=False,
                stream=True,
            )
        except OutOfTime as e:
            raise self._out_of_budget(uri) from e
        except requests.exceptions.SSLError as e:
            if guard.expired:
                raise self._late(uri, guard) from e
            raise self._tls_error(e) from e
        except requests.RequestException as e:
            raise (self._late(uri, guard) if guard.expired else self._failed(uri, e)) from e

    def _redirect(self, uri: str, url: str, resp: requests.Response, seen: set[str]) -> str:
        location = resp.headers.get("Location", "")
        target = urljoin(url, location)
        if _origin(target) != _origin(self.base):
            raise Unavailable(uri, f"redirected off the BMC to {target}; not followed")
        if target in seen:
            raise Unavailable(uri, f"redirect loop ({location})")
        return target

    def _refuse(self, uri: str, resp: requests.Response) -> None:
        """Raise for an answer that is an error (the status only: never the body's text)."""
        status = resp.status_code
        if status in (401, 403):
            creds = self.credentials
            where = "no credentials given" if not creds.user else f"credentials from {creds.source}"
            raise AuthError(
                f"authentication failed at {self.base}{uri} (HTTP {status}, {where})",
                hint=f"set {ENV_USERNAME} and {ENV_PASSWORD}, or add the BMC to your netrc file",
            )
        if status == 404:
            raise Unavailable(uri, "not found (HTTP 404)")
        if status >= 400:
            raise Unavailable(uri, f"HTTP {status} {resp.reason or ''}".rstrip())

    def _body(self, uri: str, resp: requests.Response, guard: Guard) -> bytes:
        """The body, read under the size cap and the request's deadline."""
        declared = _declared_length(resp)
        if declared is not None and declared > MAX_RESPONSE_BYTES:
            raise Unavailable(
                uri,
                f"response announces {declared} bytes, more than {MAX_RESPONSE_BYTES}; not read",
            )
        try:
            body = resp.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
        except (urllib3.exceptions.HTTPError, OSError) as e:
            if guard.expired:
                raise self._late(uri, guard) from e
            raise Unavailable(uri, f"reading the response failed: {_reason(e)}") from e
        if guard.expired:
            raise self._late(uri, guard)
        if len(body) > MAX_RESPONSE_BYTES:
            raise Unavailable(uri, f"response larger than {MAX_RESPONSE_BYTES} bytes")
        return bytes(body)

    def _json(self, uri: str, body: bytes) -> dict[str, Any]:
        try:
            doc = parse_json(body, self.base + uri)  # syntax, and nesting deeper than 128 levels
        except InputError as e:
            raise Unavailable(uri, e.message) from e
        if not isinstance(doc, dict):
            raise Unavailable(uri, "expected a JSON object")
        return doc

    def _decode(self, uri: str, resp: requests.Response, guard: Guard) -> dict[str, Any]:
        self._refuse(uri, resp)
        return self._json(uri, self._body(uri, resp, guard))

    # -- actions and task monitors --------------------------------------------------------------

    def exchange(self, method: str, uri: str, body: Mapping[str, Any] | None = None) -> Reply:
        """One request whose status matters (an action's POST, a task monitor's GET).

        Not retried on a 5xx answer or a read failure (an action is not idempotent), not
        redirected; the same deadlines and size cap as :meth:`get`. A ``Location`` off the BMC is
        refused. Raises :class:`Unavailable` for an error status or a body that is not a JSON
        object, :class:`AuthError` for 401/403.
        """
        with self._watchdog.guard(self.timeout, self.budget_end) as guard:
            resp = self._send(uri, self.base + uri, guard, method, body)
            try:
                with self._lock:
                    self.stats.requests += 1
                self._refuse(uri, resp)
                if resp.is_redirect:
                    raise Unavailable(uri, f"HTTP {resp.status_code}: redirect not followed")
                raw = self._body(uri, resp, guard)
                doc = self._json(uri, raw) if raw.strip() else None
                return Reply(
                    resp.status_code,
                    self._location(uri, resp.headers.get("Location")),
                    _retry_after(resp.headers.get("Retry-After")),
                    doc,
                )
            finally:
                resp.close()

    def _location(self, uri: str, location: str | None) -> str | None:
        """A ``Location`` header as a path on the BMC (None when absent)."""
        if not location:
            return None
        target = urljoin(self.base + uri, location)
        if _origin(target) != _origin(self.base):
            raise Unavailable(uri, "the answer points off the BMC (Location); not followed")
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer whose status matters: its status, ``Location`` (a path on the BMC), how long
    ``Retry-After`` asks to wait (seconds, capped) and its JSON body (None when empty)."""

    status: int
    location: str | None
    retry_after: float | None
    body: dict[str, Any] | None


#: The longest ``Retry-After`` honoured, in seconds (a BMC cannot park the collection).
MAX_RETRY_AFTER = 5.0


def _retry_after(value: str | None) -> float | None:
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None  # an HTTP date or garbage: the caller's own backoff applies
    return min(float(text), MAX_RETRY_AFTER)
