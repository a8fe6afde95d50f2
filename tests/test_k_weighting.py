"""The audio step's filters in numpy: the K-weighting filter by FFT is the two biquads run sample by
sample, the limiter's windows are scipy.ndimage's filters, and a worker that built a guide does not
carry scipy (76 MiB) into the handouts it prints next."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pipeline.audio.loudness import k_weighted, k_weighting


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
@pytest.mark.parametrize("length", [1, 37, 5000, 100_000])
def test_k_weighting_by_fft_is_the_biquads_run_sample_by_sample(rate: int, length: int) -> None:
    from scipy.signal import sosfilt

    values = (np.random.default_rng(length).standard_normal(length) * 0.2).astype(np.float32)
    expected = sosfilt(k_weighting(rate).astype(np.float64), values.astype(np.float64))
    found = k_weighted(values, rate)
    assert found.dtype == np.float32 and found.shape == values.shape
    assert np.abs(found - expected).max() <= 1e-6 * max(np.abs(expected).max(), 1e-3)


@pytest.mark.parametrize("length", [1, 2, 5, 40, 3000])
def test_the_limiters_gain_is_scipys_minimum_then_moving_averages(length: int) -> None:
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    from pipeline.audio import mixing
    from pipeline.audio.loudness import block_size

    need = np.minimum(np.random.default_rng(length).standard_normal(length) * 3, 0) - 0.01
    per_ms = 22050 / 1000 / block_size(22050)
    ramp = max(3, round(mixing._RAMP_MS * per_ms)) | 1
    before, after = ramp + 1, ramp + 1 + max(1, round(mixing._HOLD_MS * per_ms))
    after += (before + after) % 2
    held = minimum_filter1d(need, before + after + 1, mode="nearest", origin=(before + after) // 2 - before)
    for _ in range(2):
        held = uniform_filter1d(held, ramp, mode="nearest")
    assert np.abs(mixing._limiter_gain(need, 22050) - held).max() <= 1e-12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("width", [1, 4, 5, 26, 27, 3000])
def test_the_running_minimum_and_mean_are_the_windows_own_bit_for_bit(dtype: type, width: int) -> None:
    """The limiter's running minimum gives the very numbers of each window's min(), and its running mean
    those of mean() up to 7 values wide (5 at 22,050 Hz: the guides' bytes did not change when they were
    made faster), in the dtype they are given; numpy adds wider windows pairwise: within rounding."""
    from pipeline.audio import mixing

    values = (np.random.default_rng(width).standard_normal(width + 40) * 9).astype(dtype)
    windows = np.lib.stride_tricks.sliding_window_view(values, width)
    lowest, mean = mixing._moving_min(values, width), mixing._moving_mean(values, width)
    assert lowest.dtype == mean.dtype == dtype
    assert lowest.tobytes() == windows.min(axis=1).tobytes()
    if width < 8:
        assert mean.tobytes() == windows.mean(axis=1).tobytes()
    else:
        close = 1e-4 if dtype is np.float32 else 1e-12  # the values are up to about 40
        assert np.abs(mean - windows.mean(axis=1)).max() <= close


def test_the_audio_step_does_not_load_scipy() -> None:
    code = (
        "import sys, numpy as np\n"
        "from pipeline.audio.mixing import master\n"
        "import pipeline.audio.guide, pipeline.audio.mp3\n"
        "samples = (np.sin(np.arange(22050) / 5) * 8000).astype(np.int16)\n"
        "master(samples, 22050, (0.5, 0.5))\n"
        "print(any(name.startswith('scipy') for name in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
