"""Which voice speaks each language (espeak-ng, a Piper model, a narrator) and how much is recorded."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.builders.audio import AudioBuilder
from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article, prepare_article
from pipeline.source.project import Project
from pipeline.speech.narration import Coverage, audio_files, coverage, unnamed_narrator
from pipeline.speech.speakers import speaker_for
from pipeline.speech.voices import no_voice_reason


@dataclass(frozen=True)
class VoiceRow:
    """One language's voice and its recording coverage over every article."""

    language: str
    voice: str  # "espeak-ng es-419", "Piper en_US-joe-medium", "recordings only", or why there is none
    narrator: str
    recorded: int
    total: int  # segments in every article, once the language has a recordings folder (0: none)
    stale: int
    unusable: int = 0
    notes: tuple[str, ...] = ()  # "path: what is wrong with this file and what to do", one per file

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def describe(self) -> str:
        return "\n    ".join([f"{self.language:<8} {self.summary()}", *self.notes])

    def summary(self) -> str:
        narrator = f", narrated by {self.narrator}" if self.narrator else ""
        stale = f", {self.stale} stale" if self.stale else ""
        stale += f", {self.unusable} unusable" if self.unusable else ""
        recorded = f"; {self.recorded} of {self.total} segments recorded{stale}" if self.total else ""
        return f"{self.voice}{narrator}{recorded}"


def voice_rows(project: Project) -> list[VoiceRow]:
    """Every published language's speaker; a bad voice setting is shown as its one-line reason."""
    return [_row(project, language) for language in project.config.languages]


def voice_row(
    project: Project, language: str, articles: Sequence[Article] | None = None, *, thorough: bool = True
) -> VoiceRow:
    """``language``'s row; ``articles`` (already translated) saves translating them again. Without
    ``thorough``, recordings are checked by size and header only (for the report: no decoding)."""
    return _row(project, language, {a.doc.slug: a for a in articles or ()}, thorough=thorough)


def _row(
    project: Project, language: str, translated: dict[str, Article] | None = None, *, thorough: bool = True
) -> VoiceRow:
    try:
        speaker = speaker_for(project.config, project.root, language)
    except PlainspokenError as error:
        return VoiceRow(language, f"no audio: {error.problems[0]}", "", 0, 0, 0)
    voice, narrator = (speaker.label, speaker.narrator) if speaker else (_no_speaker(project, language), "")
    if not (project.root / "recordings" / language).is_dir():
        return VoiceRow(language, voice, narrator, 0, 0, 0)
    found = _coverages(project, language, translated or {}, thorough=thorough)
    notes = tuple(f"{project.display(n.path)}: {n.message}" for c in found for n in c.notes)
    notes += _unclaimed(project, language, {n.path for c in found for n in c.notes})
    return VoiceRow(
        language,
        voice,
        narrator,
        sum(len(c.recorded) for c in found),
        sum(c.total for c in found),
        sum(len(c.stale) for c in found),
        sum(len(c.unusable) for c in found),
        tuple(dict.fromkeys(notes)),
    )


def _coverages(
    project: Project, language: str, translated: dict[str, Article], *, thorough: bool
) -> list[Coverage]:
    """Every article's recordings in ``language`` (an article that does not translate is left out:
    the build reports it)."""
    builder = AudioBuilder(project)
    return [
        coverage(
            project.root,
            builder.script(article),
            article.doc.slug,
            adopt=False,
            untranslated=builder.untranslated(article),
            thorough=thorough,
        )
        for path in project.article_paths()
        if (article := translated.get(path.stem) or _prepare(project, path.stem, language))
    ]


def _unclaimed(project: Project, language: str, named: set[Path]) -> tuple[str, ...]:
    """What in recordings/<language>/ no article's check names: folders of no article, stray files."""
    folder = project.root / "recordings" / language
    slugs = [path.stem for path in project.article_paths()]
    notes = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in slugs):
        close = difflib.get_close_matches(path.name, slugs, n=1)
        hint = f" (did you mean recordings/{language}/{close[0]}/?)" if close else ""
        notes.append(f"{project.display(path)}/: not used: no article is named {path.name}{hint}")
    where = f"recordings/{language}/<article>/<segment id>.wav, as the narrator's script says"
    notes += [
        f"{project.display(p)}: not used: save it as {where}" for p in audio_files(folder) if p not in named
    ]
    return tuple(notes)


def _no_speaker(project: Project, language: str) -> str:
    found = unnamed_narrator(project.root, language, project.config.path)
    return f"no audio: {no_voice_reason(language)}" + (f"; {found}" if found else "")


def _prepare(project: Project, slug: str, language: str) -> Article | None:
    try:
        return prepare_article(project, slug, language)[0]
    except PlainspokenError:
        return None
