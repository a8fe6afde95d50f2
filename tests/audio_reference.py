"""Reference measures of a decoded MP3, independent of the pipeline's own meter: mpg123 decodes,
pyloudnorm gives BS.1770 integrated loudness, and 8x polyphase oversampling (scipy) the true peak."""

from __future__ import annotations

import math
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
#: BS.1770-4 Annex 2 oversamples 4x at 48 kHz; 22,050 Hz speech needs 8x for the same spacing.
OVERSAMPLE = 8
_CHUNK = 1 << 18


def decode(mp3: Path) -> tuple[Floats, int]:
    """The MP3 as a player hears it: mpg123's samples scaled to [-1, 1), and the sample rate."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "decoded.wav"
        subprocess.run(["mpg123", "-q", "-w", str(wav), str(mp3)], check=True)
        with wave.open(str(wav)) as handle:
            rate, frames = handle.getframerate(), handle.readframes(handle.getnframes())
            channels = handle.getnchannels()
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0
    return samples.reshape(-1, channels).mean(axis=1) if channels > 1 else samples, rate


def integrated_lufs(samples: Floats, rate: int) -> float:
    """BS.1770-4 integrated loudness (gated), by pyloudnorm."""
    import pyloudnorm

    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def true_peak_dbtp(samples: Floats) -> float:
    """Highest absolute value of the signal oversampled 8x (scipy's Kaiser-windowed polyphase FIR)."""
    from scipy.signal import resample_poly

    peak, pad = 0.0, 64
    for start in range(0, samples.size, _CHUNK):
        part = samples[max(0, start - pad) : start + _CHUNK + pad]
        up = resample_poly(part, OVERSAMPLE, 1)
        lead = (start - max(0, start - pad)) * OVERSAMPLE
        peak = max(peak, float(np.max(np.abs(up[lead : lead + _CHUNK * OVERSAMPLE]), initial=0.0)))
    return 20 * math.log10(peak) if peak else float("-inf")
