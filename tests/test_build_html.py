"""The HTML builder on the real project: pages, links, offline use, translator edits, failures."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from conftest import ROOTS

from pipeline.source.project import load_project

SLUG = "choosing-care"
#: How many languages the clinic test project publishes (one article each).
PUBLISHED = len(load_project(ROOTS / "clinic").config.languages)


class _Page(HTMLParser):
    """Collects tags with attributes and the text of h1 elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_h1 = self._in_h1 or tag == "h1"
        if tag == "h1":
            self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data


def page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_build_writes_every_page(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 0, result.output
    site = project / "build/site"
    for rel in (
        "index.html",
        "en/index.html",
        "es/index.html",
        f"en/{SLUG}.html",
        f"es/{SLUG}.html",
        "_static/plainspoken.css",
    ):
        assert (site / rel).is_file(), rel
    assert re.search(r"en\s+html\s+built\s+choosing-care \(\d+\.\d s\)$", result.stdout, flags=re.M)
    assert re.search(
        r"es\s+html\s+built\s+choosing-care \(\d+\.\d s\)$", result.stdout, flags=re.M
    )  # no fallbacks
    assert re.search(rf"Build succeeded: {PUBLISHED} built in \d+\.\d s\.$", result.stdout.rstrip())


def test_spanish_page_is_spanish_accessible_and_marked_draft(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "build", "--format", "html")
    es = project / f"build/site/es/{SLUG}.html"
    html = es.read_text(encoding="utf-8")
    parsed = page(es)
    assert '<html lang="es" dir="ltr">' in html
    assert parsed.h1 == [
        "IOP o rehabilitación residencial: ¿cuál es la opción correcta para usted o para un ser querido?"
    ]
    assert "programa intensivo ambulatorio (IOP)" in html
    assert 'lang="en"' not in html.split("<main", 1)[1].split("</main>")[0]
    assert "Traducción preliminar" in html  # draft notice, translated
    assert "27 de noviembre de 2026" in html
    assert 'href="tel:+16265550142"' in html and "(626) 555-0142" in html
    assert "988" in html and "1-800-662-4357" in html
    tags = [t for t, _ in parsed.tags]
    for landmark in ("header", "nav", "main", "aside", "footer"):
        assert landmark in tags
    skip = parsed.tags[[t for t, _ in parsed.tags].index("a")][1]
    assert skip["href"] == "#main"
    alternates = [a for t, a in parsed.tags if t == "a" and a.get("hreflang")]
    from pipeline.source.project import load_project

    assert {a["hreflang"] for a in alternates} == set(load_project(project).config.languages)
    en = (project / f"build/site/en/{SLUG}.html").read_text()
    assert "Draft translation" not in en and "Traducción preliminar" not in en


def test_language_chooser_names_languages_in_their_own_language(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "build", "--format", "html")
    html = (project / "build/site/index.html").read_text()
    assert '<span lang="es" dir="ltr">Español</span>' in html
    assert "(Spanish)" in html
    assert 'href="es/index.html" hreflang="es"' in html


def test_pages_work_offline_from_disk(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """No external resources; every relative link points at a file that exists."""
    project = make_project("clinic")
    run(project, "build", "--format", "html", "--format", "report")
    site = project / "build/site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 2 * PUBLISHED + 2
    for path in pages:
        for tag, attrs in page(path).tags:
            for name in ("src", "href"):
                url = attrs.get(name)
                if not url or url.startswith("#"):
                    continue
                if tag in ("link", "script", "img", "source", "audio") and name in ("src", "href"):
                    assert "://" not in url and not url.startswith("//"), (path, url)
                if re.match(r"^[a-z]+:", url):
                    assert tag == "a" and url.split(":")[0] in ("https", "http", "tel", "mailto"), url
                    continue
                target = (path.parent / url.split("#")[0]).resolve()
                assert target.is_file(), f"{path.relative_to(site)} links to missing {url}"
    css = (site / "_static/plainspoken.css").read_text()
    assert "url(" not in css and "@import" not in css


def test_a_translators_edit_shows_up_after_build(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / "locales/es/LC_MESSAGES/choosing-care.po"
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Costo"' in text
    po.write_text(text.replace('msgstr "Costo"', 'msgstr "Cuánto cuesta"'), encoding="utf-8")
    run(project, "build", "--format", "html")
    html = (project / f"build/site/es/{SLUG}.html").read_text()
    assert '<h3 id="cost">Cuánto cuesta</h3>' in html


def test_fallback_units_are_marked_english(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    po = project / "locales/es/LC_MESSAGES/choosing-care.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Costo"', 'msgstr ""'), encoding="utf-8")
    result = run(project, "build", "--format", "html")
    assert re.search(r"es\s+html\s+built\s+choosing-care \(\d+\.\d s\), 1 message in English", result.stdout)
    html = (project / f"build/site/es/{SLUG}.html").read_text()
    assert '<h3 id="cost" lang="en" dir="auto">Cost</h3>' in html
    assert re.search(r"Aproximadamente el \d\xa0% de esta página todavía está en inglés\.", html)  # 1 of many


def test_rebuild_is_byte_identical_and_rewrites_nothing(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    run(project, "build", "--format", "html")
    files = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "build/site").rglob("*") if p.is_file()
    }
    result = run(project, "build", "--format", "html")
    assert result.stdout.startswith(f"Up to date: {PUBLISHED} outputs, nothing to build")
    again = {
        p: (p.read_bytes(), p.stat().st_mtime_ns) for p in (project / "build/site").rglob("*") if p.is_file()
    }
    assert again == files


def test_unknown_placeholder_is_an_error_with_file_and_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    source = project / "source" / f"{SLUG}.md"
    text = source.read_text().replace("Here’s what you can do today:", "Call {clinic.fax} today:")
    source.write_text(text)
    line = text.splitlines().index("Call {clinic.fax} today:") + 1
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1
    assert f"source/{SLUG}.md:{line}: unknown placeholder {{clinic.fax}}" in result.stderr
    assert "Traceback" not in result.output
    extract = run(project, "extract")
    assert extract.exit_code == 1 and f"source/{SLUG}.md:{line}:" in extract.stderr


def test_bad_site_toml_is_one_line_with_its_line(run, make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("clinic")
    toml = project / "source/site.toml"
    text = re.sub(r"^languages = .*$", 'languages = ["en", "../../etc"]', toml.read_text(), flags=re.M)
    toml.write_text(text)
    line = text.splitlines().index('languages = ["en", "../../etc"]') + 1
    result = run(project, "build", "--format", "html")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"source/site.toml:{line}: publish.languages: '../../etc' is not a language tag CLDR knows "
        "(tags look like es, pt-BR or zh-Hant)"
    )
    assert not (project / "build").exists()


def test_a_web_page_build_loads_no_audio_or_pdf_stack(make_project: Callable[[str], Path]) -> None:
    """Pages only: neither numpy, scipy and LAME (audio) nor WeasyPrint (PDF) is imported.

    The report's voice table once imported the audio builder, which loaded scipy: an HTML-only
    build of 14 languages took 1.5 s instead of 0.7 s.
    """
    import subprocess
    import sys

    project = make_project("basic")
    code = (
        "import sys\nfrom pipeline.cli import main\n"
        f"try:\n    main(['-C', {str(project)!r}, 'build', '-q', '--format', 'html', '-j', '1'])\n"
        "except SystemExit as done:\n    assert not done.code, done.code\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'lameenc', 'weasyprint') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_each_page_offers_its_handouts_and_captions_with_size_and_language(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """The page links what the output registry says it links (handout, large print, bilingual
    handout, captions, braille), each with its size and language; the audio player carries the captions as a track."""
    project = make_project("clinic")
    result = run(project, "build", "--lang", "zh-Hant", "-j", "1")
    assert result.exit_code == 0, result.output
    path = project / f"build/site/zh-Hant/{SLUG}.html"
    html = path.read_text(encoding="utf-8")
    links = {a["href"]: a for tag, a in page(path).tags if tag == "a" and a.get("type")}
    assert {href: a["type"] for href, a in links.items()} == {
        f"{SLUG}.pdf": "application/pdf",
        f"{SLUG}-large-print.pdf": "application/pdf",
        f"{SLUG}-bilingual.pdf": "application/pdf",
        f"{SLUG}.vtt": "text/vtt",
        f"{SLUG}.brf": "application/x-brf",
    }
    assert {a["hreflang"] for a in links.values()} == {"zh-Hant"}
    for href in links:
        anchor = re.search(rf'href="{re.escape(href)}"[^>]*>([^<]*)</a>', html)
        assert anchor and re.search(r"（\d[\d.,]* (kB|MB)，中文 \(繁體\)）$", anchor.group(1)), href
    (track,) = [a for tag, a in page(path).tags if tag == "track"]
    assert track["kind"] == "captions" and track["src"] == f"{SLUG}.vtt" and track["srclang"] == "zh-Hant"
    # The zh-Hant voice speaks Cantonese: the page says so (in Chinese, named by CLDR).
    assert "粵語" in html


def test_every_page_says_an_interpreter_is_free_and_how_to_ask(run, make_project) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    project = make_project("clinic")
    run(project, "build", "--format", "html", "--format", "pdf", "--lang", "es", "--lang", "en")
    for rel in (f"es/{SLUG}.html", "es/index.html", "index.html"):
        html = (project / "build/site" / rel).read_text(encoding="utf-8")
        notice = re.search(r'<p class="interpreter" id="interpreter">(.*?)</p>', html, flags=re.S)
        assert notice and 'href="tel:+16265550142"' in notice.group(1), rel
    # The site index says it in every published language, in that language.
    index = (project / "build/site/index.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="interpreter" lang="es" dir="ltr">[^<]*intérprete', index)
    es = (project / f"build/site/es/{SLUG}.html").read_text(encoding="utf-8")
    assert "intérprete" in re.search(r'<p class="interpreter".*?</p>', es, flags=re.S).group(0)  # type: ignore[union-attr]
    # …and so does the handout, with the number to call.
    pdf = project / f"build/site/es/{SLUG}.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"intérprete es gratis\. Para pedirlo, llame al\s+\(626\) 555-0142", text)


def test_a_task_list_is_check_boxes_on_the_page_and_boxes_on_paper(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """`- [ ] Call us…` printed literally before; now a labelled check box on screen and an empty
    box on paper, with only the words in the text layer."""
    import subprocess

    project = make_project("basic")
    result = run(project, "build", "--lang", "en", "--format", "html", "--format", "pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    html = (project / "build/site/en/every-node.html").read_text(encoding="utf-8")
    assert '<ul class="checklist">' in html
    assert '<label><input type="checkbox"> Call us to book a first visit.</label>' in html
    assert '<label><input type="checkbox" checked> Read this page.</label>' in html
    assert "[ ]" not in html and "[x]" not in html
    pdf = project / "build/site/en/every-node.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Call us to book a first visit." in text and "[ ]" not in text and "[x]" not in text


def test_the_page_names_the_variety_a_voice_speaks_only_when_it_differs() -> None:
    from pipeline.render.pages import spoken_language_name

    assert spoken_language_name("yue", "zh-Hant") == "粵語"  # Cantonese, in Traditional Chinese
    assert spoken_language_name("yue", "en") == "Cantonese"
    assert spoken_language_name("es-419", "es") == ""  # Spanish is Spanish
    assert spoken_language_name("vi-vn-x-south", "vi") == ""


def test_a_partly_english_page_and_handout_say_how_much_is_still_in_english(make_project, run) -> None:  # type: ignore[no-untyped-def]
    import dataclasses
    import subprocess

    from pipeline.i18n.article import prepare_article
    from pipeline.i18n.translate import MessageCounts
    from pipeline.render.pages import english_notice

    root = make_project("checks")  # its Spanish catalog has untranslated, fuzzy and rejected messages
    article, _ = prepare_article(load_project(root), "checks", "es")
    shown = article.report.counts.total + article.ui_counts.total
    share = round(100 * article.fallbacks / shown)
    assert 0 < share < 100
    notice = f"Aproximadamente el {share}\xa0% de esta página todavía está en inglés."
    assert run(root, "build", "--lang", "es", "--format", "html", "--format", "pdf").exit_code == 0
    assert notice in (root / "build/site/es/checks.html").read_text(encoding="utf-8")
    pdf = root / "build/site/es/checks.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert " ".join(notice.split()) in " ".join(text.split())
    # Nothing translated at all: said plainly, not as "about 100%".
    untranslated = dataclasses.replace(
        article,
        ui_counts=MessageCounts(untranslated=1),
        report=dataclasses.replace(article.report, counts=MessageCounts(untranslated=5)),
    )
    assert english_notice(untranslated) == "Esta página todavía está en inglés: aún no se ha traducido."
    assert (
        english_notice(
            dataclasses.replace(
                article,
                report=dataclasses.replace(article.report, counts=MessageCounts(translated=5)),
                ui_counts=MessageCounts(translated=1),
            )
        )
        == ""
    )


def test_the_site_index_links_the_report_only_when_the_site_has_one(run, make_project) -> None:  # type: ignore[no-untyped-def]
    """A handouts-only build of a new project writes no report: its index must not link one."""
    project = make_project("clinic")
    site = project / "build" / "site"
    assert run(project, "build", "--lang", "es", "--format", "pdf", "-j", "1").exit_code == 0
    assert not (site / "report.html").exists()
    assert 'href="report.html"' not in (site / "index.html").read_text(encoding="utf-8")
    result = run(project, "build", "--lang", "es", "-j", "1")
    assert result.exit_code == 0, result.output
    assert (site / "report.html").exists()
    assert 'href="report.html"' in (site / "index.html").read_text(encoding="utf-8")
