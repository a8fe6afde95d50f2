"""PdfBuilder: print-ready, tagged PDF handouts, regular and large print, per article and language."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pipeline.builders.base import Builder
from pipeline.builders.printing import render_pdf
from pipeline.i18n.article import Article
from pipeline.i18n.publishing import article_link_languages
from pipeline.render.handout import VARIANTS, looser_spacing, render_handout
from pipeline.source.project import write_atomic
from pipeline.speech.voices import voice_for

#: The base URL of a handout's images: it stands for source/, wherever the project's files are (a
#: worker's copy of them), so that a handout's bytes do not depend on the folder it was built in.
SOURCE_URL = "file:///plainspoken-project/source/"


class PdfBuilder(Builder):
    """Writes build/site/<lang>/<slug>.pdf and <slug>-large-print.pdf."""

    name: ClassVar[str] = "pdf"

    def write(self, article: Article) -> list[Path]:
        written = []
        source = self.project.source_dir
        for variant in VARIANTS:
            out = self.project.output_dir(article.language) / f"{article.doc.slug}{variant.suffix}.pdf"
            links = article_link_languages(self.project, article.doc, article.language, self.publication)
            html, css = render_handout(
                article,
                config=self.project.config,
                variant=variant,
                article_links=links,
                # the QR code promises audio only where the language has a voice
                audio_guide=voice_for(article.language, dict(self.project.config.voices)) is not None,
            )
            data = render_pdf(
                html,
                css,
                base_url=SOURCE_URL,
                mapped=(SOURCE_URL, source),
                allowed_dirs=[source / "assets"],
                label=self.project.display(out),
                looser=looser_spacing(variant),
            )
            write_atomic(out, data)
            written.append(out)
        return written
