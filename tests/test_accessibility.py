"""Built pages in Debian's headless Chromium: axe-core WCAG 2.2 AA, reflow, type size, keyboard."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOTS

from pipeline.source.project import load_project

playwright = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", shutil.which("chromium") or "") if p and Path(p).exists()),
    None,
)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"),
]
#: WCAG 2.2 AA, and axe's best practices (landmarks, one main, headings in order): #22.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site(full_site: Path) -> Path:
    return full_site / "build" / "site"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def axe_violations(page: Any, path: Path) -> list[tuple[str, list[Any]]]:
    """axe-core's violations on ``path`` (AXE_TAGS, and enhanced contrast): (rule, first targets)."""
    axe = axe_module.Axe()
    page.goto(path.as_uri())
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    enhanced = axe.run(page, options={"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}})
    violations = results.response["violations"] + enhanced.response["violations"]
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def test_axe_finds_no_violations_on_any_page(site: Path, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    found = {path.relative_to(site).as_posix(): axe_violations(page, path) for path in pages(site)}
    context.close()
    # An article and an index per language source/site.toml publishes, the site index, the report:
    published = len(load_project(site.parent.parent).config.languages)
    assert len(pages(site)) == 2 * published + 2
    # …among them pages that link a braille file and one that says its language has none.
    assert 'href="choosing-care.brf"' in (site / "en/choosing-care.html").read_text(encoding="utf-8")
    assert "点字（BRF）は、まだありません" in (site / "ja/choosing-care.html").read_text(encoding="utf-8")
    assert {path: found for path, found in found.items() if found} == {}


@pytest.fixture(scope="module")
def staff_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The narrator's scripts and review packets (HTML) of tests/roots/clinic in three scripts."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("staff") / "clinic"
    shutil.copytree(ROOTS / "clinic", root)
    for language in ("es", "ar", "km"):
        for command in ("record", "packet"):
            result = CliRunner().invoke(main, ["-C", str(root), command, language])
            assert result.exit_code == 0, result.output
    return sorted((root / "build").glob("re*/*/*.html"))


def test_axe_finds_no_violations_in_narrators_scripts_and_packets(staff_pages: list[Path], browser: Any) -> None:
    """The narrator's script had no main landmark and content outside any landmark (#22)."""
    context = browser.new_context()
    page = context.new_page()
    found = {path.relative_to(path.parents[2]).as_posix(): axe_violations(page, path) for path in staff_pages}
    context.close()
    assert len(found) == 3 * 3  # a script and two packets (the article, the interface) per language
    assert {path: found for path, found in found.items() if found} == {}


@pytest.mark.parametrize("rel", ["es/choosing-care.html", "en/choosing-care.html", "index.html"])
def test_reflows_at_320_px_with_large_text(site: Path, browser: Any, rel: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto((site / rel).as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    sizes = page.evaluate(
        "[...document.querySelectorAll('main p, main li')].map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert sizes and min(sizes) >= 18
    context.close()


def test_lines_are_at_most_about_70_characters(site: Path, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.goto((site / "en/choosing-care.html").as_uri())
    ratio = page.evaluate("""() => {
        const p = [...document.querySelectorAll('main article > p')]
            .sort((a, b) => b.textContent.length - a.textContent.length)[0];
        const range = document.createRange(); range.selectNodeContents(p);
        const rects = [...range.getClientRects()];
        const lineWidth = Math.max(...rects.map(r => r.width));
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = getComputedStyle(p).font;
        const text = p.textContent;
        return lineWidth / (ctx.measureText(text).width / text.length);
    }""")
    assert 40 <= ratio <= 80, ratio
    context.close()


def test_first_tab_reaches_a_visible_skip_link(site: Path, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "es/choosing-care.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement; const r = e.getBoundingClientRect();
        return {text: e.textContent, top: r.top, outline: getComputedStyle(e).outlineStyle}; }""")
    assert focused["text"] == "Saltar al contenido principal"
    assert focused["top"] >= 0 and focused["outline"] != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


def test_read_along_highlights_what_is_being_read(site: Path, browser: Any) -> None:
    """Play the Spanish guide from a chapter link: the heading of that chapter lights up."""
    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "es/choosing-care.html").as_uri())
    link = page.locator('#listen a[href="#cost"], #listen a[data-start]').nth(3)
    anchor = link.get_attribute("href").lstrip("#")
    page.evaluate("document.querySelector('#listen audio').muted = true")
    link.click()
    page.wait_for_function(
        f"document.getElementById('{anchor}').classList.contains('speaking')", timeout=15000
    )
    assert page.evaluate("document.querySelector('#listen audio').currentTime") > 1
    assert page.evaluate("document.querySelectorAll('.speaking').length") == 1
    context.close()


def test_without_javascript_the_player_and_links_still_work(site: Path, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((site / "es/choosing-care.html").as_uri())
    assert page.locator("#listen audio[controls]").count() == 1
    link = page.locator("#listen a[data-start]").nth(2)
    target = link.get_attribute("href")
    link.click()
    assert page.url.endswith(target)
    context.close()


@pytest.mark.parametrize("rel", ["es/choosing-care.html", "ar/choosing-care.html", "km/choosing-care.html"])
def test_on_a_phone_the_title_and_crisis_lines_are_in_the_first_screen(
    site: Path, browser: Any, rel: str, tmp_path: Path
) -> None:
    """At 390 px the language chooser is one closed line, so the title and the crisis lines show
    before any scrolling (the 14 language links used to fill the first screen)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto((site / rel).as_uri())
    page.screenshot(path=str(tmp_path / "first-screen.png"))
    first_screen = 844
    for selector in ("h1", ".help-now", "#interpreter"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] + box["height"] <= first_screen, (selector, box)
    assert not page.locator("details.languages").evaluate("d => d.open")
    page.locator("details.languages summary").click()  # opened, every language is there
    assert page.locator("details.languages a[hreflang]").count() > 10
    context.close()


def test_the_bilingual_handout_link_is_axe_clean(make_project: Any, browser: Any) -> None:
    """The page offers the bilingual handout (#26) by name, size and language, with no axe finding."""
    from click.testing import CliRunner

    from pipeline.cli import main

    root = make_project("segment-languages")
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--lang", "es"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    context = browser.new_context()
    page = context.new_page()
    page.goto((root / "build/site/es/first-dose.html").as_uri())
    link = page.locator('a[href="first-dose-bilingual.pdf"]')
    assert link.count() == 1 and link.get_attribute("type") == "application/pdf"
    assert "Folleto bilingüe (PDF)" in link.inner_text()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    violations = axe_module.Axe().run(page, options=options).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations] == []
    context.close()
