"""Find words a voice would read in English: espeak-ng marks each language switch as (en).

Run it for a language to hear-check its lexicon before building audio:
    .venv/bin/python -m pipeline.speech.audit ko
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

_SWITCH = re.compile(r"\(en\)(.*?)(?:\([a-z-]+\)|$)")


def english_switches(text: str, voice: str) -> list[str]:
    """The phonemes espeak-ng would speak in English for ``text`` with ``voice`` ([] if none)."""
    result = subprocess.run(
        ["espeak-ng", "-q", "-x", "-v", voice, text], capture_output=True, text=True, check=True
    )
    return [m.group(1).strip() for m in _SWITCH.finditer(result.stdout.replace("\n", " "))]


def audit(root: Path, language: str) -> list[tuple[str, str, list[str]]]:
    """(anchor, spoken text, English switches) for every segment that switches to English."""
    from pipeline.i18n.article import prepare_article
    from pipeline.source.project import load_project
    from pipeline.speech.lexicon import article_script
    from pipeline.speech.voices import voice_for

    project = load_project(root)
    from pipeline.source.config import NARRATION_MARKER, PIPER_MARKER
    from pipeline.speech.voices import VOICES

    voice = voice_for(language, dict(project.config.voices))
    if voice in (PIPER_MARKER, NARRATION_MARKER):  # Piper phonemizes with espeak-ng too
        voice = VOICES.get(language)
    if voice is None:
        return []
    found = []
    for slug in sorted(path.stem for path in project.article_paths()):
        article, _ = prepare_article(project, slug, language)
        for segment in article_script(project, article).segments:
            if segment.lang:  # a part that fell back: its own language's voice speaks it
                continue
            switches = english_switches(segment.spoken, voice)
            if switches:
                found.append((segment.anchor, segment.spoken, switches))
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m pipeline.speech.audit LANGUAGE", file=sys.stderr)
        return 2
    found = audit(Path.cwd(), argv[0])
    for anchor, spoken, switches in found:
        print(f"{anchor}: read in English: {', '.join(switches)}\n    {spoken}")
    print(f"{len(found)} segments switch to English")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
