"""HtmlBuilder: accessible, offline web pages per article and language, plus indexes."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from markupsafe import Markup

from pipeline.builders.base import Builder
from pipeline.builders.outputs import PageLink, page_links
from pipeline.i18n.article import Article
from pipeline.i18n.publishing import article_link_languages
from pipeline.i18n.ui import UiText
from pipeline.model import Document, Heading, plain_text
from pipeline.quality.plain_language import grade_label
from pipeline.quality.readability import formula
from pipeline.render.fonts import css_lang_rules
from pipeline.render.html import HtmlRenderer, fact_html
from pipeline.render.pages import (
    article_parts,
    audio_length,
    audio_size,
    clock,
    file_size,
    interpreter_notice,
    make_environment,
    review_notes,
    spoken_language_name,
)
from pipeline.source.config import LANGUAGE_TAG, Fact
from pipeline.source.parse import parse_article
from pipeline.source.project import LanguageInfo, language_info, write_atomic
from pipeline.speech.narration import recordings_dir
from pipeline.speech.voices import voice_for

STATIC_DIR = Path(__file__).parent.parent / "static"


@dataclass(frozen=True)
class PageEntry:
    """What the shared pages need of one page, handed to them by the page's task: the language
    index's link and the report's row (so that they translate nothing again)."""

    slug: str
    language: str
    title_html: str
    title_lang: str  #: the title's lang attribute, or ''
    title: str  #: plain text
    translated: int  #: units shown translated
    fallbacks: int  #: units shown in the source language
    source: bool  #: the article's own language (not a translation)
    grade: str  #: reading grade, e.g. "7.9 (Flesch-Kincaid)"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageEntry:
        return cls(**data)


class HtmlBuilder(Builder):
    """Writes build/site/<lang>/<slug>.html, the language indexes and the site index."""

    name: ClassVar[str] = "html"

    def prepare(self, articles: Sequence[Article]) -> None:
        self.env = make_environment()
        self.facts = self.project.config.facts()
        self.renderer = HtmlRenderer(facts=self.facts)
        self.pages: dict[str, list[PageEntry]] = {}
        self.ui: dict[str, UiText] = {}
        self.report_linked = True
        present = {article.language for article in articles}
        self.languages = [tag for tag in self.project.config.languages if tag in present]

    def index(self, entries: Sequence[PageEntry], ui: dict[str, UiText], *, report: bool = True) -> None:
        """The pages the indexes list (``ui``: each language's interface text; ``report``: whether
        the site has a build report for the index to link)."""
        self.report_linked = report
        self.pages = {}
        for entry in sorted(entries, key=lambda e: e.slug):
            self.pages.setdefault(entry.language, []).append(entry)
        self.ui = ui
        # The site's languages: those with published pages (the site task sees every article).
        self.languages = [tag for tag in self.project.config.languages if tag in self.pages]

    def page_entry(self, article: Article) -> PageEntry:
        """What the shared pages need of this article's page."""
        title = article.doc.metadata.title
        return PageEntry(
            article.doc.slug,
            article.language,
            self.renderer.inlines(title.inlines),
            self.renderer.lang_attr(title.lang),
            plain_text(title.inlines),
            article.report.translated,
            article.fallbacks,
            article.review.state == "source",
            grade_label(
                article.doc, {name: fact.value for name, fact in self.facts.items()}, self._english(article)
            ),
        )

    def _english(self, article: Article) -> Document | None:
        """The English article a translation's lengths are set beside, where no formula grades it:
        its parse (kept for its text), not checked again: it was, when it was translated."""
        if article.review.state == "source" or formula(article.language):
            return None
        path = self.project.source_dir / f"{article.doc.slug}.md"
        text = path.read_text(encoding="utf-8")
        return parse_article(text, path=self.project.display(path), slug=path.stem)

    def entry(self, article: Article) -> dict[str, Any]:
        return self.page_entry(article).to_dict()

    def write(self, article: Article) -> list[Path]:
        (out,) = self.outputs(article)
        html = self.env.get_template("article.html").render(self._article_context(article))
        write_atomic(out, html.encode("utf-8"))
        return [out]

    def finish(self) -> list[Path]:
        self._remove_unpublished_languages()
        written = self._write_static()
        for tag in self.pages:
            out = self.project.output_dir(tag) / "index.html"
            html = self.env.get_template("language_index.html").render(self._language_index_context(tag))
            write_atomic(out, html.encode("utf-8"))
            written.append(out)
        out = self.project.site_dir / "index.html"
        html = self.env.get_template("site_index.html").render(self._site_index_context())
        write_atomic(out, html.encode("utf-8"))
        written.append(out)
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

    def page_context(self, ui: UiText, page_lang: LanguageInfo, root: str) -> dict[str, Any]:
        config = self.project.config
        return {
            "_": ui.gettext,
            "_marked": ui.marked,  # site.toml's words: in a lang span where they fell back
            "lang_of": ui.lang_attr,
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
            "interpreter_html": self._interpreter_notice(ui),
            "crisis_lines": [
                {
                    "id": line.id,
                    "name": line.name,
                    "note": line.note,
                    "phone_html": fact_html(Fact(line.id, line.phone, "phone", config.region)),
                }
                for line in config.crisis_lines
            ],
        }

    def _interpreter_notice(self, ui: UiText) -> Markup:
        return interpreter_notice(ui.gettext, fact_html(self.facts["clinic.phone"]))

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
        context = self.page_context(article.ui, language_info(article.language), "../")
        published = self.publication.languages(doc.slug, self.spec.policy_key, self.project.config.languages)
        languages_with_it = self._alternates("../", f"{doc.slug}.html", published)
        links = article_link_languages(self.project, doc, article.language, self.publication)
        context.update(
            article_parts(
                doc, facts=self.facts, asset_prefix="../", article_links=links, gettext=article.ui.gettext
            )
        )
        context.update(
            {
                "alternates": languages_with_it,
                "listen": self._listen_context(article),
                "offers": self._offers(article),
                "missing": [article.ui.gettext(link.missing) for link in self._missing(article.language)],
                **review_notes(article),
            }
        )
        return context

    def _offers(self, article: Article) -> list[dict[str, str]]:
        """The files of other formats that the registry says the page links, those that exist."""
        folder, slug, tag = self.project.output_dir(article.language), article.doc.slug, article.language
        language = language_info(tag).native_name
        offers = []
        for link in page_links():
            path = folder / f"{slug}{link.suffix}"
            if path.is_file():
                size = file_size(path.stat().st_size, tag)
                text = article.ui.gettext("{label} ({size}, {language})").format(
                    label=article.ui.gettext(link.label), size=size, language=language
                )
                offers.append({"href": path.name, "type": link.media_type, "lang": tag, "text": text})
        return offers

    @staticmethod
    def _missing(language: str) -> list[PageLink]:
        """The linked files this language can never have (no braille table): the page says so."""
        return [link for link in page_links() if link.missing and link.cannot_have(language)]

    def _chapters(self, article: Article, starts: dict[str, float]) -> list[dict[str, str]]:
        """The key points and each section, where the guide reads them."""
        spots = [("key-points", article.ui.gettext("Key points"))] if "key-points" in starts else []
        spots += [
            (h.id, Markup(self.renderer.inlines(h.inlines)).striptags())
            for h in article.doc.blocks
            if isinstance(h, Heading) and h.level == 2 and h.id in starts
        ]
        if "help-title" in starts:  # the guide ends like the page, with the crisis lines
            spots.append(("help-title", article.ui.gettext("Need help now?")))
        return [
            {
                "anchor": anchor,
                "title": title,
                "start": f"{starts[anchor]:.3f}",
                "clock": clock(starts[anchor]),
            }
            for anchor, title in spots
        ]

    def _listen_context(self, article: Article) -> dict[str, Any] | None:
        """The audio player, if the audio guide exists; a plain notice if the language has no voice.

        The cue times come from the audio task's .cues.json (data it wrote for this page).
        """
        folder = self.project.output_dir(article.language)
        mp3, timings = folder / f"{article.doc.slug}.mp3", folder / f"{article.doc.slug}.cues.json"
        if not (mp3.exists() and timings.exists()):
            has_voice = voice_for(article.language, dict(self.project.config.voices)) is not None
            return None if has_voice else {"src": ""}
        guide = json.loads(timings.read_text(encoding="utf-8"))
        download = article.ui.gettext("Download the audio guide (MP3, {size}, {length})").format(
            size=audio_size(mp3.stat().st_size, article.language),
            length=audio_length(guide["duration"], article.language),
        )
        choice = self.project.config.voice_choice(article.language)
        narrated = recordings_dir(self.project.root, article.language, article.doc.slug).is_dir()
        captions = folder / f"{article.doc.slug}.vtt"
        return {
            "src": mp3.name,
            "captions": captions.name if captions.is_file() else "",
            "spoken_in": self._spoken_in(article),
            "narrator": choice.narrator if choice and narrated else "",
            "download": download,
            "chapters": self._chapters(article, {cue["id"]: cue["start"] for cue in guide["cues"]}),
            "cues_json": Markup(json.dumps(guide["cues"], separators=(",", ":")).replace("</", "<\\/")),
        }

    def _spoken_in(self, article: Article) -> str:
        """'The audio guide is spoken in Cantonese.' where the voice speaks another variety than the
        page's language names (espeak-ng's yue for zh-Hant); '' otherwise."""
        choice = self.project.config.voice_choice(article.language)
        if choice and choice.engine != "espeak-ng":  # Piper or a narrator: no variety to name
            return ""
        voice = voice_for(article.language, dict(self.project.config.voices))
        name = spoken_language_name(voice, article.language) if voice else ""
        if not name:
            return ""
        return article.ui.gettext("The audio guide is spoken in {language}.").format(language=name)

    def _language_index_context(self, tag: str) -> dict[str, Any]:
        ui = self.ui.get(tag) or UiText(tag)
        context = self.page_context(ui, language_info(tag), "../")
        context.update(
            {
                "alternates": self._alternates("../", "index.html", self.languages),
                "page_title": ui.gettext("Health information"),
                "articles": [
                    {
                        "href": f"{e.slug}.html",
                        "title_html": Markup(e.title_html),
                        "lang": Markup(e.title_lang),
                    }
                    for e in self.pages[tag]
                ],
            }
        )
        return context

    def _site_index_context(self) -> dict[str, Any]:
        ui = UiText("en")
        context = self.page_context(ui, language_info("en"), "")
        context.update(
            {
                "alternates": [],
                "page_title": ui.gettext("Choose your language"),
                "report_linked": self.report_linked,
                "languages": [
                    {
                        **vars(language_info(tag)),
                        "href": f"{tag}/index.html",
                        "interpreter_html": self._interpreter_notice(self.ui.get(tag) or UiText(tag)),
                    }
                    for tag in self.languages
                ],
            }
        )
        return context

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
