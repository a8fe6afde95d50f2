"""Every threshold language in every output: scripts, right-to-left, fonts, line breaks, speech."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOTS, missing_in_reading_order

from pipeline.cli import main
from pipeline.render.fonts import font_stack
from pipeline.source.project import language_info, load_project
from pipeline.speech.voices import VOICES

SLUG = "choosing-care"
#: Whatever the clinic test project publishes: adding a language there adds it to every test here.
LANGUAGES = list(load_project(ROOTS / "clinic").config.languages)
VOICED = [
    tag
    for tag in ["en", "es", "hy", "hyw", "zh-Hant", "zh-Hans", "ko", "vi", "fa", "ru", "ar"]
    if tag in LANGUAGES
]
RTL = ["fa", "ar"]
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def test_every_published_language_is_built(full_site: Path) -> None:
    assert list(load_project(full_site).config.languages) == LANGUAGES and set(VOICED) <= set(LANGUAGES)
    site = full_site / "build/site"
    output = (full_site / "build-output.txt").read_text()
    for lang in LANGUAGES:
        for name in (f"{SLUG}.html", f"{SLUG}.pdf", f"{SLUG}-large-print.pdf", "index.html"):
            assert (site / lang / name).is_file(), f"{lang}/{name}"
        has_audio = (site / lang / f"{SLUG}.mp3").is_file() and (site / lang / f"{SLUG}.vtt").is_file()
        assert has_audio == (lang in VOICED), lang
        assert re.search(
            rf"^  {re.escape(lang)}\s+html\s+built\s+choosing-care \(\d+\.\d s\)$", output, re.M
        ), lang
    for lang, language in (("tl", "Tagalog"), ("km", "Khmer")):
        assert re.search(
            rf"^  {lang}\s+audio\s+skipped\s+choosing-care \(\d+\.\d s\): espeak-ng has no {language} voice$",
            output,
            re.M,
        )
    assert re.search(
        r"^  ja\s+audio\s+skipped\s+choosing-care \(\d+\.\d s\): espeak-ng's Japanese voice reads kanji in English$",
        output,
        re.M,
    )


def test_every_language_is_complete_and_clean(run, make_project) -> None:  # type: ignore[no-untyped-def]
    import json

    project = make_project("clinic")
    rows = json.loads(run(project, "status", "--json").stdout)
    assert {r["language"] for r in rows} == set(LANGUAGES) - {"en"}
    assert all(r["percent"] == 100 and r["fuzzy"] == 0 for r in rows), [r for r in rows if r["percent"] < 100]
    result = run(project, "check", "--json")
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if f["severity"] == "error"] == []


def test_language_chooser_names_each_language_in_itself_and_in_english(full_site: Path) -> None:
    html = (full_site / "build/site/index.html").read_text()
    for lang in LANGUAGES:
        info = language_info(lang)
        assert f'<span lang="{lang}" dir="{info.direction}">{info.native_name}</span>' in html
        if info.native_name != info.english_name:
            assert f"({info.english_name})" in html
    assert "Tagalog" in html and "فارسی" in html and "ខ្មែរ" in html


@pytest.mark.parametrize("lang", RTL)
def test_right_to_left_pages_isolate_left_to_right_runs(full_site: Path, lang: str) -> None:
    html = (full_site / f"build/site/{lang}/{SLUG}.html").read_text()
    assert f'<html lang="{lang}" dir="rtl">' in html
    assert html.count('<bdi dir="ltr">') >= 5  # phone numbers and URLs never reverse
    assert '<a class="tel" href="tel:+16265550142"><bdi dir="ltr">(626) 555-0142</bdi></a>' in html


def test_stylesheets_use_logical_directions() -> None:
    css = (Path(__file__).parent.parent / "pipeline/static/plainspoken.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)|text-align:\s*(?:left|right)|float:\s*(?:left|right)"
        r"|\b(?:left|right):",
        css,
    )
    assert physical == []


@needs_poppler
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pdf_text_stays_inside_the_page_and_uses_the_languages_fonts(full_site: Path, lang: str) -> None:
    """No overflowing line (every word within the page's text area) and the right Noto family embedded."""
    for name in (f"{SLUG}.pdf", f"{SLUG}-large-print.pdf"):
        path = full_site / f"build/site/{lang}/{name}"
        bbox = subprocess.run(
            ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>', bbox
        ):
            assert float(x_min) >= 0.5 * 72 - 1 and float(x_max) <= width - 0.5 * 72 + 1, (
                name,
                word,
                x_min,
                x_max,
            )
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        wanted = font_stack(lang)[0].replace(" ", "")
        if lang.startswith("zh") or lang in ("ja", "ko"):
            region = {"zh-Hant": "tc", "zh-Hans": "sc", "ja": "jp", "ko": "kr"}[lang]
            assert re.search(rf"NotoSansCJK{region}", fonts.replace("-", ""), re.I), fonts
        else:
            assert wanted.lower() in fonts.replace("-", "").lower(), fonts


@needs_poppler
@pytest.mark.parametrize(
    "lang", [t for t in ["ru", "hy", "hyw", "zh-Hant", "zh-Hans", "ko", "ja", "vi", "tl"] if t in LANGUAGES]
)
def test_pdf_text_is_extractable_in_reading_order(full_site: Path, lang: str) -> None:
    assert missing_in_reading_order(full_site, lang, full_site / f"build/site/{lang}/{SLUG}.pdf") == []


@pytest.mark.parametrize("lang", [lang for lang in VOICED if lang != "en"])
def test_no_audio_switches_to_english(full_site: Path, lang: str) -> None:
    """espeak-ng marks a switch to English as (en) in its phoneme output: none may occur."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    from pipeline.speech.audit import audit

    assert audit(full_site, lang) == []
    assert lang in VOICES


def test_khmer_page_says_audio_is_not_available_in_khmer(full_site: Path) -> None:
    html = (full_site / f"build/site/km/{SLUG}.html").read_text()
    section = html.split('<section id="listen"', 1)[1].split("</section>", 1)[0]
    assert "<audio" not in section
    assert re.search(r"<p>[^<]*[\u1780-\u17ff][^<]*</p>", section), "the notice is in Khmer"


def test_build_one_language_keeps_the_others_in_the_chooser(tmp_path: Path) -> None:
    from conftest import ROOTS

    root = tmp_path / "clinic"
    for part in ("source", "locales"):
        shutil.copytree(ROOTS / "clinic" / part, root / part)
    CliRunner().invoke(main, ["-C", str(root), "build", "--format", "html"], catch_exceptions=False)
    CliRunner().invoke(
        main, ["-C", str(root), "build", "--format", "html", "--lang", "ko"], catch_exceptions=False
    )
    html = (root / "build/site/index.html").read_text()
    assert all(f'href="{lang}/index.html"' in html for lang in LANGUAGES)
    ko = (root / f"build/site/ko/{SLUG}.html").read_text()
    assert all(f'hreflang="{lang}"' in ko for lang in LANGUAGES)


def platform_fonts(page: Any) -> set[str]:
    """Font families Chromium actually used for the text in <main>, via the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send(
        "DOM.querySelectorAll", {"nodeId": root, "selector": "main p, main li, main h1, main h2, main h3"}
    )
    families: set[str] = set()
    for node in nodes["nodeIds"]:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            families.add(font["familyName"])
    return families


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_render_with_the_right_fonts_and_no_overflow(full_site: Path, browser: Any, lang: str) -> None:
    for width in (320, 1280):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto((full_site / f"build/site/{lang}/{SLUG}.html").as_uri())
        overflow = page.evaluate("""() => [...document.querySelectorAll('main p, main li, main h1, main h2, main h3, main td')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 40))""")
        assert overflow == [], (width, overflow)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        families = platform_fonts(page)
        allowed = set(font_stack(lang)) | {"Noto Sans"}
        assert families and families <= allowed, (lang, families)
        context.close()


@pytest.fixture(scope="module")
def browser() -> Any:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = next((p for p in ("/usr/lib/chromium/chromium",) if Path(p).exists()), None)
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    from test_accessibility import LAUNCH_ARGS

    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        yield instance
        instance.close()


def test_language_names_kept_for_the_next_process_are_babels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLDR's names are looked up once (Babel loads each language's whole locale data for it) and
    read back by later processes: the same names and directions; a kept file that cannot be read,
    or another Babel's, is not used."""
    import babel

    from pipeline.source import project

    monkeypatch.setattr(project, "KEPT_NAMES", tmp_path / "names.{key}.json")
    tags = sorted({*LANGUAGES, "de", "ja", "x-unknown"})
    named_by_cldr = {t for t in tags if t not in project.EXTRA_LANGUAGES and t not in project.NAME_OVERRIDES}
    babels = {tag: project._cldr_names(tag) for tag in tags}

    def looked_up() -> dict[str, list[str]]:
        project.language_info.cache_clear()
        project._kept_names.cache_clear()
        return {
            tag: [i.native_name, i.english_name, i.direction] for tag in tags for i in [language_info(tag)]
        }

    assert {t: n for t, n in looked_up().items() if t in named_by_cldr} == {
        t: babels[t] for t in named_by_cldr
    }
    assert babels["ar"][2] == "rtl" and babels["ja"][0] == "日本語"
    (kept,) = tmp_path.glob("names.*.json")
    with monkeypatch.context() as without_babel:
        without_babel.setattr(project, "_cldr_names", lambda tag: pytest.fail(f"{tag} looked up again"))
        read_back = looked_up()
    kept.write_text("{not json", encoding="utf-8")
    assert looked_up() == read_back
    monkeypatch.setattr(babel, "__version__", "0.0-other")
    fresh = []
    monkeypatch.setattr(project, "_cldr_names", lambda tag: fresh.append(tag) or babels[tag])
    assert looked_up() == read_back and set(fresh) == named_by_cldr
    assert not kept.exists() and len(list(tmp_path.glob("names.*.json"))) == 1, "another Babel's names stayed"
