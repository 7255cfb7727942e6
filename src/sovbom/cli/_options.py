"""Option groups shared by several commands: where hardware is read from, and how a report is judged."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sovbom.policy import Severity

F = TypeVar("F", bound=Callable[..., Any])

_SOURCE_OPTIONS = [
    click.option(
        "--dmidecode",
        "dmidecode_file",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Text output of `dmidecode` ('-' for stdin).",
    ),
    click.option(
        "--lshw",
        "lshw_file",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Output of `lshw -json` or `lshw -xml`.",
    ),
    click.option(
        "--nvidia-smi",
        "nvidia_smi_file",
        type=click.Path(dir_okay=False, allow_dash=True),
        help="Output of `nvidia-smi -q -x` (XML) or `nvidia-smi -q` (text).",
    ),
    click.option(
        "--redfish",
        "redfish_url",
        metavar="URL",
        help="A BMC's Redfish service (https://bmc.example). Credentials:"
        " SOVBOM_REDFISH_USERNAME / SOVBOM_REDFISH_PASSWORD or ~/.netrc.",
    ),
    click.option(
        "--redfish-mockup",
        type=click.Path(file_okay=False),
        metavar="DIR",
        help="A Redfish mockup directory (DMTF Mockup Creator layout).",
    ),
    click.option(
        "--redfish-username",
        metavar="USER",
        help="Redfish user (password from the environment or netrc).",
    ),
    click.option(
        "--ca-bundle",
        type=click.Path(dir_okay=False),
        help="CA certificates to verify the BMC with.",
    ),
    click.option(
        "--insecure", is_flag=True, help="Do not verify the BMC's TLS certificate (warns)."
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=10.0,
        show_default=True,
        help="Per-request timeout for the BMC, in seconds.",
    ),
    click.option(
        "--retries",
        type=click.IntRange(0, 10),
        default=2,
        show_default=True,
        help="Retries per BMC request.",
    ),
    click.option(
        "--concurrency",
        type=click.IntRange(1, 32),
        default=4,
        show_default=True,
        help="Parallel requests to the BMC.",
    ),
    click.option(
        "--local",
        is_flag=True,
        help="Run this host's dmidecode, lshw and nvidia-smi (/sys/class/dmi/id without root).",
    ),
    click.option(
        "--suppliers",
        "supplier_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Supplier registry (YAML/JSON, schemas/suppliers.schema.json) tried before the"
        " default one (repeatable).",
    ),
]
_SOURCE_PARAMS = (
    "dmidecode_file",
    "lshw_file",
    "nvidia_smi_file",
    "redfish_url",
    "redfish_mockup",
    "redfish_username",
    "ca_bundle",
    "insecure",
    "timeout",
    "retries",
    "concurrency",
    "local",
    "supplier_files",
)


def hardware_source_options(func: F) -> F:
    """The sources of ``collect hardware``, handed to the command as one ``sources`` argument
    (a :class:`sovbom.collect.hardware.HardwareSources`)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sovbom.collect.hardware import HardwareSources

        v = {name: kwargs.pop(name) for name in _SOURCE_PARAMS}
        kwargs["sources"] = HardwareSources(
            dmidecode=v["dmidecode_file"],
            lshw=v["lshw_file"],
            nvidia_smi=v["nvidia_smi_file"],
            redfish_url=v["redfish_url"],
            redfish_mockup=v["redfish_mockup"],
            redfish_username=v["redfish_username"],
            ca_bundle=v["ca_bundle"],
            insecure=v["insecure"],
            timeout=v["timeout"],
            retries=v["retries"],
            concurrency=v["concurrency"],
            local=v["local"],
            suppliers=tuple(v["supplier_files"]),
        )
        return func(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_SOURCE_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def fail_on_option(
    help_text: str = "Exit 1 when a finding reaches this severity.",
) -> Callable[[F], F]:
    return click.option(
        "--fail-on",
        type=click.Choice([s.label for s in Severity]),
        default="high",
        show_default=True,
        help=help_text,
    )


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of", help="Judge exemption expiry on this date (YYYY-MM-DD; default today)."
    )(func)


def parse_as_of(value: str | None) -> dt.date:
    """``--as-of``, or today (UTC)."""
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint="--as-of") from e


def default_format(output: str) -> str:
    """A table on a terminal, JSON otherwise."""
    return "table" if output == "-" and sys.stdout.isatty() else "json"
