"""Google Translate's voice through gTTS.

Every request has a timeout (gTTS's default waits forever). Throttling (429,
or a redirect to Google's "sorry" page) and server errors are retried with
exponential backoff and jitter, honouring Retry-After, within a bounded total
time; audio is decoded before it is accepted.
"""
from __future__ import annotations

import binascii
import random
import threading
import time
from collections.abc import Callable
from typing import ClassVar

import requests

from .. import ffmpeg
from ..errors import EngineUnavailable, Remedy, TourError, WorldError
from . import LANGUAGE_SPAN, Engine, Speech, VoiceRequest, register

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
PROBE_TIMEOUT_S = 3.0
MAX_ATTEMPTS = 5
MAX_RETRY_WAIT_S = 60.0
SAMPLE_RATE = 24_000
"""gTTS answers with 24 kHz MP3."""

# Google's domain for a region when the tour does not name one.
_REGION_TLD = {"gb": "co.uk", "us": "com", "ca": "ca", "au": "com.au", "in": "co.in", "br": "com.br",
               "pt": "pt", "es": "es", "mx": "com.mx", "fr": "fr", "be": "be", "ch": "ch", "ie": "ie"}
_LANGUAGE_TLD = {"fr": "fr", "de": "de", "es": "es", "it": "it", "pt": "pt", "nl": "nl"}


def default_tld(language: str) -> str:
    parts = language.lower().split("-")
    if len(parts) > 1 and parts[-1] in _REGION_TLD:
        return _REGION_TLD[parts[-1]]
    return _LANGUAGE_TLD.get(parts[0], "com")


def gtts_language(language: str) -> str:
    from gtts.lang import tts_langs

    known = tts_langs()
    for candidate in (language, language.split("-")[0], language.lower().split("-")[0]):
        if candidate in known:
            return candidate
    raise TourError(f"{language!r} is not spoken by Google TTS", field="language")


class _Throttled(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@register
class GttsEngine(Engine):
    name: ClassVar[str] = "gtts"
    offline: ClassVar[bool] = False
    preference: ClassVar[int] = 10

    def __init__(
        self,
        voice: VoiceRequest,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(voice)
        self.lang = gtts_language(voice.language)
        self.tld = voice.tld or default_tld(voice.language)
        self._sleep = sleep
        self._clock = clock
        self._answered_once = False
        # One pause for every thread: when Google pushes back on one request, all of them wait.
        self._lock = threading.Lock()
        self._quiet_until = 0.0

    @classmethod
    def probe(cls, voice: VoiceRequest) -> str | None:
        tld = voice.tld or default_tld(voice.language)
        try:
            requests.head(f"https://translate.google.{tld}/", timeout=PROBE_TIMEOUT_S, allow_redirects=False)
        except requests.RequestException as exc:
            return f"translate.google.{tld} did not answer: {type(exc).__name__}"
        return None

    @property
    def voice_label(self) -> str:
        return f"{self.lang}@translate.google.{self.tld}"

    @property
    def cache_identity(self) -> str:
        return f"gtts lang={self.lang} tld={self.tld} slow={self.voice.slow}"

    @property
    def sample_rate(self) -> int:
        return SAMPLE_RATE

    def _wait_for_quiet(self) -> None:
        with self._lock:
            pause = self._quiet_until - self._clock()
        if pause > 0:
            self._sleep(pause)

    def _back_off(self, seconds: float) -> None:
        with self._lock:
            self._quiet_until = max(self._quiet_until, self._clock() + seconds)

    def synthesize(self, text: str) -> Speech:
        # One voice a request: a span marked in another language is read by this one, without its marks.
        text = LANGUAGE_SPAN.sub(r"\1", text)
        started = self._clock()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._wait_for_quiet()
            try:
                mp3 = self._request(text)
                try:
                    pcm = ffmpeg.decode_to_pcm(mp3, sample_rate=SAMPLE_RATE)
                except WorldError:
                    raise _Throttled("Google answered with audio that does not decode") from None
                if len(pcm) < SAMPLE_RATE // 10:
                    raise _Throttled("Google answered with (almost) no audio")
                return Speech(pcm=pcm, sample_rate=SAMPLE_RATE)
            except _Throttled as exc:
                wait = exc.retry_after if exc.retry_after is not None else min(30.0, 2.0 ** attempt)
                wait = wait * (1 + random.uniform(0, 0.25))
                spent = self._clock() - started
                if attempt == MAX_ATTEMPTS or spent + wait > MAX_RETRY_WAIT_S:
                    raise EngineUnavailable(
                        f"Google TTS failed after {attempt} attempt(s): {exc}; "
                        "wait a while and build again (what is done is cached)", remedy=Remedy.OTHER_ENGINE
                    ) from None
                self._back_off(wait)
        raise AssertionError("unreachable")

    def _request(self, text: str) -> bytes:
        from gtts import gTTS, gTTSError

        tts = gTTS(text, lang=self.lang, tld=self.tld, slow=self.voice.slow,
                   timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        try:
            audio = b"".join(tts.stream())
        except gTTSError as exc:
            response = getattr(exc, "rsp", None)
            if response is None:
                cause = exc.__cause__ or exc.__context__
                if isinstance(cause, requests.Timeout) and not isinstance(cause, requests.ConnectTimeout):
                    raise _Throttled(f"no answer within {READ_TIMEOUT_S:.0f} s") from None
                problem = f"no connection to translate.google.{self.tld} ({type(cause).__name__ if cause else exc})"
                if not self._answered_once:
                    # Never reached at all: waiting will not help, say so now.
                    raise EngineUnavailable(f"Google TTS is unreachable: {problem}; check the connection",
                                            remedy=Remedy.OTHER_ENGINE) from None
                raise _Throttled(problem) from None
            status = response.status_code
            if status == 429 or status >= 500:
                raise _Throttled(f"HTTP {status} from Google", _retry_after(response)) from None
            if status == 200:
                # A 200 without a readable audio line: a cut or garbled answer.
                raise _Throttled("Google's answer held no readable audio") from None
            raise EngineUnavailable(f"Google TTS refused the request: HTTP {status}; "
                                    "check voice.tld and the language", remedy=Remedy.OTHER_ENGINE) from None
        except requests.RequestException as exc:
            # gTTS reads the body outside its own error handling: a cut or stalled stream lands here.
            self._answered_once = True
            raise _Throttled(f"the answer was cut off ({type(exc).__name__})") from None
        except (binascii.Error, ValueError):
            self._answered_once = True
            raise _Throttled("Google's answer held garbled audio") from None
        self._answered_once = True
        if not audio:
            # Google's "sorry" page (a redirect) is HTML with no audio in it.
            raise _Throttled("Google sent no audio (rate limited?)")
        return audio


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
