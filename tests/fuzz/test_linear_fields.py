"""Field parsers that see hostile text run in linear time and mean what the patterns meant.

Each replaced pattern is kept here as the reference: on short random strings the new code gives
the same answer; on long hostile strings (where the pattern took minutes) it finishes at once.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from sovbom.collect.dpkg import parse_relations, split_maintainer
from sovbom.collect.lshw import split_suffix, strip_numeric_id
from sovbom.collect.nvidia_smi import split_entry
from sovbom.collect.python_env import split_email
from sovbom.collect.redfish.mapping import speed_then_port
from sovbom.collect.sbom_import import split_entity

OLD_MAINTAINER = re.compile(r"^\s*(?P<name>.*?)\s*(?:<(?P<email>[^>]*)>)?\s*$")
OLD_ENTITY = re.compile(r"^\s*(Organization|Person|Tool)\s*:\s*(.*?)\s*(?:\(([^()]*)\))?\s*$")
OLD_EMAIL = re.compile(r"^\s*(?:\"?([^\"<]*?)\"?\s*)?<([^>]+@[^>]+)>\s*$")
OLD_NUMERIC_ID = re.compile(r"\s*\[[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})?\]$")
OLD_SUFFIX = re.compile(r"^(.*?)\s*\(([^()]*)\)$")
OLD_SPEED_PORT = re.compile(r"\d+gb?e?\b.*port", re.I)
OLD_SMI_ENTRY = re.compile(r"^(?P<key>[^:]+?)\s+:\s?(?P<value>.*)$")
#: Whitespace that ``\s`` and ``str.isspace`` both know, beyond the ASCII space
ODD_SPACE = "\t\n\x0b\x1c\xa0\u2028"

HUGE = 200_000  # the old patterns needed minutes (cubic) or many seconds (quadratic) here


def _strings(alphabet: str, seed: int, count: int = 4000) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) for _ in range(count)]


def _token_strings(tokens: list[str], seed: int, count: int = 8000) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(tokens) for _ in range(rnd.randint(0, 8))) for _ in range(count)]


def test_maintainer_same_as_the_pattern() -> None:
    for text in _strings(" a<>@\n", 1) + ["Jane Doe <jane@example.org>", "<x@y>", "a <b<c>"]:
        m = OLD_MAINTAINER.match(text)
        expected = (m["name"], m["email"]) if m else None
        assert split_maintainer(text) == expected, repr(text)


def test_entity_same_as_the_pattern() -> None:
    samples = [
        f"{k}:{s}"
        for k, s in zip(
            ["Person", "Tool", "Organization"] * 2000, _strings(" a()@\n", 2, 6000), strict=True
        )
    ]
    for text in [*samples, *_strings(" Pa:(", 3), "Person: Jane (jane@example.org)"]:
        m = OLD_ENTITY.match(text)
        expected = (m[1], m[2], m[3]) if m else None
        assert split_entity(text) == expected, repr(text)


def test_email_same_as_the_pattern() -> None:
    for text in [*_strings(' a<>@"', 4), '"Jane Doe" <jane@example.org>', "x <a<b@c>"]:
        m = OLD_EMAIL.match(text)
        expected = ((m[1] or None), m[2]) if m else None
        assert split_email(text) == expected, repr(text)


def test_lshw_numeric_id_same_as_the_pattern() -> None:
    for text in [
        *_strings(" a[]:f9" + ODD_SPACE, 5, 4000),
        *_token_strings([*" a[]:\n\xa0", "[8086]", "[8086:1521]", "f9", "[12345]", "[f:"], 5),
        "Intel Corporation [8086]",
        "I350 Gigabit Network Connection [8086:1521]",
        "x [12345]",
        "x [ab:]\n",
        "x [ab:cd]\n",
    ]:
        assert strip_numeric_id(text) == OLD_NUMERIC_ID.sub("", text), repr(text)


def test_lshw_suffix_same_as_the_pattern() -> None:
    for text in [
        *_strings(" a()" + ODD_SPACE, 6, 8000),
        "ProLiant DL360p Gen8 (763480-B21)",
        "a (b) (c)",
        "(x)\n",
    ]:
        m = OLD_SUFFIX.match(text)
        expected = (m[1], m[2]) if m else None
        assert split_suffix(text) == expected, repr(text)


def test_nvidia_smi_entry_same_as_the_pattern() -> None:
    for text in [
        *_strings(" a:" + ODD_SPACE, 7, 8000),
        "Product Name                          : NVIDIA A10",
        "Serial Number : ",
        "Clocks : a : b",
    ]:
        m = OLD_SMI_ENTRY.match(text)
        expected = (m["key"], m["value"]) if m else None
        assert split_entry(text) == expected, repr(text)


def test_redfish_speed_then_port_same_as_the_pattern() -> None:
    tokens = [*"1 9gGbBeE\n-x٣", "port", "PORT", "25GbE", "10G", "2-port", "po"]
    a, b, c = (_token_strings(tokens, seed, 3000) for seed in (8, 9, 10))
    speeds = ["10G", "25GbE", "1g", "٣g", "10gb", "x1g", "1ge"]
    ports = ["port", "PORT", "po rt", "\nport", ""]
    rnd = random.Random(11)
    composed = [
        x + rnd.choice(speeds) + y + rnd.choice(ports) + z for x, y, z in zip(a, b, c, strict=True)
    ]
    for text in [
        *_token_strings(tokens, 8),
        *composed,
        "Broadcom 25Gb 2-port",
        "10GbE\nport",
        "1 10g port",
        "x1gport",
    ]:
        assert speed_then_port(text) == (OLD_SPEED_PORT.search(text) is not None), repr(text)


HOSTILE: list[tuple[str, Any]] = [
    ("dpkg Maintainer spaces", lambda: split_maintainer("a" + " " * HUGE + "b")),
    ("dpkg Maintainer brackets", lambda: split_maintainer("<" * HUGE + ">")),
    ("SPDX supplier spaces", lambda: split_entity("Organization: a" + " " * HUGE + "b")),
    ("SPDX originator parens", lambda: split_entity("Person: " + "(" * HUGE + ")")),
    ("Author-email spaces", lambda: split_email("a" + " " * HUGE + "b")),
    ("Author-email at signs", lambda: split_email("<" + "@" * HUGE)),
    ("dpkg Depends spaces", lambda: parse_relations("a" + " " * HUGE + "(>= 1)", "s", 1)),
    ("lshw vendor spaces", lambda: strip_numeric_id("a" + " " * HUGE + "b")),
    ("lshw vendor spaces, bracket", lambda: strip_numeric_id("a" + " " * HUGE + "]")),
    ("lshw product spaces", lambda: split_suffix("a" + " " * HUGE + "b)")),
    ("lshw product parens", lambda: split_suffix("(" * HUGE + ")")),
    ("nvidia-smi entry spaces", lambda: split_entry("a" + " " * HUGE + "b")),
    ("nvidia-smi entry colons", lambda: split_entry("a" + " :" * HUGE)),
    ("Redfish name digits", lambda: speed_then_port("1" * HUGE)),
    ("Redfish name speeds", lambda: speed_then_port("1ge x" * (HUGE // 5))),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("label,call", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_long_hostile_fields_are_linear(label: str, call: Any) -> None:
    call()
