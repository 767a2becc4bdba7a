"""The voice a visitor trusts (issue 16): one language per voice, names as the lexicon says, a walking pace."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import requests
import responses

from audiotour.engines import VoiceRequest
from audiotour.engines.espeak import EspeakEngine
from audiotour.engines.gtts import GttsEngine
from audiotour.errors import TourError
from audiotour.ffmpeg import ffmpeg_path
from audiotour.lang import speakable
from audiotour.pipeline import BuildOptions, build
from audiotour.segments import make_segments
from audiotour.tour import load_tour

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "tour.yml"
ENDPOINT = "https://translate.google.fr/_/TranslateWebserverUi/data/batchexecute"
SWITCH = re.compile(r"\((?!fr\))[a-z-]+\)")
"""eSpeak NG's mark of a word read by another language's voice, e.g. (en)."""


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine(VoiceRequest(language="fr"))


def test_the_french_voice_keeps_french_on_words_its_dictionary_sends_to_english(espeak: EspeakEngine) -> None:
    # Unprotected, eSpeak NG reads these with its English voice.
    for text in ("Nous traversons Nancy.", "La plage Alpha Red, puis Alpha Yellow.", "Il a mal au dos."):
        assert SWITCH.search(espeak.library.phonemes("fr", text)), text
        assert not SWITCH.search(espeak.phonemes(text)), (text, espeak.phonemes(text))
    assert "travErs'O~" in espeak.phonemes("Nous traversons la route.")


def test_no_english_voice_anywhere_in_the_shipped_tour(espeak: EspeakEngine) -> None:
    tour = load_tour(SHIPPED).tour
    for segment in make_segments(tour, "espeak"):
        for sentence in segment.sentences:
            said = espeak.phonemes(sentence.spoken)
            assert not SWITCH.search(said), (segment.id, sentence.spoken, said)


def test_english_only_where_the_tour_marks_it(espeak: EspeakEngine, tmp_path: Path) -> None:
    said = espeak.phonemes("Sur la plage [Red Beach]{lang=en}, les soldats avancent.")
    assert "(en)" in said and said.count("(") == 1
    tour = tmp_path / "tour.yml"
    tour.write_text("title: T\ndescription: D\nlexicon:\n  Red Beach: {lang: en}\n"
                    "stops:\n  - title: Un\n    narration: Voici Red Beach, la plage.\n", "utf-8")
    spoken = make_segments(load_tour(tour).tour, "espeak")[0].sentences[1].spoken
    assert spoken == "Voici [Red Beach]{lang=en}, la plage."
    assert "(en)" in espeak.phonemes(spoken)
    # The span is spoken by the English voice: the audio is there.
    assert len(espeak.synthesize(spoken).pcm) > 22050


def test_every_lexicon_name_is_said_as_its_entry_says(espeak: EspeakEngine) -> None:
    tour = load_tour(SHIPPED).tour
    lexicon = tour.lexicon_for("espeak")
    for key, form in lexicon.items():
        spoken = speakable(f"Voici {key}, enfin.", "fr", lexicon)
        assert espeak.phonemes(spoken) == espeak.phonemes(f"Voici {form}, enfin."), key
    assert lexicon["Winston Churchill"] == "[[w'instOn tS'WrtSil]]"
    assert "w'instOn tS'WrtSil" in espeak.phonemes(speakable("Winston Churchill refuse.", "fr", lexicon))


PEOPLE_AND_PLACES = [
    # People the tour names.
    "Achille Ottou", "Alexander Patch", "Audie", "Murphy", "Augustin Grangeon", "Diego Brosset", "Edmond Michelet",
    "Henri Olivier", "Hitler", "Jacques Lavaux", "Jean Despas", "Jess Walls", "L'Herminier", "Lattie Tipton",
    "Lattre de Tassigny", "Leclerc", "Maximin Giraud", "Paul Paillole", "Ralph Miller", "René Girard", "Rommel",
    "Saint-Exupéry", "Winston Churchill",
    # Places, operations, ships and beaches.
    "Ajax", "Alger", "Alpha Red", "Alpha Yellow", "Anvil", "Anzio", "Aréthuse", "Barri", "Bir Hakeim", "Boulouris",
    "Bouvet", "Camarat", "Casabianca", "Cavalaire", "Dauphiné", "Dijon", "Dragoon", "Draguignan", "Escalet", "Faron",
    "Fréjus", "Garonnette", "Gassin", "Grenoble", "Hollywood", "Hyères", "La Ciotat", "La Croix-Valmer", "La Foux",
    "La Londe", "Maghreb", "Marseille", "Montélimar", "Nancy", "Nartelle", "Nod-sur-Seine", "Paillas", "Pampelonne",
    "Port-Cros", "Ramatuelle", "Ramillies", "Saint-Mandrier", "Saint-Raphaël", "Saint-Tropez", "Sainte-Maxime",
    "Sherman", "Suffren", "Tahiti", "Toulon", "Val d'Esquières",
]


def test_the_lexicon_covers_every_person_and_place_the_shipped_tour_names() -> None:
    tour = load_tour(SHIPPED).tour
    text = SHIPPED.read_text("utf-8").split("\nintro:", 1)[1]
    assert [n for n in PEOPLE_AND_PLACES if n not in text] == []
    assert [n for n in PEOPLE_AND_PLACES if n not in tour.lexicon] == []


def test_lexicon_per_engine(tmp_path: Path) -> None:
    tour = tmp_path / "tour.yml"
    tour.write_text("title: T\ndescription: D\nlexicon:\n  Hitler: {espeak: Hitlère}\n  Fréjus: Fréjuss\n"
                    "stops:\n  - title: Un\n    narration: Hitler et Fréjus.\n", "utf-8")
    loaded = load_tour(tour).tour
    assert make_segments(loaded, "espeak")[0].sentences[1].spoken == "Hitlère et Fréjuss."
    assert make_segments(loaded, "gtts")[0].sentences[1].spoken == "Hitler et Fréjuss."


def test_phonemes_only_for_an_engine_that_takes_them(tmp_path: Path) -> None:
    tour = tmp_path / "tour.yml"
    tour.write_text("title: T\ndescription: D\nlexicon:\n  Hitler: {phonemes: {gtts: itlEr}}\n"
                    "stops:\n  - title: Un\n    narration: Texte.\n", "utf-8")
    with pytest.raises(TourError) as caught:
        load_tour(tour)
    assert "tour.yml:4" in str(caught.value) and "takes no phonemes" in str(caught.value)


# -- pace ------------------------------------------------------------------------------------------

GOOGLE_WPM = 185
"""How fast the constructed Google answers speak: brisker than wanted, as Google's French voice is."""


def _tone_mp3(seconds: float) -> bytes:
    return subprocess.run(
        [ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i",
         f"sine=frequency=300:duration={seconds:.3f}:sample_rate=24000",
         "-af", "volume=0.5", "-ac", "1", "-b:a", "32k", "-f", "mp3", "-"],
        capture_output=True, check=True).stdout


def _google(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
    body = urllib.parse.parse_qs(str(request.body))["f.req"][0]
    text = json.loads(json.loads(body)[0][0][1])[0]
    audio = _tone_mp3(len(text.split()) * 60 / GOOGLE_WPM)
    payload = json.dumps([base64.b64encode(audio).decode()])
    envelope = [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]]
    return 200, {}, ")]}'\n\n" + json.dumps(envelope, separators=(",", ":")) + "\n"


PACE_TOUR = """title: Allure
description: Une visite à la bonne allure.
stops:
  - title: Cavalaire
    narration: |
      Vous voici au bord de la grande plage de Cavalaire, tout près du port. Mettez-vous face à la mer.
      Devant vous, la baie dessine un large croissant de sable, long d'environ quatre kilomètres.

      En août mille neuf cent quarante-quatre, sur les cartes alliées, ce sable porte un nom de code.
      Le secteur, c'est toute la presqu'île de Saint-Tropez. Il revient à une division américaine.
"""


@pytest.mark.slow
@responses.activate
def test_google_is_stretched_to_the_pace(tmp_path: Path) -> None:
    responses.add_callback(responses.POST, ENDPOINT, callback=_google)
    tour = tmp_path / "tour.yml"
    tour.write_text(PACE_TOUR, "utf-8")

    def gtts(name: str, voice: VoiceRequest, say: object) -> GttsEngine:
        return GttsEngine(voice, sleep=lambda s: None)

    options = BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "cache", engine="gtts", jobs=1)
    report = build(load_tour(tour), options, engine_factory=gtts)
    wpm = report.manifest.segments[0].words_per_minute
    assert wpm is not None and 140 <= wpm <= 155, wpm
    # The manifest's figure is the audio's: words over the time from the first word to the last.
    record = report.manifest.segments[0]
    words = sum(len(s.text.split()) for s in record.sentences)
    assert abs(words * 60 / (record.sentences[-1].end_s - record.sentences[0].start_s) - wpm) < 0.5


@pytest.mark.slow
def test_espeak_speaks_at_the_pace_itself(tmp_path: Path) -> None:
    tour = tmp_path / "tour.yml"
    tour.write_text(PACE_TOUR, "utf-8")
    options = BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "cache", engine="espeak", jobs=1)
    report = build(load_tour(tour), options)
    wpm = report.manifest.segments[0].words_per_minute
    assert wpm is not None and 140 <= wpm <= 155, wpm
    slower = tmp_path / "slower.yml"
    slower.write_text(PACE_TOUR.replace("stops:", "voice: {rate: 120}\nstops:"), "utf-8")
    options = BuildOptions(output=tmp_path / "out2", cache_dir=tmp_path / "cache", engine="espeak", jobs=1)
    wpm = build(load_tour(slower), options).manifest.segments[0].words_per_minute
    assert wpm is not None and 114 <= wpm <= 126, wpm


def test_a_marked_span_is_published_without_its_marks(tmp_path: Path) -> None:
    from audiotour.engines import LANGUAGE_SPAN
    from audiotour.lang.core import LANGUAGE_SPAN as LANG_SPAN

    assert LANGUAGE_SPAN.pattern == LANG_SPAN.pattern
    tour = tmp_path / "tour.yml"
    tour.write_text("title: T\ndescription: D\nstops:\n  - title: Un\n"
                    "    narration: Ils l'appelaient [Red Beach]{lang=en}.\n", "utf-8")
    sentence = make_segments(load_tour(tour).tour, "espeak")[0].sentences[1]
    assert sentence.written == "Ils l'appelaient Red Beach."
    assert sentence.spoken == "Ils l'appelaient [Red Beach]{lang=en}."


@responses.activate
def test_google_reads_a_marked_span_with_its_own_voice_without_the_marks() -> None:
    sent: list[str] = []

    def google(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        body = urllib.parse.parse_qs(str(request.body))["f.req"][0]
        sent.append(json.loads(json.loads(body)[0][0][1])[0])
        return _google(request)

    responses.add_callback(responses.POST, ENDPOINT, callback=google)
    GttsEngine(VoiceRequest(language="fr"), sleep=lambda s: None).synthesize("Voici [Red Beach]{lang=en}, enfin.")
    assert sent == ["Voici Red Beach, enfin."]
