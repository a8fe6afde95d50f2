"""Braille conformance of a built site: every BRF back-translated with liblouis, the share of the
article's words it gives back (and of what liblouis gives back of the text alone: the layout's
share), its pages and longest line, each against the threshold of tests/test_braille.py, OK or
MISSED; then the languages with no braille table, and why.
Usage: python benchmarks/conformance_braille.py [PROJECT_FOLDER]"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from braille_reference import (  # noqa: E402
    WORDS_THRESHOLD,
    article_texts,
    back_translated,
    brf_pages,
    layout_threshold,
    recovered,
    round_trip,
    words,
)

from pipeline.i18n.article import prepare_article  # noqa: E402
from pipeline.render.braille import CELLS, LINES  # noqa: E402
from pipeline.source.languages import braille_table, no_braille_reason  # noqa: E402
from pipeline.source.project import load_project  # noqa: E402


def main() -> int:
    project = load_project(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO)
    files = sorted(project.site_dir.glob("*/*.brf"))
    if not files:
        sys.exit(f"{project.site_dir}: no BRF files; run `plainspoken build --format braille` first")
    head = f"{'words':>7}{'min':>6}{'layout':>8}{'min':>6}{'pages':>7}{'cells':>7}"
    print(f"{'file':<44}{'table':<15}{head}  verdict")  # min: the threshold the tests hold
    failed = 0
    for path in files:
        language, slug = path.parent.name, path.stem
        table = braille_table(language)
        if isinstance(table, str):
            continue
        article, _ = prepare_article(project, slug, language)
        texts = article_texts(article, project.config)
        got = words(back_translated(path, table.table))
        share = recovered(words(" ".join(texts)), got)
        layout = recovered(words(round_trip(article, project.config, table)), got)
        pages = brf_pages(path)
        widest = max(len(line) for page in pages for line in page)
        minimum = WORDS_THRESHOLD.get(language)
        ok = layout >= layout_threshold(language) and (minimum is None or share >= minimum)
        ok = ok and widest <= CELLS and max(len(page) for page in pages) <= LINES
        failed += not ok
        shown = f"{minimum:.2f}" if minimum else "  —"
        print(
            f"{path.relative_to(project.site_dir).as_posix():<44}{table.table:<15}{share:>7.3f}{shown:>6}"
            f"{layout:>8.3f}{layout_threshold(language):>6.2f}{len(pages):>7}{widest:>7}"
            f"  {'OK' if ok else 'MISSED'}"
        )
    print("words: the article's words given back; layout: of what liblouis gives back of each block alone")
    for language in project.config.languages:
        if no_braille_reason(language):
            print(f"{language:<8}{no_braille_reason(language)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
