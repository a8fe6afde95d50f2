"""PDF handouts rendered for real by WeasyPrint, checked with pypdf and poppler like a user would."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOTS, missing_in_reading_order

from pipeline.builders.printing import render_pdf
from pipeline.cli import main
from pipeline.errors import PlainspokenError

pypdf = pytest.importorskip("pypdf")
SLUG = "choosing-care"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
needs_zbar = pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed")


def build(root: Path, *args: str) -> Any:
    return CliRunner().invoke(main, ["-C", str(root), "build", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def repo_site(full_site: Path) -> Path:
    return full_site


@pytest.fixture(scope="module")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pdf-basic") / "basic"
    shutil.copytree(ROOTS / "basic", root)
    result = build(root, "--format", "pdf", "--lang", "en")
    assert result.exit_code == 0, result.output
    return root


def reader(path: Path) -> Any:
    return pypdf.PdfReader(str(path))


def structure_types(pdf: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "keys"):
            if "/S" in node:
                found.add(str(node["/S"]).lstrip("/"))
            if "/K" in node:
                walk(node["/K"])

    walk(pdf.trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize("lang", ["en", "es"])
def test_handouts_are_letter_tagged_and_titled(repo_site: Path, lang: str) -> None:
    pdf = reader(repo_site / f"build/site/{lang}/{SLUG}.pdf")
    box = pdf.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == lang
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    title = pdf.metadata["/Title"]
    assert title.startswith(
        "IOP vs. Residential Rehab" if lang == "en" else "IOP o rehabilitación residencial"
    )
    assert {"H1", "H2", "H3", "P", "L", "LI", "Figure"} <= structure_types(pdf)
    large = reader(repo_site / f"build/site/{lang}/{SLUG}-large-print.pdf")
    assert len(large.pages) > len(pdf.pages)


def test_tables_are_tagged_with_header_cells(basic_site: Path) -> None:
    pdf = reader(basic_site / "build/site/en/every-node.pdf")
    assert {"H1", "H2", "P", "L", "LI", "Table", "TR", "TH", "TD", "Figure"} <= structure_types(pdf)


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_font_is_embedded(repo_site: Path, lang: str) -> None:
    for name in (f"{SLUG}.pdf", f"{SLUG}-large-print.pdf"):
        out = subprocess.run(
            ["pdffonts", str(repo_site / f"build/site/{lang}/{name}")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows = out.splitlines()[2:]
        assert rows and all(re.search(r"\byes\s+yes\s+yes\b", row) for row in rows), out


def _squash(text: str) -> str:
    return re.sub(r"[\s\-‐­]+", "", text)


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "es"])
def test_pdftotext_gives_every_block_in_reading_order(repo_site: Path, lang: str) -> None:
    for name in (f"{SLUG}.pdf", f"{SLUG}-large-print.pdf"):
        assert missing_in_reading_order(repo_site, lang, repo_site / f"build/site/{lang}/{name}") == [], name


@needs_poppler
@needs_zbar
@pytest.mark.parametrize("lang", ["en", "es"])
def test_qr_code_decodes_to_the_same_languages_page(repo_site: Path, lang: str, tmp_path: Path) -> None:
    for name in (f"{SLUG}.pdf", f"{SLUG}-large-print.pdf"):
        prefix = tmp_path / name
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                str(repo_site / f"build/site/{lang}/{name}"),
                str(prefix),
            ],
            check=True,
        )
        (png,) = tmp_path.glob(f"{name}*.png")
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        url = f"https://arroyo-seco-recovery.example.org/{lang}/{SLUG}.html#listen"
        assert decoded.stdout.strip() == url
        png.unlink()
    text = subprocess.run(
        ["pdftotext", str(repo_site / f"build/site/{lang}/{SLUG}.pdf"), "-"],
        capture_output=True,
        text=True,
    ).stdout
    assert _squash(url) in _squash(text)  # printed beside the code for people who cannot scan


def _body_font_size(path: Path) -> float:
    """The most common font size of the text on page 2 (body text), in points."""
    sizes: Counter[float] = Counter()

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if text.strip():
            sizes[round(size * abs(tm[3]) * abs(cm[3]), 1)] += len(text.strip())

    reader(path).pages[1].extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_large_print_body_is_at_least_18_points(repo_site: Path, lang: str) -> None:
    assert _body_font_size(repo_site / f"build/site/{lang}/{SLUG}-large-print.pdf") >= 18
    assert 10 <= _body_font_size(repo_site / f"build/site/{lang}/{SLUG}.pdf") < 18


@needs_poppler
def test_png_previews_of_the_handout(repo_site: Path, tmp_path: Path) -> None:
    """Previews to look at (kept in the test's temp folder): pages are drawn, not blank."""
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            str(repo_site / f"build/site/es/{SLUG}.pdf"),
            str(tmp_path / "es"),
        ],
        check=True,
    )
    pngs = sorted(tmp_path.glob("es*.png"))
    assert 1 <= len(pngs) <= 4
    assert all(p.stat().st_size > 5_000 for p in pngs)


def test_a4_option(tmp_path: Path) -> None:
    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    assert build(root, "--format", "pdf", "--lang", "en", "--page-size", "a4").exit_code == 0
    box = reader(root / "build/site/en/every-node.pdf").pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)


def test_only_project_assets_are_ever_fetched(tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    assets = tmp_path / "assets"
    assets.mkdir()
    shutil.copy(ROOTS / "basic/source/assets/clinic.png", assets / "ok.png")
    html = f"""<html lang="en"><head><title>t</title></head><body><p>x</p>
        <img src="assets/ok.png" alt="fine">
        <img src="file:///etc/passwd" alt="a"><img src="http://127.0.0.1:{port}/x.png" alt="b">
        <img src="http://127.0.0.1:9/" alt="c">
        <link rel="attachment" href="file:///etc/passwd"></body></html>"""
    with pytest.raises(PlainspokenError) as info:
        render_pdf(html, "", base_url=tmp_path.as_uri() + "/", allowed_dirs=[assets], label="t.pdf")
    message = str(info.value)
    assert "refused to fetch file:///etc/passwd" in message
    assert f"refused to fetch http://127.0.0.1:{port}/x.png" in message
    assert "refused to fetch http://127.0.0.1:9/" in message
    assert "ok.png" not in message
    with pytest.raises(TimeoutError):
        listener.accept()  # nothing ever connected
    listener.close()


@pytest.mark.slow
def test_a_translation_no_font_can_draw_stays_english_with_its_catalog_line(tmp_path: Path) -> None:
    """A character no installed font has never reaches a handout as an empty box: its message is
    rejected at its catalog line (as check says) and the English is printed instead."""
    root = tmp_path / "clinic"
    for part in ("source", "locales"):
        shutil.copytree(ROOTS / "clinic" / part, root / part)
    po = root / f"locales/es/LC_MESSAGES/{SLUG}.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Costo"', 'msgstr "Costo \ue000"'),
        encoding="utf-8",
    )
    result = build(root, "--format", "pdf", "--lang", "es")
    assert result.exit_code == 0
    assert re.search(rf"locales/es/LC_MESSAGES/{SLUG}.po:\d+: translation rejected, source text used", result.stderr)
    assert "(U+E000) is in no installed font" in result.stderr
    assert re.search(r"es\s+pdf\s+built\s+.*1 message in English", result.stdout)
    text = subprocess.run(
        ["pdftotext", str(root / f"build/site/es/{SLUG}.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\ue000" not in text and "Cost\n" in text and "Costo" not in text


def test_an_untested_weasyprint_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weasyprint

    root = tmp_path / "basic"
    shutil.copytree(ROOTS / "basic", root)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    result = build(root, "--format", "pdf", "--lang", "en")
    assert result.exit_code == 1
    assert "WeasyPrint 71.0 is installed, but the PDF text-layer shim was tested with 70.x only" in result.stderr
    assert "Traceback" not in result.output
    assert not (root / "build/site/en/every-node.pdf").exists()


@needs_poppler
def test_the_qr_caption_promises_audio_only_where_there_is_a_guide(tmp_path: Path) -> None:
    """Japanese has no voice: its caption and the code's alt text said "listen to this guide"."""
    root = tmp_path / "clinic"
    shutil.copytree(ROOTS / "clinic", root)
    assert build(root, "--format", "pdf", "--lang", "ja", "--lang", "es", "-j", "1").exit_code == 0

    def page_one(lang: str) -> str:
        pdf = root / f"build/site/{lang}/{SLUG}.pdf"
        return _squash(subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout)

    assert "このガイドをオンラインで読むには" in page_one("ja") and "聞いたり" not in page_one("ja")
    assert "paraescucharestaguíaoleerlaeninternet" in page_one("es")
    from tests.test_exchange import figure_alts

    assert "QRコード：このガイドをオンラインで読む" in figure_alts(root / f"build/site/ja/{SLUG}.pdf")


def test_a_near_empty_last_page_is_laid_out_again_and_only_the_stylesheets_tried_are_parsed() -> None:
    """One line alone on page 2 is laid out again with the next (looser) stylesheet, which fills
    that page; the stylesheets after it are never parsed (each parse is a tenth of a handout)."""
    from pipeline.builders.printing import MIN_LAST_PAGE_FILL, filled_layout, last_page_fill, load_weasyprint

    load_weasyprint()
    from weasyprint import CSS, HTML

    page = "@page { size: 200px 100px; margin: 0 } body { margin: 0; font: 10px/1 sans-serif } p { margin: 0 }"
    taken: list[float] = []

    def sheets(heights: list[float]) -> Any:
        for height in heights:
            taken.append(height)
            yield CSS(string=f"{page} body {{ line-height: {height} }}")

    source = HTML(string="<html lang=en><body>" + "<p>Line</p>" * 11 + "</body></html>")
    first = source.render(stylesheets=[CSS(string=page)], pdf_variant="pdf/ua-1")
    assert len(first.pages) == 2 and last_page_fill(first) < MIN_LAST_PAGE_FILL  # 10 lines a page
    document = filled_layout(source, sheets([1.0, 1.5, 2.0, 2.5]))
    assert len(document.pages) == 2 and last_page_fill(document) >= MIN_LAST_PAGE_FILL
    assert taken == [1.0, 1.5]
    taken.clear()
    assert last_page_fill(filled_layout(source, sheets([1.0, 1.01]))) < MIN_LAST_PAGE_FILL  # the last tried
    assert taken == [1.0, 1.01]
