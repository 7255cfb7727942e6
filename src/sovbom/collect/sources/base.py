"""The plug-in interface of hardware sources: what a source declares and what it reads.

A hardware source (dmidecode, lshw, a BMC over Redfish ...) is an object satisfying
:class:`HardwareSource`. It declares everything the rest of sovbom needs to know about it: its
name, its command-line option, what kind of argument it takes, whether it can read standard
input, its file name in a shipment directory, its row in the README's source table. Everything
that lists sources (the options of ``collect hardware`` and ``verify-delivery``, the shipment
layout, the description of a collection) is generated from the registry in
:mod:`sovbom.collect.sources`.

This module stays light (no parser is imported here): the command line imports it to build its
options, and ``sovbom --help`` must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sovbom.collect.interface import Inventory


class ValueKind(StrEnum):
    """What a source's option takes."""

    #: a file; ``-`` for standard input when the source reads it
    FILE = "file"
    #: a directory
    DIRECTORY = "directory"
    #: a URL
    URL = "url"
    #: nothing: a flag (``--local``)
    FLAG = "flag"


class SettingKind(StrEnum):
    """The type of a connection setting's value."""

    TEXT = "text"
    FILE = "file"
    FLAG = "flag"
    FLOAT = "float"
    INT = "int"


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """How to reach a BMC: the settings of the Redfish source group."""

    username: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    timeout: float = 10.0
    retries: int = 2
    concurrency: int = 4
    #: ask each SPDM responder for measurements signed over a fresh nonce (live BMC only)
    challenge: bool = False
    #: fetch OCSP responses and CRLs for every certificate chain collected (online)
    capture_revocation: bool = False


@dataclass(frozen=True, slots=True)
class Setting:
    """A setting of a source group, given as a command-line option (``--timeout``).

    ``field`` names the :class:`ConnectionSettings` attribute it sets; ``param`` is the command
    line's parameter name (it also names the ``SOVBOM_<COMMAND>_<PARAM>`` environment variable).
    """

    option: str
    param: str
    field: str
    help: str
    kind: SettingKind
    metavar: str | None = None
    default: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    minimum_open: bool = False


@dataclass(slots=True)
class SourceReading:
    """What reading one source gave.

    ``slot_names`` maps PCI bus addresses to slot names (dmidecode types 9 and 41); ``notes`` are
    for a person, beside the notes of each inventory.
    """

    inventories: list[Inventory]
    slot_names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class HardwareSource(Protocol):
    """One kind of hardware source. Implementations are registered in
    :data:`sovbom.collect.sources.HARDWARE_SOURCES`."""

    #: the source's name: in descriptions (``dmidecode:dmi.txt``) and in :class:`HardwareSources`
    @property
    def name(self) -> str: ...

    #: its command-line option (``--dmidecode``)
    @property
    def option(self) -> str: ...

    #: the command line's parameter name (also names the ``SOVBOM_*`` environment variable)
    @property
    def param(self) -> str: ...

    #: the option's help text
    @property
    def help(self) -> str: ...

    @property
    def value(self) -> ValueKind: ...

    #: the option's metavar (``URL``, ``DIR``); None for the default of its kind
    @property
    def metavar(self) -> str | None: ...

    #: whether ``-`` reads standard input
    @property
    def reads_stdin(self) -> bool: ...

    #: its file (or directory) name in a shipment's server directory; None: not in shipments
    @property
    def shipment_file(self) -> str | None: ...

    #: sources are read in increasing precedence: the first source to name a field gives it
    @property
    def precedence(self) -> int: ...

    #: settings of this source group given as options after the source's own (Redfish's)
    @property
    def settings(self) -> tuple[Setting, ...]: ...

    #: the README's source table: the input (what to give) and what becomes a component
    @property
    def doc_input(self) -> str: ...

    @property
    def doc_components(self) -> str: ...

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        """Read the source (``argument`` is the option's value; None for a flag).

        Raises :class:`~sovbom.errors.InputError` for a source that cannot be read and
        :class:`~sovbom.errors.OperationalError` for one that cannot be reached.
        """
        ...
