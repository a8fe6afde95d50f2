"""Audio conformance of a built site: integrated loudness (LUFS) and true peak (dBTP) of every MP3,
decoded as a player would, against the targets (-16 LUFS +/- 1, true peak <= -1 dBTP, languages
within 1 LU of each other). Usage: python benchmarks/conformance_audio.py [SITE_FOLDER]"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from audio_reference import decode, integrated_lufs, true_peak_dbtp  # noqa: E402

TARGET, TOLERANCE, CEILING, SPREAD = -16.0, 1.0, -1.0, 1.0


def ffmpeg_ebur128(mp3: Path) -> tuple[float, float] | None:
    """ffmpeg's own BS.1770 meter (integrated LUFS, true peak dBTP), where ffmpeg is installed."""
    if shutil.which("ffmpeg") is None:
        return None
    log = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-i", str(mp3), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=False,
    ).stderr
    summary = log[log.rfind("Summary:") :]
    lufs = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    return (float(lufs.group(1)), float(peak.group(1))) if lufs and peak else None


def main() -> int:
    site = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "build/site"
    files = sorted(site.glob("*/*.mp3"))
    if not files:
        sys.exit(f"{site}: no MP3 files; run `plainspoken build --format audio` first")
    print(f"{'file':<40}{'LUFS':>8}{'dBTP':>8}{'ffmpeg LUFS':>13}{'ffmpeg dBTP':>13}  verdict")
    levels, failed = [], 0
    for mp3 in files:
        samples, rate = decode(mp3)
        lufs, peak = integrated_lufs(samples, rate), true_peak_dbtp(samples)
        ref = ffmpeg_ebur128(mp3)
        good = abs(lufs - TARGET) <= TOLERANCE and peak <= CEILING
        failed += not good
        levels.append(lufs)
        extra = f"{ref[0]:>13.1f}{ref[1]:>13.1f}" if ref else f"{'-':>13}{'-':>13}"
        name = str(mp3.relative_to(site))
        print(f"{name:<40}{lufs:>8.2f}{peak:>8.2f}{extra}  {'ok' if good else 'OUT OF TARGET'}")
    spread = max(levels) - min(levels)
    print(f"\nSpread between languages: {spread:.2f} LU (target <= {SPREAD}); "
          f"target {TARGET} LUFS +/- {TOLERANCE}, true peak <= {CEILING} dBTP")
    return 1 if failed or spread > SPREAD else 0


if __name__ == "__main__":
    sys.exit(main())
