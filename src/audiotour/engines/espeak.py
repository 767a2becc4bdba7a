"""eSpeak NG, offline, driven in-process through ctypes.

A system libespeak-ng is used when installed; otherwise the one the
`espeakng-loader` wheel bundles (library and voice data, French included),
so a plain `pip install` is enough.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from functools import lru_cache
from typing import ClassVar, NoReturn

from ..errors import EngineUnavailable, TourError, WorldError
from . import Engine, Speech, VoiceRequest, register

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_RATE = 1
_EE_OK = 0
# Words per minute: eSpeak's default (175) is brisk for a visitor outdoors.
_NORMAL_WPM = 160
_SLOW_WPM = 130
FRESH_STATE_PER_SENTENCE = True
"""Speak each sentence in a child process forked for it (see `_Library.speak`); False: in this process."""

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class _Library:
    """The process-wide libespeak-ng: it keeps global state, so one lock guards it."""

    def __init__(self) -> None:
        path, data = _locate()
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as exc:
            raise EngineUnavailable(f"cannot load libespeak-ng ({exc})") from None
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.lib.espeak_Info.argtypes = [ctypes.c_void_p]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, 0
        )
        if self.sample_rate <= 0:
            raise EngineUnavailable("libespeak-ng failed to initialise (voice data missing?)")
        self.version = (self.lib.espeak_Info(None) or b"?").decode()
        self.lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._failure: BaseException | None = None
        self._callback = _CALLBACK(self._collect)  # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self._callback)
        self._voice: bytes | None = None

    def _collect(self, wav: ctypes._Pointer, count: int, events: int) -> int:  # type: ignore[type-arg]
        # Nothing may escape a ctypes callback (ctypes prints it and goes on, and the sentence would come
        # out cut): any failure stops the synthesis (return 1), and `_synth` raises it afterwards.
        try:
            if self._failure is not None:
                return 1
            if count > 0:
                self._chunks.append(ctypes.string_at(wav, count * 2))
            return 0
        except BaseException as exc:
            self._failure = exc
            return 1

    def set_voice(self, name: str) -> bool:
        return bool(self.lib.espeak_SetVoiceByName(name.encode()) == _EE_OK)

    def speak(self, voice: str, words_per_minute: int, text: str) -> bytes:
        """One sentence, spoken from the library's state as it was when first set up.

        eSpeak NG keeps state from one sentence to the next in static variables no call resets (its
        pitch flutter's phase, for one): the same sentence spoken after different ones comes out
        different. So where processes fork, each sentence is spoken in a child forked for it, and this
        process's library never speaks: every sentence starts from the same state, whatever came
        before, in any process. The child also takes the signals' edge off: a Ctrl-C reaches this
        process, which stops the child, never a half-spoken sentence.
        """
        with self.lock:
            if self._voice != voice.encode():
                if not self.set_voice(voice):
                    raise EngineUnavailable(f"eSpeak NG lost its voice {voice!r} (voice data missing?)")
                self._voice = voice.encode()
            self.lib.espeak_SetParameter(_RATE, words_per_minute, 0)
            if FRESH_STATE_PER_SENTENCE and hasattr(os, "fork"):
                return self._speak_in_child(text)
            return self._synth(text)

    def _synth(self, text: str) -> bytes:
        self._chunks, self._failure = [], None
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, 0, 0, _CHARS_UTF8, None, None)
        chunks, failure = self._chunks, self._failure
        self._chunks, self._failure = [], None
        if failure is not None:
            raise failure
        if status != _EE_OK:
            raise EngineUnavailable(f"eSpeak NG failed to speak (error {status})")
        return b"".join(chunks)

    def _speak_in_child(self, text: str) -> bytes:
        read_end, write_end = os.pipe()
        signals = {signal.SIGINT, signal.SIGTERM}
        # Held until the child has its own dispositions: a signal in between must reach the right process.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        parent = os.getpid()
        try:
            pid = os.fork()
        except BaseException as exc:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            if isinstance(exc, OSError):
                raise WorldError(f"cannot start eSpeak NG for a sentence: {exc.strerror}") from None
            raise
        if pid == 0:
            self._child(text, read_end, write_end, mask, parent)
        os.close(write_end)
        child = pid
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a signal held meanwhile is handled here
            with os.fdopen(read_end, "rb", closefd=False) as pipe:
                data = pipe.read()
            _, status = os.waitpid(pid, 0)
            child = 0
        finally:
            os.close(read_end)
            if child:  # interrupted: the sentence is abandoned, never half kept
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
        if code == _CHILD_FAILED_TO_SPEAK:
            raise EngineUnavailable("eSpeak NG failed to speak")
        if code != 0 or len(data) < 8 or int.from_bytes(data[:8], "little") != len(data) - 8:
            why = f"signal {-code}" if code < 0 else f"exit status {code}"
            raise WorldError(f"eSpeak NG stopped before the end of a sentence ({why})")
        return data[8:]

    def _child(self, text: str, read_end: int, write_end: int, mask: set[int | signal.Signals],
               parent: int) -> NoReturn:
        """In the child forked for one sentence: speak it into the pipe, then vanish (nothing of the
        parent's, no cleanup, no exception handler, may run here)."""
        status = 1
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C, and stops us
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _die_with_parent()
            if os.getppid() != parent:  # gone before that
                os._exit(status)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            try:
                pcm = self._synth(text)
            except EngineUnavailable:
                status = _CHILD_FAILED_TO_SPEAK
                raise
            view = memoryview(len(pcm).to_bytes(8, "little") + pcm)
            while view:
                view = view[os.write(write_end, view):]
            status = 0
        finally:
            os._exit(status)


_CHILD_FAILED_TO_SPEAK = 3
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies, however it dies (even kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _locate() -> tuple[str, str | None]:
    explicit = os.environ.get("AUDIOTOUR_ESPEAK_LIBRARY")
    if explicit:
        return explicit, os.environ.get("AUDIOTOUR_ESPEAK_DATA")
    system = ctypes.util.find_library("espeak-ng")
    if system:
        return system, None
    try:
        import espeakng_loader
    except ImportError:
        raise EngineUnavailable("libespeak-ng is not installed; pip install espeakng-loader") from None
    return espeakng_loader.get_library_path(), espeakng_loader.get_data_path()


@lru_cache(maxsize=1)
def _library() -> _Library:
    return _Library()


@register
class EspeakEngine(Engine):
    name: ClassVar[str] = "espeak"
    offline: ClassVar[bool] = True
    preference: ClassVar[int] = 0
    codec_loss_lu: ClassVar[float] = 0.5
    accepts_rate: ClassVar[bool] = True
    accepts_phonemes: ClassVar[bool] = True

    def __init__(self, voice: VoiceRequest) -> None:
        super().__init__(voice)
        self.library = _library()
        self.voice_name = self._voice_for(voice.language)
        self.words_per_minute = _SLOW_WPM if voice.slow else _NORMAL_WPM

    def _voice_for(self, language: str) -> str:
        # eSpeak names voices in lowercase BCP 47 (en-us, fr-be); fall back to the bare language.
        tag = language.lower()
        for candidate in (tag, tag.split("-")[0]):
            with self.library.lock:
                if self.library.set_voice(candidate):
                    self.library._voice = candidate.encode()
                    return candidate
        raise TourError(f"{language!r} is not spoken by eSpeak NG", field="language")

    @property
    def voice_label(self) -> str:
        return self.voice_name

    @property
    def cache_identity(self) -> str:
        # "fresh": each sentence from the same state (see `_Library.speak`); entries spoken otherwise, by an
        # older audiotour, depended on what came before and are not reused.
        state = " fresh" if FRESH_STATE_PER_SENTENCE and hasattr(os, "fork") else ""
        return f"espeak-ng {self.library.version} voice={self.voice_name} wpm={self.words_per_minute}{state}"

    @property
    def sample_rate(self) -> int:
        return int(self.library.sample_rate)

    def synthesize(self, text: str) -> Speech:
        pcm = self.library.speak(self.voice_name, self.words_per_minute, text)
        return Speech(pcm=pcm, sample_rate=self.library.sample_rate)
