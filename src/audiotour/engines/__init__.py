"""Speech engines behind one small interface.

An engine turns one sentence into mono 16-bit PCM. Adding an engine is one new
module in this package that defines a subclass of `Engine` decorated with
`register`; it is found by name (`--engine NAME`, `voice.engine`).
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from ..errors import EngineUnavailable, Remedy, TourError

LANGUAGE_SPAN = re.compile(r"\[([^\[\]]+)\]\{lang=([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\}")
"""A span in another language in the text an engine is given, ``[Red Beach]{lang=en}`` (the same as
`audiotour.lang.core.LANGUAGE_SPAN`: engines and languages are siblings that do not import each other)."""

DEFAULT_RATE = 147
"""Words a minute heard, pauses included, when the tour sets none (audio guides sit near 140-150)."""
SLOW_RATE = 120
"""The pace of ``slow: true`` when no rate is set."""


def heard_rate(voice: VoiceRequest) -> int:
    """The words a minute a listener should hear from this voice."""
    return voice.rate or (SLOW_RATE if voice.slow else DEFAULT_RATE)


@dataclass(frozen=True)
class Speech:
    pcm: bytes
    """Mono, signed 16-bit little-endian samples."""
    sample_rate: int


@dataclass(frozen=True)
class VoiceRequest:
    """What the tour asks of a voice, whatever engine speaks it."""

    language: str
    tld: str | None = None
    slow: bool = False
    rate: int | None = None
    """Words a minute the listener should hear, pauses included; None: the engine's own pace."""


class Engine(ABC):
    name: ClassVar[str]
    offline: ClassVar[bool] = True
    """Offline engines are the fallback of `auto`."""
    preference: ClassVar[int] = 0
    """`auto` tries reachable engines from the highest preference down."""
    codec_loss_lu: ClassVar[float] = 0.0
    """Loudness our 64 kbit/s MP3 encoding takes from this voice, measured: aimed for in advance."""
    accepts_rate: ClassVar[bool] = False
    """The engine can speak at a chosen pace (words a minute) by itself."""
    accepts_phonemes: ClassVar[bool] = False
    """The engine accepts a phoneme spelling for a word (in its own notation)."""

    def __init__(self, voice: VoiceRequest) -> None:
        self.voice = voice

    def at_speaking_rate(self, words_per_minute: float) -> Engine:
        """This voice speaking ``words_per_minute`` words a minute of speech alone (no pauses): an engine that
        `accepts_rate` returns a copy set so (its `cache_identity` says so); others return themselves."""
        return self

    @property
    @abstractmethod
    def voice_label(self) -> str:
        """The voice as recorded in the manifest, e.g. ``fr``."""

    @property
    @abstractmethod
    def cache_identity(self) -> str:
        """Everything besides the text that changes the audio (engine version, voice, speed)."""

    @property
    @abstractmethod
    def sample_rate(self) -> int:
        """The rate of the PCM this engine produces; segments are assembled at it."""

    @abstractmethod
    def synthesize(self, text: str) -> Speech:
        """Speak one sentence. Raises WorldError when the world fails.

        The text may hold spans in another language, ``[words]{lang=en}`` (an engine that cannot switch
        voices mid-sentence speaks them with its own), and, for an engine that `accepts_phonemes`, phoneme
        spellings in its own notation (eSpeak NG's ``[[...]]``).
        """

    def cancel(self) -> None:
        """The build is stopping (Ctrl-C, SIGTERM, a failure elsewhere): make every `synthesize` in
        progress, in any thread, raise soon (within a second) rather than finish. Engines that wait on
        something other than this process's CPU override it."""
        return None

    @classmethod
    def probe(cls, voice: VoiceRequest) -> str | None:
        """None when usable right now, else why not (for `auto`)."""
        return None

    @classmethod
    def speaks(cls, voice: VoiceRequest) -> bool:
        """Whether this engine has a voice for the language (asking no network)."""
        try:
            cls(voice)
        except TourError:
            return False
        except EngineUnavailable:
            return True  # installed badly is not the tour's fault
        return True


_REGISTRY: dict[str, type[Engine]] = {}


def register(cls: type[Engine]) -> type[Engine]:
    _REGISTRY[cls.name] = cls
    return cls


_discovered = False


def _discover() -> None:
    # Import every module of the package once, even if one was imported directly before.
    global _discovered
    if not _discovered:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        _discovered = True


def engine_names() -> list[str]:
    """Every registered engine, by name: what `voice.engine` and the command line accept, besides `auto`."""
    _discover()
    return sorted(_REGISTRY)


def engine_classes() -> list[type[Engine]]:
    """Every registered engine, preferred first."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda cls: (-cls.preference, cls.name))


def engine_class(name: str) -> type[Engine]:
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise TourError(f"unknown engine {name!r}; choose one of auto, {', '.join(engine_names())}") from None


def speakers(voice: VoiceRequest) -> list[str]:
    """Engines that speak the voice's language (without asking any network)."""
    return [cls.name for cls in engine_classes() if cls.speaks(voice)]


def choose_engine(name: str, voice: VoiceRequest, say: Callable[[str], None]) -> Engine:
    """The engine to use for a whole build: one voice for every segment.

    ``auto`` picks the preferred online engine when it answers a short probe,
    otherwise the best offline one, and says so once through ``say``.
    """
    if name != "auto":
        engine = engine_class(name)(voice)
        # Asked for by name, it never falls back; but say it is out of reach before anything is written.
        problem = type(engine).probe(voice)
        if problem is not None:
            raise EngineUnavailable(f"{name} is unavailable: {problem}", remedy=Remedy.OTHER_ENGINE)
        return engine
    _discover()
    candidates = sorted(_REGISTRY.values(), key=lambda c: -c.preference)
    reasons = []
    for cls in candidates:
        try:
            engine = cls(voice)
        except TourError:
            # This engine does not speak the tour's language; another may.
            reasons.append(f"{cls.name} does not speak {voice.language!r}")
            continue
        problem = cls.probe(voice)
        if problem is None:
            if reasons:
                voice_kind = "the offline voice" if cls.offline else "the voice"
                say(f"{'; '.join(reasons)}; using {voice_kind} ({cls.name}).")
            return engine
        reasons.append(f"{cls.name} is unavailable: {problem}")
    if all("does not speak" in r for r in reasons):
        raise TourError(f"{voice.language!r} is not spoken by any engine ({', '.join(engine_names())}); "
                        "use e.g. fr or en", field="language")
    raise EngineUnavailable("no speech engine is usable: " + "; ".join(reasons))
