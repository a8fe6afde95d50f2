"""HtmlBuilder: accessible, offline web pages per article and language, plus indexes."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from markupsafe import Markup

from pipeline.audio.vtt import parse_vtt
from pipeline.builders.base import Builder
from pipeline.i18n.article import Article
from pipeline.i18n.ui import UiText
from pipeline.model import Heading
from pipeline.render.fonts import css_lang_rules
from pipeline.render.html import HtmlRenderer, fact_html
from pipeline.render.pages import (
    article_parts,
    audio_length,
    audio_size,
    clock,
    make_environment,
    review_notes,
)
from pipeline.source.config import LANGUAGE_TAG, Fact
from pipeline.source.project import LanguageInfo, language_info, write_atomic
from pipeline.speech.voices import voice_for

if TYPE_CHECKING:
    from pipeline.site.report import LanguageRow

STATIC_DIR = Path(__file__).parent.parent / "static"


class HtmlBuilder(Builder):
    """Writes build/site/<lang>/<slug>.html, the language indexes and the site index."""

    name: ClassVar[str] = "html"
    with_report = True  #: finish() also writes build/site/report.html

    def prepare(self, articles: Sequence[Article]) -> None:
        self.env = make_environment()
        self.facts = self.project.config.facts()
        self.renderer = HtmlRenderer(facts=self.facts)
        self.by_language: dict[str, list[Article]] = {}
        for article in articles:
            self.by_language.setdefault(article.language, []).append(article)
        # The site's languages: those with published pages (the site task sees every article).
        self.languages = [tag for tag in self.project.config.languages if tag in self.by_language]

    def outputs(self, article: Article) -> list[Path]:
        return [self.project.output_dir(article.language) / f"{article.doc.slug}.html"]

    def write(self, article: Article) -> list[Path]:
        (out,) = self.outputs(article)
        html = self.env.get_template("article.html").render(self._article_context(article))
        write_atomic(out, html.encode("utf-8"))
        return [out]

    def finish(self) -> list[Path]:
        self._remove_unpublished_languages()
        written = self._write_static()
        for tag in self.by_language:
            out = self.project.output_dir(tag) / "index.html"
            html = self.env.get_template("language_index.html").render(self._language_index_context(tag))
            write_atomic(out, html.encode("utf-8"))
            written.append(out)
        out = self.project.site_dir / "index.html"
        html = self.env.get_template("site_index.html").render(self._site_index_context())
        write_atomic(out, html.encode("utf-8"))
        written.append(out)
        if self.with_report:
            written.append(self.write_report(self.report_rows()))
        written += self._copy_assets()
        return written

    def _remove_unpublished_languages(self) -> None:
        """A language no longer published (or with no pages left) loses its index and folder."""
        site = self.project.site_dir
        for folder in sorted(site.iterdir()) if site.is_dir() else ():
            if folder.is_dir() and LANGUAGE_TAG.match(folder.name) and folder.name not in self.languages:
                (folder / "index.html").unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if nothing else is left in it

    # --- contexts ------------------------------------------------------------

    def _common(self, ui: UiText, page_lang: LanguageInfo, root: str) -> dict[str, Any]:
        config = self.project.config
        return {
            "_": ui.gettext,
            "page_lang": page_lang,
            "root": root,
            "home_href": f"{root}{page_lang.tag}/index.html"
            if page_lang.tag in self.languages
            else f"{root}index.html",
            "clinic": {
                "name": config.clinic_name,
                "address": config.clinic_address,
                "phone_html": fact_html(self.facts["clinic.phone"]),
            },
            "crisis_lines": [
                {
                    "id": line.id,
                    "name": line.name,
                    "note": line.note,
                    "phone_html": fact_html(Fact(line.id, line.phone, "phone")),
                }
                for line in config.crisis_lines
            ],
        }

    def _alternates(self, root: str, page: str, languages: Sequence[str]) -> list[dict[str, str]]:
        """Links to ``page`` in each of ``languages``, named in their own language."""
        result = []
        for tag in languages:
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
        doc = article.doc
        context = self._common(article.ui, language_info(article.language), "../")
        from pipeline.i18n.publishing import article_link_languages, published_languages

        languages_with_it = self._alternates(
            "../", f"{doc.slug}.html", published_languages(self.project, doc.slug)
        )
        links = article_link_languages(self.project, doc, article.language)
        context.update(
            article_parts(
                doc, facts=self.facts, asset_prefix="../", article_links=links, gettext=article.ui.gettext
            )
        )
        context.update(
            {
                "alternates": languages_with_it,
                "listen": self._listen_context(article),
                **review_notes(article),
            }
        )
        return context

    def _listen_context(self, article: Article) -> dict[str, Any] | None:
        """The audio player, if the audio guide exists; a plain notice if the language has no voice."""
        folder = self.project.output_dir(article.language)
        mp3, vtt = folder / f"{article.doc.slug}.mp3", folder / f"{article.doc.slug}.vtt"
        if not (mp3.exists() and vtt.exists()):
            has_voice = voice_for(article.language, dict(self.project.config.voices)) is not None
            return None if has_voice else {"src": ""}
        cues = parse_vtt(vtt.read_text(encoding="utf-8"))
        starts = {cue.id: cue.start for cue in cues}
        chapters = [
            {
                "anchor": h.id,
                "title": Markup(self.renderer.inlines(h.inlines)).striptags(),
                "start": f"{starts[h.id]:.3f}",
                "clock": clock(starts[h.id]),
            }
            for h in article.doc.blocks
            if isinstance(h, Heading) and h.level == 2 and h.id in starts
        ]
        if "key-points" in starts:
            key_points = article.ui.gettext("Key points")
            start = starts["key-points"]
            chapters.insert(
                0,
                {"anchor": "key-points", "title": key_points, "start": f"{start:.3f}", "clock": clock(start)},
            )
        if "help-title" in starts:  # the guide ends like the page, with the crisis lines
            start = starts["help-title"]
            title = article.ui.gettext("Need help now?")
            chapters.append(
                {"anchor": "help-title", "title": title, "start": f"{start:.3f}", "clock": clock(start)}
            )
        length = cues[-1].end if cues else 0.0
        download = article.ui.gettext("Download the audio guide (MP3, {size}, {length})").format(
            size=audio_size(mp3.stat().st_size, article.language),
            length=audio_length(length, article.language),
        )
        data = [{"id": c.id, "start": round(c.start, 3), "end": round(c.end, 3)} for c in cues]
        return {
            "src": mp3.name,
            "download": download,
            "chapters": chapters,
            "cues_json": Markup(json.dumps(data, separators=(",", ":")).replace("</", "<\\/")),
        }

    def _language_index_context(self, tag: str) -> dict[str, Any]:
        articles = sorted(self.by_language[tag], key=lambda a: a.doc.slug)
        context = self._common(articles[0].ui, language_info(tag), "../")
        context.update(
            {
                "alternates": self._alternates("../", "index.html", self.languages),
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
                    {**vars(language_info(tag)), "href": f"{tag}/index.html"} for tag in self.languages
                ],
            }
        )
        return context

    def report_rows(self) -> list[LanguageRow]:
        """The report's rows: completeness, review and checks of every published language."""
        from pipeline.site.report import language_rows

        articles = [a for tag in self.languages for a in self.by_language.get(tag, [])]
        return language_rows(self.project, articles)

    def write_report(self, rows: Sequence[LanguageRow]) -> Path:
        """build/site/report.html: the state of every language, for the clinic manager."""
        context = self._common(UiText("en"), language_info("en"), "")
        context.update({"alternates": [], "page_title": "Build report", "rows": rows})
        out = self.project.site_dir / "report.html"
        write_atomic(out, self.env.get_template("report.html").render(context).encode("utf-8"))
        return out

    # --- files ---------------------------------------------------------------

    def _write_static(self) -> list[Path]:
        written = []
        for name in ("plainspoken.css", "readalong.js"):
            out = self.project.site_dir / "_static" / name
            data = (STATIC_DIR / name).read_bytes()
            if name.endswith(".css"):
                data += css_lang_rules(self.project.config.languages).encode("utf-8")
            write_atomic(out, data)
            written.append(out)
        return written

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
