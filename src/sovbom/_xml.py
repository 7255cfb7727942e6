"""Safe XML parsing (defusedxml): entities, external references and (optionally) DTDs refused."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

import defusedxml
from defusedxml import ElementTree as SafeET

from sovbom.errors import InputError

#: Elements nested deeper than this are refused (every reader walks the tree recursively).
MAX_XML_DEPTH = 128


def parse_xml(data: bytes, source: str, *, forbid_dtd: bool = True) -> Element:
    """Parse ``data`` into an ElementTree element, refusing hostile constructs.

    ``forbid_dtd=False`` admits a plain ``<!DOCTYPE>`` (nvidia-smi writes one) but entity
    declarations and external references are still refused, as are documents nested deeper
    than :data:`MAX_XML_DEPTH` and encodings the parser cannot read (UTF-7, unknown names).
    """
    root = _parse(data, source, forbid_dtd)
    _check_depth(root, source)
    return root


def _check_depth(root: Element, source: str) -> None:
    """Level by level (no recursion): refuse a tree deeper than :data:`MAX_XML_DEPTH`."""
    level = [root]
    depth = 1
    while level:
        if depth > MAX_XML_DEPTH:
            raise InputError(f"XML nested deeper than {MAX_XML_DEPTH} elements", source=source)
        below: list[Element] = []
        for el in level:
            below.extend(el)
        level = below
        depth += 1


def _parse(data: bytes, source: str, forbid_dtd: bool) -> Element:
    try:
        return SafeET.fromstring(
            data, forbid_dtd=forbid_dtd, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DTDForbidden as e:
        raise InputError("XML with a DTD (<!DOCTYPE>) is refused", source=source) from e
    except defusedxml.EntitiesForbidden as e:
        raise InputError(
            f"XML entity declaration {e.name!r} is refused (possible entity-expansion attack)",
            source=source,
        ) from e
    except defusedxml.ExternalReferenceForbidden as e:
        raise InputError("XML external reference is refused", source=source) from e
    except defusedxml.DefusedXmlException as e:
        raise InputError(f"unsafe XML refused: {e}", source=source) from e
    except ParseError as e:
        line, col = e.position
        msg = str(e).split(":", 1)[0]
        raise InputError(
            f"malformed XML: {msg}", source=source, location=f"line {line} column {col + 1}"
        ) from e
    except LookupError as e:  # an encoding name Python does not know
        raise InputError(f"XML in an encoding that cannot be read ({e})", source=source) from e
    except ValueError as e:  # "multi-byte encodings are not supported" (UTF-7 ...)
        raise InputError(f"XML in an encoding that cannot be read ({e})", source=source) from e


def local_name(tag: str) -> str:
    """``{namespace}name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None
