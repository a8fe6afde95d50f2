"""PDF conformance figures for the real site: text layer, pages, untagged content and languages.

Builds the project's handouts into a scratch copy, then for each language and print size prints
the share of article messages pdftotext gives back (normalised: whitespace, zero-width and bidi
controls, punctuation and combining marks removed; placeholders filled in; the running header and
footer left out), the same in order (only whitespace and bidi controls removed: punctuation,
order, zero-width non-joiners and combining marks such as Arabic tanwīn count), the page count,
the smallest type (content and running header/footer, points, from the content streams), how full
the emptiest page is, the marked-content sequences that are neither an Artifact nor in the
structure tree, and the glyph codes whose ToUnicode is empty. Then, for each language's review
packets and narrator's scripts, the languages their HTML gives parts of the page and the /Lang of
their PDF's structure elements (the voice a screen reader reads each part with). Goals (#13,
#22): text >= 98% in order in every language; type >= 11 pt (header 11) in regular print and
>= 18 pt (header 14) in large print; no page under a quarter full unless it is the only one;
0 untagged sequences; 0 empty glyph codes; every part in its own language. The page count follows
from the type: it is printed, not a goal.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from click.testing import CliRunner  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from benchmarks.sample_site import built_copy  # noqa: E402
from pipeline.builders.pdf_audit import (  # noqa: E402
    empty_unicode_codes,
    squash,
    structure_languages,
    text_layer,
    unlisted_content,
)
from pipeline.builders.print_measure import page_fills, type_sizes  # noqa: E402
from pipeline.cli import main as cli  # noqa: E402
from pipeline.engine.tasks import translate_language  # noqa: E402
from pipeline.render.handout import VARIANTS, running_texts  # noqa: E402
from pipeline.source.articles import load_sources  # noqa: E402
from pipeline.source.project import load_project  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = built_copy(Path(tmp), "pdf")
        if root is None:
            return 1
        return report(root) + languages_report(root)


def report(root: Path) -> int:
    project = load_project(root)
    docs = load_sources(project).documents
    facts = {name: fact.value for name, fact in project.config.facts().items()}
    columns = f"{'text layer':>16}{'in order':>16}{'pages':>7}{'type pt':>10}{'fill':>6}{'untagged':>10}"
    columns += f"{'empty U+':>9}"
    print(f"{'handout':<50}{columns}")
    failures = 0
    for language in project.config.languages:
        articles, _ = translate_language(project, language, docs)
        for article in articles:
            furniture = running_texts(article, project.config).on_page
            for variant in VARIANTS:
                pdf = project.output_dir(language) / f"{article.doc.slug}{variant.suffix}.pdf"
                layer = text_layer(article.doc, facts, pdf, furniture)
                ordered = text_layer(article.doc, facts, pdf, furniture, simplify=squash)
                pages = len(PdfReader(str(pdf)).pages)
                untagged = len(unlisted_content(pdf))
                empty = sum(empty_unicode_codes(pdf).values())
                sizes, fill = type_sizes(pdf), 1.0 if pages == 1 else min(page_fills(pdf))
                floor = (18, 14) if variant.suffix else (11, 11)
                readable = sizes.content >= floor[0] and sizes.furniture >= floor[1] and fill >= 0.25
                ok = ordered.share >= 0.98 and untagged == empty == 0 and readable
                failures += not ok
                label = f"{language}/{pdf.name}"
                text = f"{layer.found}/{layer.total} {layer.share:.1%}"
                order = f"{ordered.found}/{ordered.total} {ordered.share:.1%}"
                type_pt = f"{sizes.content:g}/{sizes.furniture:g}"
                print(
                    f"{label:<50}{text:>16}{order:>16}{pages:>7}{type_pt:>10}{fill:>6.0%}{untagged:>10}{empty:>9}"
                    f"{'' if ok else '  << goal'}"
                )
                if "-v" in sys.argv:
                    print("".join(f"    not in order: {m}\n" for m in ordered.missing), end="")
    goals = ">= 98% of messages in order; type size; no near-empty page; 0 untagged; 0 empty glyph codes"
    print(f"\n{failures} handout(s) below a goal ({goals})")
    return 0


def languages_report(root: Path) -> int:
    """Per language: its packets' and narrator's scripts' parts tagged with their own language."""
    project = load_project(root)
    print(f"\n{'packet or script':<50}{'languages in the HTML':>24}  /Lang elements in the PDF")
    failures = 0
    for language in [tag for tag in project.config.languages if tag != "en"]:
        for command in ("packet", "record"):
            result = CliRunner().invoke(cli, ["-C", str(root), command, language])
            if result.exit_code != 0:
                print(f"{language}: plainspoken {command} failed\n{result.output}")
                failures += 1
                continue
            folder = root / "build" / ("review" if command == "packet" else "record") / language
            for pdf in sorted(folder.glob("*.pdf")):
                failures += _languages_row(language, pdf)
    goals = "each part's language on its structure elements; 0 empty glyph codes"
    print(f"\n{failures} packet(s) or script(s) below a goal ({goals})")
    return 0


def _languages_row(language: str, pdf: Path) -> int:
    """One PDF's row: the languages its HTML marks on parts, and its structure elements' /Lang."""
    html = pdf.with_suffix(".html").read_text("utf-8")
    document = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    marked = set(re.findall(r'\blang="([^"]+)"', html)) - {document[1] if document else ""}
    tagged = structure_languages(pdf)
    empty = sum(empty_unicode_codes(pdf).values())
    ok = marked <= set(tagged) and empty == 0
    label = f"{language}/{pdf.parent.parent.name}/{pdf.name}"
    counts = ", ".join(f"{lang} {n}" for lang, n in sorted(tagged.items()) if lang)
    print(f"{label:<50}{' '.join(sorted(marked)):>24}  {counts}{f'; {empty} empty codes' if empty else ''}"
          f"{'' if ok else '  << goal'}")
    return int(not ok)


if __name__ == "__main__":
    sys.exit(main())
