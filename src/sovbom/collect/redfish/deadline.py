"""Deadlines that hold against a BMC that answers one byte at a time.

A socket timeout bounds each read, not a request: a BMC that sends a byte every few seconds never
trips it. Here every attempt of a request gets a deadline (``timeout`` seconds from its start:
connect, TLS handshake, request, headers and body), and a whole collection gets a budget. One
:class:`Watchdog` thread per client shuts down the socket of an attempt that is past its deadline;
the blocked read then returns and the request fails as it would on a dropped connection.

The connection classes below (:class:`GuardedAdapter` mounts them on a ``requests`` session) find
the :class:`Guard` of the request running in their thread and report each attempt to it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.client import HTTPException
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.response import HTTPResponse


class OutOfTime(Exception):
    """The collection's budget was spent before an attempt could start.

    Deliberately not an ``OSError``: urllib3 does not retry it and requests does not wrap it.
    """


class Guard:
    """The deadline of one request in progress (a GET, the session login or logout)."""

    def __init__(self, watchdog: Watchdog, timeout: float, budget_end: float) -> None:
        self._watchdog = watchdog
        self.timeout = timeout
        self.budget_end = budget_end
        self.deadline = budget_end
        self.expired = False
        #: True when the last expiry was the collection's budget, not the attempt's timeout
        self.by_budget = False
        self._conn: HTTPConnection | None = None

    def attempt(self, conn: HTTPConnection) -> None:
        """A new attempt starts on ``conn`` (a connect, or a request on a kept-alive connection).

        The TLS handshake of a new connection and its first request are one attempt.
        """
        if conn is self._conn:
            return
        now = time.monotonic()
        if now >= self.budget_end:
            raise OutOfTime
        self._watchdog.rearm(self, conn, min(now + self.timeout, self.budget_end))

    def connected(self, conn: HTTPConnection) -> None:
        """The deadline may have passed while the connection was being made."""
        with self._watchdog.lock:
            if self.expired and conn is self._conn:
                _break(conn)

    # -- called by the watchdog, under its lock ----------------------------------------------

    def _set(self, conn: HTTPConnection, deadline: float) -> None:
        self._conn, self.deadline, self.expired, self.by_budget = conn, deadline, False, False

    def _expire(self) -> None:
        self.expired = True
        self.by_budget = self.deadline >= self.budget_end
        if self._conn is not None:
            _break(self._conn)


def _break(conn: HTTPConnection) -> None:
    """Shut the connection's socket down: a read blocked on it returns at once."""
    sock = conn.sock
    if sock is None:
        return
    # socket.socket's own shutdown: on a TLS socket, SSLSocket.shutdown would also drop the TLS
    # object under the feet of the thread reading from it. OSError: already closed.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Watchdog:
    """One thread that breaks the connections of attempts past their deadline."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self._active: set[Guard] = set()
        self._closed = False
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, timeout: float, budget_end: float) -> Iterator[Guard]:
        """Run one request under a guard; the guard is released before this returns."""
        guard = Guard(self, timeout, budget_end)
        _local.guard = guard
        try:
            yield guard
        finally:
            _local.guard = None
            with self.lock:
                self._active.discard(guard)

    def rearm(self, guard: Guard, conn: HTTPConnection, deadline: float) -> None:
        with self.lock:
            guard._set(conn, deadline)  # noqa: SLF001 - the guard's watchdog
            self._active.add(guard)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="redfish-deadline", daemon=True
                )
                self._thread.start()
            self.lock.notify()

    def close(self) -> None:
        with self.lock:
            self._closed = True
            self._active.clear()
            self.lock.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        with self.lock:
            while not self._closed:
                now = time.monotonic()
                pending = [g for g in self._active if not g.expired]
                for guard in pending:
                    if guard.deadline <= now:
                        guard._expire()  # noqa: SLF001 - the guard's watchdog
                waiting = [g.deadline for g in pending if not g.expired]
                self.lock.wait(min(waiting) - now if waiting else None)


_local = threading.local()


def _current() -> Guard | None:
    guard: Guard | None = getattr(_local, "guard", None)
    return guard


# --------------------------------------------------------------------------------------------
# Connections that report their attempts to the guard of their thread
# --------------------------------------------------------------------------------------------


def _response(guard: Guard | None, get: Callable[[], HTTPResponse]) -> HTTPResponse:
    """The response headers; a cut by the deadline becomes a read timeout, which urllib3
    retries like any other (an EOF in the middle of the headers would otherwise look complete).
    """
    try:
        response = get()
    except (OSError, HTTPException) as e:
        if guard is not None and guard.expired:
            raise TimeoutError("the deadline of the request passed") from e
        raise
    if guard is not None and guard.expired:
        response.close()
        raise TimeoutError("the deadline of the request passed")
    return response


class _GuardedHTTPConnection(HTTPConnection):
    """A connection whose attempts are timed by the request's guard (plain HTTP, and the base of
    the TLS one)."""

    def connect(self) -> None:
        guard = _current()
        if guard is not None:
            guard.attempt(self)
        super().connect()
        if guard is not None:
            guard.connected(self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        guard = _current()
        if guard is not None:
            guard.attempt(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3 declares it
        return _response(_current(), super().getresponse)


class _GuardedHTTPSConnection(_GuardedHTTPConnection, HTTPSConnection):
    """The same guard over TLS (the handshake is part of ``connect``)."""


class _GuardedPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedTLSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A ``requests`` adapter whose connections honour the guard of the calling thread.

    ``ssl_context``: one TLS context for every connection (else urllib3 builds one per
    connection, loading the system's CA certificates each time when verification is off).
    """

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._ssl_context is not None:
            kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedPool,
            "https": _GuardedTLSPool,
        }
