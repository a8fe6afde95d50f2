"""BilingualBuilder: a tagged PDF handout with each block in the patient's language, then in English."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pipeline.builders.base import Builder, OutputSkipped
from pipeline.builders.printing import render_pdf
from pipeline.i18n.article import Article, prepare_article
from pipeline.i18n.publishing import article_link_languages
from pipeline.render.bilingual import render_bilingual
from pipeline.render.handout import REGULAR, looser_spacing
from pipeline.source.project import write_atomic
from pipeline.speech.voices import voice_for


class BilingualBuilder(Builder):
    """Writes build/site/<lang>/<slug>-bilingual.pdf for every language but the articles' own."""

    name: ClassVar[str] = "bilingual"

    def source_article(self, article: Article) -> Article:
        """The article in the language it is written in; OutputSkipped when ``article`` is that."""
        source = article.doc.metadata.source_language
        if article.language == source:
            raise OutputSkipped(f"{source} is the articles' own language: its handout is already in it")
        english, _ = prepare_article(self.project, article.doc.slug, source)  # its warnings are the page's
        return english

    def write(self, article: Article) -> list[Path]:
        english = self.source_article(article)
        out = self.project.output_dir(article.language) / f"{article.doc.slug}-bilingual.pdf"

        def links(language: str) -> dict[str, str]:
            return article_link_languages(self.project, article.doc, language, self.publication)

        html, css = render_bilingual(
            article,
            english,
            config=self.project.config,
            article_links=links(article.language),
            source_links=links(english.language),
            # the QR code promises audio only where the language has a voice
            audio_guide=voice_for(article.language, dict(self.project.config.voices)) is not None,
        )
        source = self.project.source_dir
        data = render_pdf(
            html,
            css,
            base_url=source.as_uri() + "/",
            allowed_dirs=[source / "assets"],
            label=self.project.display(out),
            looser=looser_spacing(REGULAR),
        )
        write_atomic(out, data)
        return [out]
