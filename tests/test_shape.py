"""The shape the next features fit into: language packs, the engine registry, the library face."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mutagen.id3 import ID3

import audiotour
from audiotour import lang
from audiotour.engines import _REGISTRY as ENGINES
from audiotour.engines import Engine, Speech, VoiceRequest, engine_names, register
from audiotour.errors import ExitStatus, Remedy, TourError, UsageError
from audiotour.segments import make_segments
from audiotour.tour import Tour
from conftest import DATA

TOY = Path(__file__).parent / "toy_language.py"


@pytest.fixture
def esperanto() -> Iterator[lang.LanguagePack]:
    import toy_language

    lang.languages()  # the shipped packs, found before this test adds one
    saved = dict(lang._PACKS)
    lang.register(toy_language.PACK)
    yield toy_language.PACK
    lang._PACKS.clear()
    lang._PACKS.update(saved)


@pytest.mark.slow
def test_a_third_language_is_one_module(esperanto: lang.LanguagePack, tmp_path: Path) -> None:
    assert lang.normalize("S-ro. Zamenhof naskiĝis en 1859, je 15 horoj.", "eo") == \
        "sinjoro Zamenhof naskiĝis en 1859, je dek kvin horoj."
    assert lang.split_sentences("Ni vidis S-ro. Kovalski. Poste ni iris.", "eo") == [
        "Ni vidis S-ro. Kovalski.", "Poste ni iris."]
    tour = tmp_path / "tour.yml"
    tour.write_text("title: La haveno\ndescription: Promeno.\nlanguage: eo\nstops:\n"
                    "  - title: La moleo\n    narration: Ĉi tie alvenis 125 ŝipoj.\n", "utf-8")
    [segment] = audiotour.script(tour)
    assert segment.spoken_text == "La moleo\n\nĈi tie alvenis cent dudek kvin ŝipoj."
    report = audiotour.build(tour, tmp_path / "out", engine="espeak", cache_dir=tmp_path / "cache")
    assert report.manifest.language == "eo"
    assert str(ID3(tmp_path / "out" / report.manifest.segments[0].file)["TLAN"]) == "epo"


def test_the_toy_language_is_the_only_file_it_takes() -> None:
    # Nothing outside its own module names the toy language: the pack carries everything.
    source = Path(audiotour.__file__).parent
    assert not [p for p in source.rglob("*.py") if "la tuta vizito" in p.read_text("utf-8")]
    assert "eo" not in lang.languages()


def test_a_language_without_a_pack_still_speaks_its_numbers() -> None:
    assert lang.normalize("Am 15. August kamen 250 000 Menschen.", "de") == \
        "Am 15. August kamen zweihundertfünfzigtausend Menschen."
    assert lang.pack_for("de").ordinal_period


@pytest.mark.parametrize("language,abbreviation", [
    *(("fr", a) for a in ("Mgr.", "M.", "Mme.", "Dr.", "Gal.", "Cdt.", "Cne.", "Lt.", "St.", "av.")),
    *(("en", a) for a in ("Mr.", "Mrs.", "Dr.", "Gen.", "Capt.", "Lt.", "St.", "Prof.")),
])
def test_the_splitter_and_the_normaliser_agree_on_abbreviations(language: str, abbreviation: str) -> None:
    # An abbreviation the normaliser expands never ends a sentence for the splitter: one pack says both.
    paragraph = f"Puis {abbreviation} Dupont arrive. La suite vient."
    sentences = lang.split_sentences(paragraph, language)
    assert sentences == [f"Puis {abbreviation} Dupont arrive.", "La suite vient."]
    assert abbreviation not in lang.normalize(sentences[0], language)


def test_segments_carry_everything_later_stages_read() -> None:
    tour = Tour.model_validate({
        "title": "T", "description": "D", "intro": {"title": "Bonjour", "narration": "Un.\n\nDeux. Trois."},
        "stops": [{"title": "Port", "narration": "Ici.", "location": {"lat": 43.2, "lon": 6.6},
                   "links": [{"title": "L", "url": "https://example.org/"}]}]})
    intro, port = make_segments(tour)
    assert (intro.kind, intro.number, intro.stem, intro.narration) == ("intro", 1, "00-intro", ("Un.", "Deux. Trois."))
    assert [[s.written for s in p] for p in intro.paragraphs] == [["Bonjour"], ["Un."], ["Deux.", "Trois."]]
    assert (port.kind, port.filename, port.stop_index, port.link) == ("stop", "01-port.mp3", 0, "https://example.org/")
    assert port.location is not None and port.location.lat == 43.2


def test_numbers_in_names_are_padded_to_the_tour_size() -> None:
    stops = [{"title": f"Arrêt {n}", "narration": "Ici."} for n in range(120)]
    segments = make_segments(Tour.model_validate({"title": "T", "description": "D", "stops": stops}))
    assert [s.stem for s in segments[:2]] == ["000-arret-0", "001-arret-1"]
    assert sorted(s.filename for s in segments) == [s.filename for s in segments]


class _Whisper(Engine):
    name = "whisper"
    offline = True
    preference = -1
    accepts_rate = True

    @property
    def voice_label(self) -> str:
        return "soft"

    @property
    def cache_identity(self) -> str:
        return "whisper 1"

    @property
    def sample_rate(self) -> int:
        return 22_050

    def synthesize(self, text: str) -> Speech:
        return Speech(b"\0\0" * 22_050, 22_050)


def test_an_engine_registers_itself_and_the_tour_accepts_its_name() -> None:
    with pytest.raises(ValueError, match="'whisper' is not one of 'auto', 'gtts' or 'espeak'"):
        Tour.model_validate({"title": "T", "description": "D", "voice": {"engine": "whisper"},
                             "stops": [{"title": "S", "narration": "N."}]})
    register(_Whisper)
    try:
        assert "whisper" in engine_names()
        tour = Tour.model_validate({"title": "T", "description": "D", "voice": {"engine": "whisper"},
                                    "stops": [{"title": "S", "narration": "N."}]})
        assert tour.voice.engine == "whisper"
        assert _Whisper.speaks(VoiceRequest("fr")) and _Whisper.accepts_rate and not _Whisper.accepts_phonemes
    finally:
        ENGINES.pop("whisper")


def test_the_library_raises_typed_errors_and_never_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(TourError) as raised:
        audiotour.load_tour(DATA / "bad" / "unknown-top-key.yml")
    assert raised.value.exit_status == ExitStatus.USER_ERROR and raised.value.line is not None
    with pytest.raises(UsageError) as usage:
        audiotour.build(DATA / "mini.yml", tmp_path / "out", base_url="example.org")
    assert usage.value.field == "base_url"
    with pytest.raises(UsageError, match="no stop with id 'nowhere'"):
        audiotour.script(DATA / "mini.yml", "nowhere")
    assert capsys.readouterr() == ("", "")


@pytest.mark.slow
def test_the_library_builds_and_reports_progress(tmp_path: Path) -> None:
    seen: list[str] = []

    class Recorder:
        def phase(self, label: str, total: int) -> object:
            from contextlib import nullcontext

            seen.append(f"{label}:{total}")
            return nullcontext(type("P", (), {"advance": lambda self, steps=1: None})())

        def say(self, message: str) -> None:
            seen.append(message)

    report = audiotour.build(DATA / "mini.yml", tmp_path / "out", engine="espeak", cache_dir=tmp_path / "cache",
                             progress=Recorder())
    assert [s.id for s in report.manifest.segments] == ["intro", "cavalaire", "saint-tropez", "outro"]
    assert seen[0] == "segments:4" and any("base_url" in line for line in seen)
    assert "2 stops + intro + outro" in audiotour.check(DATA / "mini.yml")


def test_a_remedy_is_worded_by_whoever_shows_it() -> None:
    from audiotour.cli.output import error_line
    from audiotour.errors import WorldError

    error = WorldError("tour.mp3 is missing", remedy=Remedy.FORCE)
    assert str(error) == "tour.mp3 is missing; rebuild everything (force)"
    assert error_line(error) == "Error: tour.mp3 is missing; rebuild with --force"
    assert error_line(UsageError("x is wrong", field="output")) == "Error: -o: x is wrong"


def test_importing_the_package_is_cheap() -> None:
    code = "import sys, audiotour; print(sorted(m for m in sys.modules if m.startswith('audiotour')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['audiotour', 'audiotour._version']"
