"""CycloneDX JSON to CycloneDX XML (1.6 or 1.7), through cyclonedx-python-lib's model.

The library's model orders each element as its XSD requires. What it does not model is found by
reading the XML back (:func:`sovbom.cyclonedx.xml.xml_to_json`) and comparing every leaf of the
input with the output: a leaf that did not survive is reported, never silently dropped.
"""

from __future__ import annotations

import copy
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sovbom.convert._walk import LossLog
from sovbom.cyclonedx.xml import xml_to_json
from sovbom.errors import InputError

#: keys that exist only in the JSON form (the XML says them with its namespace and attributes)
_JSON_ONLY = frozenset({"$schema", "bomFormat", "specVersion"})


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            if not path and key in _JSON_ONLY:
                continue
            yield from _leaves(sub, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for sub in value:
            yield from _leaves(sub, path)
    else:
        yield path, _normal(path, value)


def _normal(path: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if path.endswith("timestamp") or path.endswith("Time"):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
        except ValueError:
            return text
    return text.strip()


def to_cdx_xml(doc: Mapping[str, Any], spec_version: str, source: str, log: LossLog) -> bytes:
    """The XML document; ``log`` receives every input field the XML does not hold."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    version = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}[spec_version]
    with warnings.catch_warnings():
        # the library warns about incomplete dependency graphs: not this command's business
        warnings.simplefilter("ignore")
        try:
            bom = Bom.from_json(copy.deepcopy(dict(doc)))  # type: ignore[attr-defined]
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise InputError(
                f"the CycloneDX model cannot read this document: {e}", source=source
            ) from e
        if not (doc.get("metadata") or {}).get("timestamp"):
            bom.metadata.timestamp = None  # add no time the input did not have
        try:
            text = make_outputter(bom, OutputFormat.XML, version).output_as_string(indent=2)
        except Exception as e:  # noqa: BLE001  the library raises bare exceptions
            raise InputError(
                f"cannot write CycloneDX XML {spec_version}: {e}", source=source
            ) from e
    data = text.encode("utf-8")
    back, _ = xml_to_json(data, source)
    before = Counter(_leaves(doc))
    after = Counter(_leaves(back))
    paths_before = Counter(path for path, _ in before.elements())
    paths_after = Counter(path for path, _ in after.elements())
    for (path, _value), n in (before - after).items():
        for _ in range(n):
            # the field is there as often as before: its value was respelled, not dropped
            if paths_after[path] >= paths_before[path]:
                log.rewritten(path)
            else:
                log.field(path)
    return data
