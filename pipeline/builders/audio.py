"""AudioBuilder: an MP3 audio guide with chapters and a WebVTT file per article and language."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import ClassVar

from pipeline.audio.guide import speak_script
from pipeline.audio.mp3 import Mp3Tags, tag_mp3
from pipeline.audio.vtt import render_vtt
from pipeline.builders.base import Builder, OutputSkipped
from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article
from pipeline.model import plain_text
from pipeline.render.speech import SpeechScript, render_speech
from pipeline.source.project import write_atomic
from pipeline.speech.engine import DEFAULT_ENGINE, SpeechError
from pipeline.speech.lexicon import load_lexicon
from pipeline.speech.voices import iso_639_2, no_voice_reason, voice_for


class AudioBuilder(Builder):
    """Writes build/site/<lang>/<slug>.mp3 and .vtt for languages with a voice."""

    name: ClassVar[str] = "audio"
    engine: ClassVar[str] = DEFAULT_ENGINE
    timeout: ClassVar[float] = 30.0

    def script(self, article: Article) -> SpeechScript:
        path = self.project.locales_dir / article.language / "pronunciation.toml"
        lexicon = load_lexicon(path, display=self.project.display(path))
        config = self.project.config
        return render_speech(
            article.doc, facts=config.facts(), lexicon=lexicon, gettext=article.ui.gettext, config=config
        )

    def outputs(self, article: Article) -> list[Path]:
        folder = self.project.output_dir(article.language)
        return [folder / f"{article.doc.slug}.mp3", folder / f"{article.doc.slug}.vtt"]

    def write(self, article: Article) -> list[Path]:
        voice = voice_for(article.language, dict(self.project.config.voices))
        if voice is None:
            raise OutputSkipped(no_voice_reason(article.language))
        out_dir = self.project.output_dir(article.language)
        mp3 = out_dir / f"{article.doc.slug}.mp3"
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{mp3.name}.", suffix=".tmp", dir=out_dir)
        try:
            with os.fdopen(fd, "wb") as handle:
                guide = speak_script(
                    self.script(article), voice=voice, out=handle, timeout=self.timeout, engine=self.engine
                )
            tag_mp3(Path(tmp), self._tags(article), list(guide.chapters))
            os.chmod(tmp, 0o644)
            os.replace(tmp, mp3)
        except SpeechError as error:
            raise PlainspokenError.at(self.project.display(mp3), 0, f"{error} (voice {voice})") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        vtt = out_dir / f"{article.doc.slug}.vtt"
        write_atomic(vtt, render_vtt(list(guide.cues)).encode("utf-8"))
        return [mp3, vtt]

    def _tags(self, article: Article) -> Mp3Tags:
        meta = article.doc.metadata
        return Mp3Tags(
            title=plain_text(meta.title.inlines),
            language=iso_639_2(article.language),
            clinic=self.project.config.clinic_name,
            year=meta.last_reviewed[:4],
        )
