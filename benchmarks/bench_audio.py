"""Audio figures: synthesis and encoding seconds per minute of audio, memory for a 10x article,
and our audio step against `espeak-ng -w` on the same text plus encoding."""

from __future__ import annotations

import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.audio.mixing import from_pcm  # noqa: E402
from pipeline.audio.mp3 import Mp3Writer  # noqa: E402
from pipeline.builders.audio import AudioBuilder  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import load_project  # noqa: E402
from pipeline.speech.engine import SPEECH_RATE, SpeechWorker  # noqa: E402
from pipeline.speech.voices import voice_for  # noqa: E402

ROUNDS = 3
CHUNK = 22050 * 10  # samples per encoder call (10 s)


def encode(pcm: bytes, rate: int) -> float:
    """Seconds to encode ``pcm`` the way the builder does (chunked, same settings)."""
    samples = from_pcm(pcm)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        writer = Mp3Writer(out, rate=rate)
        for i in range(0, samples.size, CHUNK):
            writer.write(samples[i : i + CHUNK])
        writer.finish()
    return time.perf_counter() - start


def espeak_baseline(text: str, voice: str) -> tuple[float, float]:
    """`espeak-ng -w` on the whole text, then encoding: (seconds, minutes of audio)."""
    with tempfile.TemporaryDirectory() as tmp:
        source, wav = Path(tmp) / "text.txt", Path(tmp) / "out.wav"
        source.write_text(text, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(SPEECH_RATE), "-f", str(source), "-w", str(wav)], check=True
        )
        synth = time.perf_counter() - start
        with wave.open(str(wav)) as handle:
            pcm, rate = handle.readframes(handle.getnframes()), handle.getframerate()
        return synth + encode(pcm, rate), len(pcm) / 2 / rate / 60


def main() -> None:
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed: run make test (or make build) first")
    project = load_project(REPO)
    docs = load_sources(project).documents
    print(
        f"{'language':<9}{'audio min':>10}{'synth s/min':>12}{'encode s/min':>13}{'ours s':>8}"
        f"{'espeak -w + enc s':>19}{'ratio':>7}"
    )
    ratios = []
    for language in project.config.languages:
        voice = voice_for(language, dict(project.config.voices))
        if voice is None:
            continue
        (article,) = translate_language(project, language, docs)[0]
        ratios.append(bench_language(project, article, voice))
    print(
        f"\nOur audio step / (espeak-ng -w + encoding), median: {statistics.median(ratios):.2f}"
        " (target <= 1.3)"
    )
    memory()


def bench_language(project, article, voice: str) -> float:  # type: ignore[no-untyped-def]
    builder = AudioBuilder(project)
    script = builder.script(article)
    with SpeechWorker(voice) as worker:
        start = time.perf_counter()
        pcm = b"".join(worker.speak(s.spoken).pcm for s in script.segments)
        synth = time.perf_counter() - start
    minutes = len(pcm) / 2 / 22050 / 60
    enc = encode(pcm, 22050)
    ours, base = [], []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = dataclasses.replace(project, root=Path(tmp))
        (Path(tmp) / "source").symlink_to(project.source_dir)
        for _ in range(ROUNDS):
            start = time.perf_counter()
            AudioBuilder(scratch).write(article)
            ours.append(time.perf_counter() - start)
            base.append(espeak_baseline("\n".join(s.spoken for s in script.segments), voice)[0])
    o, b = statistics.median(ours), statistics.median(base)
    print(
        f"{article.language:<9}{minutes:>10.2f}{synth / minutes:>12.3f}{enc / minutes:>13.3f}{o:>8.2f}"
        f"{b:>19.2f}{o / b:>7.2f}"
    )
    return o / b


def memory() -> None:
    """Peak memory of the audio step (largest process) for the article and a 10x longer copy."""
    for factor in (1, 10):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            shutil.copytree(REPO / "source", root / "source")
            article = root / "source/iop-vs-residential-rehab.md"
            text = article.read_text(encoding="utf-8")
            head, body = text.split("\n---\n", 1)
            article.write_text(head + "\n---\n" + body * factor, encoding="utf-8")
            code = (
                "import sys; sys.path.insert(0, %r); from pipeline.cli import main;"
                "main(['-C', %r, 'build', '--format', 'audio', '--lang', 'en'])"
            )
            start = time.perf_counter()
            build = subprocess.Popen(
                [sys.executable, "-c", code % (str(REPO), str(root))],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # This build's own figure: RUSAGE_CHILDREN would be the largest child of this whole run.
            _, _, usage = os.wait4(build.pid, 0)
            seconds = time.perf_counter() - start
            peak = usage.ru_maxrss / 1024
            print(
                f"{factor:>3}x article (en): {seconds:6.1f} s, peak memory of the build's largest process "
                f"{peak:6.1f} MiB (target: flat, < 200 MiB)"
            )


if __name__ == "__main__":
    main()
