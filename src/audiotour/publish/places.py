"""Places as feeds and chapters write them."""
from __future__ import annotations

from ..tour import Location


def geo_uri(location: Location) -> str:
    """RFC 5870 ``geo:lat,lon``; six decimals is ten centimetres, and never an exponent."""
    return f"geo:{_coordinate(location.lat)},{_coordinate(location.lon)}"


def _coordinate(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
