"""ISO 3166-1 country codes: normalise what sources give (alpha-2, alpha-3, names) to alpha-2."""

from __future__ import annotations

from functools import cache

import iso3166


@cache
def normalize_country(value: str | None) -> str | None:
    """Return the ISO 3166-1 alpha-2 code for ``value``, or None when it is not a country.

    Accepts alpha-2 (``JP``), alpha-3 (``JPN``, as Redfish ``ISOCountryCodeOfOrigin`` allows) and
    English short names (``Japan``). Never guesses beyond that.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        return str(iso3166.countries.get(text).alpha2)
    except KeyError:
        return None
