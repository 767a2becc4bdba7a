"""audiotour: a YAML tour description into a narrated audio tour.

The library face is `audiotour.api` (`load_tour`, `check`, `script`,
`build`), re-exported here; the errors it raises are in `audiotour.errors`.
Attributes load on first use, so ``import audiotour`` stays cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["AudiotourError", "BuildReport", "TourError", "WorldError", "__version__", "build", "check", "load_tour",
           "script"]

if TYPE_CHECKING:
    from .api import BuildReport, build, check, load_tour, script
    from .errors import AudiotourError, TourError, WorldError

_FROM = {"build": "api", "check": "api", "load_tour": "api", "script": "api", "BuildReport": "api",
         "AudiotourError": "errors", "TourError": "errors", "WorldError": "errors"}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        from importlib import import_module

        return getattr(import_module(f".{_FROM[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
