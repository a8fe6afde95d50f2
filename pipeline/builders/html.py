"""HtmlBuilder: accessible, offline web pages per article and language, plus indexes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from markupsafe import Markup

from pipeline.builders.base import Article, Builder
from pipeline.config import Fact
from pipeline.project import LanguageInfo, language_info, write_atomic
from pipeline.render.html import HtmlRenderer, fact_html
from pipeline.render.pages import article_parts, make_environment
from pipeline.ui import UiText

STATIC_DIR = Path(__file__).parent.parent / "static"


class HtmlBuilder(Builder):
    """Writes build/site/<lang>/<slug>.html, the language indexes and the site index."""

    name: ClassVar[str] = "html"

    def prepare(self, articles: Sequence[Article]) -> None:
        self.env = make_environment()
        self.facts = self.project.config.facts()
        self.renderer = HtmlRenderer(facts=self.facts)
        self.by_language: dict[str, list[Article]] = {}
        for article in articles:
            self.by_language.setdefault(article.language, []).append(article)
        self.languages = [tag for tag in self.project.config.languages if tag in self.by_language]

    def write(self, article: Article) -> list[Path]:
        out = self.project.output_dir(article.language) / f"{article.doc.slug}.html"
        html = self.env.get_template("article.html").render(self._article_context(article))
        write_atomic(out, html.encode("utf-8"))
        return [out]

    def finish(self) -> list[Path]:
        written = [self._write_static()]
        for tag in self.languages:
            out = self.project.output_dir(tag) / "index.html"
            html = self.env.get_template("language_index.html").render(
                self._language_index_context(tag)
            )
            write_atomic(out, html.encode("utf-8"))
            written.append(out)
        out = self.project.site_dir / "index.html"
        html = self.env.get_template("site_index.html").render(self._site_index_context())
        write_atomic(out, html.encode("utf-8"))
        written.append(out)
        written += self._copy_assets()
        return written

    # --- contexts ------------------------------------------------------------

    def _common(self, ui: UiText, page_lang: LanguageInfo, root: str) -> dict[str, Any]:
        config = self.project.config
        return {
            "_": ui.gettext,
            "page_lang": page_lang,
            "root": root,
            "home_href": f"{root}{page_lang.tag}/index.html"
            if page_lang.tag in self.by_language
            else f"{root}index.html",
            "clinic": {
                "name": config.clinic_name,
                "address": config.clinic_address,
                "phone_html": fact_html(self.facts["clinic.phone"]),
            },
            "crisis_lines": [
                {
                    "name": line.name,
                    "note": line.note,
                    "phone_html": fact_html(Fact(line.id, line.phone, "phone")),
                }
                for line in config.crisis_lines
            ],
        }

    def _alternates(self, root: str, page: str) -> list[dict[str, str]]:
        result = []
        for tag in self.languages:
            info = language_info(tag)
            result.append(
                {
                    "tag": tag,
                    "href": f"{root}{tag}/{page}",
                    "native_name": info.native_name,
                    "direction": info.direction,
                }
            )
        return result

    def _article_context(self, article: Article) -> dict[str, Any]:
        doc, render = article.doc, self.renderer
        context = self._common(article.ui, language_info(article.language), "../")
        languages_with_it = [
            a
            for a in self._alternates("../", f"{doc.slug}.html")
            if any(x.doc.slug == doc.slug for x in self.by_language[a["tag"]])
        ]
        context.update(article_parts(doc, render))
        context.update(
            {
                "alternates": languages_with_it,
                "draft": article.is_draft,
                "fallbacks": article.report.fallbacks,
            }
        )
        return context

    def _language_index_context(self, tag: str) -> dict[str, Any]:
        articles = sorted(self.by_language[tag], key=lambda a: a.doc.slug)
        context = self._common(articles[0].ui, language_info(tag), "../")
        context.update(
            {
                "alternates": self._alternates("../", "index.html"),
                "page_title": articles[0].ui.gettext("Health information"),
                "articles": [
                    {
                        "href": f"{a.doc.slug}.html",
                        "title_html": self.renderer.inlines(a.doc.metadata.title.inlines),
                        "lang": Markup(self.renderer.lang_attr(a.doc.metadata.title.lang)),
                    }
                    for a in articles
                ],
            }
        )
        return context

    def _site_index_context(self) -> dict[str, Any]:
        ui = UiText("en")
        context = self._common(ui, language_info("en"), "")
        context.update(
            {
                "alternates": [],
                "page_title": ui.gettext("Choose your language"),
                "languages": [
                    {**vars(language_info(tag)), "href": f"{tag}/index.html"}
                    for tag in self.languages
                ],
            }
        )
        return context

    # --- files ---------------------------------------------------------------

    def _write_static(self) -> Path:
        out = self.project.site_dir / "_static" / "plainspoken.css"
        write_atomic(out, (STATIC_DIR / "plainspoken.css").read_bytes())
        return out

    def _copy_assets(self) -> list[Path]:
        """source/assets/ → build/site/assets/ (images articles refer to)."""
        source = self.project.source_dir / "assets"
        if not source.is_dir():
            return []
        written = []
        for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
            out = self.project.site_dir / "assets" / path.relative_to(source)
            write_atomic(out, path.read_bytes())
            written.append(out)
        return written
