"""Google Translate's voice through gTTS.

gTTS writes the requests; we send them and read the answers ourselves, because
a timeout per read (all that requests offers) never fires on an answer that
trickles in a byte at a time. Every wait is bounded in total: a whole answer
within REQUEST_DEADLINE_S, a sentence's attempts and back-off within
SENTENCE_DEADLINE_S, and a build's failed attempts and back-off together within
BUILD_TROUBLE_BUDGET_S. Throttling (429, or a redirect to Google's "sorry" page)
and server errors are retried with exponential backoff and jitter, honouring
Retry-After, when the retry fits in those bounds; audio is decoded before it is
accepted. `cancel()` ends every wait within a tenth of a second.
"""
from __future__ import annotations

import base64
import binascii
import functools
import random
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import ClassVar, TypeVar

import requests
import urllib3

from .. import ffmpeg
from ..errors import EngineUnavailable, Remedy, TourError, WorldError
from . import LANGUAGE_SPAN, Engine, Speech, VoiceRequest, register

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 20.0
"""Silence allowed between two pieces of an answer."""
REQUEST_DEADLINE_S = 30.0
"""A whole answer, however it arrives, within this."""
SENTENCE_DEADLINE_S = 90.0
"""A sentence's attempts and the back-off between them; a retry that would not fit is not made."""
BUILD_TROUBLE_BUDGET_S = 300.0
"""Time a build may lose, over all its sentences, to failed attempts and back-off before it gives up."""
PROBE_TIMEOUT_S = 3.0
MAX_ATTEMPTS = 5
MAX_ANSWER_BYTES = 20 * 2**20
BASE_URL = "https://translate.google.{tld}/"
"""Where Google Translate answers (tests point it at a local server)."""
_POLL_S = 0.1
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


def endpoint(tld: str) -> str:
    return BASE_URL.format(tld=tld) + "_/TranslateWebserverUi/data/batchexecute"


def gtts_language(language: str) -> str:
    from gtts.lang import tts_langs

    known = tts_langs()
    for candidate in (language, language.split("-")[0], language.lower().split("-")[0]):
        if candidate in known:
            return candidate
    raise TourError(f"{language!r} is not spoken by Google TTS", field="language")


class _Stopped(WorldError):
    """The build is stopping (`cancel`): never shown, the build's own interruption is."""


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
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``sleep`` and ``clock`` drive the back-off (tests pass fakes); by default a back-off is a
        wait that `cancel` ends."""
        super().__init__(voice)
        self.lang = gtts_language(voice.language)
        self.tld = voice.tld or default_tld(voice.language)
        self._sleep = sleep
        self._clock = clock
        self._answered_once = False
        # One pause for every thread: when Google pushes back on one request, all of them wait.
        self._lock = threading.Lock()
        self._quiet_until = 0.0
        self._cancelled = threading.Event()
        self._trouble_s = 0.0
        """Time lost so far, over the whole build, to failed attempts and back-off."""

    @classmethod
    def probe(cls, voice: VoiceRequest) -> str | None:
        tld = voice.tld or default_tld(voice.language)
        url = BASE_URL.format(tld=tld)
        try:
            _within(PROBE_TIMEOUT_S, None, lambda stop: requests.head(
                url, timeout=PROBE_TIMEOUT_S, allow_redirects=False).close())
        except requests.RequestException as exc:
            return f"translate.google.{tld} did not answer: {type(exc).__name__}"
        except _Late:
            return f"translate.google.{tld} did not answer within {PROBE_TIMEOUT_S:g} s"
        return None

    def cancel(self) -> None:
        self._cancelled.set()

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
            if self._sleep is not None:
                self._sleep(pause)
            elif self._cancelled.wait(pause):
                raise _Stopped("the build was stopped")

    def _back_off(self, seconds: float) -> None:
        with self._lock:
            self._quiet_until = max(self._quiet_until, self._clock() + seconds)

    def synthesize(self, text: str) -> Speech:
        # One voice a request: a span marked in another language is read by this one, without its marks.
        text = LANGUAGE_SPAN.sub(r"\1", text)
        started = self._clock()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._wait_for_quiet()
            tried = self._clock()
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
                now = self._clock()
                with self._lock:
                    self._trouble_s += now - tried
                    trouble = self._trouble_s + wait
                # A retry is made only if it can finish in time: the back-off and a whole request.
                late = now - started + wait + REQUEST_DEADLINE_S > SENTENCE_DEADLINE_S
                if attempt == MAX_ATTEMPTS or late or trouble > BUILD_TROUBLE_BUDGET_S:
                    raise EngineUnavailable(
                        f"Google TTS failed after {attempt} attempt(s): {exc}; "
                        "wait a while and build again (what is done is cached)", remedy=Remedy.OTHER_ENGINE
                    ) from None
                with self._lock:
                    self._trouble_s += wait
                self._back_off(wait)
        raise AssertionError("unreachable")

    def _request(self, text: str) -> bytes:
        from gtts import gTTS

        tts = gTTS(text, lang=self.lang, tld=self.tld, slow=self.voice.slow)
        audio = b""
        # gTTS's own sender waits per read, forever on a trickle: its requests, our sending.
        for prepared in tts._prepare_requests():
            prepared.prepare_url(endpoint(self.tld), None)
            try:
                answer = _within(REQUEST_DEADLINE_S, self._cancelled, functools.partial(self._send, prepared))
            except _Late:
                self._answered_once = True
                raise _Throttled(f"no whole answer within {REQUEST_DEADLINE_S:g} s") from None
            audio += self._audio_in(answer)
        if not audio:
            # Google's "sorry" page (a redirect) is HTML with no audio in it.
            raise _Throttled("Google sent no audio (rate limited?)")
        return audio

    def _send(self, prepared: requests.PreparedRequest, stop: threading.Event) -> bytes:
        """One request's whole answer (run in a thread of its own by `_within`; ``stop``: abandoned)."""
        with requests.Session() as session:
            try:
                response = session.send(prepared, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                                        proxies=urllib.request.getproxies())
            except requests.Timeout as exc:
                if not isinstance(exc, requests.ConnectTimeout):
                    self._answered_once = True
                    raise _Throttled(f"no answer within {READ_TIMEOUT_S:.0f} s") from None
                raise self._unreachable(exc) from None
            except requests.RequestException as exc:
                raise self._unreachable(exc) from None
            self._answered_once = True
            with response:
                status = response.status_code
                if status == 429 or status >= 500:
                    raise _Throttled(f"HTTP {status} from Google", _retry_after(response))
                if status != 200:
                    raise EngineUnavailable(f"Google TTS refused the request: HTTP {status}; "
                                            "check voice.tld and the language", remedy=Remedy.OTHER_ENGINE)
                body = bytearray()
                try:
                    # read1: whatever has arrived, so that a trickle is seen to be one.
                    while chunk := response.raw.read1(65536):
                        if stop.is_set():
                            raise _Stopped("abandoned")
                        body += chunk
                        if len(body) > MAX_ANSWER_BYTES:
                            raise _Throttled(f"Google's answer is over {MAX_ANSWER_BYTES // 2**20} MB")
                except urllib3.exceptions.ReadTimeoutError:
                    raise _Throttled(f"no answer within {READ_TIMEOUT_S:.0f} s") from None
                except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
                    raise _Throttled(f"the answer was cut off ({type(exc).__name__})") from None
                return bytes(body)

    def _unreachable(self, exc: requests.RequestException) -> Exception:
        problem = f"no connection to translate.google.{self.tld} ({type(exc).__name__})"
        if not self._answered_once:
            # Never reached at all: waiting will not help, say so now.
            return EngineUnavailable(f"Google TTS is unreachable: {problem}; check the connection",
                                     remedy=Remedy.OTHER_ENGINE)
        return _Throttled(problem)

    @staticmethod
    def _audio_in(answer: bytes) -> bytes:
        """The audio in a batchexecute answer (base64 in a line of JSON); empty when it holds none."""
        audio = b""
        for line in answer.splitlines():
            if b"jQ1olc" not in line:
                continue
            found = _AUDIO.search(line.decode("utf-8", "replace"))
            if not found:
                # A 200 without a readable audio line: a cut or garbled answer.
                raise _Throttled("Google's answer held no readable audio")
            try:
                audio += base64.b64decode(found.group(1).encode("ascii"), validate=True)
            except (binascii.Error, ValueError):
                raise _Throttled("Google's answer held garbled audio") from None
        return audio


_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')


class _Late(Exception):
    pass


_T = TypeVar("_T")


def _within(seconds: float, cancelled: threading.Event | None, work: Callable[[threading.Event], _T]) -> _T:
    """``work(stop)`` in a thread of its own, waited for at most ``seconds`` in all: _Late after that,
    _Stopped as soon as ``cancelled`` is set. An abandoned thread is told by ``stop`` and, as a daemon,
    never holds the process up (its socket's own timeout ends it)."""
    outcome: list[_T] = []
    failure: list[BaseException] = []
    done, stop = threading.Event(), threading.Event()

    def run() -> None:
        try:
            outcome.append(work(stop))
        except BaseException as exc:  # handed to the waiting thread
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="audiotour-request", daemon=True).start()
    deadline = time.monotonic() + seconds
    try:
        while not done.wait(min(_POLL_S, max(0.0, deadline - time.monotonic()))):
            if cancelled is not None and cancelled.is_set():
                raise _Stopped("the build was stopped")
            if time.monotonic() >= deadline:
                raise _Late
    finally:
        stop.set()
    if failure:
        raise failure[0]
    return outcome[0]


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
