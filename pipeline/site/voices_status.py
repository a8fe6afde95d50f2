"""Which voice speaks each language (espeak-ng, a Piper model, a narrator) and how much is recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.builders.audio import AudioBuilder
from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article, prepare_article
from pipeline.source.project import Project
from pipeline.speech.narration import coverage, recordings_dir
from pipeline.speech.speakers import speaker_for
from pipeline.speech.voices import no_voice_reason


@dataclass(frozen=True)
class VoiceRow:
    """One language's voice and its recording coverage over every article."""

    language: str
    voice: str  # "espeak-ng es-419", "Piper en_US-joe-medium", "recordings only", or why there is none
    narrator: str
    recorded: int
    total: int  # segments in every article with a recordings folder (0: nobody is recording)
    stale: int

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def describe(self) -> str:
        return f"{self.language:<8} {self.summary()}"

    def summary(self) -> str:
        narrator = f", narrated by {self.narrator}" if self.narrator else ""
        stale = f", {self.stale} stale" if self.stale else ""
        recorded = f"; {self.recorded} of {self.total} segments recorded{stale}" if self.total else ""
        return f"{self.voice}{narrator}{recorded}"


def voice_rows(project: Project) -> list[VoiceRow]:
    """Every published language's speaker; a bad voice setting is shown as its one-line reason."""
    return [_row(project, language) for language in project.config.languages]


def voice_row(project: Project, language: str, articles: Sequence[Article] | None = None) -> VoiceRow:
    """``language``'s row; ``articles`` (already translated) saves translating them again."""
    return _row(project, language, {a.doc.slug: a for a in articles or ()})


def _row(project: Project, language: str, translated: dict[str, Article] | None = None) -> VoiceRow:
    try:
        speaker = speaker_for(project.config, project.root, language)
    except PlainspokenError as error:
        return VoiceRow(language, f"no audio: {error.problems[0]}", "", 0, 0, 0)
    if speaker is None:
        return VoiceRow(language, f"no audio: {no_voice_reason(language)}", "", 0, 0, 0)
    recorded = total = stale = 0
    for path in project.article_paths():
        if not recordings_dir(project.root, language, path.stem).is_dir():
            continue
        article = (translated or {}).get(path.stem) or _prepare(project, path.stem, language)
        if article is None:
            continue  # the build reports a broken article or catalog
        found = coverage(project.root, AudioBuilder(project).script(article), path.stem, adopt=False)
        recorded, total, stale = recorded + len(found.recorded), total + found.total, stale + len(found.stale)
    return VoiceRow(language, speaker.label, speaker.narrator, recorded, total, stale)


def _prepare(project: Project, slug: str, language: str) -> Article | None:
    try:
        return prepare_article(project, slug, language)[0]
    except PlainspokenError:
        return None
