"""Bilingual handout figures for the real site (#26): each language's text layer and the English's.

Builds the project's bilingual handouts into a scratch copy, then for each translated language
prints the share of the article's messages pdftotext gives back in order in the patient's
language and in English (only whitespace and bidi controls removed: punctuation, order,
zero-width non-joiners and combining marks count; the running header and footer left out), the
pairs out of reading order (a message not after the one before it, or not followed by its
English), the page count, how full the emptiest page is, the type (body, smallest content,
smallest running header/footer, points), the marked-content sequences that are neither an
Artifact nor in the structure tree, and the structure elements marked /Lang en. Goals: both text
layers >= 98% in order; body 12 pt, nothing under 11; no page under a quarter full unless it is
the only one; 0 untagged sequences. poppler gives each page the direction most of its letters
have: a right-to-left handout's pages carry invisible right-to-left marks that tip them
(render/bilingual.page_marks), without which Arabic and Farsi fell short (77-82%).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pypdf import PdfReader  # noqa: E402

from benchmarks.sample_site import built_copy  # noqa: E402
from pipeline.builders.pdf_audit import (  # noqa: E402
    TextLayer,
    compare,
    messages,
    pairs_out_of_order,
    pdftotext,
    squash,
    structure_languages,
    unlisted_content,
)
from pipeline.builders.print_measure import page_fills, type_sizes  # noqa: E402
from pipeline.i18n.article import prepare_article  # noqa: E402
from pipeline.render.handout import running_texts  # noqa: E402
from pipeline.source.project import Project, load_project  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = built_copy(Path(tmp), "bilingual")
        if root is None:
            return 1
        return report(root)


def _share(layer: TextLayer) -> str:
    return f"{layer.found}/{layer.total} {layer.share:.1%}"


def report(root: Path) -> int:
    project = load_project(root)
    header = f"{'bilingual handout':<48}{'in order':>15}{'English':>15}{'pairs':>7}{'pages':>7}"
    print(f"{header}{'fill':>6}{'type pt':>12}{'untagged':>10}{'/Lang en':>10}")
    failures = 0
    for path in sorted(project.site_dir.glob("*/*-bilingual.pdf")):
        failures += not _row(project, path)
    goals = ">= 98% of messages in order in both; body 12 pt, none under 11; no near-empty page; 0 untagged"
    print(f"\n{failures} bilingual handout(s) below a goal ({goals})")
    return 0


def _row(project: Project, path: Path) -> bool:
    """Print one handout's row; whether it meets every goal."""
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    language, slug = path.parent.name, path.name.removesuffix("-bilingual.pdf")
    article, _ = prepare_article(project, slug, language)
    english, _ = prepare_article(project, slug, article.doc.metadata.source_language)
    furniture, extracted = running_texts(article, project.config).on_page, pdftotext(path)
    mine, theirs = (
        compare(doc.language, messages(doc, facts), extracted, furniture, simplify=squash)
        for doc in (article.doc, english.doc)
    )
    pairs = list(zip(messages(article.doc, facts), messages(english.doc, facts), strict=True))
    wrong = len(pairs_out_of_order(pairs, extracted, furniture))
    sizes, untagged = type_sizes(path), len(unlisted_content(path))
    readable = sizes.body >= 12 and sizes.content >= 11 and sizes.furniture >= 11
    ok = min(mine.share, theirs.share) >= 0.98 and readable and not untagged
    pages, tagged_en = len(PdfReader(str(path)).pages), structure_languages(path).get("en", 0)
    fill = 1.0 if pages == 1 else min(page_fills(path))
    ok = ok and fill >= 0.25
    row = f"{language + '/' + path.name:<48}{_share(mine):>15}{_share(theirs):>15}{wrong:>7}{pages:>7}"
    row += f"{fill:>6.0%}{sizes.body:>6g}/{sizes.content:g}/{sizes.furniture:<3g}"
    row += f"{untagged:>10}{tagged_en:>10}"
    print(f"{row}{'' if ok else '  << goal'}")
    if "-v" in sys.argv:
        print("".join(f"    not in order: {m}\n" for m in (*mine.missing, *theirs.missing)), end="")
    return ok


if __name__ == "__main__":
    sys.exit(main())
