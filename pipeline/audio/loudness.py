"""Loudness as ITU-R BS.1770-4 measures it (K-weighted, gated), and true peaks by oversampling."""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
#: BS.1770: 400 ms blocks overlapping by 75%, i.e. a new block every 100 ms.
_STEP_S = 0.1
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
#: Polyphase interpolation between samples for true peaks: 8 phases (22,050 Hz x 8 is above the
#: 192 kHz BS.1770 reaches with 4x at 48 kHz), 16 taps of a Kaiser-windowed sinc (32 were no closer).
OVERSAMPLE = 8
_TAPS = 16


@functools.cache
def k_weighting(rate: int) -> npt.NDArray[np.float32]:
    """The two K-weighting biquads (high shelf, then high pass) for ``rate``, as second-order sections.
    Same analog prototype as libebur128, so they match BS.1770's 48 kHz table at any rate."""
    k = math.tan(math.pi * 1681.974450955533 / rate)
    q, vh = 0.7071752369554196, 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]  # fmt: skip
    k, q = math.tan(math.pi * 38.13547087602444 / rate), 0.5003270373238773
    a0 = 1 + k / q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, high_pass], dtype=np.float32)


@functools.cache
def step_size(rate: int) -> int:
    """Samples in 100 ms: BS.1770's 400 ms blocks overlap by 75%, so a new one starts every 100 ms."""
    return round(rate * _STEP_S)


@functools.cache
def block_size(rate: int) -> int:
    """Samples in a short block (about 1.5 ms) that evenly divides 100 ms: the unit in which loudness
    is added up and the limiter's gain moves."""
    step = step_size(rate)
    return next((size for size in range(32, 129) if step % size == 0), step)


@functools.cache
def k_response(rate: int) -> npt.NDArray[np.float64]:
    """The K-weighting filter's impulse response, as long as it is above 1e-12 of its start (about
    0.1 s: the 38 Hz high pass's tail): filtering is then a convolution, done by FFT in numpy. scipy's
    sosfilt did it, and importing scipy.signal cost every worker that built a guide 48 MiB, which
    stayed while it printed handouts."""
    state = np.zeros((2, 2))
    response = []
    for n in range(1 << 16):
        value = 1.0 if n == 0 else 0.0
        for section, (b0, b1, b2, _, a1, a2) in enumerate(k_weighting(rate).astype(np.float64)):
            out = b0 * value + state[section, 0]
            state[section] = (b1 * value - a1 * out + state[section, 1], b2 * value - a2 * out)
            value = out
        response.append(value)
        if n > rate // 100 and abs(value) < 1e-12 * abs(response[0]) and abs(response[-2]) < 1e-12:
            break
    return np.array(response)


#: Samples filtered per FFT (overlap-add): small transforms are several times faster than one long one.
_FFT_SIZE = 16384


def k_weighted(values: Floats, rate: int) -> Floats:
    """``values`` through the K-weighting filter (from silence, as a causal filter would)."""
    response = k_response(rate)
    size = max(_FFT_SIZE, 1 << (2 * response.size).bit_length())  # a longer response at a high rate
    step = size - response.size + 1
    kernel = np.fft.rfft(response, size)
    blocks = -(-values.size // step)
    padded = np.zeros(blocks * step, dtype=np.float64)
    padded[: values.size] = values
    parts = np.fft.irfft(np.fft.rfft(padded.reshape(blocks, step), size) * kernel, size)
    out = np.zeros(blocks * step + response.size - 1)
    for index in range(blocks):
        out[index * step : index * step + size] += parts[index]
    return out[: values.size].astype(np.float32)


def weighted_energies(values: Floats, rate: int) -> npt.NDArray[np.float64]:
    """Sum of squares of the K-weighted signal in each short block (the last 100 ms padded with quiet)."""
    weighted = k_weighted(values, rate)
    step = step_size(rate)
    padded = np.zeros(-(-weighted.size // step) * step, dtype=np.float32)
    padded[: weighted.size] = weighted
    rows = padded.reshape(-1, block_size(rate))
    energies: npt.NDArray[np.float64] = np.einsum("ij,ij->i", rows, rows, dtype=np.float64)
    return energies


def gated_loudness(
    energies: npt.NDArray[np.float64], rate: int, silence: tuple[float, float] = (0.0, 0.0)
) -> float:
    """Integrated loudness (LUFS) from short-block energies, with ``silence`` seconds of quiet
    before and after, as the signal sits between pauses in a file."""
    step = step_size(rate)
    quarters = energies.reshape(-1, step // block_size(rate)).sum(axis=1) / step
    before, after = (round(seconds / _STEP_S) for seconds in silence)
    quarters = np.concatenate([np.zeros(before), quarters, np.zeros(after)])
    if quarters.size < 4:  # shorter than one block: the whole of it counts as one
        return integrated(np.array([np.sum(quarters) / 4]))
    return integrated(np.convolve(quarters, np.full(4, 0.25), mode="valid"))


def integrated(powers: npt.NDArray[np.float64]) -> float:
    """Gated loudness (LUFS, full scale = 1.0) of the blocks' mean squares: BS.1770-4, eq. 4-7."""
    loud = powers[_lufs(powers) > _ABSOLUTE_GATE]
    if not loud.size:
        return float("-inf")
    gate = float(_lufs(np.mean(loud))) + _RELATIVE_GATE
    kept = loud[_lufs(loud) > gate]
    return float(_lufs(np.mean(kept))) if kept.size else float("-inf")


def _lufs(power: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return -0.691 + 10 * np.log10(np.maximum(np.asarray(power, dtype=np.float64), 1e-30))


def loudness(values: Floats, rate: int) -> float:
    """Integrated loudness in LUFS of a mono signal (full scale 1.0)."""
    return gated_loudness(weighted_energies(values, rate), rate)


@functools.cache
def _interpolator() -> npt.NDArray[np.float32]:
    """Rows: the signal at i + k/8 (k = 1..7) from x[i-7] .. x[i+8]."""
    offsets = np.arange(_TAPS) - (_TAPS // 2 - 1)
    distance = np.arange(1, OVERSAMPLE)[:, None] / OVERSAMPLE - offsets
    half = _TAPS / 2
    window = np.i0(8.0 * np.sqrt(np.clip(1 - (distance / half) ** 2, 0, None))) / np.i0(8.0)
    rows = np.sinc(distance) * window
    normalised: npt.NDArray[np.float32] = (rows / rows.sum(axis=1, keepdims=True)).astype(np.float32)
    return normalised


def block_peaks(values: Floats, block: int) -> Floats:
    """The highest absolute sample of each run of ``block`` samples (the last one padded)."""
    blocks = -(-values.size // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    np.abs(values, out=padded[: values.size])
    peaks: Floats = padded.reshape(blocks, block).max(axis=1)
    return peaks


def block_true_peaks(values: Floats, block: int, peaks: Floats, near: Floats) -> Floats:
    """``peaks`` (the blocks' sample peaks) raised to the true peak (8x oversampling) in the blocks
    whose samples come above ``near`` (one level per block): elsewhere peaks cannot matter, and only
    the stretches next to those samples are looked at."""
    loud = np.flatnonzero(peaks > near)
    if not loud.size:
        return peaks
    lead = _TAPS // 2 - 1
    buffer = np.zeros(lead + peaks.size * block + _TAPS, dtype=np.float32)
    buffer[lead : lead + values.size] = values
    rows = buffer[lead : lead + peaks.size * block].reshape(peaks.size, block)[loud]
    close = np.abs(rows) > near[loud, None]  # samples near the ceiling...
    close[:, :-1] |= close[:, 1:]  # ...and the ones before them: each starts a stretch to the next
    at = np.flatnonzero(close)
    starts = np.concatenate([loud[at // block] * block + at % block, loud[close[:, 0]] * block - 1])
    starts = starts[starts >= 0]  # window i holds x[i-7] .. x[i+8]
    windows = np.lib.stride_tricks.sliding_window_view(buffer, _TAPS)[starts]
    between = np.abs(_interpolator() @ windows.T).max(axis=0)
    raised = peaks.copy()
    np.maximum.at(raised, starts // block, between)
    return raised
