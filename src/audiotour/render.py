"""Rendering one segment: cached speech per sentence, assembly, loudness, MP3, tags.

Segments are independent, so `SegmentRenderer` runs them concurrently: in
worker processes for an offline engine (synthesis and DSP are CPU-bound and
libespeak-ng holds global state), in a few threads for an online one (the
time goes in waiting on the network). With one job, the very same function
runs in the calling process, lazily, which is what tests exercise.

This module stays light to import (no numpy): a rebuild with nothing to
render never pays for the audio stack.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Protocol

from .audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE, output_samples, whole_blocks
from .cache import SpeechCache
from .engines import Engine, Speech, VoiceRequest
from .errors import WorldError, check_stop
from .fsutil import atomic_path, temporary_beside, write_failure_reason
from .segments import Segment
from .tags import TrackTags, write_tags

ONLINE_CONCURRENCY = 4
"""Requests in flight to an online engine: enough to hide latency, few enough to stay polite."""
LOUDNESS_TOLERANCE_LU = 0.3
"""How far a file may land from the target before it is encoded again (the spec allows 1)."""
PEAK_LIMIT_DBTP = -1.0
PACE_TOLERANCE = 0.035
"""How far the speech of a segment may last from what its pace asks before the engine is set again."""


def encode_pause(seconds: float, rate: int, cache_dir: Path) -> bytes:
    """The MP3 frames of ``seconds`` of silence, put between segments in the episode."""
    from . import ffmpeg

    silence = bytes(2 * whole_blocks(seconds, rate))
    path = cache_dir / "pauses" / f"{rate}-{BITRATE_KBPS}-{len(silence)}.mp3"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        ffmpeg.encode_mp3([silence], temporary, sample_rate=rate, output_rate=OUTPUT_SAMPLE_RATE,
                          bitrate_kbps=BITRATE_KBPS)
        data = temporary.read_bytes()
    return data


@dataclass(frozen=True)
class SoundFile:
    """A sound from the tour's folder to lay under a segment (see `audio.Bed`)."""

    path: Path
    kind: str
    level_db: float


@dataclass(frozen=True)
class SegmentJob:
    segment: Segment
    fingerprint: str
    tags: TrackTags
    target: Path
    loudness: float
    sentence_pause_s: float
    paragraph_pause_s: float
    pace_wpm: int | None = None
    """Words a minute the listener should hear, pauses included: an engine that `accepts_rate` is set to it,
    another's speech is time-stretched to it. None: the engine's own pace."""
    sounds: tuple[SoundFile, ...] = ()
    ducking: tuple[float, float, float, float] = (14.0, 0.25, 0.8, 0.6)
    """Depth (dB), attack, release and hold (s) of the sounds under the voice."""


@dataclass(frozen=True)
class RenderedSegment:
    fingerprint: str
    tags: TrackTags
    output_samples: int
    size_bytes: int
    mtime_ns: int
    sentence_spans: tuple[tuple[float, float], ...]
    sentences_synthesized: int
    loudness_lufs: float | None = None
    """As measured on the encoded file."""
    true_peak_dbtp: float | None = None
    words_per_minute: float | None = None
    """Words heard a minute, from the first word to the last, pauses included."""
    lead_s: float = 0.0
    """Silence at the start of the file, before any sound."""
    trail_s: float = 0.0
    """Silence at the end of the file, after the last sound."""
    warnings: tuple[str, ...] = ()
    """Damaged cache entries a worker process found (and synthesised again): for the build to say."""
    temporary: Path | None = None
    """The finished file, beside the target: the build journals it and renames it into place."""


def render_segment(job: SegmentJob, engine: Engine, cache: SpeechCache) -> RenderedSegment:
    from . import audio, ffmpeg, mp3stitch

    synthesized = 0
    rate = engine.sample_rate
    words = sum(len(s.written.split()) for s in job.segment.sentences)
    counts = [len(p) for p in job.segment.paragraphs]
    pauses_s = _pauses_s(counts, job.sentence_pause_s, job.paragraph_pause_s)

    def speak(voice: Engine) -> list[list[Speech]]:
        nonlocal synthesized
        spoken = []
        for paragraph in job.segment.paragraphs:
            speeches = []
            for sentence in paragraph:
                check_stop()
                key = SpeechCache.key(voice.cache_identity, sentence.spoken)
                speech = cache.get(key)
                if speech is None:
                    speech = voice.synthesize(sentence.spoken)
                    # Cached at once: an interrupted build resumes from here.
                    cache.put(key, speech)
                    synthesized += 1
                speeches.append(speech)
            spoken.append(speeches)
        return spoken

    wanted_s = words * 60 / job.pace_wpm - pauses_s if job.pace_wpm else 0.0
    if wanted_s > 0 and type(engine).accepts_rate:
        # The engine's pace setting, from the segment's words and pauses; set once more from what it measured
        # when the text (long words, many commas) made it miss by more than PACE_TOLERANCE.
        asked = words * 60 / wanted_s
        spoken = speak(engine.at_speaking_rate(asked))
        measured_s = sum(audio.speech_seconds(x) for speeches in spoken for x in speeches)
        if measured_s > 0 and abs(measured_s / wanted_s - 1) > PACE_TOLERANCE:
            spoken = []  # the first try's audio goes before the second is spoken, not after
            spoken = speak(engine.at_speaking_rate(asked * measured_s / wanted_s))
    else:
        spoken = speak(engine)
    if job.pace_wpm and not type(engine).accepts_rate:
        tempo = pace_tempo(spoken, words, job.pace_wpm, pauses_s)
        for speeches in spoken:
            for index, speech in enumerate(speeches):
                speeches[index] = audio.stretch(speech, tempo)
    with ExitStack() as decoded:
        # Sounds are decoded to temporary files, read a block at a time: an hour of ambience takes no memory.
        beds = [audio.Bed(decoded.enter_context(audio.decode_sound(s.path, rate)), s.kind, s.level_db)
                for s in job.sounds]
        # The segment is held once: each sentence's audio goes as it is placed, the mix is made in place.
        track = audio.assemble(spoken, audio.Pauses(job.sentence_pause_s, job.paragraph_pause_s), rate, beds=beds,
                               release=True)
        if beds:
            track, _ = audio.mix_beds(track, beds, audio.Ducking(*job.ducking))
    spans = track.spans
    lead_s, trail_s = audio.silent_edges(track.samples, rate)
    heard_s = spans[-1][1] - spans[0][0] if spans else 0.0
    words_per_minute = round(words * 60 / heard_s, 1) if heard_s > 0 else None
    # MP3 encoding itself takes some loudness away (about half a unit for eSpeak NG at 64 kbit/s):
    # aim that much higher, check the file as a player will decode it, and encode once more if it
    # still misses. Everything here depends on the segment alone, so the same inputs give the same file.
    offset, ceiling = engine.codec_loss_lu, audio.TRUE_PEAK_CEILING_DBTP
    # Left beside the target, not renamed: the build journals it first (`OutputFolder.put`).
    temporary = temporary_beside(job.target)
    try:
        for attempt in range(2):
            gained = audio.normalize_loudness(track.samples, rate, job.loudness + offset, ceiling)
            ffmpeg.encode_mp3(gained.pcm(), temporary, sample_rate=rate, output_rate=OUTPUT_SAMPLE_RATE,
                              bitrate_kbps=BITRATE_KBPS)
            heard, peak = audio.measure_file(temporary, rate)
            if heard is None or attempt or (
                    abs(heard - job.loudness) <= LOUDNESS_TOLERANCE_LU and peak <= PEAK_LIMIT_DBTP):
                break
            offset += job.loudness - heard
            if peak > PEAK_LIMIT_DBTP:
                ceiling -= peak - PEAK_LIMIT_DBTP + 0.2
        # What a player will play is what the file's own header says, read back rather than computed: under
        # load, ffmpeg's resampler fed through a pipe has been seen to add a few samples to the 2 × PCM.
        samples = mp3stitch.decoded_samples([mp3stitch.parse(temporary.read_bytes())])
        if abs(samples - output_samples(gained.length, rate)) > OUTPUT_SAMPLE_RATE // 100:
            raise WorldError(f"ffmpeg encoded {samples} samples for {output_samples(gained.length, rate)}")
        write_tags(temporary, job.tags)
        os.chmod(temporary, 0o644)
        # The rename keeps size and time: what the build records to know the file again.
        written = temporary.stat()
    except Exception as exc:
        # ffmpeg says "Invalid argument" of a full disk, mutagen wraps it: name the cause before the
        # space this attempt took is given back.
        honest = write_failure_reason(job.target.parent, exc)
        temporary.unlink(missing_ok=True)
        if honest is not None:
            raise WorldError(f"cannot write {job.target}: {honest}") from None
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return RenderedSegment(job.fingerprint, job.tags, samples, written.st_size,
                           written.st_mtime_ns, tuple(spans), synthesized, heard, peak,
                           words_per_minute, round(lead_s, 4), round(trail_s, 4), temporary=temporary)


def _pauses_s(sentences: Sequence[int], sentence_pause_s: float, paragraph_pause_s: float) -> float:
    """The pauses between the first word and the last of paragraphs of these many sentences."""
    counts = [n for n in sentences if n]
    return sum(n - 1 for n in counts) * sentence_pause_s + max(0, len(counts) - 1) * paragraph_pause_s


def pace_tempo(spoken: Sequence[Sequence[Speech]], words: int, target_wpm: int, pauses_s: float) -> float:
    """How much faster (above 1) or slower the speech must go for ``words`` to be heard at ``target_wpm``,
    pauses included: the pauses stay as set, only the speech is stretched."""
    from . import audio

    speech_s = sum(audio.speech_seconds(s) for speeches in spoken for s in speeches)
    wanted_speech_s = words * 60 / target_wpm - pauses_s
    if speech_s <= 0 or wanted_speech_s <= 0:
        return 1.0
    # Beyond these a stretch is heard as such.
    return max(0.7, min(1.4, speech_s / wanted_speech_s))


class _Result(Protocol):
    def result(self) -> RenderedSegment: ...


class _Deferred:
    """Renders on first `result()`: in order, in this process, one segment in memory at a time."""

    def __init__(self, job: SegmentJob, engine: Engine, cache: SpeechCache) -> None:
        self._job, self._engine, self._cache = job, engine, cache
        self._value: RenderedSegment | None = None

    def result(self) -> RenderedSegment:
        if self._value is None:
            self._value = render_segment(self._job, self._engine, self._cache)
        return self._value


_worker: tuple[Engine, SpeechCache] | None = None
_worker_warnings: list[str] = []
"""What a worker's cache found damaged, sent back with the segment for the build to say."""
_rendering = False
WORKER_STOP_S = 1.0
"""How long a worker asked to stop (SIGTERM) may take to clean up before it is killed."""


class _Stop(BaseException):
    """Raised in a worker asked to stop while it renders: unwinds it (temporary files removed)."""


def _start_worker(engine_type: type[Engine], voice: VoiceRequest, cache_dir: Path, parent: int) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the parent alone answers it and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # held by the parent while it forked us
    # However the parent ends (even kill -9), its workers end with it: none left asleep on a pipe.
    _die_with_parent(parent)
    _worker = (engine_type(voice), SpeechCache(cache_dir, on_warning=_worker_warnings.append))


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _signals_held() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_worker(signum: int, frame: object) -> None:
    if _rendering:
        raise _Stop
    os._exit(128 + signum)


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
        if os.getppid() != parent:  # the parent died before that
            os._exit(128 + signal.SIGTERM)


def _render_in_worker(job: SegmentJob) -> RenderedSegment:
    global _rendering
    assert _worker is not None
    try:
        _rendering = True
        rendered = render_segment(job, *_worker)
    except _Stop:
        os._exit(128 + signal.SIGTERM)  # unwound: whatever this segment had begun is cleaned up
    finally:
        _rendering = False
    warnings = tuple(_worker_warnings)
    _worker_warnings.clear()
    return replace(rendered, warnings=warnings)


class SegmentRenderer:
    def __init__(self, engine: Engine, cache_dir: Path, jobs: int | None,
                 say: Callable[[str], None] | None = None) -> None:
        """``say`` hears of damaged cache entries (found in this process or in a worker)."""
        self.engine = engine
        self.cache = SpeechCache(cache_dir, on_warning=say)
        self.cache_dir = cache_dir
        self.jobs = jobs or os.cpu_count() or 1
        if not engine.offline and jobs is None:
            self.jobs = ONLINE_CONCURRENCY
        self._executor: Executor | None = None

    def submit(self, job: SegmentJob) -> _Result:
        if self.jobs == 1:
            return _Deferred(job, self.engine, self.cache)
        future: Future[RenderedSegment]
        if self._executor is None:
            self._executor = self._make_executor()
        if isinstance(self._executor, ProcessPoolExecutor):
            # The first submit forks the workers: a signal then would be handled inside the fork hooks
            # of some library, where Python swallows the exception. Held, it arrives just after.
            with _signals_held():
                future = self._executor.submit(_render_in_worker, job)
        else:
            future = self._executor.submit(render_segment, job, self.engine, self.cache)
        return future

    def _make_executor(self) -> Executor:
        if not self.engine.offline:
            # Waiting on the network, not the CPU: the bound is politeness, not cores.
            return ThreadPoolExecutor(max_workers=min(self.jobs, ONLINE_CONCURRENCY))
        # fork is cheap and safe here (no threads run yet); workers inherit the audio
        # stack imported once here instead of each importing it. Elsewhere, spawn.
        method = "fork" if sys.platform == "linux" else "spawn"
        from . import audio  # noqa: F401
        return ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=multiprocessing.get_context(method),
            initializer=_start_worker, initargs=(type(self.engine), self.engine.voice, self.cache_dir, os.getpid()),
        )

    def __enter__(self) -> SegmentRenderer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        executor, self._executor = self._executor, None
        if error is not None:
            # Interrupted (Ctrl-C, SIGTERM) or failed: stop now, not after the segments in flight.
            self.engine.cancel()
        if executor is None:
            return
        if error is None:
            executor.shutdown(wait=True)
        elif isinstance(executor, ProcessPoolExecutor):
            _stop_processes(executor)
        else:
            # Threads cannot be killed: the engine's cancel() makes each one's wait end soon.
            executor.shutdown(wait=True, cancel_futures=True)


def _stop_processes(executor: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now: asked (SIGTERM, they clean up), then killed if they linger."""
    # No public way to reach them before Python 3.14 (terminate_workers).
    workers = list((executor._processes or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    deadline = time.monotonic() + WORKER_STOP_S
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.kill()
            worker.join(1.0)
