"""The click group, shared options and the mapping from errors to exit codes."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any, NamedTuple, TypeVar

import click

from sovbom import __version__
from sovbom.errors import SovbomError

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LazyCommand(NamedTuple):
    """A command whose module is imported only when the command runs (or its own help shows).

    ``modules``: importing them registers the command (and its subcommands) on the group;
    ``help``: its one-line help, for ``sovbom --help`` (a test checks it equals the command's).
    """

    modules: tuple[str, ...]
    help: str


class SovbomGroup(click.Group):
    """A group that turns :class:`SovbomError` into a one-line message and its exit code, and
    loads its commands' modules only when they are needed (``sovbom --help`` and ``--version``
    import none of them).

    Only SovbomError is caught: anything else is a bug and keeps its traceback.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = {}
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self.lazy.get(cmd_name)
        if cmd_name not in self.commands and lazy is not None:
            if self._listing:  # a stand-in carrying the help line: nothing imported
                return click.Command(cmd_name, help=lazy.help)
            for module in lazy.modules:
                importlib.import_module(module)
        command = self.commands.get(cmd_name)
        if command is not None:
            add_output_level_options(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: click.Context) -> Any:
        # A command is a short-lived process holding one large, mostly acyclic document: the
        # cyclic garbage collector would rescan it again and again (half the time of a 100k
        # component check). Pause it for the command; reference counting still frees memory.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return super().invoke(ctx)
        except SovbomError as e:
            click.echo(f"sovbom: error: {e.diagnostics()}", err=True)
            ctx.exit(int(e.exit_code))
        finally:
            if was_enabled:
                gc.enable()


_VERBOSE = "sovbom.verbose"
_QUIET = "sovbom.quiet"
_VERBOSE_HELP = "More log output on stderr (-vv for debug)."
_QUIET_HELP = "Errors only on stderr: no warnings, notes or progress bars."


def _set_level(ctx: click.Context, key: str, value: int | bool) -> None:
    """Record -v/-q (before or after the command name: they add up) and set the log level."""
    if key == _VERBOSE:
        ctx.meta[_VERBOSE] = ctx.meta.get(_VERBOSE, 0) + int(value)
    else:
        ctx.meta[_QUIET] = ctx.meta.get(_QUIET, False) or bool(value)
    setup_logging(ctx.meta.get(_VERBOSE, 0), quiet=bool(ctx.meta.get(_QUIET)))


def _level_options() -> list[click.Option]:
    def verbose(ctx: click.Context, _: click.Parameter, value: int) -> None:
        _set_level(ctx, _VERBOSE, value)

    def quiet(ctx: click.Context, _: click.Parameter, value: bool) -> None:
        _set_level(ctx, _QUIET, value)

    return [
        click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=verbose,
                     help=_VERBOSE_HELP),
        click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=quiet,
                     help=_QUIET_HELP),
    ]  # fmt: skip


def add_output_level_options(command: click.Command) -> None:
    """Accept -v and -q after the command name too (and on a group's subcommands), unless the
    command already gives the name another meaning."""
    if getattr(command, "_sovbom_levels", False):
        return
    command._sovbom_levels = True  # type: ignore[attr-defined]
    taken = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    command.params.extend(o for o in _level_options() if not taken & set(o.opts))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_output_level_options(sub)


def is_quiet() -> bool:
    """Whether -q/--quiet was given (before or after the command name)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(_QUIET))


def warn(message: str) -> None:
    """A warning or note on stderr, unless -q/--quiet."""
    if not is_quiet():
        click.echo(f"sovbom: {message}", err=True)


@click.group(cls=SovbomGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="sovbom")
@click.option("-v", "--verbose", count=True, help=_VERBOSE_HELP)
@click.option("-q", "--quiet", is_flag=True, help=_QUIET_HELP)
def cli(verbose: int, quiet: bool) -> None:
    """Build, sign, verify and trace hardware and software bills of materials (CycloneDX)
    for sovereign servers.

    \b
    Exit codes:
      0  success, nothing to report
      1  findings at or above --fail-on, or an invalid document (validate)
      2  usage error
      3  a signature or delivery verification failed
      4  bad input or operational error (unreadable file, network, BMC)
    """
    ctx = click.get_current_context()
    _set_level(ctx, _VERBOSE, verbose)
    _set_level(ctx, _QUIET, quiet)


#: Libraries whose own log lines are noise to a user: shown only with -v.
NOISY_LIBRARIES = ("sigstore", "tuf", "securesystemslib", "urllib3", "requests")


def setup_logging(verbose: int, quiet: bool = False) -> None:
    """One format on stderr, ``sovbom: warning: ...`` (lower-case levels, as the messages
    click.echo writes); the libraries' own lines (sigstore, tuf, urllib3 ...) only with -v,
    prefixed with the library's name."""
    import logging

    class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
        """Writes to the current ``sys.stderr`` (which a test runner may have replaced)."""

        @property
        def stream(self) -> Any:
            return sys.stderr

        @stream.setter
        def stream(self, _value: Any) -> None:
            pass

    class _Format(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            message = record.getMessage()
            top = record.name.split(".", 1)[0]
            if top != "sovbom":
                message = f"{top}: {message}"
            if record.exc_info:
                message += "\n" + self.formatException(record.exc_info)
            return f"sovbom: {record.levelname.lower()}: {message}"

    handler = _Stderr()
    handler.setFormatter(_Format())
    handler.set_name("sovbom-cli")
    logger = logging.getLogger("sovbom")
    logger.setLevel(logging.ERROR if quiet else logging.WARNING - 10 * min(verbose, 2))
    for name in ("sovbom", *NOISY_LIBRARIES):
        lib = logging.getLogger(name)
        for old in [h for h in lib.handlers if h.get_name() == "sovbom-cli"]:
            lib.removeHandler(old)
        lib.addHandler(handler)
        if name != "sovbom":
            # silent without -v (not even through logging's last-resort handler)
            lib.setLevel(
                logging.CRITICAL + 1 if not verbose else logging.WARNING - 10 * (verbose - 1)
            )


def enum_choice(enum: type[Enum]) -> click.Choice[str]:
    """A click choice over an Enum's values."""
    return click.Choice([str(m.value) for m in enum], case_sensitive=False)


def format_option(enum: type[Enum], noun: str = "Report") -> Callable[[F], F]:
    """``-f/--format``: one of ``enum``'s values (the command picks table on a terminal, else
    json, when none is given)."""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=enum_choice(enum),
        help=f"{noun} format (default: table on a terminal, else json).",
    )


def output_option(
    default: str = "-", help_text: str = "Output file ('-' for stdout)."
) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        default=default,
        show_default=True,
        help=help_text,
    )


def bom_output_options(func: F) -> F:
    """Options shared by every command that writes a CycloneDX BOM."""
    func = click.option(
        "--spec-version",
        type=click.Choice(["1.6", "1.7"]),
        default="1.6",
        show_default=True,
        help="CycloneDX specification version to write.",
    )(func)
    func = click.option(
        "--reproducible",
        is_flag=True,
        help="No timestamp, a serial number derived from the content, stable bom-refs and ordering:"
        " byte-identical output across runs (SOURCE_DATE_EPOCH, when set, gives the timestamp).",
    )(func)
    return func


@contextmanager
def progress_bar(
    label: str, total: int, *, refresh_every: int = 10
) -> Iterator[Callable[[Any], None] | None]:
    """A per-item callback that advances a progress bar on stderr.

    Yields None (no bar) when stderr is not a terminal, there is only one item, or -q. The bar has no
    auto-refresh thread, so worker processes can be forked while it is shown.
    """
    if total < 2 or not sys.stderr.isatty() or is_quiet():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,
    ) as progress:
        task = progress.add_task(label, total=total)
        done = 0

        def advance(_: Any) -> None:
            nonlocal done
            done += 1
            progress.advance(task)
            if done % refresh_every == 0 or done == total:
                progress.refresh()

        progress.refresh()
        yield advance
