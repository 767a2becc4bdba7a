"""Limits that hold: as many stops as validation allows build to the end, chapters and all."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from audiotour import ffmpeg, render
from audiotour.audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
from audiotour.cache import SpeechCache
from audiotour.engines import Engine
from audiotour.fsutil import temporary_beside
from audiotour.mp3stitch import decoded_samples, parse
from audiotour.pipeline import BuildOptions, build
from audiotour.render import RenderedSegment, SegmentJob
from audiotour.tags import write_tags
from audiotour.tour import load_tour


def many_stops(folder: Path, count: int) -> Path:
    stops = "".join(
        f"  - title: Arrêt {n}\n    narration: Voici l'arrêt numéro {n}.\n"
        f"    location: {{lat: {43.0 + n / 10000:.4f}, lon: {6.5 + n / 10000:.4f}}}\n"
        for n in range(1, count + 1))
    path = folder / "tour.yml"
    path.write_text(f"title: Une longue promenade\ndescription: Beaucoup d'arrêts.\nlanguage: fr\nstops:\n{stops}",
                    "utf-8")
    return path


@pytest.fixture(scope="module")
def short_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mp3") / "tone.mp3"
    ffmpeg.run(["-f", "lavfi", "-i", f"sine=f=440:d=0.2:r={OUTPUT_SAMPLE_RATE}", "-ac", "1", "-c:a", "libmp3lame",
                "-b:a", f"{BITRATE_KBPS}k", "-id3v2_version", "0", "-write_id3v1", "0", str(path)])
    return path


@pytest.mark.slow
@pytest.mark.parametrize("count", [256, 500])
def test_more_stops_than_one_table_of_contents_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_mp3: Path, count: int) -> None:
    # Speech and encoding are tested elsewhere; here every segment is the same short tone, so that
    # hundreds of them take seconds, and everything after them (episode, chapters, feed, guide) is real.
    samples = decoded_samples([parse(short_mp3.read_bytes())])

    def tone(job: SegmentJob, engine: Engine, cache: SpeechCache) -> RenderedSegment:
        temporary = temporary_beside(job.target)
        shutil.copyfile(short_mp3, temporary)
        write_tags(temporary, job.tags)
        written = temporary.stat()
        spans = tuple((0.0, 0.2) for _ in job.segment.sentences)
        return RenderedSegment(job.fingerprint, job.tags, samples, written.st_size, written.st_mtime_ns, spans, 0,
                               temporary=temporary)

    monkeypatch.setattr(render, "render_segment", tone)
    output = tmp_path / "out"
    report = build(load_tour(many_stops(tmp_path, count)),
                   BuildOptions(output=output, cache_dir=tmp_path / "cache", engine="espeak", jobs=1,
                                base_url="https://example.org/tour/"))
    assert len(report.manifest.segments) == count
    assert report.manifest.segments[-1].file == f"{count - 1:03d}-arret-{count}.mp3"

    tag = ID3(output / "tour.mp3")
    top = [frame for frame in tag.getall("CTOC") if frame.element_id == "toc"]
    assert len(top) == 1 and len(top[0].child_element_ids) == 2
    tables = {frame.element_id: frame for frame in tag.getall("CTOC")}
    listed = [chapter for table in top[0].child_element_ids for chapter in tables[table].child_element_ids]
    chapters = {frame.element_id: frame for frame in tag.getall("CHAP")}
    assert len(listed) == count and set(listed) == set(chapters)
    starts = [chapters[element].start_time for element in listed]
    assert starts == sorted(starts) and len(set(starts)) == count
    assert (output / "feed.xml").is_file() and (output / "index.html").is_file()


# -- coordinates that look wrong ---------------------------------------------------------

def with_stops(folder: Path, *places: tuple[float, float]) -> Path:
    stops = "".join(f"  - title: Lieu {n}\n    narration: Voici le lieu {n}.\n    location: {{lat: {lat}, lon: {lon}}}\n"
                    for n, (lat, lon) in enumerate(places, start=1))
    path = folder / "tour.yml"
    path.write_text(f"title: Essai\ndescription: Des lieux.\nlanguage: fr\nstops:\n{stops}", "utf-8")
    return path


COAST = [(43.1727, 6.5330), (43.2716, 6.6393), (43.2160, 6.6110)]


def test_swapped_coordinates_are_a_located_warning_in_check(tmp_path: Path) -> None:
    from audiotour import api

    path = with_stops(tmp_path, COAST[0], (6.6393, 43.2716), COAST[2])
    text = api.check(path)
    assert (f"  warning: {path}:10: stops[1].location: lat 6.6393 and lon 43.2716 look swapped: this stop is "
            "5,423 km from the tour's other stops, 10 km with them the other way round") in text.splitlines()


def test_a_stop_far_from_the_others_is_a_warning_and_a_build_says_it_first(tmp_path: Path) -> None:
    from audiotour import api, pipeline

    path = with_stops(tmp_path, *COAST, (48.8584, 2.2945))  # the Eiffel Tower, in a tour of the Var coast
    warning = f"{path}:16: stops[3].location: this stop is 711 km from the tour's other stops"
    assert any(line.startswith(f"  warning: {warning}") for line in api.check(path).splitlines())

    said: list[str] = []

    class Recorder:
        def phase(self, label: str, total: int) -> object:
            raise AssertionError("no work before the warning")

        def say(self, message: str) -> None:
            said.append(message)

    class Enough(Exception):
        pass

    def no_engine(*args: object) -> Engine:
        raise Enough

    with pytest.raises(Enough):
        pipeline.build(load_tour(path), BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "cache"),
                       Recorder(), engine_factory=no_engine)  # type: ignore[arg-type]
    assert len(said) == 1 and said[0].startswith(f"Warning: {warning}")


def test_a_tour_on_one_coast_has_no_warning(tmp_path: Path) -> None:
    from audiotour import api

    assert ".location:" not in api.check(with_stops(tmp_path, *COAST))
    assert ".location:" not in api.check(Path(__file__).parent.parent / "tour.yml")
