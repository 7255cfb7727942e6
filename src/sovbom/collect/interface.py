"""What every hardware or software collector returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from sovbom.model import Component


@dataclass(slots=True)
class Inventory:
    """What one source saw.

    ``system`` is the server itself when the source identifies it (manufacturer, model, serial);
    ``parts`` are the parts it saw, possibly nested (``Component.children``), with firmware nested
    under the part it runs on (see :func:`sovbom.hbom.link_firmware`) or, when the source cannot
    tell which part, left at the top level with type ``firmware``. Each component lists this
    source in ``seen_by``. ``complete`` is False when the source could not be read entirely;
    ``notes`` say what was missed, for a person.
    """

    source: str
    system: Component | None = None
    parts: list[Component] = field(default_factory=list)
    complete: bool = True
    notes: list[str] = field(default_factory=list)
