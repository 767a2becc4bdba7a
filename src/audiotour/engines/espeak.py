"""eSpeak NG, offline, driven in-process through ctypes.

A system libespeak-ng is used when installed; otherwise the one the
`espeakng-loader` wheel bundles (library and voice data, French included),
so a plain `pip install` is enough.
"""
from __future__ import annotations

import copy
import ctypes
import ctypes.util
import os
import re
import signal
import subprocess
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..errors import EngineUnavailable, TourError, WorldError
from . import LANGUAGE_SPAN, Engine, Speech, VoiceRequest, heard_rate, register
from . import _espeak_speaker as _speaker

RATE_CALIBRATION = 0.92
"""eSpeak NG's own words-a-minute setting for one word a minute heard, pauses included, with the default
pauses: measured on the shipped tour. A build sets each segment's pace from its own words and pauses
(`at_speaking_rate`); this is for a phrase on its own (`audiotour say`)."""
SPEECH_PER_SETTING = 1.26
"""Words a minute of speech alone (pauses excluded) per unit of eSpeak NG's rate setting, in French as the
shipped tour writes it: 176-192 words a minute at a setting of 148."""
RATE_STEP = 2
"""The setting moves by whole steps: a small edit to a segment rarely changes its pace (and its cache)."""
FRESH_STATE_PER_SENTENCE = hasattr(os, "fork")
"""Speak each sentence from a fresh state, in a child forked for it (see `_Library.speak`); else in this
process, where what a sentence sounds like depends on the sentences spoken before it."""

class _Library:
    """The process-wide libespeak-ng: it keeps global state, so one lock guards it."""

    def __init__(self) -> None:
        path, data = _locate()
        self._speaker = _Speaker(path, data)
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as exc:
            raise EngineUnavailable(f"cannot load libespeak-ng ({exc})") from None
        _speaker.declare(self.lib)
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.lib.espeak_Info.argtypes = [ctypes.c_void_p]
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        self.sample_rate = self.lib.espeak_Initialize(
            _speaker.AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() if data else None, 0
        )
        if self.sample_rate <= 0:
            raise EngineUnavailable("libespeak-ng failed to initialise (voice data missing?)")
        self.version = (self.lib.espeak_Info(None) or b"?").decode()
        self.lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._failure: BaseException | None = None
        self._callback = _speaker.SYNTH_CALLBACK(self._collect)  # kept alive as long as the library
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
        return bool(self.lib.espeak_SetVoiceByName(name.encode()) == _speaker.EE_OK)

    def _select(self, voice: str) -> None:
        if self._voice != voice.encode():
            if not self.set_voice(voice):
                raise EngineUnavailable(f"eSpeak NG lost its voice {voice!r} (voice data missing?)")
            self._voice = voice.encode()

    def speak(self, voice: str, words_per_minute: int, text: str) -> bytes:
        """One sentence, spoken from the library's state as it was when first set up.

        eSpeak NG keeps state from one sentence to the next in static variables no call resets (its
        pitch flutter's phase, for one): the same sentence spoken after different ones comes out
        different. So where processes fork, each sentence is spoken by `_Speaker`, in a child forked
        for it from a process that has only loaded the library: every sentence starts from the same
        state, whatever came before, in any process. It also takes the signals' edge off: a Ctrl-C
        reaches this process, which stops the speaker, never a half-spoken sentence.
        """
        with self.lock:
            if FRESH_STATE_PER_SENTENCE:
                return self._speaker.speak(voice, words_per_minute, text)
            self._select(voice)
            self.lib.espeak_SetParameter(_speaker.RATE, words_per_minute, 0)
            return self._synth(text)

    def _synth(self, text: str) -> bytes:
        self._chunks, self._failure = [], None
        data = text.encode("utf-8") + b"\0"
        # Ctrl-C and SIGTERM wait while eSpeak NG speaks: a Python handler run inside its ctypes callback
        # could only be printed and ignored. They are handled the moment the sentence is done.
        held = threading.current_thread() is threading.main_thread() and hasattr(signal, "pthread_sigmask")
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) if held else None
        try:
            status = self.lib.espeak_Synth(data, len(data), 0, 0, 0, _speaker.CHARS_UTF8 | _speaker.PHONEMES, None, None)
        finally:
            if mask is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        chunks, failure = self._chunks, self._failure
        self._chunks, self._failure = [], None
        if failure is not None:
            raise failure
        if status != _speaker.EE_OK:
            raise EngineUnavailable(f"eSpeak NG failed to speak (error {status})")
        return b"".join(chunks)

    def phonemes(self, voice: str, text: str) -> str:
        """What the voice would say, in eSpeak NG's phoneme mnemonics, clause by clause; a word it
        reads with another language's rules shows as ``(en)...(fr)``."""
        with self.lock:
            self._select(voice)
            pointer = ctypes.c_char_p(text.encode("utf-8"))
            clauses = []
            while pointer.value:
                out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _speaker.CHARS_UTF8, 0)
                clauses.append((out or b"").decode("utf-8", "replace").strip())
            return " ".join(c for c in clauses if c)


class _Speaker:
    """The build's end of `_espeak_speaker`: a process of its own, started on first use, that speaks each
    sentence from eSpeak NG's state as it was right after it started. Stopped (and started again by the
    next sentence) whenever a sentence is interrupted, so that no half-read answer is ever taken for the
    next one."""

    def __init__(self, library: str, data: str | None) -> None:
        self._command = [sys.executable, "-I", "-S", str(Path(__file__).with_name("_espeak_speaker.py")),
                         library, data or ""]
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()

    def speak(self, voice: str, words_per_minute: int, text: str) -> bytes:
        encoded_voice, encoded_text = voice.encode(), text.encode("utf-8")
        request = b"".join(n.to_bytes(4, "little") for n in (len(encoded_voice), words_per_minute,
                                                               len(encoded_text))) + encoded_voice + encoded_text
        status, pcm = _speaker.CHILD_DIED, b""
        if self._owner != os.getpid():  # a forked worker: the speaker it inherited is its parent's to use
            self._process, self._owner = None, os.getpid()
        for attempt in range(2):
            process = self._process or self._start()
            try:
                assert process.stdin is not None
                process.stdin.write(request)
                process.stdin.flush()
                status, pcm = self._answer(process)
                break
            except (BrokenPipeError, EOFError):
                # Gone between two sentences (it dies with the thread that started it): once more, anew.
                self.stop()
                if attempt:
                    raise WorldError("eSpeak NG's speaker process stopped; run the build again") from None
            except BaseException:
                self.stop()  # interrupted: the sentence is abandoned, never half kept
                raise
        if status == _speaker.NO_VOICE:
            raise EngineUnavailable(f"eSpeak NG lost its voice {voice!r} (voice data missing?)")
        if status == _speaker.FAILED:
            raise EngineUnavailable("eSpeak NG failed to speak")
        if status != _speaker.SPOKEN:
            raise WorldError("eSpeak NG stopped before the end of a sentence")
        return pcm

    def _start(self) -> subprocess.Popen[bytes]:
        try:
            process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise WorldError(f"cannot start eSpeak NG's speaker process: {exc.strerror}") from None
        self._process = process
        try:
            status, _ = self._answer(process)
        except EOFError:
            self.stop()
            raise EngineUnavailable("eSpeak NG's speaker process could not start") from None
        except BaseException:
            self.stop()
            raise
        if status != _speaker.SPOKEN:
            self.stop()
            raise EngineUnavailable("libespeak-ng failed to initialise (voice data missing?)")
        return process

    @staticmethod
    def _answer(process: subprocess.Popen[bytes]) -> tuple[int, bytes]:
        assert process.stdout is not None
        header = process.stdout.read(9)
        if len(header) < 9:
            raise EOFError
        length = int.from_bytes(header[1:], "little")
        payload = process.stdout.read(length)
        if len(payload) < length:
            raise EOFError
        return header[0], payload

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()


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
        # eSpeak NG's own range is 80-450.
        self.words_per_minute = max(80, min(450, round(heard_rate(voice) * RATE_CALIBRATION)))
        self._other_voices: dict[str, str] = {}

    def at_speaking_rate(self, words_per_minute: float) -> EspeakEngine:
        setting = round(words_per_minute / SPEECH_PER_SETTING / RATE_STEP) * RATE_STEP
        paced = copy.copy(self)
        paced.words_per_minute = max(80, min(450, setting))
        return paced

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
        # "own": words sent to another language are respelt (a change of the sound for the same text).
        # "fresh": each sentence from the same state (see `_Library.speak`); entries spoken otherwise, by an
        # older audiotour, depended on what came before and are not reused.
        state = " fresh" if FRESH_STATE_PER_SENTENCE and hasattr(os, "fork") else ""
        return f"espeak-ng {self.library.version} voice={self.voice_name} wpm={self.words_per_minute} own=1{state}"

    @property
    def sample_rate(self) -> int:
        return int(self.library.sample_rate)

    def synthesize(self, text: str) -> Speech:
        pieces = []
        for language, run in language_runs(text):
            if language is None:
                pcm = self.library.speak(self.voice_name, self.words_per_minute, self.in_own_language(run))
            else:
                pcm = self.library.speak(self._voice_named(language), self.words_per_minute, run)
            pieces.append(pcm)
        if len(pieces) == 1:
            return Speech(pcm=pieces[0], sample_rate=self.library.sample_rate)
        return Speech(pcm=_join(pieces, self.library.sample_rate), sample_rate=self.library.sample_rate)

    def phonemes(self, text: str) -> str:
        """The phonemes the voice reads ``text`` with, after `in_own_language`: for tests and authors."""
        said = []
        for lang, run in language_runs(text):
            voice = self.voice_name if lang is None else self._voice_named(lang)
            if lang is None:
                run = self.in_own_language(run)
            # Phoneme input is spoken as written: shown as written.
            for index, part in enumerate(re.split(r"\[\[(.*?)\]\]", run)):
                said.append(part if index % 2 else self.library.phonemes(voice, part))
            if lang is not None:
                said[-1] = f"({lang}){said[-1]}"
        return " ".join(p for p in said if p.strip())

    def _voice_named(self, language: str) -> str:
        if language not in self._other_voices:
            tag = language.lower()
            for candidate in (tag, tag.split("-")[0]):
                with self.library.lock:
                    if self.library.set_voice(candidate):
                        self.library._voice = candidate.encode()
                        self._other_voices[language] = candidate
                        break
            else:
                raise TourError(f"{language!r} is not spoken by eSpeak NG; mark the span with another language")
        return self._other_voices[language]

    def in_own_language(self, text: str) -> str:
        """``text`` with every word eSpeak NG would read with another language's voice (its French dictionary
        sends "Nancy", "Red" or "traversons" to English) respelt so that the tour's voice reads it."""
        plain = _PHONEME_INPUT.sub(" ", text)
        if "(" not in self.library.phonemes(self.voice_name, plain):
            return text

        def keep(match: re.Match[str]) -> str:
            word = match.group(0)
            if "(" not in self.library.phonemes(self.voice_name, word):
                return word
            for candidate in _respellings(word, self.voice_name):
                if "(" not in self.library.phonemes(self.voice_name, candidate):
                    return candidate
            return word

        parts = _PHONEME_INPUT.split(text)
        inputs = _PHONEME_INPUT.findall(text)
        out = [_WORD.sub(keep, part) for part in parts]
        return "".join(p + (inputs[i] if i < len(inputs) else "") for i, p in enumerate(out))


_PHONEME_INPUT = re.compile(r"\[\[.*?\]\]")
_WORD = re.compile(r"[^\W\d_]+")
_SPAN = LANGUAGE_SPAN


def language_runs(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut at its ``[words]{lang=xx}`` spans: (None, own language) or (xx, span)."""
    runs: list[tuple[str | None, str]] = []
    position = 0
    for match in _SPAN.finditer(text):
        if text[position:match.start()].strip():
            runs.append((None, text[position:match.start()]))
        runs.append((match.group(2), match.group(1)))
        position = match.end()
    if text[position:].strip() or not runs:
        runs.append((None, text[position:]))
    return runs


# Spellings that French readers give the sound English spellings have: eSpeak NG's French rules then read the
# word themselves, and nearly as an English word said by a French speaker (which is what a French guide does).
_FRENCH_RESPELLINGS: tuple[tuple[str, str], ...] = (
    (r"y$", "i"), (r"ee", "i"), (r"ea", "i"), (r"oo", "ou"), (r"ow", "o"), (r"ed$", "ède"), (r"sh", "ch"),
    (r"th", "t"), (r"gh", "g"), (r"^w", "ou"), (r"w", "ou"), (r"ing$", "ingue"), (r"(?<=[rnl])s(?=ons?$)", "ç"),
    (r"ston$", "stonne"), (r"son$", "sonne"), (r"er$", "eur"), (r"ch", "tch"), (r"ll", "l"), (r"j", "dj"),
    (r"ay", "é"), (r"ie", "i"), (r"in(?=st)", "inn"),
)
_ACCENTS = {"a": "â", "e": "è", "i": "î", "o": "ô", "u": "û"}


def _respellings(word: str, voice: str) -> list[str]:
    """Candidate spellings of ``word`` for the voice, most faithful first; the caller keeps the first that
    the voice reads itself: one French spelling of an English sound, then all of them, then an accent on the
    last vowel ("dos" → "dôs"); the last resort cuts the word in two with a hyphen."""
    splits = [word[:i] + "-" + word[i:] for i in range(2, len(word) - 1)]
    if not voice.startswith("fr"):
        return splits

    def cased(changed: str) -> str:
        return changed[:1].upper() + changed[1:] if word[:1].isupper() else changed

    alone, candidates = [], []
    current = word
    for pattern, replacement in _FRENCH_RESPELLINGS:
        changed = re.sub(pattern, replacement, word, flags=re.IGNORECASE)
        if changed != word:
            alone.append(cased(changed))
        together = re.sub(pattern, replacement, current, flags=re.IGNORECASE)
        if together != current:
            current = together
            candidates.append(cased(current))
    vowels = [i for i, c in enumerate(word) if c.lower() in _ACCENTS]
    accented = []
    if vowels:
        i = vowels[-1]
        accented.append(word[:i] + _ACCENTS[word[i].lower()] + word[i + 1:])
    return alone + candidates + accented + splits


def _join(pieces: list[bytes], rate: int) -> bytes:
    """Runs spoken by different voices, joined with the short pause a speaker makes between them (looked at
    and joined a block at a time: a long sentence's samples are copied once, into the result)."""
    gap = bytes(2 * int(0.08 * rate))
    parts: list[bytes | memoryview] = []
    for index, pcm in enumerate(pieces):
        samples = np.frombuffer(pcm, dtype="<i2")
        first, last = _loud_edge(samples, first=True), _loud_edge(samples, first=False)
        if index:
            parts.append(gap)
        if first is not None and last is not None:
            parts.append(memoryview(pcm)[2 * first : 2 * (last + 1)])
    return b"".join(parts)


def _loud_edge(samples: np.ndarray, first: bool) -> int | None:
    """The first (or last) sample louder than the joins' threshold."""
    block = 1 << 16
    starts = range(0, len(samples), block) if first else range((len(samples) - 1) // block * block, -1, -block)
    for start in starts:
        loud = np.flatnonzero(np.abs(samples[start : start + block]) > 100)
        if loud.size:
            return start + int(loud[0] if first else loud[-1])
    return None
