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
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > _QUIET)
    if loud.size == 0:
        return samples[:0]
    edge = rate * _EDGE_MS // 1000
    return samples[max(0, int(loud[0]) - edge) : int(loud[-1]) + edge + 1]


def speech_rms(samples: Samples, rate: int = 22050) -> float:
    """RMS over the 20 ms frames that hold speech (gated, like broadcast loudness meters)."""
    values = samples.astype(np.float64)
    frame = max(1, rate // 50)
    usable = (
        values[: values.size - values.size % frame].reshape(-1, frame)
        if values.size >= frame
        else values[None, :]
    )
    frames = np.sqrt(np.mean(usable**2, axis=1))
    active = frames[frames > _GATE * FULL_SCALE]
    return float(np.sqrt(np.mean(active**2))) if active.size else 0.0


def normalize(samples: Samples, rate: int = 22050) -> Samples:
    """Scale speech to TARGET_DBFS (gated RMS), lowered if needed so peaks stay under PEAK_LIMIT."""
    if samples.size == 0:
        return samples
    values = samples.astype(np.float64)
    rms = speech_rms(samples, rate)
    peak = float(np.max(np.abs(values)))
    if rms == 0 or peak == 0:
        return samples
    gain = min(FULL_SCALE * 10 ** (TARGET_DBFS / 20) / rms, PEAK_LIMIT * FULL_SCALE / peak)
    return np.clip(np.round(values * gain), -FULL_SCALE, FULL_SCALE).astype(np.int16)


def silence(milliseconds: int, rate: int) -> Samples:
    return np.zeros(rate * milliseconds // 1000, dtype=np.int16)


def dbfs(samples: Samples, rate: int = 22050) -> float:
    """Speech level (gated RMS) in dB below full scale."""
    rms = speech_rms(samples, rate)
    return 20 * float(np.log10(rms / FULL_SCALE)) if rms else float("-inf")
