"""AudioBuilder: an MP3 audio guide with chapters and a WebVTT file per article and language."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pipeline.audio.kept import SpeechCache, kept_paths
from pipeline.audio.parts import share, speak_share, spoken_ahead
from pipeline.audio.vtt import render_vtt
from pipeline.builders.base import Builder, OutputSkipped
from pipeline.errors import PlainspokenError, Problem
from pipeline.i18n.article import Article
from pipeline.model import plain_text
from pipeline.render.speech import SpeechScript, page_only
from pipeline.source.project import Project, language_info, write_atomic
from pipeline.speech.engine import DEFAULT_ENGINE, SpeechError
from pipeline.speech.lexicon import article_script
from pipeline.speech.narration import (
    Coverage,
    coverage,
    recordings_dir,
    unnamed_narrator,
    untranslated_ids,
)
from pipeline.speech.speakers import Speaker, Voice, speaker_for
from pipeline.speech.voices import iso_639_2, no_voice_reason

if TYPE_CHECKING:  # numpy, scipy and LAME load when a guide is written, not with the registry
    from pipeline.audio.mp3 import Mp3Tags


class AudioBuilder(Builder):
    """Writes build/site/<lang>/<slug>.mp3 and .vtt for languages with a voice."""

    name: ClassVar[str] = "audio"
    engine: ClassVar[str] = DEFAULT_ENGINE
    timeout: ClassVar[float] = 30.0
    note: str = ""  # for the build summary: how many segments a narrator recorded
    warnings: list[Problem] = []  # noqa: RUF012 - reset per article: stale recordings

    def script(self, article: Article) -> SpeechScript:
        """What the guide says: a part in a language no voice speaks says it is on the page only."""
        script = article_script(self.project, article)
        return page_only(script, self._other_voices(script).__contains__, article.ui.gettext)

    def _other_voices(self, script: SpeechScript) -> dict[str, Voice]:
        """The synthetic voice of each language the script's translation fell back to."""
        config, root, found = self.project.config, self.project.root, {}
        for language in {segment.lang for segment in script.segments} - {"", script.language}:
            speaker = speaker_for(config, root, language)
            if speaker is not None and speaker.synthetic:
                engine = self.engine if speaker.engine == DEFAULT_ENGINE else speaker.engine
                found[language] = Voice(engine, speaker.voice)
        return found

    def write(self, article: Article) -> list[Path]:
        speaker = speaker_for(self.project.config, self.project.root, article.language)
        if speaker is None:
            raise OutputSkipped(self._no_speaker(article.language))
        engine = self.engine if speaker.engine == DEFAULT_ENGINE else speaker.engine  # tests swap espeak-ng
        voice, script = speaker.voice, self.script(article)
        others = self._other_voices(script)
        recorded = self._recordings(article, script, speaker)
        from pipeline.audio.guide import cues_json, speak_script  # numpy, scipy and LAME: 2-3 s to load
        from pipeline.audio.mp3 import tag_mp3

        out_dir = self.project.output_dir(article.language)
        mp3 = out_dir / f"{article.doc.slug}.mp3"
        out_dir.mkdir(parents=True, exist_ok=True)
        kept = speech_cache(self.project, article.language)  # before the MP3: its try removes it
        fd, tmp = tempfile.mkstemp(prefix=f".{mp3.name}.", suffix=".tmp", dir=out_dir)
        try:
            ahead = spoken_ahead(script, self._ahead_dir(article))
            with os.fdopen(fd, "wb") as handle:
                guide = speak_script(
                    script,
                    voice=voice,
                    out=handle,
                    timeout=self.timeout,
                    engine=engine,
                    recorded=recorded,
                    ahead=ahead,
                    others=others,
                    kept=kept,
                )
            tag_mp3(Path(tmp), self._tags(article), list(guide.chapters))
            os.chmod(tmp, 0o644)
            os.replace(tmp, mp3)
        except SpeechError as error:
            spoken = f" (voice {voice})" if voice else ""
            raise PlainspokenError.at(self.project.display(mp3), 0, f"{error}{spoken}") from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        used = kept_paths(script, Voice(engine, voice), others, recorded, kept)
        kept.record_guide(self.project, article.language, article.doc.slug, used)
        vtt = out_dir / f"{article.doc.slug}.vtt"
        direction = language_info(article.language).direction
        write_atomic(vtt, render_vtt(list(guide.cues), direction).encode("utf-8"))
        cues = out_dir / f"{article.doc.slug}.cues.json"
        write_atomic(cues, cues_json(guide).encode("utf-8"))
        return [mp3, vtt, cues]

    def untranslated(self, article: Article) -> frozenset[str]:
        """The ids of segments still in the articles' own language, not for this language's narrator:
        untranslated units, and interface words (key points, help) said as in the source's script or
        in another language (a crisis line's note that fell back)."""
        if article.review.state == "source":
            return frozenset()
        from pipeline.i18n.article import prepare_article
        from pipeline.source.articles import read_article

        slug = article.doc.slug
        own = read_article(self.project, self.project.source_dir / f"{slug}.md").language
        source = {s.anchor: s.text for s in self.script(prepare_article(self.project, slug, own)[0]).segments}
        same = {s.anchor for s in self.script(article).segments if s.lang or source.get(s.anchor) == s.text}
        return untranslated_ids(article.doc) | same

    def write_share(self, article: Article, index: int, count: int) -> None:
        """Speak one share of the guide's synthetic segments ahead, into the build's scratch folder."""
        folder = self._ahead_dir(article)
        speaker = speaker_for(self.project.config, self.project.root, article.language)
        if folder is None or speaker is None or not speaker.synthetic:
            return
        script = self.script(article)
        recorded = self._recordings(article, script, speaker, share=True)
        # Parts in another language are left to the guide's own job, which has their voices.
        todo = [s for s in script.segments if s.anchor not in recorded and not s.lang]
        engine = self.engine if speaker.engine == DEFAULT_ENGINE else speaker.engine
        chosen = share(todo, index, count)
        kept = speech_cache(self.project, article.language)
        speak_share(chosen, folder, voice=speaker.voice, timeout=self.timeout, engine=engine, kept=kept)

    def _ahead_dir(self, article: Article) -> Path | None:
        scratch = self.project.scratch_dir
        return scratch / "speech" / article.language / article.doc.slug if scratch else None

    def _recordings(
        self, article: Article, script: SpeechScript, speaker: Speaker, *, share: bool = False
    ) -> dict[str, Path]:
        """The narrator's usable, current recordings, each other file named with what to do about it;
        a language with no synthetic voice needs all of them. A ``share`` reads the notes beside them
        and only glances at them: the guide's own task writes the notes and decodes each recording
        (what a share takes as recorded but the guide cannot use, the guide speaks itself)."""
        self.note, self.warnings = "", []
        untranslated = self.untranslated(article)
        slug = article.doc.slug
        found = coverage(
            self.project.root, script, slug, adopt=not share, untranslated=untranslated, thorough=not share
        )
        folder = recordings_dir(self.project.root, article.language, article.doc.slug)
        self.warnings = [Problem(self.project.display(n.path), 0, n.message) for n in found.notes]
        self.warnings += [  # links to nothing a worker's copy of the inputs cannot hold
            Problem(self.project.display(self.project.root / path), 0, f"not used: {why}")
            for path, why in self.project.unreadable
            if (self.project.root / path).parent == folder
        ]
        if not speaker.synthetic and not found.complete:
            raise OutputSkipped(self._incomplete(article, found), self.warnings)
        self.note = found.summary() if folder.is_dir() or found.notes else ""
        return found.recorded

    def _incomplete(self, article: Article, found: Coverage) -> str:
        """Why a recordings-only guide is not published, and whether one was just taken down."""
        script = f"plainspoken record {article.language} writes the script"
        if found.untranslated:
            script = (
                f"{len(found.untranslated)} not translated yet: translate them, then record them; {script}"
            )
        if not self.outputs(article)[0].exists():
            return f"{found.summary()}; without a synthetic voice the guide needs them all ({script})"
        return (
            f"{found.summary()}: the published guide is TAKEN DOWN, as without a synthetic voice it needs "
            f"every segment; to restore it, record the {len(found.missing)} missing ({script}), build again"
        )

    def _no_speaker(self, language: str) -> str:
        found = unnamed_narrator(self.project.root, language, self.project.config.path)
        return f"{no_voice_reason(language)}; {found}" if found else no_voice_reason(language)

    def _tags(self, article: Article) -> Mp3Tags:
        from pipeline.audio.mp3 import Mp3Tags

        meta = article.doc.metadata
        return Mp3Tags(
            title=plain_text(meta.title.inlines),
            language=iso_639_2(article.language),
            clinic=self.project.config.clinic_name,
            year=meta.last_reviewed[:4],
        )


def speech_cache(project: Project, language: str) -> SpeechCache:
    """The project's kept speech, for the speech toolchain of ``language`` as installed now."""
    from pipeline.builders.outputs import spec
    from pipeline.builders.toolchain import fingerprint

    return SpeechCache(project.cache_dir / "speech", fingerprint(spec("audio"), language))
