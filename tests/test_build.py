"""What a user notices about a build: audio that plays, tags a phone shows, a true manifest."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from audiocheck import decode, ebur128, ffmpeg_chapters
from conftest import BuiltTour, build_offline, rebuild_edited

pytestmark = pytest.mark.slow  # each test here builds audio end to end


def test_one_segment_per_part_in_tour_order(built_tour: BuiltTour) -> None:
    files = sorted(p.name for p in built_tour.output.glob("*.mp3"))
    assert files == ["00-intro.mp3", "01-cavalaire.mp3", "02-saint-tropez.mp3", "03-outro.mp3", "tour.mp3"]
    assert [s["file"] for s in built_tour.manifest["segments"]] == files[:-1]


def test_every_mp3_is_mono_44k_cbr_64k(built_tour: BuiltTour) -> None:
    for path in built_tour.output.glob("*.mp3"):
        info = MP3(path).info
        assert (info.channels, info.sample_rate, info.bitrate_mode) == (1, 44100, BitrateMode.CBR), path
        assert round(info.bitrate / 1000) == 64, path


def test_decoded_durations_match_the_manifest(built_tour: BuiltTour) -> None:
    manifest = built_tour.manifest
    for segment in manifest["segments"]:
        samples = decode(built_tour.output / segment["file"])
        assert len(samples) == segment["samples"]
        assert abs(len(samples) / 44100 - segment["duration_s"]) < 0.002
        assert segment["duration_s"] > 1.0
    episode = decode(built_tour.output / "tour.mp3")
    assert abs(len(episode) / 44100 - manifest["episode"]["duration_s"]) < 0.002


def test_segments_are_speech_not_silence(built_tour: BuiltTour) -> None:
    for segment in built_tour.manifest["segments"]:
        samples = decode(built_tour.output / segment["file"])
        for start, end in [(s["start_s"], s["end_s"]) for s in segment["sentences"]]:
            chunk = samples[int(start * 44100): int(end * 44100)]
            assert chunk.std() > 0.01, (segment["file"], start)


def test_episode_is_the_segments_in_order(built_tour: BuiltTour) -> None:
    episode = decode(built_tour.output / "tour.mp3")
    previous_end = 0
    previous_record: dict[str, Any] = {}
    for segment in built_tour.manifest["segments"]:
        alone = decode(built_tour.output / segment["file"])
        start = segment["start_sample"]
        assert abs(start / 44100 - segment["start_s"]) < 0.001
        # The pause between the files is the configured 2 s less the files' own silent edges, which are heard too.
        if previous_end:
            edges = previous_record["trail_s"] + segment["lead_s"]
            assert abs((start - previous_end) / 44100 + edges - 2.0) < 0.05
        previous_end = start + len(alone)
        previous_record = segment
        inside = episode[start: start + len(alone)]
        # The same frames, decoded in place: the waveforms agree to the last sample or so.
        correlation = (inside * alone).sum() / ((inside ** 2).sum() * (alone ** 2).sum()) ** 0.5
        assert correlation > 0.999, segment["file"]


def test_segment_tags_read_back(built_tour: BuiltTour) -> None:
    tags = ID3(built_tour.output / "01-cavalaire.mp3")
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == "Cavalaire-sur-Mer"
    assert str(tags["TALB"]) == "Le Débarquement & « ses » plages"
    assert str(tags["TPE1"]) == "Équipe de test"
    assert str(tags["TRCK"]) == "2/4"
    assert str(tags["TLAN"]) == "fra"
    assert str(tags["TCON"]) == "Speech"
    assert str(tags.getall("COMM")[0]) == "Un court essai, de Cavalaire à Saint-Tropez."
    # mutagen shows v2.3's TYER as TDRC; the file must hold the v2.3 frame itself.
    assert str(tags["TDRC"]).isdigit()
    raw = (built_tour.output / "01-cavalaire.mp3").read_bytes()[: tags.size]
    assert b"TYER" in raw and b"TDRC" not in raw


def test_episode_chapters_match_manifest_and_ffmpeg(built_tour: BuiltTour) -> None:
    manifest = built_tour.manifest
    segments = manifest["segments"]
    tags = ID3(built_tour.output / "tour.mp3")
    toc = tags.getall("CTOC")[0]
    assert toc.child_element_ids == [f"chp{i:03d}" for i in range(len(segments))]
    # In the order they play, as ffmpeg finds them in the file.
    seen = ffmpeg_chapters(built_tour.output / "tour.mp3")
    assert [title for _, _, title in seen] == [s["title"] for s in segments]
    starts = [round(s["start_s"] * 1000) for s in segments]
    assert [start for start, _, _ in seen] == starts
    # Chapters tile the episode: each ends where the next begins, the last at the very end.
    assert [end for _, end, _ in seen] == starts[1:] + [round(manifest["episode"]["duration_s"] * 1000)]


def test_manifest_matches_the_files(built_tour: BuiltTour) -> None:
    manifest = built_tour.manifest
    assert manifest["tour"] == "Le Débarquement & « ses » plages"
    assert manifest["language"] == "fr"
    assert manifest["episode"]["file"] == "tour.mp3"
    for segment in manifest["segments"]:
        path = built_tour.output / segment["file"]
        assert path.stat().st_size == segment["size_bytes"]
        assert segment["engine"] == "espeak" and segment["voice"] == "fr"
        assert len(segment["text_sha256"]) == 64
    assert [s["id"] for s in manifest["segments"]] == ["intro", "cavalaire", "saint-tropez", "outro"]


def test_loudness_on_target(built_tour: BuiltTour) -> None:
    # The spec allows ±1 LU; the build checks each file after encoding and lands much closer.
    for path in sorted(built_tour.output.glob("*.mp3")):
        integrated, peak = ebur128(path)
        assert -16.4 <= integrated <= -15.6, (path.name, integrated)
        assert peak <= -1.0, (path.name, peak)
    for segment in built_tour.manifest["segments"]:
        assert abs(segment["loudness_lufs"] + 16) <= 0.3 and segment["true_peak_dbtp"] <= -1.0


def test_rebuild_with_nothing_changed_writes_nothing(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    def state() -> dict[str, tuple[int, str]]:
        return {str(p.relative_to(output)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
                for p in output.rglob("*") if p.is_file()}

    before = state()
    report = build_offline(built_tour.tour_path, output, built_tour.cache)
    assert report.written == []
    assert report.sentences_synthesized == 0
    assert state() == before


def test_editing_one_stop_redoes_that_stop_only(built_tour: BuiltTour, tmp_path: Path) -> None:
    output, report = rebuild_edited(built_tour, tmp_path, "C'est la fête.", "Les cloches sonnent.")
    assert report.sentences_synthesized == 1
    # Audio-wise only that stop and the stitched episode are redone (its transcripts follow it).
    assert sorted(w for w in report.written if w.endswith((".mp3", ".json")) and "chapters" not in w) == [
        "02-saint-tropez.mp3", "manifest.json", "tour.mp3"]
    synthesized = {s["id"]: s["synthesized"] for s in _manifest(output)}
    assert synthesized == {"intro": False, "cavalaire": False, "saint-tropez": True, "outro": False}


@pytest.mark.slow
def test_a_lost_output_folder_is_rebuilt_identically_from_the_cache(built_tour: BuiltTour, tmp_path: Path) -> None:
    report = build_offline(built_tour.tour_path, tmp_path / "out", built_tour.cache)
    assert report.sentences_synthesized == 0
    for segment in built_tour.manifest["segments"]:
        mine = (tmp_path / "out" / segment["file"]).read_bytes()
        assert hashlib.sha256(mine).digest() == hashlib.sha256((built_tour.output / segment["file"]).read_bytes()).digest()


def test_removed_stop_disappears_from_the_output(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    text = built_tour.tour_path.read_text("utf-8")
    tour = tmp_path / "tour.yml"
    tour.write_text(text[: text.index("  - title: Saint-Tropez")] + text[text.index("outro:"):], "utf-8")
    build_offline(tour, output, built_tour.cache)
    assert sorted(p.name for p in output.glob("*.mp3")) == ["00-intro.mp3", "01-cavalaire.mp3", "02-outro.mp3", "tour.mp3"]
    assert str(ID3(output / "01-cavalaire.mp3")["TRCK"]) == "2/3"


def _manifest(output: Path) -> list[dict[str, object]]:
    import json

    return json.loads((output / "manifest.json").read_text("utf-8"))["segments"]


@pytest.mark.slow
@pytest.mark.parametrize("language,tld", [("en", "com")])
def test_other_languages_build(tmp_path: Path, language: str, tld: str) -> None:
    tour = tmp_path / "tour.yml"
    tour.write_text(
        f"title: 'Quotes \"&\" <angles>'\ndescription: A walk.\nlanguage: {language}\n"
        "stops:\n  - title: The Pier\n    narration: |\n      At 6 p.m. on the 3rd of May, the 1,000th visitor came!\n"
        "      What a day... Wasn't it?\n", "utf-8")
    report = build_offline(tour, tmp_path / "out", tmp_path / "cache")
    segment = report.manifest.segments[0]
    assert segment.voice.startswith("en")
    assert len(decode(tmp_path / "out" / segment.file)) == segment.samples
    assert str(ID3(tmp_path / "out" / "00-the-pier.mp3")["TLAN"]) == "eng"


@pytest.mark.ffprobe
def test_ffprobe_lists_the_same_chapters_where_installed(built_tour: BuiltTour) -> None:
    import json
    import shutil
    import subprocess

    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        pytest.skip("ffprobe is not installed (imageio-ffmpeg ships ffmpeg only)")
    listed = json.loads(subprocess.run(
        [ffprobe, "-v", "error", "-show_chapters", "-of", "json", str(built_tour.output / "tour.mp3")],
        capture_output=True, check=True, text=True).stdout)["chapters"]
    segments = built_tour.manifest["segments"]
    assert [c["tags"]["title"] for c in listed] == [s["title"] for s in segments]
    assert [c["start"] for c in listed] == [round(s["start_s"] * 1000) for s in segments]


def test_a_build_removes_only_what_it_wrote(tmp_path: Path) -> None:
    # Built into a folder that already holds the author's files, some named like ours.
    # (Not the tour's own folder: a build refuses that one, see test_dangerous_folders.py.)
    from PIL import Image

    Image.new("RGB", (64, 64), "navy").save(tmp_path / "02-harbour.jpg")
    output = tmp_path / "site"
    output.mkdir()
    mine = {"99-my-photo.png": b"photo", "05-notes.srt": b"notes", "00-intro.vtt": b"draft", "02-harbour.jpg": b"x"}
    for name, data in mine.items():
        (output / name).write_bytes(data)
    tour = tmp_path / "tour.yml"
    stops = ("  - {title: Port, narration: Le port., image: 02-harbour.jpg}\n"
             "  - {title: Plage, narration: La plage.}\n")
    tour.write_text(f"title: T\ndescription: D\nstops:\n{stops}", "utf-8")
    build_offline(tour, output, tmp_path / ".cache")
    assert (output / "01-plage.mp3").is_file()
    tour.write_text(f"title: T\ndescription: D\nstops:\n{stops.splitlines()[0]}\n", "utf-8")
    build_offline(tour, output, tmp_path / ".cache", force=True)
    assert not (output / "01-plage.mp3").exists() and not (output / "01-plage.vtt").exists()
    for name, data in mine.items():
        assert (output / name).read_bytes() == data, name


def test_renaming_a_stop_keeps_the_chapters_true(built_tour: BuiltTour, tmp_path: Path) -> None:
    output, report = rebuild_edited(built_tour, tmp_path, "    id: cavalaire\n", "    id: plage\n")
    assert report.sentences_synthesized == 0
    manifest = report.manifest
    assert [s.start_sample for s in manifest.segments] == [s["start_sample"] for s in built_tour.manifest["segments"]]
    seen = ffmpeg_chapters(output / "tour.mp3")
    assert [start for start, _, _ in seen] == [round(s.start_s * 1000) for s in manifest.segments]
    assert not (output / "01-cavalaire.mp3").exists() and (output / "01-plage.mp3").is_file()


def test_a_segment_rewritten_behind_the_builds_back_is_redone(built_tour: BuiltTour, tmp_path: Path) -> None:
    # An interrupted build may leave a segment of the very same size but other words in it.
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    segment = output / "02-saint-tropez.mp3"
    original = segment.read_bytes()
    segment.write_bytes(original[:-500] + bytes(500))
    report = build_offline(built_tour.tour_path, output, built_tour.cache)
    assert "02-saint-tropez.mp3" in report.written
    assert segment.read_bytes() == original


def test_an_interrupted_builds_files_are_cleaned_up_next_time(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    (output / "07-gone.mp3").write_bytes(b"half a segment")
    (output / ".audiotour-pending.json").write_text('["07-gone.mp3"]', "utf-8")
    build_offline(built_tour.tour_path, output, built_tour.cache)
    assert not (output / "07-gone.mp3").exists()
    assert not (output / ".audiotour-pending.json").exists()


def test_a_file_audiotour_did_not_write_is_never_replaced(built_tour: BuiltTour, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiotour.cli import cli

    output = tmp_path / "site"
    output.mkdir()
    (output / "index.html").write_text("<h1>our museum</h1>", "utf-8")
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["build", str(built_tour.tour_path), "-o", str(output), "--engine", "espeak", "-q"])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: -o: {output / 'index.html'} is already there and audiotour did not write it; "
                             "move it away, or build into a folder of its own\n")
    assert (output / "index.html").read_text("utf-8") == "<h1>our museum</h1>"
    assert [p.name for p in output.iterdir()] == ["index.html"], "refused before writing anything"
