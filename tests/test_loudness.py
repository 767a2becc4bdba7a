"""Our BS.1770 meter against two others: pyloudnorm and ffmpeg's ebur128."""
from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from audiocheck import decode, ebur128
from audiotour import loudness
from conftest import BuiltTour


@pytest.mark.slow
@pytest.mark.parametrize("rate", [22050, 24000, 44100, 48000])
def test_integrated_loudness_agrees_with_pyloudnorm(built_tour: BuiltTour, rate: int) -> None:
    speech = decode(built_tour.output / "01-cavalaire.mp3", rate)
    ours = loudness.integrated_loudness(speech, rate)
    assert ours is not None
    assert abs(ours - pyloudnorm.Meter(rate).integrated_loudness(speech)) < 0.15


@pytest.mark.slow
def test_integrated_loudness_agrees_with_ffmpeg(built_tour: BuiltTour) -> None:
    path = built_tour.output / "tour.mp3"
    ours = loudness.integrated_loudness(decode(path), 44100)
    assert ours is not None
    assert abs(ours + loudness.DUAL_MONO_DB - ebur128(path)[0]) < 0.1


def test_true_peak_finds_peaks_between_samples() -> None:
    # A tone at a quarter of the rate, sampled off its crests: samples miss 2.5 dB of its peak.
    tone = 0.5 * np.sin(2 * np.pi * np.arange(4000) / 4 + np.pi / 4)
    assert 20 * np.log10(np.abs(tone).max()) < -8.9
    assert abs(loudness.true_peak_dbtp(tone) - 20 * np.log10(0.5)) < 0.3


@pytest.mark.slow
def test_true_peak_agrees_with_oversampling_by_scipy(built_tour: BuiltTour) -> None:
    speech = decode(built_tour.output / "02-saint-tropez.mp3", 22050)
    reference = 20 * np.log10(np.abs(resample_poly(speech, 4, 1)).max())
    assert abs(loudness.true_peak_dbtp(speech) - reference) < 0.2


def test_silence_and_short_sounds_have_no_loudness() -> None:
    assert loudness.integrated_loudness(np.zeros(44100), 44100) is None
    assert loudness.integrated_loudness(np.ones(100) * 0.1, 44100) is None
