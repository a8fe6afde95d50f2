"""Speech samples made even: edges trimmed, loudness matched, pauses of exact length."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]
FULL_SCALE = 32767.0
#: Every segment is brought to this loudness (RMS of its speech), in dB below full scale.
TARGET_DBFS = -20.0
#: Peaks never go above this (about -1 dBFS): no clipping.
PEAK_LIMIT = 0.89
_QUIET = 0.01 * FULL_SCALE  # below this a sample counts as silence
_EDGE_MS = 30
_GATE = 10 ** (-45 / 20)  # frames quieter than -45 dBFS are pauses, not speech


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


def speech_rms(samples: Samples, rate: int = 22050) -> float:
    """RMS over the 20 ms frames that hold speech (gated, like broadcast loudness meters)."""
    return _gated_rms(samples.astype(np.float32), rate)


def _gated_rms(values: npt.NDArray[np.float32], rate: int) -> float:
    frame = max(1, rate // 50)
    usable = (
        values[: values.size - values.size % frame].reshape(-1, frame)
        if values.size >= frame
        else values[None, :]
    )
    energy = np.einsum("ij,ij->i", usable, usable) / usable.shape[1]  # one pass, no squares kept
    active = energy[energy > (_GATE * FULL_SCALE) ** 2]
    return float(np.sqrt(np.mean(active, dtype=np.float64))) if active.size else 0.0


def normalize(samples: Samples, rate: int = 22050) -> Samples:
    """Scale speech to TARGET_DBFS (gated RMS), lowered if needed so peaks stay under PEAK_LIMIT."""
    if samples.size == 0:
        return samples
    values = samples.astype(np.float32)
    rms = _gated_rms(values, rate)
    peak = max(int(samples.max()), -int(samples.min()))
    if rms == 0 or peak == 0:
        return samples
    gain = min(FULL_SCALE * 10 ** (TARGET_DBFS / 20) / rms, PEAK_LIMIT * FULL_SCALE / peak)
    values *= np.float32(gain)  # in place: a segment is a few MB, and there are hundreds
    np.rint(values, out=values)
    np.clip(values, -FULL_SCALE, FULL_SCALE, out=values)
    return values.astype(np.int16)


def silence(milliseconds: int, rate: int) -> Samples:
    return np.zeros(rate * milliseconds // 1000, dtype=np.int16)


def dbfs(samples: Samples, rate: int = 22050) -> float:
    """Speech level (gated RMS) in dB below full scale."""
    rms = speech_rms(samples, rate)
    return 20 * float(np.log10(rms / FULL_SCALE)) if rms else float("-inf")
