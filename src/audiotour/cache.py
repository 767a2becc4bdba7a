"""Content-addressed store of synthesised speech.

A sentence's audio is found by the hash of the engine's identity (engine,
version, voice, speed) and the exact text it was given, so a rebuild asks an
engine only for what is new. Entries are WAV files (they carry their sample
rate, and a curious user can listen to them), written atomically as soon as
each sentence is done so an interrupted build loses nothing.
"""
from __future__ import annotations

import hashlib
import io
import os
import wave
from pathlib import Path

import platformdirs

from .engines import Speech
from .fsutil import atomic_write_bytes


def default_cache_dir() -> Path:
    explicit = os.environ.get("AUDIOTOUR_CACHE")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_cache_dir("audiotour", appauthor=False))


class SpeechCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def key(engine_identity: str, text: str) -> str:
        digest = hashlib.sha256()
        digest.update(engine_identity.encode("utf-8"))
        digest.update(b"\0")
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / "speech" / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Speech | None:
        path = self._path(key)
        try:
            with wave.open(str(path), "rb") as reader:
                if reader.getnchannels() != 1 or reader.getsampwidth() != 2:
                    return None
                return Speech(pcm=reader.readframes(reader.getnframes()), sample_rate=reader.getframerate())
        except (FileNotFoundError, EOFError, wave.Error):
            return None

    def put(self, key: str, speech: Speech) -> None:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(speech.sample_rate)
            writer.writeframes(speech.pcm)
        atomic_write_bytes(self._path(key), buffer.getvalue(), durable=False)
