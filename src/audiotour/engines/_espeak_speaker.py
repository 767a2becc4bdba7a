"""A process that speaks each sentence from eSpeak NG's state as it is right after it starts.

eSpeak NG keeps state from one sentence to the next in static variables that no call resets (its
pitch flutter's phase, for one, and what reading phonemes leaves behind): the same sentence spoken
after different ones comes out different, so a build's audio would depend on how its sentences were
shared between workers. This process loads the library, initialises it, and then never speaks: for
each request it forks a child that selects the voice, sets the rate, speaks the one sentence, hands
the samples back and exits. Every sentence starts from the same state, whatever came before, in any
process, on any number of jobs.

It is started by `espeak._Library` as ``python -I -S <this file> <library> <data>`` (a fresh
interpreter: nothing of the build's own state, threads or imports), standard library only, and
talks over its standard input and output:

    request   voice length (4 bytes), rate (4), text length (4), voice, text (UTF-8)
    answer    status (1 byte: 0 spoken, 1 no such voice, 2 eSpeak NG failed, 3 the child died),
              length (8), samples (16-bit, little-endian, mono)

The child hands its samples over as eSpeak NG makes them, then their length; nothing makes a copy of
a sentence's samples on the way (half an hour of them is 80 MB).

The first answer, before any request, is the sample rate (status 0, eight bytes of it, no samples).
It dies with the process that started it, and ignores Ctrl-C: that one answers it and stops this.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import BinaryIO, NoReturn

SPOKEN, NO_VOICE, FAILED, CHILD_DIED = 0, 1, 2, 3
# libespeak-ng's C interface, as both this process and the build's own (`espeak._Library`) use it.
AUDIO_OUTPUT_SYNCHRONOUS = 2
CHARS_UTF8 = 1
PHONEMES = 0x100
"""espeak_Synth flag: ``[[...]]`` in the text is phoneme input."""
RATE = 1
EE_OK = 0
SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_PR_SET_PDEATHSIG = 1


def declare(lib: ctypes.CDLL) -> None:
    """The types of the calls that speak: ctypes would guess them wrong (a size_t, a pointer)."""
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
        ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]


def main(library: str, data: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before that
        return
    lib = ctypes.CDLL(library)
    declare(lib)
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode() or None, 0)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    _answer(answers, SPOKEN if rate > 0 else FAILED, max(rate, 0).to_bytes(8, "little"))
    if rate <= 0:
        return
    while True:
        header = requests.read(12)
        if len(header) < 12:
            return  # the build is done with us
        voice_length, words_per_minute, text_length = (int.from_bytes(header[i:i + 4], "little")
                                                       for i in (0, 4, 8))
        voice, text = requests.read(voice_length), requests.read(text_length)
        if len(voice) < voice_length or len(text) < text_length:
            return
        status, pcm = _speak_in_child(lib, voice, words_per_minute, text)
        _answer(answers, status, pcm)
        pcm.release()
        del pcm
        _give_back_freed_memory()


def _answer(answers: BinaryIO, status: int, payload: bytes | memoryview) -> None:
    answers.write(bytes([status]) + len(payload).to_bytes(8, "little"))
    answers.write(payload)
    answers.flush()


def _speak_in_child(lib: ctypes.CDLL, voice: bytes, words_per_minute: int, text: bytes) -> tuple[int, memoryview]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(lib, voice, words_per_minute, text, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = memoryview(pipe.read())
    _, wait_status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    if code in (NO_VOICE, FAILED):
        return code, memoryview(b"")
    # The samples, then their length: a child cut short leaves a length that does not match.
    if code != 0 or len(data) < 8 or int.from_bytes(data[-8:], "little") != len(data) - 8 or len(data) % 2:
        return CHILD_DIED, memoryview(b"")
    return SPOKEN, data[:-8]


def _child(lib: ctypes.CDLL, voice: bytes, words_per_minute: int, text: bytes, write_end: int) -> NoReturn:
    """Speak one sentence into the pipe, then vanish (no cleanup of the server's may run here)."""
    status = FAILED
    try:
        _die_with_parent()
        status = _speak(lib, voice, words_per_minute, text, write_end)
    finally:
        os._exit(status)


def _speak(lib: ctypes.CDLL, voice: bytes, words_per_minute: int, text: bytes, write_end: int) -> int:
    written = 0

    def collect(wav: ctypes._Pointer, count: int, events: int) -> int:  # type: ignore[type-arg]
        nonlocal written
        try:
            if count > 0:
                _write(write_end, ctypes.string_at(wav, count * 2))
                written += count * 2
            return 0
        except BaseException:
            os._exit(FAILED)  # nothing may escape a ctypes callback; the server sees a failure

    callback = SYNTH_CALLBACK(collect)
    lib.espeak_SetSynthCallback(callback)
    if lib.espeak_SetVoiceByName(voice) != EE_OK:
        return NO_VOICE
    lib.espeak_SetParameter(RATE, words_per_minute, 0)
    data = text + b"\0"
    if lib.espeak_Synth(data, len(data), 0, 0, 0, CHARS_UTF8 | PHONEMES, None, None) != EE_OK:
        return FAILED
    _write(write_end, written.to_bytes(8, "little"))
    return SPOKEN


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _give_back_freed_memory() -> None:
    """glibc keeps freed memory for later: a long sentence's would stay counted for the whole build."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies, however it dies (even kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
    except BaseException:  # the build went away (a broken pipe), or stopped us: it reports, not we
        os._exit(1)
