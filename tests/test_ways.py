"""The way between stops: validated like the rest of the tour, measured and checked by `audiotour check`."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour.cli import cli
from audiotour.legs import leg_minutes

HEAD = "title: T\ndescription: D\nstops:\n"
FIRST = ("  - title: Plage\n    id: plage\n    narration: Un deux trois quatre.\n"
         "    location: {lat: 43.1727, lon: 6.5330}\n")
SECOND = ("  - title: Port\n    id: port\n    narration: Cinq six.\n"
          "    location: {lat: 43.2716, lon: 6.6393}\n")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(mix_stderr=False).invoke(cli, list(args), prog_name="audiotour")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def check(tmp_path: Path, text: str) -> tuple[int, str, str]:
    (tmp_path / "tour.yml").write_text(text, "utf-8")
    return run("check", "tour.yml")


@pytest.mark.parametrize(
    "way,message",
    [
        ("    way: {mode: car, direction: Tout droit.}\n",
         "tour.yml:8: stops[0].way.direction: unknown key; did you mean 'directions'?"),
        ("    way: {mode: boat, directions: Tout droit.}\n",
         "tour.yml:8: stops[0].way.mode: 'boat' is not one of 'foot', 'car' or 'bike'"),
        ("    way: {directions: Tout droit.}\n",
         "tour.yml:8: stops[0].way.mode: is required (foot, car or bike)"),
        ("    way: à pied\n",
         "tour.yml:8: stops[0].way: expected a mapping (key: value lines), got 'à pied'"),
        ("    way: {mode: foot, directions: '  '}\n",
         "tour.yml:8: stops[0].way.directions: is empty; write some text"),
        ("    way: {mode: car, km: -3}\n",
         "tour.yml:8: stops[0].way.km: -3 is out of range; it must be more than 0"),
        ("    way: {mode: car, parking: \"Parking\\ndu port\"}\n",
         "tour.yml:8: stops[0].way.parking: must fit on one line"),
    ],
)
def test_way_mistakes_get_one_clear_line_and_exit_2(tmp_path: Path, way: str, message: str) -> None:
    code, out, err = check(tmp_path, HEAD + FIRST + way + SECOND)
    assert (code, out, err) == (2, "", f"Error: {message}\n")


def test_the_last_stop_leads_nowhere(tmp_path: Path) -> None:
    code, _, err = check(tmp_path, HEAD + FIRST + SECOND + "    way: {mode: foot, directions: Par là.}\n")
    assert code == 2
    assert err == "Error: tour.yml:12: stops[1].way: the last stop has no next stop to lead to; remove its way:\n"


def test_check_prints_each_part_and_each_leg(tmp_path: Path) -> None:
    way = "    way: {mode: car, directions: Suivez la côte vers l'est., parking: Parking du port.}\n"
    code, out, err = check(tmp_path, HEAD + FIRST + way + SECOND)
    assert (code, err) == (0, "")
    assert out.splitlines()[2:9] == [  # then what publishing as a podcast will ask for
        "  2 stops, 16 words to speak",
        "  about 9 seconds of audio",
        "  route: 14.0 km through 2 located stops",
        "  parts, at 147 words a minute (the default pace):",
        "    1 plage: 13 words, 0 min 05 s",
        "      to port by car: 14.0 km as the crow flies, about 34 min; parking given",
        "    2 port: 3 words, 0 min 00 s",
    ]


@pytest.mark.parametrize(("voice", "pace", "seconds"), [
    ("voice: {rate: 100}\n", "at 100 words a minute (voice.rate)", "0 min 10 s"),
    ("voice: {slow: true}\n", "at 120 words a minute (voice.slow)", "0 min 05 s"),
    ("voice: {slow: true, rate: 220}\n", "at 220 words a minute (voice.rate)", "0 min 05 s"),
])
def test_check_estimates_at_the_tours_own_pace(tmp_path: Path, voice: str, pace: str, seconds: str) -> None:
    way = "    way: {mode: car, directions: Suivez la côte vers l'est., parking: Parking du port.}\n"
    code, out, err = check(tmp_path, voice + HEAD + FIRST + way + SECOND)
    assert (code, err) == (0, "")
    assert f"  parts, {pace}:\n    1 plage: 13 words, {seconds}\n" in out


def test_check_warns_when_a_leg_has_no_directions(tmp_path: Path) -> None:
    code, out, _ = check(tmp_path, HEAD + FIRST + SECOND)
    assert code == 0
    assert "      to port: 14.0 km as the crow flies, no way given\n" in out
    assert out.endswith("  warning: the way from plage to port has no directions; "
                        "add way: {mode: …, directions: …} to stop 1\n")
    code, out, _ = check(tmp_path, HEAD + FIRST + "    way: {mode: foot}\n" + SECOND)
    assert "      to port on foot: 14.0 km as the crow flies, about 243 min\n" in out
    assert "  warning: the way from plage to port has no directions" in out


def test_a_measured_length_replaces_the_straight_line(tmp_path: Path) -> None:
    way = "    way: {mode: car, km: 21, directions: Faites le tour du golfe.}\n"
    code, out, _ = check(tmp_path, HEAD + FIRST + way + SECOND)
    assert code == 0
    assert "      to port by car: 21.0 km by road, about 36 min\n" in out
    assert "warning" not in out


def test_leg_times_by_mode() -> None:
    assert leg_minutes(4.5, "foot") == 60
    assert leg_minutes(35, "car") == 60
    assert leg_minutes(15, "bike") == 60
    assert leg_minutes(0.01, "foot") == 1, "never less than a minute"


def test_a_stop_without_location_has_no_distance(tmp_path: Path) -> None:
    first = "  - title: Plage\n    id: plage\n    narration: Un.\n    way: {mode: foot, directions: Par là.}\n"
    code, out, _ = check(tmp_path, HEAD + first + SECOND)
    assert code == 0
    assert "      to port on foot: distance unknown (a stop has no location)\n" in out


def test_the_shipped_tour_has_full_stops_and_a_way_for_every_leg() -> None:
    """Issue 17's bar: every stop two to four minutes at the voice's pace, every leg told."""
    from audiotour.summary import part_words, words_per_minute
    from audiotour.tour import load_tour

    tour = load_tour(Path(__file__).parent.parent / "tour.yml").tour
    for stop in tour.stops:
        assert 2 <= part_words(stop) / words_per_minute(tour) <= 4, stop.slug
    for stop in tour.stops[:-1]:
        assert stop.way is not None and stop.way.directions, stop.slug
    code, out, _ = run("check", str(Path(__file__).parent.parent / "tour.yml"))
    assert code == 0 and "warning" not in out
