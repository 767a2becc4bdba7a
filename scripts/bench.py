"""Benchmark: cold, warm and one-stop-edited builds of a tour, against the floor.

The floor is the least any tool can do for the same tour: synthesise each
part's spoken text, in each of the tour's languages, with the eSpeak NG
command line and encode it once with ffmpeg, at the same format as ours, one
part after another on one core. Each
run alternates floor and builds so that both see the same machine state; the
table reports medians. Peak memory is the largest sum of proportional memory (PSS:
shared pages split between the processes sharing them) over the build's
whole process tree, workers and ffmpeg included.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from audiotour.audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
from audiotour.engines import VoiceRequest
from audiotour.engines.espeak import EspeakEngine
from audiotour.ffmpeg import ffmpeg_path
from audiotour.segments import make_segments
from audiotour.tour import MAX_TEXT_CHARS, load_tour, sound_files

ROOT = Path(__file__).resolve().parent.parent
FLOOR_WPM = EspeakEngine(VoiceRequest("fr", rate=147)).words_per_minute
"""The eSpeak NG setting audiotour starts from for the shipped tour's pace: the floor speaks at it too."""
AUDIOTOUR = [str(ROOT / ".venv" / "bin" / "audiotour")]

TARGETS = {"cold / floor": 1.5, "warm (s)": 1.0, "edit / cold": 0.35, "peak memory (MB)": 300,
           "peak memory at the narration limit (MB)": 300}


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MB of the process tree."""
    peak = 0.0
    started = time.perf_counter()
    process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(_memory(p) for p in tree) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"command failed: {' '.join(command)}\n{stderr.decode()}")
    return elapsed, peak


def _memory(process: psutil.Process) -> int:
    """Proportional set size where the system reports it: forked workers share the parent's
    pages, and resident size would count those once per process."""
    try:
        info = process.memory_full_info()
        return getattr(info, "pss", info.rss)
    except psutil.Error:
        return 0


def narration_limit_tour(tour: Path, work: Path) -> Path:
    """A tour of one stop whose narration is as long as a tour may have it (about half an hour of speech): the
    shipped tour's stops, paragraph after paragraph, again and again, with its music opening and closing the
    stop and looping under it as an ambience (every step of the sound under the voice at full length)."""
    loaded = load_tour(tour)
    paragraphs = [p.strip() for stop in loaded.tour.stops for p in stop.narration.split("\n\n") if p.strip()]
    text, index = "", 0
    while len(text) + 2 + len(paragraphs[index % len(paragraphs)]) <= MAX_TEXT_CHARS:
        text += ("\n\n" if text else "") + paragraphs[index % len(paragraphs)]
        index += 1
    music = loaded.resolve(loaded.tour.audio.music) if loaded.tour.audio.music else None
    sound = ""
    if music is not None:
        (work / "sounds").mkdir(exist_ok=True)
        shutil.copyfile(music, work / "sounds" / music.name)
        sound = f"    music: sounds/{music.name}\n    ambience: sounds/{music.name}\n"
    body = "\n".join("      " + line if line else "" for line in text.split("\n"))
    path = work / "narration-limit.yml"
    path.write_text(f"title: Au plus long\ndescription: Une seule étape, aussi longue qu'une étape peut l'être.\n"
                    f"language: {loaded.tour.language}\nstops:\n  - title: Tout d'un trait\n"
                    f"{sound}    narration: |\n{body}\n", "utf-8")
    return path


def copy_named_files(tour: Path, folder: Path) -> None:
    """Copy into ``folder`` the files the tour names (translations, sounds, pictures) at the same relative
    paths, for a variant of the tour written there to find them."""
    loaded = load_tour(tour)
    named = [*loaded.tour.translations, *(name for _, name in sound_files(loaded.tour)),
             *([loaded.tour.cover] if loaded.tour.cover else []), *(s.image for s in loaded.tour.stops if s.image)]
    for name in named:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(loaded.resolve(name), folder / name)


def floor_commands(tour: Path, work: Path) -> list[list[str]]:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("the floor needs the espeak-ng command (Debian: apt-get install espeak-ng)")
    commands = []
    loaded = load_tour(tour)
    # Every language the build speaks, each in its own voice: the floor does the same work.
    editions = [loaded.tour, *(t.tour for t in loaded.translations.values())]
    for edition in editions:
        voice = edition.language.lower()
        for part in make_segments(edition):
            stem = f"{voice}-{part.index:02d}"
            text = work / f"{stem}.txt"
            text.write_text(part.spoken_text, "utf-8")
            wav, mp3 = work / f"{stem}.wav", work / f"{stem}.mp3"
            commands.append([espeak, "-v", voice, "-s", str(FLOOR_WPM), "-w", str(wav), "-f", str(text)])
            commands.append([ffmpeg_path(), "-v", "error", "-y", "-i", str(wav), "-ar", str(OUTPUT_SAMPLE_RATE),
                             "-ac", "1", "-c:a", "libmp3lame", "-b:a", f"{BITRATE_KBPS}k", str(mp3)])
    return commands


def time_floor(commands: list[list[str]]) -> float:
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def gtts_concurrency(tour: Path, work: Path, latency_s: float) -> tuple[float, float]:
    """Cold builds against a fake Google endpoint answering after ``latency_s``: one request at a
    time, then as audiotour runs them (four in flight). Returns both wall times."""
    import base64
    import json

    import responses

    from audiotour.pipeline import BuildOptions, build

    tone = subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=1:r=24000",
                           "-b:a", "32k", "-f", "mp3", "-"], capture_output=True, check=True).stdout
    envelope = [["wrb.fr", "jQ1olc", json.dumps([base64.b64encode(tone).decode()]), None, None, None, "generic"]]
    body = ")]}'\n\n" + json.dumps(envelope, separators=(",", ":")) + "\n"

    def answer(request: object) -> tuple[int, dict[str, str], str]:
        time.sleep(latency_s)
        return 200, {}, body

    times = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.head("https://translate.google.fr/", status=200)
        mock.add_callback(responses.POST, "https://translate.google.fr/_/TranslateWebserverUi/data/batchexecute",
                          callback=answer)
        for jobs in (1, None):
            started = time.perf_counter()
            build(load_tour(tour), BuildOptions(output=work / f"gtts-out-{jobs}", cache_dir=work / f"gtts-{jobs}",
                                                engine="gtts", jobs=jobs))
            times.append(time.perf_counter() - started)
    return times[0], times[1]


def fresh_state_cost(tour: Path, count: int = 80) -> tuple[float, float]:
    """Milliseconds a sentence with eSpeak NG: spoken in a child forked for it (what builds do, for the
    same bytes whatever came before) and in place (the library's state carried over). In one process,
    alternating, over the tour's first ``count`` sentences."""
    from audiotour.engines import VoiceRequest, espeak

    loaded = load_tour(tour).tour
    engine = espeak.EspeakEngine(VoiceRequest(language=loaded.language, slow=loaded.voice.slow))
    texts = [s.spoken for part in make_segments(loaded) for s in part.sentences][:count]
    spent = {True: 0.0, False: 0.0}
    for _ in range(2):
        for fresh in (True, False):
            espeak.FRESH_STATE_PER_SENTENCE = fresh
            started = time.perf_counter()
            for text in texts:
                engine.synthesize(text)
            spent[fresh] += time.perf_counter() - started
    espeak.FRESH_STATE_PER_SENTENCE = True
    return spent[True] * 1000 / (2 * len(texts)), spent[False] * 1000 / (2 * len(texts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tour", type=Path, default=ROOT / "tour.yml")
    args = parser.parse_args()
    tour = args.tour.resolve()
    results: dict[str, list[float]] = {k: [] for k in ("floor", "cold", "warm", "edit", "peak", "longest")}
    with tempfile.TemporaryDirectory(prefix="audiotour-bench-") as scratch:
        work = Path(scratch)
        commands = floor_commands(tour, work)
        (work / "edited").mkdir()
        copy_named_files(tour, work / "edited")
        edited = work / "edited" / tour.name
        text = tour.read_text("utf-8")
        marker = "narration: |\n"
        at = text.index(marker, text.index("stops:")) + len(marker)
        indent = text[at:].split("\n", 1)[0]
        indent = indent[: len(indent) - len(indent.lstrip())]
        edited.write_text(text[:at] + f"{indent}Une phrase ajoutée pour le banc d'essai.\n\n" + text[at:], "utf-8")
        longest = narration_limit_tour(tour, work)
        for run in range(args.runs):
            results["floor"].append(time_floor(commands))
            env = {**os.environ, "AUDIOTOUR_CACHE": str(work / f"cache{run}")}
            out = work / f"out{run}"
            build = [*AUDIOTOUR, "build", "--engine", "espeak", "-q", "-o", str(out)]
            cold, peak = run_measured([*build, str(tour)], env)
            before = snapshot(out)
            warm, _ = run_measured([*build, str(tour)], env)
            if snapshot(out) != before:
                sys.exit("a warm rebuild wrote files; it must write nothing")
            edit, _ = run_measured([*build, str(edited)], env)
            env["AUDIOTOUR_CACHE"] = str(work / f"longest-cache{run}")
            longest_s, longest_peak = run_measured(
                [*AUDIOTOUR, "build", "--engine", "espeak", "-q", "-o", str(work / f"longest{run}"), str(longest)], env)
            for key, value in (("cold", cold), ("warm", warm), ("edit", edit), ("peak", peak),
                               ("longest", longest_peak)):
                results[key].append(value)
            print(f"run {run + 1}: floor {results['floor'][-1]:.2f} s, cold {cold:.2f} s, warm {warm:.2f} s, "
                  f"edit {edit:.2f} s, peak {peak:.0f} MB; narration limit {longest_s:.1f} s, "
                  f"peak {longest_peak:.0f} MB", file=sys.stderr)
        one_at_a_time, concurrent = gtts_concurrency(tour, work, latency_s=0.05)
        forked, in_place = fresh_state_cost(tour)
    median = {k: statistics.median(v) for k, v in results.items()}
    measures = {
        "cold / floor": median["cold"] / median["floor"],
        "warm (s)": median["warm"],
        "edit / cold": median["edit"] / median["cold"],
        "peak memory (MB)": median["peak"],
        "peak memory at the narration limit (MB)": median["longest"],
    }
    cpu = platform.processor() or platform.machine()
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}; "
          f"{args.runs} runs, medians; tour: {tour.name}")
    print(f"floor {median['floor']:.2f} s | cold {median['cold']:.2f} s | warm {median['warm']:.2f} s | "
          f"one stop edited {median['edit']:.2f} s")
    print(f"gTTS against a fake endpoint answering in 50 ms: one request at a time {one_at_a_time:.2f} s, "
          f"four in flight {concurrent:.2f} s ({one_at_a_time / concurrent:.1f}x)")
    print(f"eSpeak NG, each sentence from a fresh state (forked): {forked:.1f} ms a sentence, against "
          f"{in_place:.1f} ms in place (+{forked - in_place:.1f} ms)")
    print()
    print("| measure | result | target | |")
    print("| --- | --- | --- | --- |")
    for name, value in measures.items():
        target = TARGETS[name]
        print(f"| {name} | {value:.2f} | ≤ {target:g} | {'ok' if value <= target else 'MISSED'} |")


if __name__ == "__main__":
    main()
