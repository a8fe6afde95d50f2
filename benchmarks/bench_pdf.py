"""PDF figures: seconds per handout and per page, and our PDF step against WeasyPrint alone."""

from __future__ import annotations

import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.builders.base import Article  # noqa: E402
from pipeline.builders.pdf import PdfBuilder  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.render.handout import VARIANTS, render_handout  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import Project, load_project  # noqa: E402

ROUNDS = 5


def weasyprint_alone(html: str, css: str, base_url: str) -> bytes:
    """What WeasyPrint does with the same HTML and CSS, without our safety net."""
    from weasyprint import CSS, HTML

    data: bytes = HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1"
    )
    return data


def main() -> None:
    project = load_project(REPO)
    docs = load_sources(project).documents
    import weasyprint  # noqa: F401  - imported once, outside the timings

    print(
        f"{'article (regular + large print)':<36}{'pages':>6}{'ours s':>8}{'alone s':>9}"
        f"{'s/handout':>10}{'s/page':>8}{'ratio':>7}"
    )
    ratios = []
    for language in project.config.languages:
        articles, _ = translate_language(project, language, docs)
        ratios += [bench_article(project, article) for article in articles]
    print(
        f"\nOur PDF step / WeasyPrint alone on the same HTML, median: {statistics.median(ratios):.3f}"
        " (target <= 1.15)"
    )


def bench_article(project: Project, article: Article) -> float:
    """Median of ROUNDS: PdfBuilder.write (render, WeasyPrint, checks, atomic write) vs WeasyPrint."""
    from pypdf import PdfReader

    base_url = project.source_dir.as_uri() + "/"
    rendered = [render_handout(article, config=project.config, variant=v) for v in VARIANTS]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = dataclasses.replace(project, root=Path(tmp))
        (Path(tmp) / "source").symlink_to(project.source_dir)
        builder = PdfBuilder(scratch)
        ours, alone = [], []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            paths = builder.write(article)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            for html, css in rendered:
                weasyprint_alone(html, css, base_url)
            alone.append(time.perf_counter() - start)
        pages = sum(len(PdfReader(str(p)).pages) for p in paths)
    o, a = statistics.median(ours), statistics.median(alone)
    label = f"{article.language}/{article.doc.slug}"
    print(f"{label:<36}{pages:>6}{o:>8.3f}{a:>9.3f}{o / len(paths):>10.3f}{o / pages:>8.3f}{o / a:>7.3f}")
    return o / a


if __name__ == "__main__":
    main()
