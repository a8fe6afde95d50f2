"""`plainspoken record LANG`: a narrator's script per article (HTML, large-type PDF, JSON for tools)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline.builders.audio import AudioBuilder
from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article, prepare_article
from pipeline.model import plain_text
from pipeline.render.fonts import css_font_family
from pipeline.render.pages import make_environment
from pipeline.render.speech import SpeechScript
from pipeline.source.articles import load_sources
from pipeline.source.project import Project, language_info, write_atomic
from pipeline.speech.lexicon import load_lexicon
from pipeline.speech.narration import (
    FORMATS,
    Coverage,
    coverage,
    recordings_dir,
    text_digest,
)


@dataclass(frozen=True)
class ScriptResult:
    """What one article's narrator's script says about its recordings."""

    slug: str
    files: tuple[Path, ...]
    summary: str  # "3 of 8 segments recorded"
    notes: tuple[str, ...] = ()  # "path: what is wrong with this file and what to do", one per file


def write_recording_scripts(project: Project, language: str, *, pdf: bool = True) -> list[ScriptResult]:
    """Write build/record/<language>/<slug>.json, .html and .pdf for every article."""
    sources = load_sources(project)
    if sources.problems:
        raise PlainspokenError(sources.problems)
    results = []
    for doc in sources.documents:
        article, _ = prepare_article(project, doc.slug, language)
        results.append(_write_one(project, article, pdf=pdf))
    return results


def _write_one(project: Project, article: Article, *, pdf: bool) -> ScriptResult:
    script = AudioBuilder(project).script(article)
    lexicon_path = project.locales_dir / article.language / "pronunciation.toml"
    lexicon = load_lexicon(lexicon_path, display=project.display(lexicon_path))
    slug = article.doc.slug
    found = coverage(project.root, script, slug, untranslated=AudioBuilder(project).untranslated(article))
    folder = project.root / "build" / "record" / article.language
    stale = {p.stem for p in found.stale}
    data = script_data(project, script, slug, lexicon, found.recorded, stale, set(found.untranslated))
    data["problems"] = [{"file": project.display(n.path), "message": n.message} for n in found.notes]
    files = [folder / f"{slug}.json", folder / f"{slug}.html"]
    write_atomic(files[0], (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    html = _html(project, article, data, len(found.recorded))
    write_atomic(files[1], html.encode("utf-8"))
    if pdf:
        files.append(folder / f"{slug}.pdf")
        write_atomic(files[2], _pdf(project, html, project.display(files[2])))
    notes = tuple(f"{p['file']}: {p['message']}" for p in data["problems"])
    return ScriptResult(slug, tuple(files), _summary(found, article.language), notes)


def _summary(found: Coverage, language: str) -> str:
    if not found.untranslated:
        return found.summary()
    left_out = f"{len(found.untranslated)} segments not translated into {language} yet"
    return f"{found.summary()}; {left_out} are left out of the script: record them once translated"


def script_data(
    project: Project,
    script: SpeechScript,
    slug: str,
    lexicon: Mapping[str, str],
    recorded: Mapping[str, Path],
    stale: set[str],
    untranslated: Collection[str] = (),
) -> dict[str, Any]:
    """The script for tools: every segment's id, text, tricky words and the file to save it as
    (status "untranslated": still in the source language, not to be recorded yet)."""
    folder = recordings_dir(project.root, script.language, slug)
    segments = []
    for segment in script.segments:
        say = [(w, s) for w, s in lexicon.items() if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", segment.text)]
        status = "stale" if segment.anchor in stale else "missing"
        status = "recorded" if segment.anchor in recorded else status
        status = "untranslated" if segment.anchor in untranslated and status != "recorded" else status
        segments.append(
            {
                "id": segment.anchor,
                "text": segment.text,
                "say": say,
                "file": project.display(folder / f"{segment.anchor}{FORMATS[0]}"),
                "sha256": text_digest(segment.text),
                "status": status,
            }
        )
    return {"language": script.language, "slug": slug, "title": script.title, "segments": segments}


def _html(project: Project, article: Article, data: dict[str, Any], recorded: int) -> str:
    info = language_info(article.language)
    choice = project.config.voice_choice(article.language)
    return (
        make_environment()
        .get_template("record.html")
        .render(
            language=article.language,
            direction=info.direction,
            language_name=info.english_name,
            title=plain_text(article.doc.metadata.title.inlines),
            narrator=choice.narrator if choice else "",
            font_family=Markup(css_font_family(article.language)),
            folder=project.display(recordings_dir(project.root, article.language, article.doc.slug)),
            segments=[s for s in data["segments"] if s["status"] != "untranslated"],
            left_out=sum(1 for s in data["segments"] if s["status"] == "untranslated"),
            recorded=recorded,
        )
    )


def _pdf(project: Project, html: str, label: str) -> bytes:
    from pipeline.builders.printing import render_pdf

    return render_pdf(html, "", base_url=str(project.root), allowed_dirs=[], label=label)
