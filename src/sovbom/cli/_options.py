"""Option groups shared by several commands: where hardware is read from, and how a report is judged."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sovbom.collect.sources import (
    HARDWARE_SOURCES,
    ConnectionSettings,
    HardwareSource,
    HardwareSources,
    Setting,
    SettingKind,
    ValueKind,
)

F = TypeVar("F", bound=Callable[..., Any])

#: Severity labels of ``--fail-on``, lowest first (a test checks them against
#: ``sovbom.policy.Severity``; importing the policy here would slow every command's start).
SEVERITY_LABELS = ("info", "low", "medium", "high", "critical")
#: ``--fail-on never``: report only, exit 0 whatever the findings (``sovbom.policy.FAIL_NEVER``).
FAIL_NEVER = "never"


def _source_option(source: HardwareSource) -> Callable[[F], F]:
    kind = source.value
    if kind is ValueKind.FLAG:
        return click.option(source.option, source.param, is_flag=True, help=source.help)
    param_type: click.ParamType[Any] | None = None
    if kind is ValueKind.FILE:
        param_type = click.Path(dir_okay=False, allow_dash=source.reads_stdin)
    elif kind is ValueKind.DIRECTORY:
        param_type = click.Path(file_okay=False, allow_dash=source.reads_stdin)
    return click.option(
        source.option, source.param, type=param_type, metavar=source.metavar, help=source.help
    )


def _setting_option(setting: Setting) -> Callable[[F], F]:
    kind = setting.kind
    if kind is SettingKind.FLAG:
        return click.option(setting.option, setting.param, is_flag=True, help=setting.help)
    param_type: click.ParamType[Any] | None = None
    if kind is SettingKind.FILE:
        param_type = click.Path(dir_okay=False)
    elif kind is SettingKind.FLOAT:
        param_type = click.FloatRange(
            setting.minimum, setting.maximum, min_open=setting.minimum_open
        )
    elif kind is SettingKind.INT:
        low = None if setting.minimum is None else int(setting.minimum)
        high = None if setting.maximum is None else int(setting.maximum)
        param_type = click.IntRange(low, high, min_open=setting.minimum_open)
    return click.option(
        setting.option,
        setting.param,
        type=param_type,
        metavar=setting.metavar,
        default=setting.default,
        show_default=setting.default is not None,
        help=setting.help,
    )


def _option_decorators() -> list[Callable[[F], F]]:
    """Every source's option, each followed by its group's settings, then ``--suppliers``."""
    out: list[Callable[[F], F]] = []
    for source in HARDWARE_SOURCES:
        out.append(_source_option(source))
        out.extend(_setting_option(s) for s in source.settings)
    out.append(
        click.option(
            "--suppliers",
            "supplier_files",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="Supplier registry (YAML/JSON, schemas/suppliers.schema.json) tried before the"
            " default one (repeatable).",
        )
    )
    return out


def hardware_source_options(func: F) -> F:
    """The sources of the registry as options, handed to the command as one ``sources``
    argument (a :class:`sovbom.collect.sources.HardwareSources`)."""
    settings = [s for source in HARDWARE_SOURCES for s in source.settings]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given: dict[str, str | None] = {}
        for source in HARDWARE_SOURCES:
            value = kwargs.pop(source.param)
            if value is None or value is False:
                continue
            given[source.name] = None if value is True else str(value)
        connection = ConnectionSettings(**{s.field: kwargs.pop(s.param) for s in settings})
        kwargs["sources"] = HardwareSources(given, connection, tuple(kwargs.pop("supplier_files")))
        return func(*args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_option_decorators()):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]


def configured(key: str) -> Callable[[], str | None]:
    """A click default: the setting ``key`` from the environment or a configuration file
    (:func:`sovbom.config.default_for`), read only when the option is not given."""

    def default() -> str | None:
        from sovbom.config import default_for

        return default_for(key)

    return default


def required_value(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A click callback: the option is required, from the command line or its configured
    default (click's ``required`` does not see a default that resolves to nothing)."""
    if value is None:
        raise click.MissingParameter(ctx=ctx, param=param)
    return value


def fail_on_option(
    help_text: str = "Exit 1 when a finding reaches this severity.",
) -> Callable[[F], F]:
    """``--fail-on``: a severity, or ``never`` (report only: exit 0 whatever the findings)."""
    return click.option(
        "--fail-on",
        type=click.Choice((*SEVERITY_LABELS, FAIL_NEVER)),
        default="high",
        show_default=True,
        help=f"{help_text} 'never': report only.",
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
