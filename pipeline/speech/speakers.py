"""Who speaks a language's audio guide: an espeak-ng voice, a Piper model, or human narrators only."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import PlainspokenError
from pipeline.source.config import NARRATION_MARKER, SiteConfig, VoiceChoice
from pipeline.speech.engine import DEFAULT_ENGINE, SpeechError
from pipeline.speech.narration import audio_files, recordings_dir
from pipeline.speech.piper import PIPER_ENGINE, model_language, speaks
from pipeline.speech.voices import voice_for

#: How much longer a Piper voice takes over an audio guide than espeak-ng (synthesis and encoding of
#: the sample article on one core: about 39 s against 1.3 s); the build starts its jobs first.
PIPER_COST = 30.0


@dataclass(frozen=True)
class Voice:
    """A synthetic voice: the engine spec and what it opens."""

    engine: str
    voice: str


@dataclass(frozen=True)
class Speaker:
    """The synthetic voice for a language (engine "" when it has none) and its narrator, if any."""

    engine: str  # an engine spec ("module:Class"), or "" for recordings only
    voice: str  # what the engine opens: an espeak-ng voice, or the path of a Piper model
    label: str  # for people: "espeak-ng en-us", "Piper en_US-joe-medium", "recordings only"
    narrator: str = ""

    @property
    def synthetic(self) -> bool:
        return bool(self.engine)

    @property
    def cost(self) -> float:
        """This voice's audio guide's time against espeak-ng's (recordings count as espeak-ng)."""
        return PIPER_COST if self.engine == PIPER_ENGINE else 1.0


def speaker_for(config: SiteConfig, root: Path, language: str) -> Speaker | None:
    """The speaker for ``language``, or None when it gets no audio at all.

    A Piper model whose own language (its .onnx.json) is not the page's is refused with one line
    at the site.toml line that chose it: never English audio for another language.
    """
    choice = config.voice_choice(language)
    narrator = choice.narrator if choice else ""
    if choice is not None and choice.engine == "piper":
        model = _piper_model(choice, root, config.path)
        return Speaker(PIPER_ENGINE, str(model), f"Piper {model.name.removesuffix('.onnx')}", narrator)
    voice = voice_for(language, dict(config.voices))
    if voice is None or voice == NARRATION_MARKER:
        return Speaker("", "", "recordings only", narrator) if narrator else None
    return Speaker(DEFAULT_ENGINE, voice, f"espeak-ng {voice}", narrator)


def _piper_model(choice: VoiceChoice, root: Path, site_toml: str) -> Path:
    def refuse(message: str) -> PlainspokenError:
        return PlainspokenError.at(site_toml, choice.line, f"[voices.{choice.language}] {message}")

    model = root / choice.model if choice.model else _package_model(choice.package, refuse)
    if not model.is_file():
        raise refuse(f"model {choice.model}: no such file (download the .onnx and its .onnx.json)")
    try:
        tag = model_language(model)
    except SpeechError as error:
        raise refuse(str(error)) from None
    if not speaks(tag, choice.language):
        raise refuse(f"the Piper model {model.name} speaks {tag}, not {choice.language}: no audio made")
    return model


def _package_model(package: str, refuse: Callable[[str], PlainspokenError]) -> Path:
    """The one .onnx model inside an installed voice package (found without importing it)."""
    spec = importlib.util.find_spec(package) if _importable(package) else None
    folders = list(spec.submodule_search_locations or []) if spec else []
    models = sorted(m for folder in folders for m in Path(folder).rglob("*.onnx"))
    if len(models) != 1:
        found = "not installed" if not folders else f"holds {len(models)} .onnx models, not one"
        raise refuse(f"package {package}: {found}")
    return models[0]


def _importable(package: str) -> bool:
    try:
        return importlib.util.find_spec(package.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def voice_inputs(config: SiteConfig, root: Path, language: str, slug: str) -> str:
    """What besides the text decides an audio guide: the Piper model file and the narrator's
    recordings (names, sizes and times, not contents: a no-op rebuild reads no audio)."""
    choice = config.voice_choice(language)
    files = [root / choice.model] if choice and choice.model else []
    folder = recordings_dir(root, language, slug)
    files += audio_files(folder) + audio_files(folder.parent)  # misnamed and misplaced ones are named
    stats = []
    for path in files:
        with contextlib.suppress(OSError):
            stat = path.stat()
            stats.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(stats)
