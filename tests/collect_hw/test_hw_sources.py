"""The registry of hardware sources: every registered source appears everywhere it should."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sovbom.collect import sources as registry
from sovbom.collect.interface import Inventory
from sovbom.collect.sources import (
    HARDWARE_SOURCES,
    ConnectionSettings,
    HardwareSource,
    HardwareSources,
    Setting,
    SourceReading,
    ValueKind,
    shipment_files,
    source_table,
)
from sovbom.model import Component

REPO = Path(__file__).resolve().parents[2]

SOURCE_IDS = [s.name for s in HARDWARE_SOURCES]


def _help(run_cli: Any, *command: str) -> str:
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    return " ".join(result.output.split())


def _argument(source: HardwareSource, tmp_path: Path) -> str | None:
    if source.value is ValueKind.FLAG:
        return None
    if source.value is ValueKind.URL:
        return "https://bmc.example"
    return str(tmp_path / (source.shipment_file or source.name))


def test_names_and_options_are_unique() -> None:
    for attribute in ("name", "option", "param"):
        values = [getattr(s, attribute) for s in HARDWARE_SOURCES]
        assert len(values) == len(set(values)), attribute
    files = [s.shipment_file for s in HARDWARE_SOURCES if s.shipment_file]
    assert len(files) == len(set(files))
    precedence = [s.precedence for s in HARDWARE_SOURCES]
    assert len(precedence) == len(set(precedence))


@pytest.mark.parametrize("name", SOURCE_IDS)
def test_source_in_both_commands_help(run_cli: Any, name: str) -> None:
    source = registry.source_named(name)
    for command in (("collect", "hardware"), ("verify-delivery",)):
        text = _help(run_cli, *command)
        assert f"{source.option} " in text, (command, source.option)
        # (help is wrapped, and wrapping may break a word at a hyphen)
        assert "".join(source.help.split()) in "".join(text.split()), (command, source.help)
        for setting in source.settings:
            assert f"{setting.option} " in text, (command, setting.option)


@pytest.mark.parametrize("name", SOURCE_IDS)
def test_source_in_shipment_layout(tmp_path: Path, name: str) -> None:
    from sovbom.delivery import discover_shipment

    source = registry.source_named(name)
    if source.shipment_file is None:
        # Only a live service or this host cannot be a file in a server's directory.
        assert source.value in (ValueKind.URL, ValueKind.FLAG)
        assert name not in shipment_files()
        return
    assert shipment_files()[name] == source.shipment_file
    server = tmp_path / "server-1"
    server.mkdir()
    (server / "expected.cdx.json").write_text("{}", encoding="utf-8")
    target = server / source.shipment_file
    if source.value is ValueKind.DIRECTORY:
        target.mkdir()
    else:
        target.write_text("x", encoding="utf-8")
    (found,) = discover_shipment(tmp_path)
    assert found.sources == {name: str(target)}
    assert HardwareSources(found.sources).describe() == f"{name}:{target}"


@pytest.mark.parametrize("name", SOURCE_IDS)
def test_source_in_describe_and_options(tmp_path: Path, name: str) -> None:
    source = registry.source_named(name)
    argument = _argument(source, tmp_path)
    sources = HardwareSources({name: argument})
    expected = name if argument is None else f"{name}:{argument}"
    assert sources.describe() == expected

    @click.command()
    @_options().hardware_source_options
    def probe(sources: HardwareSources) -> None:
        click.echo(sources.describe())

    args = [source.option] if argument is None else [source.option, argument]
    result = CliRunner().invoke(probe, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def _options() -> Any:
    from sovbom.cli import _options

    return _options


def test_describe_lists_sources_in_read_order() -> None:
    sources = HardwareSources.of(
        local=True, lshw="l.json", dmidecode="d.txt", redfish="https://bmc", nvidia_smi="n.xml"
    )
    assert sources.describe() == (
        "redfish:https://bmc, dmidecode:d.txt, nvidia-smi:n.xml, lshw:l.json, local"
    )
    assert HardwareSources.of(dmidecode=None, local=False).any() is False


def test_unknown_source_name_is_refused() -> None:
    with pytest.raises(KeyError):
        HardwareSources({"ipmitool": "x"})


def test_connection_settings_are_the_redfish_group_options() -> None:
    settings = [s for source in HARDWARE_SOURCES for s in source.settings]
    assert {s.field for s in settings} == {f.name for f in dataclasses.fields(ConnectionSettings)}
    defaults = ConnectionSettings()
    for s in settings:
        if s.default is not None:
            assert getattr(defaults, s.field) == s.default


def test_settings_reach_the_redfish_source() -> None:
    @click.command()
    @_options().hardware_source_options
    def probe(sources: HardwareSources) -> None:
        click.echo(repr(sources.connection))

    result = CliRunner().invoke(
        probe,
        ["--redfish", "https://bmc", "--redfish-username", "ops", "--timeout", "3",
         "--retries", "0", "--concurrency", "8", "--insecure", "--ca-bundle", "ca.pem"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == repr(ConnectionSettings("ops", "ca.pem", True, 3.0, 0, 8))


def test_readme_source_table_is_generated_from_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert source_table() in readme, "README's source table: paste sources.source_table()"
    for source in HARDWARE_SOURCES:
        assert f"`{source.option}" in source_table()


def test_fail_on_labels_are_the_policy_severities() -> None:
    from sovbom.policy import Severity

    assert tuple(s.label for s in Severity) == _options().SEVERITY_LABELS


def test_option_modules_import_nothing_heavy() -> None:
    """``sovbom --help`` builds the source options: they must not import the policy (and so
    networkx), sigstore, rich or a parser."""
    code = (
        "import sys, types, pathlib, sovbom\n"
        "pkg = types.ModuleType('sovbom.cli')\n"
        "pkg.__path__ = [str(pathlib.Path(sovbom.__file__).parent / 'cli')]\n"
        "sys.modules['sovbom.cli'] = pkg\n"
        "import sovbom.cli._options, sovbom.cli.collect\n"
        "print('\\n'.join(sys.modules))\n"
    )
    src = str(REPO / "src")
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    heavy = re.compile(
        r"^(networkx|sigstore|rich|requests|sovbom\.policy|sovbom\.graph|sovbom\.cyclonedx"
        r"|sovbom\.collect\.(dmidecode|lshw|nvidia_smi|redfish|local|merge))(\.|$)"
    )
    assert [m for m in out if heavy.match(m)] == []


# -- adding a source: one module and one registry line ---------------------------------------


class _IpmiSource:
    """A source as a new module would declare it."""

    name = "ipmi-fru"
    option = "--ipmi-fru"
    param = "ipmi_fru_file"
    help = "Output of `ipmitool fru print`."
    value = ValueKind.FILE
    metavar: str | None = None
    reads_stdin = True
    shipment_file: str | None = "ipmi-fru.txt"
    precedence = 35
    settings: tuple[Setting, ...] = ()
    doc_input = "`ipmitool fru print`"
    doc_components = "the FRUs."

    def read(self, argument: str | None, connection: ConnectionSettings) -> SourceReading:
        assert argument is not None
        part = Component(ref="hw:psu:PSU1", name="PSU", cls="psu", serial="FRU-1",
                         seen_by=["ipmi-fru"])  # fmt: skip
        return SourceReading([Inventory(source=f"ipmi-fru:{argument}", parts=[part])])


def test_a_new_source_needs_only_a_registry_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sovbom.cli import _options
    from sovbom.collect.hardware import collect_hardware

    extended = (*HARDWARE_SOURCES, _IpmiSource())
    monkeypatch.setattr(registry, "HARDWARE_SOURCES", extended)
    monkeypatch.setattr(_options, "HARDWARE_SOURCES", extended)

    @click.command()
    @_options.hardware_source_options
    def probe(sources: HardwareSources) -> None:
        collected = collect_hardware(sources)
        click.echo(sources.describe())
        click.echo(" ".join(c["bom-ref"] for c in collected.doc["components"]))

    help_text = CliRunner().invoke(probe, ["--help"]).output
    assert "--ipmi-fru FILE" in help_text
    fru = tmp_path / "fru.txt"
    fru.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(probe, ["--ipmi-fru", str(fru)], catch_exceptions=False)
    assert result.output.splitlines() == [f"ipmi-fru:{fru}", "hw:psu:PSU1"]
    assert registry.shipment_files()["ipmi-fru"] == "ipmi-fru.txt"
    assert "| `--ipmi-fru FILE\\|-` | `ipmitool fru print` | the FRUs. |" in registry.source_table()
