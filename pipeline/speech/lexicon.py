"""Pronunciation lexicons: locales/<lang>/pronunciation.toml, written form = spoken form; an article's
speech script in its language's lexicon."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pipeline.errors import PlainspokenError
from pipeline.i18n.article import Article
from pipeline.render.speech import SpeechScript, render_speech
from pipeline.source.project import Project


def load_lexicon(path: Path, *, display: str) -> dict[str, str]:
    """Written form → spoken form; {} when the language has no lexicon."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"\(at line (\d+)", str(error))
        raise PlainspokenError.at(
            display, int(match.group(1)) if match else 0, f"not valid TOML: {error}"
        ) from None
    if not all(isinstance(v, str) for v in data.values()):
        raise PlainspokenError.at(display, 0, 'write one entry a line: IOP = "I O P"')
    return dict(data)


def article_script(project: Project, article: Article) -> SpeechScript:
    """What the audio guide of ``article`` says, with its language's lexicon applied."""
    source, config = article.doc.metadata.source_language, project.config
    return render_speech(
        article.doc,
        facts=config.facts(),
        lexicon=language_lexicon(project, article.language),
        gettext=article.ui.gettext,
        fallback=article.ui.fallback,
        config=config,
        lexicons={source: language_lexicon(project, source)},  # for the parts that fell back to it
    )


def language_lexicon(project: Project, language: str) -> dict[str, str]:
    """locales/<language>/pronunciation.toml, or {} when there is none."""
    path = project.locales_dir / language / "pronunciation.toml"
    return load_lexicon(path, display=project.display(path))
