"""Where a BMC's address and credentials come from, and where they must not.

Credentials come from the arguments, the environment (``SOVBOM_REDFISH_USERNAME`` /
``SOVBOM_REDFISH_PASSWORD``) or a netrc file, never from the URL: a URL is written into the HBOM
(``sovbom:collection:source``), into log and error lines, and shows in process listings, so
``https://user:password@bmc`` is refused before anything is sent (:class:`~sovbom.errors.InputError`,
exit 4, like any other unusable ``--redfish`` value).
"""

from __future__ import annotations

import logging
import netrc
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sovbom.errors import InputError

log = logging.getLogger("sovbom")

ENV_USERNAME = "SOVBOM_REDFISH_USERNAME"
ENV_PASSWORD = "SOVBOM_REDFISH_PASSWORD"  # noqa: S105 - the name of a variable, not a secret


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A BMC's Redfish address: ``base`` is ``scheme://host[:port]``, without credentials."""

    base: str
    host: str


def redact(url: str) -> str:
    """The URL with everything between its scheme and its last ``@`` replaced by ``***``.

    Up to the last ``@``: a password typed with a raw ``/``, ``?`` or ``#`` in it still goes.
    """
    if "@" not in url:
        return url
    scheme, sep, _ = url.partition("://")
    head = scheme + sep if sep and "@" not in scheme else ""
    return f"{head}***@{url.rpartition('@')[2]}"


def parse_endpoint(url: str) -> Endpoint:
    """Check a ``--redfish`` URL: http(s), a host, and no credentials (no ``@`` anywhere)."""
    if "@" in url:
        raise InputError(
            f"the Redfish URL {redact(url)} holds credentials; they are not accepted in a URL "
            "(it is written into the HBOM and logs, and shows in process listings)",
            hint=f"give the user with --redfish-username or {ENV_USERNAME}, the password in "
            f"{ENV_PASSWORD} or a netrc file, and the URL as https://HOST[:PORT]",
        )
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        hostname, _port = parts.hostname, parts.port
    except ValueError as e:
        raise InputError(f"not a Redfish URL: {url!r} ({e})") from e
    if parts.scheme not in ("http", "https") or not hostname:
        raise InputError(f"not a Redfish URL: {url!r} (expected https://HOST[:PORT])")
    return Endpoint(base=f"{parts.scheme}://{parts.netloc}", host=hostname)


def _netrc_entry(host: str) -> tuple[str, str] | None:
    netrc_path = os.environ.get("NETRC") or str(Path("~/.netrc").expanduser())
    if not Path(netrc_path).is_file():
        return None
    if os.name == "posix" and Path(netrc_path).stat().st_mode & 0o077:
        log.warning(
            "%s is readable by other users; it holds BMC passwords (chmod 600 it)", netrc_path
        )
    try:
        entry = netrc.netrc(netrc_path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as e:
        # The message of NetrcParseError quotes no secret; it names the file and the line.
        raise InputError(f"cannot read netrc: {e}", source=netrc_path) from e
    if not entry:
        return None
    login, _account, secret = entry
    return login or "", secret or ""


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user and password, and where they came from (``arguments``, ``environment``, ``netrc``)."""

    user: str | None
    password: str | None = None
    source: str = "none"

    def __repr__(self) -> str:  # never show the password, whatever prints this object
        return f"Credentials(user={self.user!r}, source={self.source!r})"


def find_credentials(host: str, username: str | None, password: str | None) -> Credentials:
    """Each of user and password: the argument, else the environment, else the netrc entry for
    the host (its password only when its login is the user)."""
    sources: list[str] = []
    user = username
    if user is not None:
        sources.append("arguments")
    elif os.environ.get(ENV_USERNAME):
        user = os.environ[ENV_USERNAME]
        sources.append("environment")
    secret = password
    if secret is None and os.environ.get(ENV_PASSWORD) is not None:
        secret = os.environ[ENV_PASSWORD]
        sources.append("environment")
    if user is None or secret is None:
        entry = _netrc_entry(host)
        if entry is not None and (user is None or user == entry[0]):
            if user is None:
                user = entry[0] or None
            if secret is None:
                secret = entry[1]
            sources.append("netrc")
    if user is None:
        return Credentials(None)
    return Credentials(user, secret, "+".join(dict.fromkeys(sources)) or "none")
