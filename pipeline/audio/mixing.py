"""Speech samples made even: edges trimmed, loudness matched and peaks limited, pauses of exact length."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipeline.audio.loudness import (
    Floats,
    block_peaks,
    block_size,
    block_true_peaks,
    gated_loudness,
    weighted_energies,
)

Samples = npt.NDArray[np.int16]
FULL_SCALE = 32767.0
#: The audio guide's integrated loudness as a player decodes it: -16 LUFS, the norm for listening on
#: phones (AES TD1008, podcasts), which is how patients listen.
TARGET_LUFS = -16.0
#: MP3 at 56 kbit/s leaves out what masking hides, and takes about 0.4 LU with it (measured on every
#: espeak-ng voice we use): segments are mastered that much louder, so the decoded file is on target.
CODEC_ALLOWANCE_LU = 0.4
#: The limiter's ceiling for true peaks. The goal is -1 dBTP in the MP3 as decoded; LAME's coding noise
#: moves limited peaks up (AES TD1008 warns of this at low bit rates): about 0.4 dB at 56 kbit/s.
CEILING_DBTP = -2.2
_RAMP_MS = 8  # each of the two smoothing passes: the gain moves over about 16 ms, never clicks
_HOLD_MS = 20  # gain held after a peak, so a syllable's pitch pulses do not make it flutter
#: espeak-ng's voices peak 16-21 dB above their loudness: up to this much gain makes up for what the
#: limiter takes (a voice that needs more ends up a little quieter rather than squashed further)
_MAKEUP_DB = 10.0
_OVERSHOOT_DB = 4.0  # peaks between samples come at most this much above the samples beside them
_GROWTH_DB = 1.0  # true peaks are looked for where make-up this much higher would bring them near
_ROUNDS = 8  # at most, to find the make-up gain that reaches the target through the limiter
_QUIET = 0.01 * FULL_SCALE  # below this a sample counts as silence
_EDGE_MS = 30


def from_pcm(pcm: bytes) -> Samples:
    return np.frombuffer(pcm, dtype="<i2").astype(np.int16)


def trim(samples: Samples, rate: int) -> Samples:
    """Cut the silence espeak-ng adds before and after speech, keeping a 30 ms edge."""
    first = _loud_edge(samples, from_end=False)
    if first is None:
        return samples[:0]
    last = _loud_edge(samples, from_end=True) or first
    edge = rate * _EDGE_MS // 1000
    return samples[max(0, first - edge) : last + edge + 1]


def _loud_edge(samples: Samples, *, from_end: bool, block: int = 4096) -> int | None:
    """The first (or last) sample above the silence level, looking at one block at a time:
    silence is short, so this reads a few blocks of a segment, not all of it."""
    starts = range(0, samples.size, block)
    for start in reversed(starts) if from_end else starts:
        part = samples[start : start + block]
        hits = np.flatnonzero((part > _QUIET) | (part < -_QUIET))
        if hits.size:
            return start + int(hits[-1] if from_end else hits[0])
    return None


def master(samples: Samples, rate: int, silence: tuple[float, float] = (0.0, 0.0)) -> Samples:
    """Speech at TARGET_LUFS (BS.1770 integrated loudness, measured with the ``silence`` in seconds
    that comes before and after it in the file), its true peak held under CEILING_DBTP by the limiter."""
    if not samples.size:
        return samples
    values = samples.astype(np.float32)
    values /= np.float32(FULL_SCALE)
    energies = weighted_energies(values, rate)
    level = gated_loudness(energies, rate, silence)
    if not np.isfinite(level):
        return samples
    block, target = block_size(rate), TARGET_LUFS + CODEC_ALLOWANCE_LU
    blocks = -(-values.size // block)
    peaks = np.zeros(energies.size, dtype=np.float32)
    peaks[:blocks] = block_peaks(values, block)  # the samples' own peaks first
    gain_db, makeup = _gain_through_limiter(energies, peaks, target - level, target, rate, silence)
    looked = float("-inf")
    while makeup > looked + _GROWTH_DB:  # true peaks where the gain brings samples near the ceiling
        looked, sample_peaks = makeup, peaks[:blocks].copy()
        near = 10 ** ((CEILING_DBTP - _OVERSHOOT_DB - _GROWTH_DB - gain_db[:blocks]) / 20)
        peaks[:blocks] = block_true_peaks(values, block, sample_peaks, near.astype(np.float32))
        gain_db, makeup = _gain_through_limiter(
            energies, peaks, makeup, target, rate, silence, target - level
        )
    values *= _sample_by_sample(10 ** (gain_db / 20), block)[: values.size]
    values *= np.float32(FULL_SCALE)
    np.rint(values, out=values)
    np.clip(values, -FULL_SCALE, FULL_SCALE, out=values)
    return values.astype(np.int16)


def _gain_through_limiter(
    energies: npt.NDArray[np.float64],
    peaks: Floats,
    makeup: float,
    target: float,
    rate: int,
    silence: tuple[float, float],
    least: float | None = None,
) -> tuple[npt.NDArray[np.float64], float]:
    """Each block's gain (dB): ``makeup`` less what the limiter takes for the block ``peaks``, with the
    make-up raised until the loudness is on ``target`` (the limiter takes some away), up to
    _MAKEUP_DB over ``least`` (the plain gain to target). Loudness comes from the blocks' K-weighted
    energies, so no round filters anything. Returns the gains and the make-up found."""
    most = (makeup if least is None else least) + _MAKEUP_DB
    with np.errstate(divide="ignore"):
        peak_db = 20 * np.log10(peaks)
    tried: list[tuple[float, float]] = []  # (make-up, loudness short of target): secant steps
    for _ in range(_ROUNDS):
        gain_db = makeup + _limiter_gain(np.minimum(0.0, CEILING_DBTP - makeup - peak_db), rate)
        missing = target - gated_loudness(energies * 10 ** (gain_db / 10), rate, silence)
        if abs(missing) < 0.05 or makeup >= most:
            break
        tried.append((makeup, missing))
        makeup = min(makeup + _step(tried), most)
    return gain_db, makeup


def _step(tried: list[tuple[float, float]]) -> float:
    """The next change of make-up gain: by the secant through the last two tries while short of the
    target (the limiter's slope is at most 1, so at least what is missing, and at most 4 times it)."""
    makeup, missing = tried[-1]
    if missing <= 0 or len(tried) < 2 or tried[-2][1] == missing:
        return missing
    secant = missing * (makeup - tried[-2][0]) / (tried[-2][1] - missing)
    return min(max(secant, missing), 4 * missing)


def _sample_by_sample(gain: npt.NDArray[np.float64], block: int) -> Floats:
    """Each block's gain, moving in a straight line to the next block's over the block's samples."""
    start = gain.astype(np.float32)
    steps = np.concatenate([start[1:], start[-1:]]) - start
    ramps = start[:, None] + steps[:, None] * (np.arange(block, dtype=np.float32) / np.float32(block))
    return ramps.ravel().astype(np.float32, copy=False)


def _limiter_gain(need: npt.NDArray[np.float64], rate: int) -> npt.NDArray[np.float64]:
    """The look-ahead limiter's gain (dB) per block, from the gain each block's true peak needs: the
    lowest any peak needs from ``before`` blocks ahead to ``after`` blocks back (so it comes down
    before a peak and holds through the syllable), smoothed by two moving averages of ``ramp``
    blocks into S-shaped ramps with no click and no flutter. The window is wider than the smoothing,
    so every peak still gets at most the gain it needs."""
    if not need.size or need.min() >= 0:
        return need
    per_ms = rate / 1000 / block_size(rate)
    ramp = max(3, round(_RAMP_MS * per_ms)) | 1
    before, after = ramp + 1, ramp + 1 + max(1, round(_HOLD_MS * per_ms))
    after += (before + after) % 2  # an odd window, so that it can be placed exactly
    held = _moving_min(_edges_repeated(need, after, before), after + before + 1)
    for _ in range(2):
        held = _moving_mean(_edges_repeated(held, ramp // 2, ramp // 2), ramp)
    return held


def _edges_repeated(values: npt.NDArray[np.float64], back: int, ahead: int) -> npt.NDArray[np.float64]:
    """``values`` with the first repeated ``back`` times before and the last ``ahead`` times after."""
    return np.concatenate([np.full(back, values[0]), values, np.full(ahead, values[-1])])


def _moving_min(padded: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    """The lowest of each run of ``width`` values (van Herk / Gil-Werman: three passes whatever the
    width, where a window's rows took a pass each). numpy's, not scipy.ndimage's filters: importing
    those cost every worker that built a guide 28 MiB, kept while it printed handouts."""
    count = padded.size - width + 1
    filled = np.full(-(-padded.size // width) * width, np.inf, dtype=padded.dtype)
    filled[: padded.size] = padded
    rows = filled.reshape(-1, width)
    to_end = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()  # from each to its row's end
    from_start = np.minimum.accumulate(rows, axis=1).ravel()  # from its row's start to each
    lowest: npt.NDArray[np.float64] = np.minimum(to_end[:count], from_start[width - 1 : width - 1 + count])
    return lowest


def _moving_mean(padded: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    """The mean of each run of ``width`` values, added in order (numpy's mean of a window up to 7 wide adds
    so too: at 22,050 Hz the ramp is 5 wide, and the guides kept their bytes)."""
    count = padded.size - width + 1
    total = padded[:count].copy()
    for shift in range(1, width):
        total += padded[shift : shift + count]
    mean: npt.NDArray[np.float64] = total / width
    return mean


def resample(samples: Samples, rate: int, to_rate: int) -> Samples:
    """Samples at ``rate`` as samples at ``to_rate`` (polyphase filtering: no aliasing, no clicks)."""
    from math import gcd

    from scipy.signal import resample_poly

    step = gcd(rate, to_rate)
    floats: Floats = resample_poly(samples.astype(np.float64), to_rate // step, rate // step)
    resampled: Samples = np.clip(np.round(floats), -32768, 32767).astype(np.int16)
    return resampled


def silence(milliseconds: int, rate: int) -> Samples:
    return np.zeros(rate * milliseconds // 1000, dtype=np.int16)
